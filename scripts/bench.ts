/**
 * `npm run bench`: round trips and wall time of the provider as shipped against a sequential
 * baseline (concurrency 1), through the real dynamic-provider host, against the emulator with a
 * fixed latency per request. Also: `__provider` size, the host's cold start, and what Huawei's
 * official signer would add to an install.
 *
 * Then a throttled destroy: N records (default 10,000) against a tenant throttle of 250 requests a
 * second (burst 250, 20 ms answers), as a ratio to the throttle's floor.
 *
 * First, one resource of 10 apps x 1,000 APIs at 20 ms: create, no-op, refresh and destroy as
 * ratios to their floor, with the host's CPU time and peak memory and the outputs' bytes a record.
 * Every command runs in its own provider host, as each `pulumi` command starts one.
 *
 *   npm run bench -- [--latency MS] [--json FILE] [--throttled-records N] [--only-throttled]
 *                    [--only-large]
 */
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { RELEASE, type EmulatorSeed, type Route } from "../emulator";
import { Engine, type StackState } from "../tests/harness/engine";
import { ProviderHost, type Props } from "../tests/harness/host";
import { emulatorConfig, EXAMPLES, ROOT, serializedProvider } from "../tests/harness/lifecycle";

const TYPE = "pulumi-nodejs:dynamic/roma:AppAuthorization";

interface Measured {
  scenario: string;
  mode: string;
  calls: Partial<Record<Route, number>>;
  /** End to end: engine harness, gRPC to the provider host, provider, emulator. */
  wallMs: number;
  /** Inside the provider host: the provider's create/update/read/delete calls, as it logs them. */
  providerMs: number;
  floorMs: number;
  /** CPU time (user + system) of the command's provider host, start-up excluded. */
  hostCpuMs: number;
  /** Peak resident memory of the command's provider host. */
  hostPeakRss: number;
  /** CPU time of the emulator (its own process) during the command. */
  emulatorCpuMs: number;
  /** Records in the state after the command. */
  records: number;
  /** Bytes of the JSON of every resource's outputs in the state after the command. */
  outputBytes: number;
}

/** Independent calls of one phase run side by side; phases run one after the other. */
const PHASES: Record<string, Route[]> = {
  "create 1 app x 200 APIs": ["authorize"],
  "update +50 / -50 APIs": ["authorize", "cancel"],
  "create 20 apps x 50 APIs": ["authorize"],
  "no-op up (1000 pairs)": [],
  "refresh 1000": ["list"],
  "destroy 1000": ["cancel"],
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      latency: { type: "string", default: "50" },
      json: { type: "string" },
      "throttled-records": { type: "string", default: "10000" },
      "only-throttled": { type: "boolean" },
      "only-large": { type: "boolean" },
    },
  });
  const latency = Number(values.latency);
  let big: Measured[] = [];
  const provider = serializedProvider(ROOT);
  if (!values["only-throttled"]) {
    big = await large(provider);
    console.log(renderLarge(big));
  }
  if (values["only-large"]) {
    if (values.json) writeFileSync(values.json, JSON.stringify({ large: big }, null, 2));
    return;
  }
  const throttled = await throttledDestroy(provider, Number(values["throttled-records"]));
  console.log(renderThrottled(throttled));
  if (values["only-throttled"]) {
    if (values.json) writeFileSync(values.json, JSON.stringify({ throttled }, null, 2));
    return;
  }
  const results: Measured[] = [];
  for (const [mode, concurrency, gateway] of [
    ["shipped (10)", undefined, "roma"],
    ["sequential (1)", "1", "roma"],
    ["APIG, shipped (10)", undefined, "apig"],
  ] as const) {
    results.push(...(await scenarios(provider, latency, mode, gateway, concurrency)));
  }
  const report = {
    large: big,
    throttled,
    latencyMs: latency,
    scenarios: results,
    providerBytes: providerSizes(),
    hostColdStartMs: await coldStart(provider),
    officialSigner: officialSignerCost(),
  };
  console.log(render(report));
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
}

