// @ts-check
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import { readdirSync } from "node:fs";
import { URL, fileURLToPath } from "node:url";
import tseslint from "typescript-eslint";

/**
 * The provider's layers, lowest first (README, "Developing"): a module may import its own layer and
 * those below, never one above. Each layer: its files, and the module names other files import it by.
 */
const LAYERS = [
  { name: "leaf utilities", modules: ["secret", "log", "clock", "ids", "types", "fields"] },
  { name: "http", folder: "http" },
  { name: "auth", folder: "auth" },
  { name: "settings", modules: ["settings"] },
  { name: "planning", modules: ["plan", "diff", "validate", "state", "journal"] },
  { name: "roma", modules: ["wire", "roma-errors", "roma-api"] },
  { name: "runtime", modules: ["runtime"] },
  { name: "operations", modules: ["operations"] },
  { name: "handlers", modules: ["handlers"] },
  { name: "glue", modules: ["provider", "resource", "args", "index"] },
];

const filesOf = (layer) =>
  layer.folder ? [`provider/${layer.folder}/**`] : layer.modules.map((m) => `provider/${m}.ts`);
const importsOf = (layer) =>
  layer.folder ? [`**/${layer.folder}/*`] : layer.modules.map((m) => `**/${m}`);

// A module no layer names would escape the rule: name it in LAYERS.
const placed = new Set(LAYERS.flatMap((l) => l.folder ?? l.modules.map((m) => `${m}.ts`)));
const unplaced = readdirSync(fileURLToPath(new URL("provider", import.meta.url))).filter(
  (f) => !placed.has(f),
);
if (unplaced.length > 0) {
  throw new Error(
    `eslint.config.mjs: put provider/${unplaced.join(", provider/")} in a layer of LAYERS`,
  );
}

const layering = LAYERS.slice(0, -1).map((layer, i) => ({
  files: filesOf(layer),
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: LAYERS.slice(i + 1).map((above) => ({
          group: importsOf(above),
          message: `${layer.name} is below ${above.name}: lower layers never import higher ones (README, "Developing")`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "coverage/**",
      "docs/api/**",
      "node_modules/**",
      "reports/**",
      ".stryker-tmp*/**",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      eqeqeq: ["error", "always"],
      // Methods async by contract (the dynamic provider's, the authenticators') stay async without
      // an await, so that what they throw still arrives as a rejection.
      "@typescript-eslint/require-await": "off",
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  {
    // Tool configs at the root are outside tsconfig's projects: linted without types.
    files: ["*.js", "*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { module: "writable", require: "readonly" },
    },
  },
  {
    // The emulator is the oracle the provider is tested against: sharing the provider's code would
    // let one mistake pass on both sides.
    files: ["emulator/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/provider", "**/provider/**"],
              message: "the emulator stays independent of the provider",
            },
          ],
        },
      ],
    },
  },
  ...layering,
  {
    // Small functions, so that a reader finds where a request is built or a diff decided.
    files: ["provider/**"],
    rules: {
      complexity: ["error", 15],
      "max-lines-per-function": ["error", { max: 40, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Tests read parsed JSON bodies and compare with jest's asymmetric matchers, both typed `any`;
    // their assertions, not the types, check those values.
    files: ["tests/**"],
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
    },
  },
  {
    files: ["emulator/cli.ts", "scripts/**", "examples/**", "tests/**"],
    rules: { "no-console": "off" },
  },
  prettier,
);
