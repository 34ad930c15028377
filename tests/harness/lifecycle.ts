/**
 * Runs Pulumi commands against a program through `program-runner` in a child process, carrying the
 * state from run to run as the Pulumi CLI would keep it in its backend.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Emulator } from "../../emulator";
import type { StackState } from "./engine";
import type { ConfigValue } from "./host";
import type { Job, RunResult } from "./program-runner";

/** The repository root (this file runs from `tests/harness` or from `dist/tests/harness`). */
export const ROOT = resolve(
  __dirname,
  __dirname.endsWith(join("dist", "tests", "harness")) ? "../../.." : "../..",
);

/** The compiled example programs. */
export const EXAMPLES = {
  basic: join(ROOT, "dist/examples/basic"),
  multiEnv: join(ROOT, "dist/examples/multi-env"),
};

const RUNNER = join(ROOT, "dist/tests/harness/program-runner.js");

/** Environment variables that carry credentials; the host sees only those a test gives it. */
const CREDENTIAL_ENV = /^(HW_|HUAWEICLOUD_|ROMA_)/;

export interface StackOptions {
  /** The program's folder (compiled JS). */
  program: string;
  project?: string;
  stack?: string;
  /** Stack config, provider settings (`roma:...`) and the program's own keys alike. */
  config: Record<string, ConfigValue>;
  /** Extra environment of the provider host. */
  env?: NodeJS.ProcessEnv;
  /** Where the provider host runs and `@pulumi/pulumi` is found (default: the program's folder). */
  cwd?: string;
}

/** A stack: its state lives here between commands, as in a Pulumi backend. */
export class Stack {
  state: StackState = { resources: [] };

  constructor(public options: StackOptions) {}

  up(): Promise<RunResult> {
    return this.run("up");
  }

  preview(): Promise<RunResult> {
    return this.run("preview");
  }

  refresh(): Promise<RunResult> {
    return this.run("refresh");
  }

  destroy(): Promise<RunResult> {
    return this.run("destroy");
  }

  /** Changes some config values for the next command. */
  set(config: Record<string, ConfigValue>): this {
    this.options.config = { ...this.options.config, ...config };
    return this;
  }

  private async run(command: Job["command"]): Promise<RunResult> {
    const dir = mkdtempSync(join(tmpdir(), "roma-run-"));
    try {
      const job: Job = {
        command,
        program: this.options.program,
        cwd: this.options.cwd ?? this.options.program,
        project: this.options.project ?? "roma-appauth",
        stack: this.options.stack ?? "dev",
        config: this.options.config,
        state: this.state,
        hostEnv: { ...withoutCredentials(process.env), ...this.options.env },
        resultFile: join(dir, "result.json"),
      };
      writeFileSync(join(dir, "job.json"), JSON.stringify(job));
      await new Promise<void>((done, fail) =>
        execFile(
          process.execPath,
          [RUNNER, join(dir, "job.json")],
          // The program runs in the project folder, as does the provider host (`pulumi` starts both there).
          { cwd: job.cwd, env: job.hostEnv },
          (error, _out, err) =>
            error ? fail(new Error(`program runner failed: ${err || error.message}`)) : done(),
        ),
      );
      const result = JSON.parse(readFileSync(job.resultFile, "utf8")) as RunResult;
      this.state = result.state;
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * The `__provider` text a program in `cwd` stores (as `pulumi.dynamic.Resource` serializes it), for
 * tests that drive the provider host directly.
 */
export function serializedProvider(cwd = ROOT, entry?: string): string {
  const script = join(ROOT, "dist/tests/harness/serialize-provider.js");
  return execFileSync(process.execPath, entry ? [script, entry] : [script], { cwd }).toString();
}

/** Provider settings that point at an emulator, authenticating with its token. */
export function emulatorConfig(
  emulator: Pick<Emulator, "url" | "seed">,
): Record<string, ConfigValue> {
  return {
    "roma:endpoint": emulator.url,
    "roma:authUrl": emulator.url,
    "roma:region": emulator.seed.region,
    "roma:projectId": emulator.seed.projectId,
    "roma:token": { secret: emulator.seed.credentials.token },
    // The emulator shows writes at once unless told to lag; tests that remove pairs out of band
    // should not wait the default 10 s for them to reappear.
    "roma:consistencyTimeout": "1",
  };
}

/** The basic example's own config for an emulator's seed: one app, the first `apis` APIs. */
export function basicConfig(emulator: Emulator, apis = 3, project = "roma-appauth") {
  const seed = emulator.seed;
  return {
    [`${project}:instanceId`]: seed.instanceId,
    [`${project}:envId`]: seed.environments[0].id,
    [`${project}:appId`]: seed.apps[0].id,
    [`${project}:apiIds`]: JSON.stringify(seed.apis.slice(0, apis).map((a) => a.id)),
  };
}

function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !CREDENTIAL_ENV.test(k)));
}
