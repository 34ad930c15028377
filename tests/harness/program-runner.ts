/**
 * One `pulumi up` / `preview` / `refresh` / `destroy`, in its own process as Pulumi runs programs:
 * the program runs on the real Pulumi runtime with `setMocks`, whose `newResource` hands each
 * resource's inputs (with the SDK-serialized `__provider`) to the real dynamic-provider host.
 *
 * Usage: node program-runner.js <job.json>; the result is written to `job.resultFile`.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Engine, type ResourceOptions, type StackState, type Step } from "./engine";
import { ProviderHost, type ConfigValue, type GrpcClient, type Props } from "./host";
import { decryptConfig, encryptConfig } from "./secrets";
import type { Input } from "@pulumi/pulumi";

/** Flags of the `pulumi` command, as the CLI takes them. */
export interface CommandFlags {
  /** `--skip-preview` (refresh and destroy preview first otherwise). */
  skipPreview?: boolean;
  /** `pulumi refresh --clear-pending-creates`. */
  clearPendingCreates?: boolean;
  /** `--continue-on-error`. */
  continueOnError?: boolean;
  /** `--run-program` (refresh, destroy): configure from the current config, not the stored one. */
  runProgram?: boolean;
}

export interface Job {
  command: "up" | "preview" | "refresh" | "destroy";
  flags: CommandFlags;
  /** The stack's secrets key (the engine encrypts secret config it stores with it). */
  secretsKey: string;
  /** The harness's gRPC client (python: large answers, as the engine's grpc-go takes them). */
  grpcClient?: GrpcClient;
  /** Where each checkpoint is written, as the backend persists the snapshot. */
  checkpointFile: string;
  /** Folder of the compiled program (for up and preview). */
  program?: string;
  /** Where the provider host runs and `@pulumi/pulumi` is found. */
  cwd: string;
  project: string;
  stack: string;
  config: Record<string, ConfigValue>;
  state: StackState;
  /** Environment of the provider host (credentials given as environment variables go here). */
  hostEnv: NodeJS.ProcessEnv;
  resultFile: string;
}

export interface RunResult {
  state: StackState;
  steps: Step[];
  /** The program's exports, resolved. */
  outputs: Record<string, unknown>;
  /** What the CLI prints as the command's error(s). */
  error?: string;
  /** What the CLI prints as warnings. */
  warnings: string[];
  /** Everything the provider host printed. */
  hostOutput: string;
}

/** What a program export unknown in a preview resolves to in a run's outputs. */
export const UNKNOWN_IN_PREVIEW = "<unknown in preview>";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

async function main(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, "utf8")) as Job;
  const plain = Object.fromEntries(
    Object.entries(job.config).map(([k, v]) => [k, typeof v === "string" ? v : v.secret]),
  );
  process.env.PULUMI_CONFIG = JSON.stringify(plain);
  process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(
    Object.keys(job.config).filter((k) => typeof job.config[k] !== "string"),
  );
  // Every command starts its own provider host, as `pulumi` starts its plugins per command.
  const host = await ProviderHost.start({
    cwd: job.cwd,
    env: job.hostEnv,
    grpcClient: job.grpcClient,
  });
  const engine = new Engine(host, job.state, {
    preview: job.command === "preview",
    continueOnError: job.flags.continueOnError,
    checkpoint: (state) => persist(job.checkpointFile, state),
  });
  const result: RunResult = {
    state: job.state,
    steps: engine.steps,
    outputs: {},
    warnings: engine.warnings,
    hostOutput: "",
  };
  try {
    const runsProgram = job.command === "up" || job.command === "preview";
    await host.configure(
      runsProgram || job.flags.runProgram || !job.state.provider
        ? job.config
        : decryptConfig(job.state.provider.inputs, job.secretsKey),
    );
    if (job.command === "refresh") await engine.refresh(job.flags);
    else if (job.command === "destroy") await engine.destroy();
    else result.outputs = await runProgram(job, engine);
  } catch (error) {
    result.error = (error as Error).message;
  }
  result.state = engine.snapshot();
  persist(job.checkpointFile, result.state);
  await host.close();
  result.hostOutput = host.output;
  writeFileSync(job.resultFile, JSON.stringify(result, null, 2));
}

