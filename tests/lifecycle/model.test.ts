/**
 * Model-based fault test: random sequences of desired states (apps x APIs x environment, channel and
 * access-parameter changes, resources added and removed, out-of-band removals with refresh) are
 * applied through the engine harness and the real provider host while the emulator injects random
 * faults (latency, throttling, 5xx, dropped connections before and after the write, lagging reads,
 * FAILED items). After every successful step the emulator holds exactly the desired bindings and
 * the state holds exactly their records; a failed step converges when run again; destroy leaves
 * nothing.
 *
 * A failure prints fast-check's seed and path; replay it with MODEL_SEED=<seed> MODEL_PATH=<path>.
 */
import fc from "fast-check";
import { FAULTS, startEmulator, type Emulator, type FaultSettings } from "../../emulator";
import { Engine, type StackState } from "../harness/engine";
import { ProviderHost } from "../harness/host";
import { emulatorConfig, ROOT, serializedProvider } from "../harness/lifecycle";

const RUNS = Number(process.env.MODEL_RUNS ?? 8);
const STEPS = { minLength: 25, maxLength: 32 };
const TYPE = "pulumi-nodejs:dynamic/roma:AppAuthorization";
const NAMES = ["left", "right"];

interface Desired {
  present: boolean;
  env: number;
  apps: number[];
  apis: number[];
  green: boolean;
  param: boolean;
}

interface Step {
  resources: Desired[];
  faults: FaultSettings;
  /** Remove one binding outside Pulumi, then refresh (only on steps without read lag). */
  removeOutOfBand: boolean;
}

const stats = {
  runs: 0,
  steps: 0,
  failedThenConverged: 0,
  refreshes: 0,
  leakedBindings: 0,
  missingBindings: 0,
  stateMismatches: 0,
  faults: {} as Record<string, number>,
};

const desired = (side: number): fc.Arbitrary<Desired> =>
  fc.record({
    present: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    env: fc.integer({ min: 0, max: 2 }),
    // Each resource has its own apps, so two resources never claim the same pair.
    apps: fc.subarray(
      [0, 1, 2].map((a) => a + side * 3),
      { minLength: 1 },
    ),
    apis: fc.subarray([0, 1, 2, 3, 4, 5], { minLength: 1 }),
    green: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    param: fc.boolean(),
  });

const rate = (max: number) =>
  fc.integer({ min: 0, max: Math.round(max * 100) }).map((n) => n / 100);
const faults: fc.Arbitrary<FaultSettings> = fc
  .record({
    throttled: rate(0.08),
    system: rate(0.06),
    tooMany: rate(0.04),
    conflict: rate(0.04),
    drop: rate(0.05),
    dropAfter: rate(0.06),
    systemAfter: rate(0.04),
    failing: rate(0.06),
    lag: fc.constantFrom(0, 0, 0, 150),
    latency: fc.constantFrom(0, 0, 5),
    duplicates: fc.constantFrom("skip" as const, "error" as const),
    skippedCarriesId: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1e9 }),
  })
  .map((f) => ({
    random: [
      { rate: f.throttled, fault: FAULTS.throttled(0) },
      { rate: f.system, fault: FAULTS.systemError() },
      { rate: f.tooMany, fault: FAULTS.tooManyRequests() },
      { rate: f.conflict, fault: FAULTS.syncConflict() },
      { rate: f.drop, fault: FAULTS.drop() },
      { rate: f.dropAfter, fault: FAULTS.drop(true) },
      { rate: f.systemAfter, fault: FAULTS.systemError(true) },
    ],
    failingPairRate: f.failing,
    visibilityLagMs: f.lag,
    latencyMs: { default: f.latency },
    duplicates: f.duplicates,
    skippedCarriesId: f.skippedCarriesId,
    seed: f.seed,
  }));

const step: fc.Arbitrary<Step> = fc.record({
  resources: fc.tuple(desired(0), desired(1)),
  faults,
  removeOutOfBand: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
});

describe("model-based fault test", () => {
  let provider: string;
  beforeAll(() => {
    provider = serializedProvider(ROOT);
  });

  afterAll(() => {
    console.log(`model-based fault test:\n${JSON.stringify(stats, null, 2)}`);
  });

  it(`applies ${RUNS} random sequences of ${STEPS.minLength}+ desired states under random faults`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, STEPS), async (steps) => {
        const emu = await startEmulator({ seed: { apps: 6, apis: 6 } });
        const host = await ProviderHost.start({ cwd: ROOT });
        try {
          await host.configure({
            ...plain(emulatorConfig(emu)),
            "roma:maxRetries": "3",
            "roma:consistencyTimeout": "2",
          });
          await runSequence(emu, host, provider, steps);
        } finally {
          stats.runs++;
          for (const [kind, n] of Object.entries(emu.control.injected())) {
            stats.faults[kind] = (stats.faults[kind] ?? 0) + n;
          }
          await host.close();
          await emu.close();
        }
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED) } : {}),
        ...(process.env.MODEL_PATH ? { path: process.env.MODEL_PATH } : {}),
      },
    );
    expect(stats.steps).toBeGreaterThanOrEqual(RUNS * STEPS.minLength);
    expect([stats.leakedBindings, stats.missingBindings, stats.stateMismatches]).toEqual([0, 0, 0]);
  }, 900000);
});

