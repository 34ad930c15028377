/**
 * Issue 17's leak, through the real host and the emulator with one process per command: nothing
 * the provider keeps in memory may decide ownership.
 *
 * With a lagging listing, command 1 removes pair P (cancelling its record X); command 2 adds P back
 * and the authorize answer is lost after the write (record Y is made). The listing still shows X
 * and not Y. A fresh provider process must not claim X as P's record: if it does, `up` reports
 * success with X in the state, and `destroy` leaves Y bound.
 */
import { FAULTS, startEmulator, RELEASE } from "../../emulator";
import { emulatorConfig, PROGRAM, Stack } from "../harness/lifecycle";
import { bound, product, recordsOf } from "../support";

const MINUTE = 60_000;

it("a record cancelled by an earlier command is never claimed again; destroy leaves nothing", async () => {
  const emu = await startEmulator();
  try {
    const app = emu.seed.apps[0].id;
    const [kept, p] = emu.seed.apis.slice(0, 2).map((a) => a.id);
    const declare = (apiIds: string[]) =>
      JSON.stringify([
        {
          name: "orders",
          args: { instanceId: emu.seed.instanceId, envId: RELEASE, appIds: [app], apiIds },
        },
      ]);
    const stack = new Stack({
      program: PROGRAM,
      config: { ...emulatorConfig(emu), "roma-appauth:resources": declare([kept, p]) },
    });
    expect((await stack.up()).error).toBeUndefined();
    const x = emu.control.bindings().find((b) => b.apiId === p)!.id;

    // Ten minutes on, reads lag by one: X is old enough to show, and still shows once cancelled;
    // a record made now does not show yet.
    emu.control.setClockSkew(10 * MINUTE);
    emu.control.setFaults({ visibilityLagMs: MINUTE });
    stack.set({ "roma-appauth:resources": declare([kept]) });
    expect((await stack.up()).error).toBeUndefined();
    expect(emu.control.bindings().map((b) => b.id)).not.toContain(x);

    emu.control.setFaults({
      visibilityLagMs: MINUTE,
      next: [{ route: "authorize", count: 1, fault: FAULTS.drop(true) }],
    });
    stack.set({ "roma-appauth:resources": declare([kept, p]) });
    const readded = await stack.up();
    const y = emu.control.bindings().find((b) => b.apiId === p)?.id;
    expect(y).toBeDefined();
    expect(y).not.toBe(x);
    // Whatever up reported, the state must never hold the cancelled record as P's.
    const recorded = recordsOf(stack.state.resources[0]?.outputs ?? {});
    expect(recorded.map((r) => r.id)).not.toContain(x);

    // Settle (reads catch up), then destroy: nothing may stay bound.
    emu.control.setFaults({});
    if (readded.error) await stack.up();
    expect(bound(emu)).toEqual(product([app], [kept, p]));
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
  } finally {
    await emu.close();
  }
});