async function runProgram(job: Job, engine: Engine): Promise<Record<string, unknown>> {
  const load = createRequire(join(job.program!, "index.js"));
  const registered = new Set<string>();
  const pending: Promise<unknown>[] = [];
  const errors: string[] = [];
  const pulumi: typeof import("@pulumi/pulumi") = load("@pulumi/pulumi");
  // A failed registration also rejects promises inside the Pulumi runtime that nothing awaits; the
  // error is already recorded (as the language host reports it), so they must not end the process.
  // Any other unhandled rejection is the program's own failure (a throwing apply, for example),
  // which the Node language host reports and fails the update on (sdk/nodejs/cmd/run/run.ts).
  let crash: (error: Error) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => undefined);
  process.on("unhandledRejection", (reason) => {
    if (errors.length > 0) return;
    crash(
      new Error(
        `Running program '${job.program}' failed with an unhandled exception:\n${String(reason)}`,
      ),
    );
  });
  const options = new Map<string, ResourceOptions & { secretOutputs: string[] }>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const urn = `urn:pulumi:${job.stack}::${job.project}::${args.type}::${args.name}`;
        if (registered.size === 0) {
          // The default provider registers with the first resource that needs it; its inputs are
          // the whole stack config (target.go, GetPackageConfig), stored with secrets encrypted.
          engine.storeProvider({
            urn: `urn:pulumi:${job.stack}::${job.project}::pulumi:providers:pulumi-nodejs::default`,
            inputs: encryptConfig(job.config, job.secretsKey),
          });
        }
        registered.add(urn);
        const inputs = engineValue(args.inputs, pulumi) as Props;
        // pkg/resource/deploy/step_executor.go: an output is stored secret when the input of the
        // same top-level name was secret, or it is listed in additionalSecretOutputs.
        const { secretOutputs, ...opts } = options.get(args.name) ?? { secretOutputs: [] };
        const secrets = [...new Set(secretOutputs)].sort();
        const done = engine.register(urn, args.type, args.name, inputs, opts, secrets).then(
          ({ id, outputs }) => ({ id, state: outputs }),
          (error: Error) => {
            errors.push(error.message);
            throw error;
          },
        );
        pending.push(done.catch(() => undefined));
        return done;
      },
      call: (args) => args.inputs,
    },
    job.project,
    job.stack,
    job.command === "preview",
  );
  interceptOptions(load, options);
  // Registrations can start registrations (outputs feeding inputs): wait until none is left. A
  // failed resource's outputs never resolve, so stop there as `pulumi up` does.
  const settle = async () => {
    for (let seen = -1; seen !== pending.length;) {
      seen = pending.length;
      await Promise.all(pending);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (errors.length > 0) throw new Error(errors.join("\n"));
  };
  const exports = load(job.program!) as Record<string, unknown>;
  await Promise.race([settle(), crashed]);
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) {
    // `apply` never runs for a value unknown in a preview; the Output's own promises tell.
    const out = pulumi.output(value as Input<object>) as unknown as {
      isKnown: Promise<boolean>;
      promise(): Promise<unknown>;
    };
    const known = await Promise.race([out.isKnown, crashed]);
    outputs[key] = known ? await Promise.race([out.promise(), crashed]) : UNKNOWN_IN_PREVIEW;
  }
  await settle();
  await engine.deleteUnregistered(registered);
  return outputs;
}

// The mocks hand `newResource` no resource options: read them from the registration request the
// Pulumi runtime sends its (mock) monitor, as the engine reads them.
function interceptOptions(
  load: NodeJS.Require,
  into: Map<string, ResourceOptions & { secretOutputs: string[] }>,
): void {
  type Request = import("@pulumi/pulumi/proto/resource_pb").RegisterResourceRequest;
  type Monitor = { registerResource(req: Request, done: unknown): unknown };
  const settings = load("@pulumi/pulumi/runtime/settings") as { getMonitor(): Monitor };
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, done) => {
    into.set(req.getName(), {
      ...(req.getProtect() ? { protect: true } : {}),
      ...(req.getRetainondelete() ? { retainOnDelete: true } : {}),
      ...(req.getIgnorechangesList().length > 0
        ? { ignoreChanges: req.getIgnorechangesList() }
        : {}),
      ...(req.getDeletebeforereplacedefined()
        ? { deleteBeforeReplace: req.getDeletebeforereplace() }
        : {}),
      // Secret inputs arrive wrapped in the request (the mocks unwrap them before newResource).
      secretOutputs: [
        ...req.getAdditionalsecretoutputsList(),
        ...Object.entries((req.getObject()?.toJavaScript() ?? {}) as Props)
          .filter(([, v]) => isSecret(v))
          .map(([k]) => k),
      ],
    });
    return register(req, done);
  };
}

function isSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && SECRET_SIG in value;
}

// The snapshot is replaced whole, never half-written, as the backend writes it.
function persist(file: string, state: StackState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

// What the engine sends a provider: unknowns as the sentinel, secrets unwrapped (the dynamic
// provider host does not accept secrets).
function engineValue(value: unknown, pulumi: typeof import("@pulumi/pulumi")): unknown {
  if (pulumi.Output.isInstance(value)) return UNKNOWN;
  if ((value as object | null)?.constructor?.name === "Unknown") return UNKNOWN;
  if (Array.isArray(value)) return value.map((v) => engineValue(v, pulumi));
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (SECRET_SIG in o) return engineValue(o.value, pulumi);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, engineValue(v, pulumi)]));
  }
  return value;
}

if (require.main === module) {
  // After a failed registration the Pulumi runtime keeps its RPC keep-alive open, as the real
  // language host does until the engine ends it; the result is written, so end here.
  main(process.argv[2]).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