async function runSequence(emu: Emulator, host: ProviderHost, provider: string, steps: Step[]) {
  let state: StackState = { resources: [] };
  // What the last steps did, printed when a check fails.
  let trace: string[] = [];
  const apply = async (s: Step, faultSettings: FaultSettings) => {
    emu.control.setFaults(faultSettings);
    emu.control.resetLog();
    const engine = new Engine(host, state, false);
    const present = s.resources.map((r, i) => ({ r, i })).filter(({ r }) => r.present);
    const urns = new Set(present.map(({ i }) => urn(i)));
    const results = await Promise.allSettled(
      present.map(({ r, i }) => engine.register(urn(i), TYPE, NAMES[i], inputs(emu, provider, r))),
    );
    let ok = results.every((x) => x.status === "fulfilled");
    if (ok)
      ok = await engine.deleteUnregistered(urns).then(
        () => true,
        () => false,
      );
    state = engine.snapshot();
    trace.push(
      `apply ${ok ? "ok" : "failed"}: ${JSON.stringify(engine.steps.map((x) => [x.name, x.op, x.error]))}`,
      `requests: ${emu.control
        .log()
        .map((e) => `${e.route}:${e.status}${e.fault ? `(${e.fault})` : ""}`)
        .join(" ")}`,
    );
    return ok;
  };
  // A command over the whole stack (refresh, destroy); true when it succeeded.
  const whole = async (faultSettings: FaultSettings, run: (engine: Engine) => Promise<void>) => {
    emu.control.setFaults(faultSettings);
    const engine = new Engine(host, state, false);
    const ok = await run(engine).then(
      () => true,
      () => false,
    );
    state = engine.snapshot();
    return ok;
  };
  // A failed command must converge when run again without faults.
  const converge = async (
    run: (faults: FaultSettings) => Promise<boolean>,
    faultSettings: FaultSettings,
  ) => {
    if (await run(faultSettings)) return;
    stats.failedThenConverged++;
    if (!(await run({}))) throw new Error(`did not converge; state: ${JSON.stringify(state)}`);
  };

  const checked = (s: Step) => {
    try {
      check(emu, state, s);
    } catch (error) {
      console.log(`model-based fault test: check failed after\n${trace.join("\n")}`);
      throw error;
    }
  };
  for (const [index, s] of steps.entries()) {
    trace = [`step ${index}: ${JSON.stringify(s.resources)}`];
    await converge((f) => apply(s, f), s.faults);
    stats.steps++;
    checked(s);
    if (s.removeOutOfBand && s.faults.visibilityLagMs === 0 && emu.control.bindings().length > 0) {
      const victim = emu.control.bindings()[0];
      emu.control.unbind(victim.envId, victim.appId, victim.apiId);
      await converge((f) => whole(f, (engine) => engine.refresh()), s.faults);
      stats.refreshes++;
      await converge((f) => apply(s, f), {});
      checked(s);
    }
  }
  await converge(
    (f) => whole(f, (engine) => engine.destroy()),
    steps[steps.length - 1]?.faults ?? {},
  );
  const left = emu.control.bindings().length;
  stats.leakedBindings += left;
  expect(left).toBe(0);
  expect(state.resources).toEqual([]);
}

function check(emu: Emulator, state: StackState, s: Step): void {
  const seed = emu.seed;
  const expected = new Map<string, { tunnel: string; param: string }>();
  s.resources.forEach((r) => {
    if (!r.present) return;
    for (const app of r.apps) {
      for (const api of r.apis) {
        const param = r.param && api === r.apis[0] ? "tenant" : "";
        const key = `${seed.environments[r.env].id}/${seed.apps[app].id}/${seed.apis[api].id}`;
        expected.set(key, { tunnel: r.green ? "GREEN" : "NORMAL", param });
      }
    }
  });
  const actual = new Map(
    emu.control.bindings().map((b) => [`${b.envId}/${b.appId}/${b.apiId}`, b]),
  );
  const leaked = [...actual.keys()].filter((k) => !expected.has(k));
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  stats.leakedBindings += leaked.length;
  stats.missingBindings += missing.length;
  expect({ leaked, missing }).toEqual({ leaked: [], missing: [] });
  for (const [key, want] of expected) {
    const b = actual.get(key)!;
    expect([key, b.authTunnel, b.visitParam]).toEqual([key, want.tunnel, want.param]);
  }
  // The state holds exactly the records that exist, with their ids, and nothing unsettled.
  const stateRecords = state.resources.flatMap((r) => {
    const outs = r.outputs as {
      envId: string;
      authorizations: { id: string; appId: string; apiId: string }[];
      unconfirmed: unknown[];
    };
    if (r.pendingDelete || r.initErrors || outs.unconfirmed.length > 0) stats.stateMismatches++;
    return outs.authorizations.map((a) => `${outs.envId}/${a.appId}/${a.apiId}=${a.id}`);
  });
  const realRecords = [...actual].map(([k, b]) => `${k}=${b.id}`);
  const mismatched =
    stateRecords.length !== realRecords.length ||
    stateRecords.some((x) => !realRecords.includes(x));
  if (mismatched) stats.stateMismatches++;
  expect(stateRecords.sort()).toEqual(realRecords.sort());
}

function inputs(emu: Emulator, provider: string, r: Desired): Record<string, unknown> {
  const seed = emu.seed;
  const apis = r.apis.map((i) => seed.apis[i].id);
  return {
    __provider: provider,
    instanceId: seed.instanceId,
    envId: seed.environments[r.env].id,
    appIds: r.apps.map((i) => seed.apps[i].id),
    apiIds: apis,
    ...(r.green ? { authTunnel: "GREEN", authWhitelist: ["10.0.0.0/8"] } : {}),
    ...(r.param ? { visitParams: [{ apiId: apis[0], visitParam: "tenant" }] } : {}),
  };
}

function urn(i: number): string {
  return `urn:pulumi:model::roma::${TYPE}::${NAMES[i]}`;
}

function plain(config: ReturnType<typeof emulatorConfig>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : v.secret]),
  );
}
