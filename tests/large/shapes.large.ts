/**
 * Partial and total failures of 10,000 pairs in every shape `check` admits, through the real host,
 * received as the engine's grpc-go receives them (Debian's python3-grpcio client: the partial
 * state travels in one gRPC trailer, past grpc-js's 64 KiB). Each must reach the engine with
 * properties from which the next `up` finishes the work, leave `destroy` nothing to leak, and tell
 * the user what failed within a screen.
 */
import { startEmulator, type FaultSettings, RELEASE } from "../../emulator";
import { emulatorConfig, PROGRAM, Stack } from "../harness/lifecycle";
import { recordsOf } from "../support";

const SCREEN = 2000;

type Failing = (apps: string[]) => NonNullable<FaultSettings["failingPairs"]>;

// 2,000 of the 10,000 pairs fail, in the shape's own way: whole apps, or the first pairs of one.
const SHAPES: [number, number, Failing][] = [
  [10, 1000, (apps) => apps.slice(0, 2).map((appId) => ({ appId, times: 1000 }))],
  [5, 2000, (apps) => [{ appId: apps[0], times: 2000 }]],
  [1, 10000, (apps) => [{ appId: apps[0], times: 2000 }]],
];

async function run(apps: number, apis: number, failing: Failing | "every pair") {
  const emu = await startEmulator({ seed: { apps, apis } });
  const stack = new Stack({ program: PROGRAM, grpcClient: "python", config: {} });
  try {
    const appIds = emu.seed.apps.map((a) => a.id);
    emu.control.setFaults({
      failingPairs: failing === "every pair" ? [{ times: apps * apis }] : failing(appIds),
    });
    stack.set({
      ...emulatorConfig(emu),
      "roma-appauth:resources": JSON.stringify([
        {
          name: "big",
          args: {
            instanceId: emu.seed.instanceId,
            envId: RELEASE,
            appIds,
            apiIds: emu.seed.apis.map((a) => a.id),
          },
        },
      ]),
    });
    const failed = await stack.up();
    // What the CLI prints fits a screen, whatever the number of failed pairs.
    expect(failed.error).toBeDefined();
    expect(failed.error!.length).toBeLessThanOrEqual(SCREEN);
    const made = emu.control.bindings().map((b) => b.id);
    if (failing === "every pair") {
      // Nothing made, nothing that may have been made: a plain error, nothing in the state.
      expect(made).toEqual([]);
      expect(stack.state.resources).toEqual([]);
    } else {
      expect(made).toHaveLength(apps * apis - 2000);
      const [partial] = stack.state.resources;
      // The reasons are distinct, and the partial state carries every record made, compactly.
      expect(new Set(partial.initErrors).size).toBe(partial.initErrors!.length);
      expect(
        recordsOf(partial.outputs)
          .map((r) => r.id)
          .sort(),
      ).toEqual([...made].sort());
      const stored = Buffer.byteLength(JSON.stringify(partial.outputs.authorizations));
      expect(stored / made.length).toBeLessThan(120);
    }
    emu.control.resetLog();
    expect((await stack.up()).error).toBeUndefined();
    // Only what failed is written again; nothing made is cancelled.
    expect(emu.control.counts().cancel).toBeUndefined();
    expect(emu.control.bindings()).toHaveLength(apps * apis);
    const [done] = stack.state.resources;
    expect(done.initErrors).toBeUndefined();
    expect(recordsOf(done.outputs)).toHaveLength(apps * apis);
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
  } finally {
    stack.dispose();
    await emu.close();
  }
}

describe("10,000 pairs through the real host", () => {
  it.each(SHAPES)(
    "%i apps x %i APIs, 2,000 pairs failing: the partial state reaches the engine, up finishes, destroy leaves nothing",
    (apps, apis, failing) => run(apps, apis, failing),
    900000,
  );

  it(
    "10 apps x 1,000 APIs, every pair failing: a screen of message, nothing stored, up then destroy",
    () => run(10, 1000, "every pair"),
    900000,
  );
});
