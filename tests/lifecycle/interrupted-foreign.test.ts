/**
 * A command killed after the API answered that one of its writes made nothing for a pair, before
 * the engine stored that answer: someone else bound pair P while the write was in flight (its
 * journal entry's window holds their record's auth_time), and the API answered P SKIPPED (or
 * FAILED). The next command reads the journal: only the API's answer tells that the other party's
 * record is not this resource's, so the journal must keep it. Through the real host, one process
 * per command, the kill from the harness's loopback proxy.
 */
import { RELEASE, type Emulator } from "../../emulator";
import type { Stack } from "../harness/lifecycle";
import { proxiedStack, type ProxiedStack } from "../harness/proxied";
import { bound, pairsOf, product, recordsOf } from "../support";

describe("killed after the API answered SKIPPED or FAILED for a pair someone else bound meanwhile", () => {
  let run: ProxiedStack;
  let emu: Emulator;
  let stack: Stack;
  let app: string;
  let apis: string[];
  beforeEach(async () => {
    run = await proxiedStack(
      { seed: { apps: 1, apis: 8 } },
      { "roma:batchSize": "2", "roma:maxConcurrency": "1" },
    );
    ({ emu, stack } = run);
    app = emu.seed.apps[0].id;
    // Batches are cut from the sorted API ids: two per request, one request at a time.
    apis = emu.seed.apis.map((a) => a.id).sort();
  });
  afterEach(() => run.close());

  const declare = (apiIds: string[]) =>
    run.declare({
      name: "big",
      args: { instanceId: emu.seed.instanceId, envId: RELEASE, appIds: [app], apiIds },
    });
  const recorded = () => recordsOf(stack.state.resources[0]?.outputs ?? {}).map((r) => r.id);
  const deletes = () =>
    emu.control
      .log()
      .filter((e) => e.method === "DELETE")
      .map((e) => e.path);

  /**
   * Runs `command` with `writes` authorize requests, P's in the second: once the first is
   * answered (every write's journal entry begins before the first is sent), someone else binds P.
   * `status` says when: before the second write is applied (SKIPPED), or after it was answered
   * FILAED (their record dated between the two answers). Killed at the third answer, so the
   * second's answer reached the provider and the engine stored nothing. Returns their record's id.
   */
  async function killedWhileForeignBinds(
    command: () => Promise<unknown>,
    p: string,
    status: "SKIPPED" | "FILAED",
  ): Promise<string> {
    emu.control.resetLog();
    if (status === "FILAED") {
      emu.control.setFaults({ failingPairs: [{ apiId: p, status, code: "APIG.9999", times: 1 }] });
    }
    const foreign = (async () => {
      await emu.control.answered("authorize", 1);
      const during = new Date();
      if (status === "FILAED") await emu.control.answered("authorize", 2);
      return emu.control.bind(RELEASE, app, p, during).id;
    })();
    expect(await command()).toMatchObject({ interrupted: true });
    emu.control.setFaults({});
    const id = await foreign;
    const answers = emu.control.log().filter((e) => e.route === "authorize");
    expect(answers).toHaveLength(3);
    return id;
  }

  /** The other party's record was never claimed, and no DELETE was ever sent for it. */
  function untouched(foreign: string) {
    expect(emu.control.bindings().map((b) => b.id)).toContain(foreign);
    expect(recorded()).not.toContain(foreign);
    expect(deletes().some((path) => path.endsWith(`/${foreign}`))).toBe(false);
  }

  it.each(["SKIPPED", "FILAED"] as const)(
    "mid-create (%s): the next up fails on P as already authorized, and destroy leaves their record",
    async (status) => {
      const wanted = apis.slice(0, 6);
      const p = wanted[2];
      declare(wanted);
      const foreign = await killedWhileForeignBinds(() => stack.up(run.kill(3)), p, status);
      expect(stack.state.resources).toEqual([]);

      const next = await stack.up();
      expect(next.error).toContain("Already authorized before this resource's request (SKIPPED)");
      expect(next.error).toContain(`(1 pair: ${app} x ${p})`);
      untouched(foreign);
      // Every other pair is the resource's, and only P is left out.
      const others = product(
        [app],
        wanted.filter((a) => a !== p),
      );
      expect(pairsOf(stack.state.resources[0].outputs)).toEqual(others);

      expect((await stack.destroy()).error).toBeUndefined();
      untouched(foreign);
      expect(bound(emu)).toEqual(product([app], [p]));
    },
  );

  it("mid-update (SKIPPED): the next destroy cancels what the update made, never their record", async () => {
    declare(apis.slice(0, 2));
    expect((await stack.up()).error).toBeUndefined();
    const before = stack.state.resources[0];
    const p = apis[4];
    declare(apis);
    const foreign = await killedWhileForeignBinds(() => stack.up(run.kill(3)), p, "SKIPPED");
    expect(stack.state.resources).toEqual([before]);

    expect((await stack.destroy()).error).toBeUndefined();
    untouched(foreign);
    expect(bound(emu)).toEqual(product([app], [p]));
  });
});