/** One command of the benchmark: its own provider host, as each `pulumi` command starts one. */
interface Command {
  emu: EmulatorProcess;
  config: Record<string, string>;
  /** Concurrency the floor assumes (the provider's `roma:maxConcurrency`). */
  limit: number;
  latency: number;
  mode: string;
  /** Routes whose calls make the floor, by scenario. */
  phases: Record<string, Route[]>;
}

/**
 * Runs one command in a fresh provider host against `state`, and measures it: the emulator's
 * calls, the provider's own time (as the host logs it), the host's CPU time and peak memory, the
 * emulator's CPU time, and the size of the outputs the command leaves in the state.
 */
async function measureCommand(
  c: Command,
  scenario: string,
  state: StackState,
  run: (engine: Engine) => Promise<unknown>,
): Promise<{ measured: Measured; state: StackState }> {
  process.stderr.write(`${c.mode}: ${scenario}\n`);
  const host = await ProviderHost.start({ cwd: ROOT, env: { ...process.env, ROMA_DEBUG: "1" } });
  await host.configure(c.config);
  const before = await c.emu.counts();
  const emuBefore = usage(c.emu.pid);
  const hostBefore = usage(host.pid);
  const engine = new Engine(host, state);
  const started = performance.now();
  await run(engine);
  const wallMs = performance.now() - started;
  const hostAfter = usage(host.pid);
  const emuAfter = usage(c.emu.pid);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the host's stderr arrives a moment later
  const providerMs = [...host.output.matchAll(/\[roma\] \w+ took (\d+) ms/g)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  await host.close();
  const after = await c.emu.counts();
  const calls = Object.fromEntries(
    Object.entries(after)
      .map(([route, n]) => [route, n - (before[route as Route] ?? 0)])
      .filter(([, n]) => n !== 0),
  ) as Partial<Record<Route, number>>;
  const rounds = c.phases[scenario].reduce(
    (sum, route) => sum + Math.ceil((calls[route] ?? 0) / c.limit),
    0,
  );
  const next = engine.snapshot();
  const records = next.resources.reduce((n, r) => n + recordCount(r.outputs), 0);
  const measured: Measured = {
    scenario,
    mode: c.mode,
    calls,
    wallMs,
    providerMs,
    floorMs: rounds * c.latency,
    hostCpuMs: hostAfter.cpuMs - hostBefore.cpuMs,
    hostPeakRss: hostAfter.peakRss,
    emulatorCpuMs: emuAfter.cpuMs - emuBefore.cpuMs,
    records,
    outputBytes: next.resources.reduce(
      (n, r) => n + Buffer.byteLength(JSON.stringify(r.outputs)),
      0,
    ),
  };
  return { measured, state: next };
}

function recordCount(outputs: Props): number {
  return Array.isArray(outputs.authorizations) ? outputs.authorizations.length : 0;
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString());

/** CPU time (user + system) a process has used so far, and its peak resident memory, from /proc. */
function usage(pid: number): { cpuMs: number; peakRss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuMs, peakRss: Number(hwm?.[1] ?? 0) * 1024 };
}

function plainConfig(emu: EmulatorProcess): Record<string, string> {
  return Object.fromEntries(
    Object.entries(emulatorConfig(emu)).map(([k, v]) => [k, typeof v === "string" ? v : v.secret]),
  );
}

