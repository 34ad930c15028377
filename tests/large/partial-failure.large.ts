/**
 * A partial failure whose answer is larger than grpc-js can receive (its properties travel in the
 * `grpc-status-details-bin` trailer, here ~100 KB), received as the engine receives it: through
 * Debian's python3-grpcio client (`npm run test:large`, which .ci/run runs after installing it).
 * With grpc-js the answer never arrives and `up` hangs; the engine's grpc-go takes 16 MiB.
 */
import { startEmulator } from "../../emulator";
import { emulatorConfig, PROGRAM, Stack } from "../harness/lifecycle";

const APIS = 3000;
const FAILING = 2000;

it(`a partial failure of ${FAILING} of ${APIS} pairs reaches the engine; up finishes it; destroy leaves nothing`, async () => {
  const emu = await startEmulator({ seed: { apps: 1, apis: APIS } });
  try {
    const app = emu.seed.apps[0].id;
    emu.control.setFaults({ failingPairs: [{ appId: app, times: FAILING }] });
    const args = {
      instanceId: emu.seed.instanceId,
      envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
      appIds: [app],
      apiIds: emu.seed.apis.map((a) => a.id),
    };
    const stack = new Stack({
      program: PROGRAM,
      grpcClient: "python",
      config: {
        ...emulatorConfig(emu),
        "roma-appauth:resources": JSON.stringify([{ name: "big", args }]),
      },
    });
    const failed = await stack.up();
    expect(failed.error).toMatch(/^\d+ errors? occurred:\n\t\* /);
    const [partial] = stack.state.resources;
    expect(JSON.stringify(partial.outputs).length).toBeGreaterThan(64 * 1024);
    expect(partial.initErrors!.length).toBeGreaterThan(0);
    expect(emu.control.bindings()).toHaveLength(APIS - FAILING);
    expect((await stack.up()).error).toBeUndefined();
    expect(emu.control.bindings()).toHaveLength(APIS);
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
  } finally {
    await emu.close();
  }
}, 900000);
