/**
 * A partial failure whose properties (all 980 records) are past grpc-js's 64 KiB header field,
 * received as the engine's grpc-go receives it: through Debian's python3-grpcio client (so it runs
 * in `npm run test:slow`, which .ci/run runs after installing it).
 */
import { startEmulator, RELEASE } from "../../emulator";
import { emulatorConfig, PROGRAM, Stack } from "../harness/lifecycle";
import { boundIds, recordIds } from "../support";

describe("a partial failure too large to report record by record", () => {
  it("reaches the engine with every record in the state; the next up finishes; destroy leaves nothing", async () => {
    const emu = await startEmulator({ seed: { apps: 20, apis: 50 } });
    // The partial state carries all 980 records, past grpc-js's 64 KiB header field: the harness
    // receives it as the engine's grpc-go does.
    const stack = new Stack({ program: PROGRAM, grpcClient: "python", config: {} });
    try {
      const failing = emu.seed.apis[7].id;
      emu.control.setFaults({ failingPairs: [{ apiId: failing, times: 20 }] });
      const args = {
        instanceId: emu.seed.instanceId,
        envId: RELEASE,
        appIds: emu.seed.apps.map((a) => a.id),
        apiIds: emu.seed.apis.map((a) => a.id),
      };
      // Each command is its own process with its own provider host, as with `pulumi`.
      stack.set({
        ...emulatorConfig(emu),
        "roma-appauth:resources": JSON.stringify([{ name: "big", args }]),
      });
      const failed = await stack.up();
      // What the CLI prints is the reasons list (parseError): one grouped reason for the 20 pairs,
      // a screen whatever the number of records.
      expect(failed.error).toMatch(
        /^1 error occurred:\n\t\* .*\(20 pairs: [^)]* and 17 more\)\n\n$/,
      );
      expect(failed.error!.length).toBeLessThanOrEqual(2000);
      const [partial] = stack.state.resources;
      expect(partial.initErrors).toHaveLength(1);
      // The partial state carries every record the API made (nothing to find by listing later).
      const made = emu.control.bindings().map((b) => b.id);
      expect(made).toHaveLength(980);
      expect(recordIds(partial.outputs)).toEqual([...made].sort());
      emu.control.resetLog();
      expect((await stack.up()).error).toBeUndefined();
      // Only the 20 failed pairs (20 apps x 1 API: one request) are written again; none cancelled.
      expect(emu.control.counts().authorize).toBe(1);
      expect(emu.control.counts().cancel).toBeUndefined();
      const [done] = stack.state.resources;
      expect(done.initErrors).toBeUndefined();
      expect(emu.control.bindings()).toHaveLength(1000);
      expect(recordIds(done.outputs)).toEqual(boundIds(emu));
      expect((await stack.destroy()).error).toBeUndefined();
      expect(emu.control.bindings()).toEqual([]);
    } finally {
      stack.dispose();
      await emu.close();
    }
  });
});