async function scenarios(
  provider: string,
  latency: number,
  mode: string,
  gateway: "roma" | "apig",
  concurrency?: string,
): Promise<Measured[]> {
  // App 0 gets 1 x 200 APIs; apps 1 to 20 get 50 other APIs each (1000 pairs).
  const emu = await emulatorProcess([
    "--apps",
    "21",
    "--apis",
    "250",
    "--latency",
    String(latency),
  ]);
  const config = plainConfig(emu);
  const c: Command = {
    emu,
    config: concurrency ? { ...config, "roma:maxConcurrency": concurrency } : config,
    limit: Number(concurrency ?? 10),
    latency,
    mode,
    phases: PHASES,
  };
  let state: StackState = { resources: [] };
  const out: Measured[] = [];
  const measure = async (scenario: string, run: (engine: Engine) => Promise<unknown>) => {
    const done = await measureCommand(c, scenario, state, run);
    out.push(done.measured);
    state = done.state;
  };
  const apis = emu.seed.apis.map((a) => a.id);
  const apps = emu.seed.apps.map((a) => a.id);
  // As `ApigAppAuthorization` registers its resources: the hidden `gateway` input and an APIG instance.
  const gatewayInputs =
    gateway === "apig"
      ? { gateway: "apig", instanceId: emu.seed.apigInstanceId }
      : { instanceId: emu.seed.instanceId };
  const inputs = (appIds: string[], apiIds: string[]): Props => ({
    __provider: provider,
    ...gatewayInputs,
    envId: RELEASE,
    appIds,
    apiIds,
  });
  const single = inputs([apps[0]], apis.slice(0, 200));
  const wide = inputs(apps.slice(1), apis.slice(200, 250));
  const register = (engine: Engine, name: string, props: Props) =>
    engine.register(`urn:pulumi:bench::roma::${TYPE}::${name}`, TYPE, name, props);

  await measure("create 1 app x 200 APIs", (e) => register(e, "single", single));
  // The single app drops its first 50 APIs and takes 50 new ones.
  await measure("update +50 / -50 APIs", (e) =>
    register(e, "single", inputs([apps[0]], apis.slice(50, 250))),
  );
  await measure("create 20 apps x 50 APIs", async (e) => {
    await register(e, "single", inputs([apps[0]], apis.slice(50, 250)));
    await register(e, "wide", wide);
  });
  await measure("no-op up (1000 pairs)", async (e) => {
    await register(e, "single", inputs([apps[0]], apis.slice(50, 250)));
    await register(e, "wide", wide);
  });
  // Refresh and destroy only the 1000-pair resource.
  const singleOnly = state.resources.filter((r) => r.name !== "wide");
  state = { resources: state.resources.filter((r) => r.name === "wide") };
  await measure("refresh 1000", (e) => e.refresh());
  await measure("destroy 1000", (e) => e.destroy());
  await measureCommand(c, "destroy 1000", { resources: singleOnly }, (e) => e.destroy());
  await emu.close();
  return out;
}

const LARGE = { apps: 10, apis: 1000, latencyMs: 20 };

const LARGE_PHASES: Record<string, Route[]> = {
  [`create ${LARGE.apps} apps x ${LARGE.apis} APIs`]: ["authorize"],
  [`no-op up (${LARGE.apps * LARGE.apis} pairs)`]: [],
  [`refresh ${LARGE.apps * LARGE.apis}`]: ["list"],
  [`destroy ${LARGE.apps * LARGE.apis}`]: ["cancel"],
};

/**
 * One resource of 10 apps x 1,000 APIs (10,000 pairs) at 20 ms an answer, each command in its own
 * host: create, a no-op up, refresh (preview and apply: two reads) and destroy.
 */
async function large(provider: string): Promise<Measured[]> {
  const emu = await emulatorProcess(
    ["--apps", LARGE.apps, "--apis", LARGE.apis, "--latency", LARGE.latencyMs].map(String),
  );
  const c: Command = {
    emu,
    config: plainConfig(emu),
    limit: 10,
    latency: LARGE.latencyMs,
    mode: "shipped (10)",
    phases: LARGE_PHASES,
  };
  const props: Props = {
    __provider: provider,
    instanceId: emu.seed.instanceId,
    envId: RELEASE,
    appIds: emu.seed.apps.map((a) => a.id),
    apiIds: emu.seed.apis.map((a) => a.id),
  };
  const up = (e: Engine) => e.register(`urn:pulumi:bench::roma::${TYPE}::big`, TYPE, "big", props);
  const [create, noop, refresh, destroy] = Object.keys(LARGE_PHASES);
  let state: StackState = { resources: [] };
  const out: Measured[] = [];
  for (const [scenario, run] of [
    [create, up],
    [noop, up],
    [refresh, (e: Engine) => e.refresh()],
    [destroy, (e: Engine) => e.destroy()],
  ] as const) {
    const done = await measureCommand(c, scenario, state, run);
    out.push(done.measured);
    state = done.state;
  }
  await emu.close();
  return out;
}

const THROTTLE = { perSecond: 250, burst: 250, latencyMs: 20 };

