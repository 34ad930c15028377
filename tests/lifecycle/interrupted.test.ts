/**
 * Interrupted runs as users meet them: the `pulumi` command (program, engine and provider host) is
 * killed mid-step by the harness's loopback proxy, hundreds of pairs, latency on. The next command
 * runs in a fresh process with only what a user has: the backend's last checkpoint and the
 * provider's journal under PULUMI_HOME.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { RELEASE, type Emulator } from "../../emulator";
import type { Stack } from "../harness/lifecycle";
import type { Declared } from "../harness/program";
import { proxiedStack, type ProxiedStack } from "../harness/proxied";
import { bound, boundIds, product, recordIds } from "../support";

const KEY = "roma-appauth/dev/big";

describe("a command killed mid-step", () => {
  let run: ProxiedStack;
  let emu: Emulator;
  let stack: Stack;
  let apps: string[];
  let apis: string[];
  beforeEach(async () => {
    // Small batches: a kill lands between writes of one step.
    run = await proxiedStack({ seed: { apps: 2, apis: 150 } }, { "roma:batchSize": "20" });
    ({ emu, stack } = run);
    emu.control.setFaults({ latencyMs: { default: 10 } });
    apps = emu.seed.apps.map((a) => a.id);
    apis = emu.seed.apis.map((a) => a.id);
  });
  afterEach(() => run.close());

  const declare = (apiIds: string[], options: Partial<Declared["args"]> = {}) =>
    run.declare({
      name: "big",
      args: { instanceId: emu.seed.instanceId, envId: RELEASE, appIds: apps, apiIds, ...options },
    });
  const kill = (answers: number) => run.kill(answers);
  const journal = () => (existsSync(stack.journalDir) ? readdirSync(stack.journalDir) : []);
  const recorded = () => recordIds(stack.state.resources[0]?.outputs ?? {});
  const existing = () => boundIds(emu);
  /** Everything declared is bound and recorded, then destroy leaves nothing bound or journalled. */
  async function settlesAndDestroys(pairs: string[]) {
    expect(bound(emu)).toEqual(pairs);
    expect(recorded()).toEqual(existing());
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
    expect(journal()).toEqual([]);
  }

  it("mid-create: the next up finishes from the journal, with no 'already authorized'", async () => {
    declare(apis);
    expect(await stack.up(kill(5))).toMatchObject({ interrupted: true });
    const landed = emu.control.bindings().length;
    expect(landed).toBeGreaterThan(0);
    expect(landed).toBeLessThan(300);
    expect(stack.state.resources).toEqual([]);
    expect(journal()).not.toEqual([]);
    const next = await stack.up();
    expect(next.error).toBeUndefined();
    expect(next.steps.map((s) => s.op)).toEqual(["create"]);
    await settlesAndDestroys(product(apps, apis));
  });

  it("mid-create with the journal gone: a screen-sized error, then one up with ROMA_ADOPT_EXISTING finishes", async () => {
    declare(apis);
    await stack.up(kill(5));
    const landed = emu.control.bindings().length;
    expect(landed).toBeGreaterThan(0);
    rmSync(stack.journalDir, { recursive: true, force: true });
    const stuck = await stack.up();
    // What the CLI prints: counts, a few examples and the remedy, whatever the number of pairs.
    expect(stuck.error).toBeDefined();
    expect(stuck.error!.length).toBeLessThanOrEqual(2000);
    expect(stuck.error).toContain(`ROMA_ADOPT_EXISTING=${KEY}`);
    expect(stuck.error).toContain(`${landed} pairs`);
    // Nothing was cancelled: the records stay, for the remedy to claim; the other pairs were made.
    expect(bound(emu)).toEqual(product(apps, apis));
    const adopted = await stack.up({ env: { ROMA_ADOPT_EXISTING: KEY } });
    expect(adopted.error).toBeUndefined();
    // One run only: the next up without the variable has nothing to do.
    const again = await stack.up();
    expect(again.error).toBeUndefined();
    expect(again.steps.map((s) => s.op)).toEqual(["same"]);
    await settlesAndDestroys(product(apps, apis));
  });

  it("mid-update: the next up claims the journalled records", async () => {
    declare(apis.slice(0, 50));
    expect((await stack.up()).error).toBeUndefined();
    const before = stack.state.resources[0];
    declare(apis);
    expect(await stack.up(kill(4))).toMatchObject({ interrupted: true });
    const landed = emu.control.bindings().length;
    // The writes may all have landed before the kill: their answers are lost all the same.
    expect(landed).toBeGreaterThan(100);
    // The engine keeps the old resource (pending UPDATE dropped by the next command).
    expect(stack.state.resources).toEqual([before]);
    emu.control.resetLog();
    const next = await stack.up();
    expect(next.error).toBeUndefined();
    expect(next.steps.map((s) => s.op)).toEqual(["update"]);
    // Claimed, not cancelled and written again.
    expect(emu.control.counts().cancel).toBeUndefined();
    await settlesAndDestroys(product(apps, apis));
  });

  // Found by the model test with kills on (seed -1406736802 path 0): an update that rebinds pairs
  // (new options: unbind, then bind again) is killed after some rebinds landed. The state still
  // holds the cancelled records, and the journal's evidence for those pairs must not be set aside
  // because the state has a record of them.
  const killedRebind = async () => {
    declare(apis);
    expect((await stack.up()).error).toBeUndefined();
    const before = stack.state.resources[0];
    declare(apis, { authTunnel: "GREEN", authWhitelist: ["10.0.0.0/8"] });
    // 300 cancels, then the rebinds: killed when the fifth of them is answered.
    expect(await stack.up(kill(305))).toMatchObject({ interrupted: true });
    const rebound = emu.control.bindings().filter((b) => b.authTunnel === "GREEN").length;
    expect(rebound).toBeGreaterThanOrEqual(5 * 20);
    expect(rebound).toBeLessThan(300);
    expect(stack.state.resources).toEqual([before]);
  };

  it("mid-update, killed while rebinding: the next up claims the rebound records", async () => {
    await killedRebind();
    const next = await stack.up();
    expect(next.error).toBeUndefined();
    expect(emu.control.bindings().every((b) => b.authTunnel === "GREEN")).toBe(true);
    await settlesAndDestroys(product(apps, apis));
  });

  it("mid-update, killed while rebinding: the next destroy leaves nothing", async () => {
    await killedRebind();
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
    expect(journal()).toEqual([]);
  });

  it("mid-destroy: the next destroy finishes", async () => {
    declare(apis);
    expect((await stack.up()).error).toBeUndefined();
    expect(await stack.destroy(kill(40))).toMatchObject({ interrupted: true });
    const left = emu.control.bindings().length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(300);
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
    expect(stack.state.resources).toEqual([]);
    expect(journal()).toEqual([]);
  });
});
