/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  },
  // Lifecycle tests start real processes (program, provider host); the slowest take tens of seconds.
  testTimeout: 180000,
  globalSetup: "<rootDir>/tests/global-setup.ts",
  setupFilesAfterEnv: ["<rootDir>/tests/pulumi-home.ts"],
};