interface ThrottledMeasure {
  records: number;
  calls: Partial<Record<Route, number>>;
  /** Requests the throttle answered 429. */
  throttled: number;
  providerMs: number;
  /** Admitted requests past the burst at the bucket's rate, plus one answer's latency. */
  floorMs: number;
}

/**
 * Destroys `records` records (apps of 1,000 APIs) through the real host while the emulator admits
 * 250 requests a second: the floor is what the bucket allows, so the ratio shows what throttling
 * itself costs (the limiter's backing off, the waits of throttled requests).
 */
async function throttledDestroy(provider: string, records: number): Promise<ThrottledMeasure> {
  const apps = Math.ceil(records / 1000);
  const apis = Math.min(records, 1000);
  const emu = await emulatorProcess(
    ["--apps", apps, "--apis", apis, "--latency", THROTTLE.latencyMs]
      .concat(["--throttle", THROTTLE.perSecond, "--throttle-burst", THROTTLE.burst])
      .map(String),
  );
  const host = await ProviderHost.start({ cwd: ROOT, env: { ...process.env, ROMA_DEBUG: "1" } });
  await host.configure({ ...plainConfig(emu), "roma:operationTimeout": "1800" });
  const engine = new Engine(host, { resources: [] });
  await engine.register(`urn:pulumi:bench::roma::${TYPE}::throttled`, TYPE, "throttled", {
    __provider: provider,
    instanceId: emu.seed.instanceId,
    envId: RELEASE,
    appIds: emu.seed.apps.map((a) => a.id),
    apiIds: emu.seed.apis.map((a) => a.id),
  });
  // Let the bucket fill again, so the destroy starts as a fresh operation would.
  await new Promise((resolve) => setTimeout(resolve, 1000 * (THROTTLE.burst / THROTTLE.perSecond)));
  process.stderr.write(`throttled destroy of ${records} records\n`);
  const before = await emu.counts();
  const injectedBefore = await emu.injected();
  const logged = host.output.length;
  await new Engine(host, engine.snapshot()).destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const providerMs = [
    ...host.output.slice(logged).matchAll(/\[roma\] destroy took (\d+) ms/g),
  ].reduce((sum, m) => sum + Number(m[1]), 0);
  const after = await emu.counts();
  const throttled =
    ((await emu.injected())["429 APIG.0308"] ?? 0) - (injectedBefore["429 APIG.0308"] ?? 0);
  await host.close();
  await emu.close();
  const calls = Object.fromEntries(
    Object.entries(after)
      .map(([route, n]) => [route, n - (before[route as Route] ?? 0)])
      .filter(([, n]) => n !== 0),
  ) as Partial<Record<Route, number>>;
  const sent = Object.values(calls).reduce((a, b) => a + (b ?? 0), 0);
  const admitted = sent - throttled;
  const floorMs =
    (Math.max(0, admitted - THROTTLE.burst) / THROTTLE.perSecond) * 1000 + THROTTLE.latencyMs;
  return { records, calls, throttled, providerMs, floorMs: Math.round(floorMs) };
}

function renderThrottled(m: ThrottledMeasure): string {
  return [
    `Throttled destroy: ${m.records} records, tenant throttle ${THROTTLE.perSecond}/s (burst ${THROTTLE.burst}), ${THROTTLE.latencyMs} ms per answer`,
    "",
    "| calls | answered 429 | floor | provider | provider / floor |",
    "| --- | --- | --- | --- | --- |",
    `| ${Object.entries(m.calls)
      .map(([r, n]) => `${r} ${n}`)
      .join(
        ", ",
      )} | ${m.throttled} | ${m.floorMs} ms | ${m.providerMs} ms | ${(m.providerMs / m.floorMs).toFixed(2)}x |`,
    "",
  ].join("\n");
}

/**
 * The emulator in its own process, as a real service would be: in the benchmark's process its
 * answers would wait on the harness's work.
 */
type EmulatorProcess = Awaited<ReturnType<typeof emulatorProcess>>;

