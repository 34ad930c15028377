/**
 * Runs Pulumi commands against a program through `program-runner` in a child process, carrying the
 * state from run to run as the Pulumi CLI would keep it in its backend.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Emulator } from "../../emulator";
import type { StackState } from "./engine";
import type { ConfigValue, GrpcClient } from "./host";
import type { Interrupter } from "./interrupt";
import type { CommandFlags, Job, RunResult } from "./program-runner";
import { newSecretsKey } from "./secrets";

/** The repository root (this file runs from `tests/harness` or from `dist/tests/harness`). */
export const ROOT = resolve(
  __dirname,
  __dirname.endsWith(join("dist", "tests", "harness")) ? "../../.." : "../..",
);

/** The compiled example programs. */
export const EXAMPLES = {
  basic: join(ROOT, "dist/examples/basic"),
  multiEnv: join(ROOT, "dist/examples/multi-env"),
  apig: join(ROOT, "dist/examples/apig"),
};

/** The config-driven program (`tests/harness/program`): resources from the `resources` config key. */
export const PROGRAM = join(ROOT, "dist/tests/harness/program");

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
  /** The harness's gRPC client; "python" receives partial failures past grpc-js's 64 KiB. */
  grpcClient?: GrpcClient;
}

/** Kill the command when the emulator behind `proxy` has answered `answers` more requests. */
export interface Interruption {
  proxy: Interrupter;
  answers: number;
}

/** How a command ran: flags, and an interruption if any. */
export interface RunOptions extends CommandFlags {
  interrupt?: Interruption;
  /** Extra environment of this command's provider host only (a one-run remedy such as ROMA_ADOPT_EXISTING). */
  env?: NodeJS.ProcessEnv;
}

/**
 * What a killed command leaves: the last checkpoint, and no result (the CLI printed nothing more).
 */
export interface Interrupted extends RunResult {
  interrupted: true;
}

/** The stacks' PULUMI_HOME folders not yet removed; the process removes them as it exits. */
const HOMES = new Set<string>();
process.once("exit", () => HOMES.forEach((home) => rmSync(home, { recursive: true, force: true })));

/** A stack: its state lives here between commands, as in a Pulumi backend. */
export class Stack {
  state: StackState = { resources: [] };
  /** The stack's secrets key (what a passphrase or the service holds for `pulumi`). */
  readonly secretsKey = newSecretsKey();
  /**
   * The stack's own PULUMI_HOME, a temp folder: the engine's environment, which the provider host
   * inherits, so per-user data the provider keeps there (its journal) never reaches the real
   * `~/.pulumi` and no two stacks share it. Every command of the stack sees the same one, as every
   * `pulumi` command of one user does. Removed by `dispose`, or as the process exits.
   */
  readonly home: string;

  constructor(public options: StackOptions) {
    this.home = mkdtempSync(join(tmpdir(), "roma-pulumi-home-"));
    HOMES.add(this.home);
  }

  /** The provider's write-ahead journal folder under this stack's PULUMI_HOME. */
  get journalDir(): string {
    return join(this.home, "roma-appauth", "journal");
  }

  /** Removes the stack's PULUMI_HOME. */
  dispose(): void {
    rmSync(this.home, { recursive: true, force: true });
    HOMES.delete(this.home);
  }

  up(options: RunOptions = {}): Promise<RunResult> {
    return this.run("up", options);
  }

  preview(options: RunOptions = {}): Promise<RunResult> {
    return this.run("preview", options);
  }

  /** `pulumi refresh` (previews, then applies, unless `skipPreview`). */
  refresh(options: RunOptions = {}): Promise<RunResult> {
    return this.run("refresh", options);
  }

  destroy(options: RunOptions = {}): Promise<RunResult> {
    return this.run("destroy", options);
  }

  /** Changes some config values for the next command. */
  set(config: Record<string, ConfigValue>): this {
    this.options.config = { ...this.options.config, ...config };
    return this;
  }

  private async run(command: Job["command"], options: RunOptions): Promise<RunResult> {
    const dir = mkdtempSync(join(tmpdir(), "roma-run-"));
    try {
      const { interrupt, env, ...flags } = options;
      const job: Job = {
        command,
        flags,
        secretsKey: this.secretsKey,
        grpcClient: this.options.grpcClient,
        checkpointFile: join(dir, "state.json"),
        program: this.options.program,
        cwd: this.options.cwd ?? this.options.program,
        project: this.options.project ?? "roma-appauth",
        stack: this.options.stack ?? "dev",
        config: this.options.config,
        state: this.state,
        hostEnv: {
          ...withoutCredentials(process.env),
          PULUMI_HOME: this.home,
          ...this.options.env,
          ...env,
        },
        resultFile: join(dir, "result.json"),
      };
      writeFileSync(join(dir, "job.json"), JSON.stringify(job));
      // The program runs in the project folder, as does the provider host (`pulumi` starts both
      // there). Its own process group, so that an interruption kills the host with it.
      const child = spawn(process.execPath, [RUNNER, join(dir, "job.json")], {
        cwd: job.cwd,
        env: job.hostEnv,
        detached: true,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let killed = false;
      interrupt?.proxy.arm(interrupt.answers, () => {
        killed = true;
        process.kill(-child.pid!, "SIGKILL");
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((done) => child.once("exit", done));
      interrupt?.proxy.disarm();
      if (killed) {
        // What the backend holds is the last checkpoint written before the kill.
        if (existsSync(job.checkpointFile)) {
          this.state = JSON.parse(readFileSync(job.checkpointFile, "utf8")) as StackState;
        }
        const interrupted: Interrupted = {
          interrupted: true,
          state: this.state,
          steps: [],
          outputs: {},
          warnings: [],
          hostOutput: "",
        };
        return interrupted;
      }
      // After a program's own failure the Pulumi runtime reports its leaked promises and sets a
      // failing exit code on its way out; the result was written before, and tells what failed.
      if (code !== 0 && !existsSync(job.resultFile)) {
        throw new Error(`program runner failed: ${stderr}`);
      }
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
    // The same server serves APIG's paths.
    "apig:endpoint": emulator.url,
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

/** The multi-environment example's own config: three apps, three public and two internal APIs. */
export function multiEnvConfig(emulator: Emulator, project = "roma-appauth-multi-env") {
  const seed = emulator.seed;
  const ids = (items: { id: string }[]) => JSON.stringify(items.map((x) => x.id));
  return {
    [`${project}:instanceId`]: seed.instanceId,
    [`${project}:releaseEnvId`]: seed.environments[0].id,
    [`${project}:testEnvId`]: seed.environments[1].id,
    [`${project}:appIds`]: ids(seed.apps.slice(0, 3)),
    [`${project}:publicApiIds`]: ids(seed.apis.slice(0, 3)),
    [`${project}:internalApiIds`]: ids(seed.apis.slice(3, 5)),
  };
}

function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !CREDENTIAL_ENV.test(k)));
}

/** The APIG example's own config: the emulator's APIG instance, two apps, the first `apis` APIs. */
export function apigConfig(emulator: Emulator, apis = 2, project = "roma-appauth-apig") {
  const seed = emulator.seed;
  const ids = (items: { id: string }[]) => JSON.stringify(items.map((x) => x.id));
  return {
    [`${project}:instanceId`]: seed.apigInstanceId,
    [`${project}:appIds`]: ids(seed.apps.slice(0, 2)),
    [`${project}:apiIds`]: ids(seed.apis.slice(0, apis)),
  };
}
