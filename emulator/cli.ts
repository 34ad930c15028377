#!/usr/bin/env node
/**
 * `npm run emulator -- --port 8780`: starts the emulator for people, and prints what it accepts,
 * what it was seeded with, and how to point the provider at it.
 */
import { parseArgs } from "node:util";
import { CONTROL_KEY_HEADER, startEmulator, type Emulator } from "./server";

const USAGE = `Usage: npm run emulator -- [options]
  --port N            port on 127.0.0.1 (default 8780; 0 picks a free one)
  --state-file PATH   keep the authorizations in this JSON file across restarts
  --latency MS        delay every answer
  --lag MS            writes show in binded-apis only after this delay
  --duplicates MODE   an already-authorized pair: "skip" (SKIPPED, default) or "error" (400 APIG.3316)
  --apps N --apis N   how many apps and APIs to seed (default 4 and 8)
  --region NAME       region name (default cn-north-4)
  --max-body BYTES    largest request body accepted (default 1048576; larger ones answer 413)
  --control-key KEY   the key the control endpoints require (default: a random one, printed)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8780" },
      "state-file": { type: "string" },
      latency: { type: "string" },
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
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const duplicates = values.duplicates;
  if (duplicates !== undefined && duplicates !== "skip" && duplicates !== "error") {
    throw new Error(`--duplicates must be "skip" or "error", not ${duplicates}`);
  }
  const emulator = await startEmulator({
    port: number(values.port),
    stateFile: values["state-file"],
    maxBodyBytes: number(values["max-body"]),
    controlKey: values["control-key"],
    seed: { apps: number(values.apps), apis: number(values.apis), region: values.region },
    faults: {
      latencyMs: values.latency ? { default: Number(values.latency) } : undefined,
      visibilityLagMs: number(values.lag),
      duplicates,
    },
  });
  console.log(describe(emulator, values["state-file"]));
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
  return `ROMA Connect emulator listening on ${url}
  IAM answers on the same URL; control endpoints are under ${url}/_emulator/ (seed, bindings, log, faults)
  and need the header ${CONTROL_KEY_HEADER}: ${emulator.controlKey}
  ${stateFile ? `Authorizations are kept in ${stateFile}.` : "Authorizations live in memory (--state-file keeps them across restarts)."}

Seeded with
${table([
  ["region", seed.region],
  ["project id", seed.projectId],
  ["instance id", seed.instanceId],
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
  pulumi config set roma:authUrl ${url}
  pulumi config set roma:region ${seed.region}
  pulumi config set roma:projectId ${seed.projectId}
  pulumi config set --secret roma:token ${c.token}
  # what the basic example (examples/basic) asks for:
  pulumi config set instanceId ${seed.instanceId}
  pulumi config set envId ${seed.environments[0].id}
  pulumi config set appId ${seed.apps[0].id}
  pulumi config set apiIds '${JSON.stringify(seed.apis.slice(0, 3).map((a) => a.id))}'

Or with environment variables:
  export ROMA_ENDPOINT=${url} HW_AUTH_URL=${url} HW_REGION_NAME=${seed.region}
  export HW_PROJECT_ID=${seed.projectId} HW_AUTH_TOKEN=${c.token}`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(USAGE);
    process.exit(1);
  });
}
