/**
 * The emulator's command line: a wrong flag stops it at once with one line naming the flag, and
 * the help text shows the command the user actually typed.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { startEmulator } from "../../emulator";
import { describe as describeEmulator, invokedAs, parseCommandLine } from "../../emulator/cli";

const CLI = join(__dirname, "../../dist/emulator/cli.js");

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { npm_lifecycle_event: _event, ...inherited } = process.env;
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { ...inherited, ...env },
    encoding: "utf8",
    // A command line that starts the server would run until killed: it must not get that far.
    timeout: 20000,
  });
}

describe("emulator command line", () => {
  it.each([
    ["--port", ["--port", "abc"]],
    ["--port", ["--port", "70000"]],
    ["--apps", ["--apps", "0"]],
    ["--apis", ["--apis", "2.5"]],
    ["--latency", ["--latency", "abc"]],
    ["--lag", ["--lag", "-1"]],
    ["--duplicates", ["--duplicates", "ignore"]],
    ["--state-file", ["--state-file", "/no/such/folder/state.json"]],
    ["--colour", ["--colour"]],
  ])("refuses a wrong %s, naming it", (flag, args) => {
    expect(() => parseCommandLine(args)).toThrow(flag);
  });

  it("takes good values as numbers", () => {
    expect(
      parseCommandLine(["--port", "0", "--apps", "2", "--latency", "15", "--lag", "0"]),
    ).toMatchObject({
      port: 0,
      seed: { apps: 2 },
      faults: { latencyMs: { default: 15 }, visibilityLagMs: 0 },
    });
  });

  it.each([
    [["--port", "abc"], "--port"],
    [["--state-file", "/no/such/folder/state.json"], "--state-file"],
  ])("stops at once on %j with one line naming the flag", (args, flag) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(flag);
    expect(lines[0]).toContain("--help");
  });

  it("shows in --help the command the user typed", () => {
    expect(run(["--help"], { npm_lifecycle_event: "emulator" }).stdout).toMatch(
      /^Usage: npm run emulator -- \[options\]/,
    );
    expect(
      invokedAs({}, "/home/u/project/node_modules/pulumi-roma-appauth/dist/emulator/cli.js"),
    ).toBe("npx roma-emulator");
    expect(invokedAs({}, join(process.cwd(), "dist/emulator/cli.js"))).toBe(
      "node dist/emulator/cli.js",
    );
  });

  it("prints the settings of both gateways: one URL, an instance for each", async () => {
    const emu = await startEmulator();
    try {
      const text = describeEmulator(emu);
      const { instanceId, apigInstanceId } = emu.seed;
      expect(instanceId).not.toBe(apigInstanceId);
      expect(text).toMatch(new RegExp(`^  instance id +${instanceId}$`, "m"));
      expect(text).toMatch(new RegExp(`^  APIG instance id +${apigInstanceId}$`, "m"));
      expect(text).toContain(`  pulumi config set roma:endpoint ${emu.url}\n`);
      expect(text).toContain(`  pulumi config set apig:endpoint ${emu.url}\n`);
      expect(text).toContain(`  pulumi config set instanceId ${instanceId}\n`);
      expect(text).toContain(`instanceId ${apigInstanceId}`);
      expect(text).toContain(`export ROMA_ENDPOINT=${emu.url} APIG_ENDPOINT=${emu.url} `);
    } finally {
      await emu.close();
    }
  });
});
