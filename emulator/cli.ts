#!/usr/bin/env node
/**
 * `npm run emulator -- --port 8780`: starts the emulator for people, and prints what it accepts,
 * what it was seeded with, and how to point the provider at it.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { CONTROL_KEY_HEADER, startEmulator, type Emulator, type EmulatorOptions } from "./server";

const OPTIONS = `Options:
  --port N            port on 127.0.0.1 (default 8780; 0 picks a free one)
  --state-file PATH   keep the authorizations in this JSON file across restarts
  --latency MS        delay every answer
  --throttle R        a tenant limit: R API requests a second, then 429 APIG.0308 (a token bucket)
  --throttle-burst B  requests the bucket holds (default R)
  --throttle-retry-after S  the Retry-After of a throttled answer (default: none)
  --lag MS            writes show in binded-apis only after this delay
  --duplicates MODE   an already-authorized pair: "skip" (SKIPPED, default) or "error" (400 APIG.3316)
  --apps N --apis N   how many apps and APIs to seed (default 4 and 8)
  --region NAME       region name (default cn-north-4)
  --max-body BYTES    largest request body accepted (default 1048576; larger ones answer 413)
  --control-key KEY   the key the control endpoints require (default: a random one, printed)
  --help              this text`;

/** A command line that cannot work: one line naming the flag, said before anything starts. */
class UsageError extends Error {}

/**
 * How the user started the emulator, for the help text: `npm run emulator --` in this repository,
 * `npx roma-emulator` where the package is installed, else the node command itself.
 */
export function invokedAs(env: NodeJS.ProcessEnv = process.env, script = __filename): string {
  if (env.npm_lifecycle_event === "emulator") return "npm run emulator --";
  if (script.split(sep).includes("node_modules")) return "npx roma-emulator";
  return `node ${relative(process.cwd(), script) || script}`;
}

/** The emulator's options from its command line; throws a {@link UsageError} for a wrong flag. */
export function parseCommandLine(args: string[]): EmulatorOptions | "help" {
  let parsed;
  try {
    parsed = parse(args);
  } catch (error) {
    // parseArgs names the flag already ("Unknown option '--x'", "Option '--port <value>' ...").
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const duplicates = values.duplicates;
  if (duplicates !== undefined && duplicates !== "skip" && duplicates !== "error") {
    throw new UsageError(
      `--duplicates must be "skip" or "error", not ${JSON.stringify(duplicates)}`,
    );
  }
  const stateFile = values["state-file"];
  if (stateFile !== undefined) {
    const folder = dirname(resolve(stateFile));
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw new UsageError(`--state-file ${stateFile}: the folder ${folder} does not exist`);
    }
  }
  const latency = whole("--latency", values.latency, 0, 600_000);
  const perSecond = whole("--throttle", values.throttle, 1, 1_000_000);
  const controlKey = values["control-key"];
  if (controlKey !== undefined && controlKey.length === 0) {
    throw new UsageError("--control-key must not be empty");
  }
  return {
    port: whole("--port", values.port, 0, 65535),
    stateFile,
    maxBodyBytes: whole("--max-body", values["max-body"], 1, 1024 ** 3),
    controlKey,
    seed: {
      apps: whole("--apps", values.apps, 1, 10_000),
      apis: whole("--apis", values.apis, 1, 10_000),
      region: values.region,
    },
    faults: {
      latencyMs: latency === undefined ? undefined : { default: latency },
      visibilityLagMs: whole("--lag", values.lag, 0, 600_000),
      duplicates,
      throttle:
        perSecond === undefined
          ? undefined
          : {
              perSecond,
              burst: whole("--throttle-burst", values["throttle-burst"], 1, 1_000_000),
              retryAfterSeconds: whole(
                "--throttle-retry-after",
                values["throttle-retry-after"],
                0,
                3600,
              ),
            },
    },
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      port: { type: "string", default: "8780" },
      "state-file": { type: "string" },
      latency: { type: "string" },
      throttle: { type: "string" },
      "throttle-burst": { type: "string" },
      "throttle-retry-after": { type: "string" },
      lag: { type: "string" },
      duplicates: { type: "string" },
      apps: { type: "string" },
      apis: { type: "string" },
      region: { type: "string" },
      "max-body": { type: "string" },
      "control-key": { type: "string" },
      help: { type: "boolean" },
    },
  });
}

