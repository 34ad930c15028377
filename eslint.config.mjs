// @ts-check
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

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
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      eqeqeq: ["error", "always"],
      "no-console": ["error", { allow: ["error"] }],
    },
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
  {
    files: ["emulator/cli.ts", "scripts/**", "examples/**", "tests/**"],
    rules: { "no-console": "off" },
  },
  prettier,
);
