import process from "node:process";

// MUTATION_TESTS=unit: only tests/unit/ (about ten minutes per file rather than most of an hour),
// for working on one file's tests. MUTATION_TESTS=<test files, comma-separated>: only those, for a
// module that only integration tests reach (each of its mutants is covered by most of them). Either
// score is a lower bound of the full run's, and their results are kept apart from the full run's.
const chosen = process.env.MUTATION_TESTS;
const unitOnly = chosen === "unit";
const subset = chosen && !unitOnly ? chosen.split(",").map((path) => `<rootDir>/${path}`) : [];
const partial = unitOnly || subset.length > 0;

/**
 * Mutation testing (`npm run mutation`): StrykerJS changes the provider's code one small rule at a
 * time and runs the tests against each change; a change no test notices marks a rule no test pins.
 * See README "Developing" for how to run it on one file and read the report.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ["provider/**/*.ts"],
  testRunner: "jest",
  jest: {
    configFile: "jest.config.js",
    // Every test runs against every mutant it covers, integration tests included, not only the
    // tests that import the mutated file by name.
    enableFindRelatedTests: false,
    config: {
      // Lifecycle and package tests run the compiled dist/ in child processes: mutants never reach
      // them, and they are the slowest. Without them nothing needs dist/, so no global build.
      testPathIgnorePatterns: [
        "/node_modules/",
        "<rootDir>/tests/lifecycle/",
        "<rootDir>/tests/package/",
        ...(unitOnly ? ["<rootDir>/tests/(?!unit/)"] : []),
      ],
      ...(subset.length > 0 ? { testMatch: subset } : {}),
      globalSetup: undefined,
    },
  },
  checkers: ["typescript"],
  // Stryker adds `// @ts-nocheck` to every file it mutates; provider/args.ts is generated and a
  // unit test compares it byte for byte with what the generator writes, so it is left as it is.
  disableTypeChecks: "provider/**/!(args).ts",
  // The checker only needs to know whether a mutant of provider/ compiles: checking provider/ alone
  // (tests, emulator and scripts left out) is several times faster per mutant.
  tsconfigFile: "tsconfig.mutation.json",
  coverageAnalysis: "perTest",
  // Re-runs test only the mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: partial
    ? "reports/stryker-incremental-unit.json"
    : "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: {
    fileName: partial ? "reports/mutation-unit/index.html" : "reports/mutation/index.html",
  },
  jsonReporter: {
    fileName: partial ? "reports/mutation-unit/mutation.json" : "reports/mutation/mutation.json",
  },
  // Apart per mode, so a quick run and a full run can work at once.
  tempDirName: partial ? ".stryker-tmp-unit" : ".stryker-tmp",
  ignorePatterns: ["dist", "reports", "coverage", "docs/api", "*.tgz", ".stryker-tmp*"],
  // Lagging-read and retry tests wait on purpose (up to roma:consistencyTimeout, Retry-After).
  timeoutMS: 10000,
};