function whole(flag: string, value: string | undefined, min: number, max: number) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(
      `${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
    );
  }
  return n;
}

async function main(): Promise<void> {
  const options = parseCommandLine(process.argv.slice(2));
  if (options === "help") {
    console.log(`Usage: ${invokedAs()} [options]\n${OPTIONS}`);
    return;
  }
  const emulator = await startEmulator(options);
  console.log(describe(emulator, options.stateFile));
  // Close writes every acknowledged record to the state file before the process ends.
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** The text printed at start: endpoints, seeded ids, credentials, and ready-made settings. */
export function describe(emulator: Emulator, stateFile?: string): string {
  const { seed, url } = emulator;
  const c = seed.credentials;
  const table = (rows: [string, string][]) =>
    rows.map(([k, v]) => `  ${k.padEnd(16)} ${v}`).join("\n");
  return `ROMA Connect and APIG emulator listening on ${url}
  IAM answers on the same URL; control endpoints are under ${url}/_emulator/ (seed, bindings, log, faults)
  and need the header ${CONTROL_KEY_HEADER}: ${emulator.controlKey}
  ${stateFile ? `Authorizations are kept in ${stateFile}.` : "Authorizations live in memory (--state-file keeps them across restarts)."}

Seeded with
${table([
  ["region", seed.region],
  ["project id", seed.projectId],
  ["instance id", seed.instanceId],
  ["APIG instance id", seed.apigInstanceId],
  ...seed.environments.map((e): [string, string] => [`env ${e.name}`, e.id]),
  ...seed.apps.map((a): [string, string] => [`app ${a.name}`, a.id]),
  ...seed.apis.map((a): [string, string] => [`API ${a.name}`, a.id]),
])}

Credentials it accepts
${table([
  ["token", c.token],
  ["read-only token", c.readOnlyToken],
  ["AK / SK", `${c.accessKey} / ${c.secretKey}`],
  ["read-only AK/SK", `${c.readOnlyAccessKey} / ${c.readOnlySecretKey}`],
  [
    "temporary AK",
    `${c.temporary.accessKey} / ${c.temporary.secretKey} + security token ${c.temporary.securityToken}`,
  ],
  ["IAM user", `${c.user.name} / ${c.user.password} (domain ${c.user.domainName})`],
])}

Point a stack at it (run in the project folder, e.g. the repository root):
  pulumi config set roma:endpoint ${url}
  pulumi config set apig:endpoint ${url}
  pulumi config set roma:authUrl ${url}
  pulumi config set roma:region ${seed.region}
  pulumi config set roma:projectId ${seed.projectId}
  pulumi config set --secret roma:token ${c.token}
  # what the basic example (examples/basic) asks for:
  pulumi config set instanceId ${seed.instanceId}
  pulumi config set envId ${seed.environments[0].id}
  pulumi config set appId ${seed.apps[0].id}
  pulumi config set apiIds '${JSON.stringify(seed.apis.slice(0, 3).map((a) => a.id))}'
  # the same for the APIG instance (its records are apart from the ROMA Connect instance's):
  # pulumi config set instanceId ${seed.apigInstanceId}

Or with environment variables:
  export ROMA_ENDPOINT=${url} APIG_ENDPOINT=${url} HW_AUTH_URL=${url} HW_REGION_NAME=${seed.region}
  export HW_PROJECT_ID=${seed.projectId} HW_AUTH_TOKEN=${c.token}`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`roma-emulator: ${error.message} (${invokedAs()} --help lists the options)`);
      process.exit(2);
    }
    console.error(`roma-emulator: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