async function emulatorProcess(args: string[]) {
  const child = spawn(
    process.execPath,
    [join(ROOT, "dist/emulator/cli.js"), "--port", "0", ...args],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)[\s\S]*X-Emulator-Key: (\S+)/.exec(out);
      if (m) resolve({ url: m[1], key: m[2] });
    });
    child.once("exit", (code) => reject(new Error(`emulator exited (${code})`)));
  });
  const control = async (path: string) =>
    (await fetch(`${url}/_emulator/${path}`, { headers: { "X-Emulator-Key": key } })).json();
  return {
    url,
    pid: child.pid!,
    seed: (await control("seed")) as EmulatorSeed,
    counts: async () =>
      ((await control("log")) as { counts: Partial<Record<Route, number>> }).counts,
    injected: async () => ((await control("log")) as { injected: Record<string, number> }).injected,
    close: () => new Promise<void>((resolve) => child.once("exit", () => resolve()).kill()),
  };
}

/** `__provider` as stored in each resource's state, imported from node_modules and from source. */
function providerSizes(): { nodeModules: number; repositoryExamples: number } {
  const dir = mkdtempSync(join(tmpdir(), "roma-bench-"));
  try {
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
      cwd: ROOT,
      stdio: "ignore",
    });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    const installed = join(dir, "program/node_modules/pulumi-roma-appauth");
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", join(dir, tarball), "-C", installed, "--strip-components=1"]);
    // The package's dependencies come from this repository's install, as npm would hoist them.
    for (const dep of new Set(
      ["@pulumi", "axios", ...dependencyClosure("axios")].map((d) => d.split("/")[0]),
    )) {
      symlinkSync(join(ROOT, "node_modules", dep), join(dir, "program/node_modules", dep));
    }
    const fromNodeModules = execFileSync(
      process.execPath,
      [
        join(ROOT, "dist/tests/harness/serialize-provider.js"),
        join(installed, "dist/provider/index.js"),
      ],
      { cwd: join(dir, "program") },
    ).toString();
    if (!fromNodeModules.includes('require("pulumi-roma-appauth/dist/provider/handlers.js")')) {
      throw new Error("the node_modules copy was not serialized as a require of the package");
    }
    return {
      nodeModules: Buffer.byteLength(fromNodeModules),
      repositoryExamples: Buffer.byteLength(serializedProvider(EXAMPLES.basic)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Host start to port printed, and to the first answered Check (provider deserialized, configured). */
async function coldStart(provider: string): Promise<{ portMs: number; firstCheckMs: number }> {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const host = await ProviderHost.start({ cwd: ROOT });
    const portMs = performance.now() - started;
    await host.configure({ "roma:region": "cn-north-4" });
    await host.check(
      "urn:x",
      {},
      { __provider: provider, instanceId: "i", envId: "E", appIds: ["a"], apiIds: ["b"] },
    );
    runs.push({ portMs, firstCheckMs: performance.now() - started });
    await host.close();
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    portMs: median(runs.map((r) => r.portMs)),
    firstCheckMs: median(runs.map((r) => r.firstCheckMs)),
  };
}

/** What @huaweicloud/huaweicloud-sdk-core would add: its install closure and its signer's load time. */
function officialSignerCost(): { installBytes: number; loadMs: number; ownLoadMs: number } {
  const ours = new Set(["axios", ...dependencyClosure("axios")]);
  const extra = [
    ...dependencyClosure("@huaweicloud/huaweicloud-sdk-core"),
    "@huaweicloud/huaweicloud-sdk-core",
  ].filter((d) => !ours.has(d));
  const installBytes = extra.reduce((sum, dep) => sum + du(join(ROOT, "node_modules", dep)), 0);
  const load = (module: string) => {
    const times = [];
    for (let i = 0; i < 7; i++) {
      const script = `const t=process.hrtime.bigint();require(${JSON.stringify(module)});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
      times.push(Number(execFileSync(process.execPath, ["-e", script], { cwd: ROOT }).toString()));
    }
    return times.sort((a, b) => a - b)[3];
  };
  return {
    installBytes,
    loadMs: load("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner"),
    ownLoadMs: load(join(ROOT, "dist/provider/auth/signer.js")),
  };
}

function dependencyClosure(name: string, seen = new Set<string>()): Set<string> {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"),
  ) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (!seen.has(dep)) {
      seen.add(dep);
      dependencyClosure(dep, seen);
    }
  }
  return seen;
}

function du(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + du(join(path, entry)), 0);
}

const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;

function renderLarge(rows: Measured[]): string {
  return [
    `One resource of ${LARGE.apps} apps x ${LARGE.apis} APIs, ${LARGE.latencyMs} ms per answer, each command in its own provider host (as with \`pulumi\`). Host CPU excludes its start-up; refresh reads twice (preview, then apply).`,
    "",
    "| phase | calls | floor | provider | provider / floor | end to end | host CPU | host peak RSS | emulator CPU | outputs per record |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (m) =>
        `| ${m.scenario} | ${callList(m.calls)} | ${m.floorMs} ms | ${m.providerMs} ms | ${m.floorMs > 0 ? `${(m.providerMs / m.floorMs).toFixed(2)}x` : "-"} | ${Math.round(m.wallMs)} ms | ${Math.round(m.hostCpuMs)} ms | ${mb(m.hostPeakRss)} | ${Math.round(m.emulatorCpuMs)} ms | ${m.records > 0 ? `${Math.round(m.outputBytes / m.records)} B (${(m.outputBytes / 1024).toFixed(0)} KB)` : "-"} |`,
    ),
    "",
  ].join("\n");
}

function callList(calls: Partial<Record<Route, number>>): string {
  return (
    Object.entries(calls)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ") || "0"
  );
}

function render(report: {
  latencyMs: number;
  scenarios: Measured[];
  providerBytes: { nodeModules: number; repositoryExamples: number };
  hostColdStartMs: { portMs: number; firstCheckMs: number };
  officialSigner: { installBytes: number; loadMs: number; ownLoadMs: number };
}): string {
  const rows = [
    "| scenario | mode | calls | floor | provider | provider / floor | end to end | speed-up | host CPU | host peak RSS | emulator CPU |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const m of report.scenarios) {
    const baseline = report.scenarios.find(
      (b) => b.scenario === m.scenario && b.mode.startsWith("sequential"),
    );
    const calls = callList(m.calls);
    const ratio = m.floorMs > 0 ? `${(m.providerMs / m.floorMs).toFixed(2)}x` : "-";
    const speedUp =
      baseline && baseline !== m && m.providerMs > 0
        ? `${(baseline.providerMs / m.providerMs).toFixed(1)}x`
        : "";
    rows.push(
      `| ${m.scenario} | ${m.mode} | ${calls} | ${m.floorMs} ms | ${m.providerMs} ms | ${ratio} | ${Math.round(m.wallMs)} ms | ${speedUp} | ${Math.round(m.hostCpuMs)} ms | ${mb(m.hostPeakRss)} | ${Math.round(m.emulatorCpuMs)} ms |`,
    );
  }
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return [
    `Latency injected per request: ${report.latencyMs} ms. Floor = dependent round trips x latency, where a phase of n independent calls at concurrency c takes ceil(n / c) round trips.`,
    "Provider: the time the provider's create/update/read/delete took inside the provider host. End to end adds the engine harness and the gRPC round trips to a fresh host per command, whose property conversions grow with the state (the no-op row shows them alone). Speed-up: sequential provider time (ROMA Connect's; both gateways serve the same API) / this provider time.",
    "",
    ...rows,
    "",
    `__provider per resource: ${kb(report.providerBytes.nodeModules)} imported from node_modules, ${kb(report.providerBytes.repositoryExamples)} for the repository's examples.`,
    `Provider host cold start (median of 5): ${Math.round(report.hostColdStartMs.portMs)} ms to listen, ${Math.round(report.hostColdStartMs.firstCheckMs)} ms to the first answered Check.`,
    `Huawei's official signer (@huaweicloud/huaweicloud-sdk-core) would add ${(report.officialSigner.installBytes / 1048576).toFixed(1)} MB to an install and load in ${report.officialSigner.loadMs.toFixed(1)} ms; the provider's own signer loads in ${report.officialSigner.ownLoadMs.toFixed(1)} ms.`,
  ].join("\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
