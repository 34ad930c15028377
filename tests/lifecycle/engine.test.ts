/**
 * The engine stand-in does what the Pulumi engine does, through the real program runtime, the real
 * dynamic-provider host and the emulator. Each test pins one behaviour of `tests/harness/engine.ts`
 * (the pulumi/pulumi source it follows is named there), so the harness cannot drift silently.
 */
import { FAULTS, startEmulator, type Emulator, RELEASE } from "../../emulator";
import { Interrupter } from "../harness/interrupt";
import { ProviderHost } from "../harness/host";
import { emulatorConfig, PROGRAM, ROOT, serializedProvider, Stack } from "../harness/lifecycle";
import type { Declared } from "../harness/program";
import { bound, product } from "../support";

const TYPE = "pulumi-nodejs:dynamic/roma:AppAuthorization";

describe("the engine stand-in", () => {
  let emu: Emulator;
  let proxy: Interrupter;
  beforeEach(async () => {
    emu = await startEmulator();
    proxy = await Interrupter.start(emu.url);
  });
  afterEach(async () => {
    await proxy.close();
    await emu.close();
  });

  const app = () => emu.seed.apps[0].id;
  const apis = (n: number) => emu.seed.apis.slice(0, n).map((a) => a.id);
  const resource = (n: number, extra: Partial<Declared> = {}): Declared => ({
    name: "orders",
    args: { instanceId: emu.seed.instanceId, envId: RELEASE, appIds: [app()], apiIds: apis(n) },
    ...extra,
  });
  const stackOf = (...resources: Declared[]) =>
    new Stack({
      program: PROGRAM,
      config: {
        ...emulatorConfig(emu),
        "roma:endpoint": proxy.url,
        "roma-appauth:resources": JSON.stringify(resources),
      },
    });
  const declare = (stack: Stack, ...resources: Declared[]) =>
    stack.set({ "roma-appauth:resources": JSON.stringify(resources) });
  const kill = (answers: number) => ({ interrupt: { proxy, answers } });

  it("a create killed after its write keeps only a pending CREATE; refresh --clear-pending-creates clears it", async () => {
    const stack = stackOf(resource(2));
    const killed = await stack.up(kill(1));
    expect(killed).toMatchObject({ interrupted: true });
    expect(bound(emu)).toEqual(product([app()], apis(2)));
    expect(stack.state.resources).toEqual([]);
    expect(stack.state.pendingOperations).toEqual([
      {
        type: "creating",
        resource: expect.objectContaining({ urn: expect.stringMatching(/::orders$/) }),
      },
    ]);
    // The next command warns as the CLI does, and the pending CREATE stays until a refresh clears it.
    const refreshed = await stack.refresh();
    expect(refreshed.warnings.join("\n")).toMatch(
      /with 1 pending operations from previous deployment\.\n {2}\* urn:\S+::orders, interrupted while creating\n/,
    );
    expect(stack.state.pendingOperations).toHaveLength(1);
    await stack.refresh({ clearPendingCreates: true });
    expect(stack.state.pendingOperations).toBeUndefined();
  });

  it("an update killed after its write keeps the old inputs and outputs; the next command drops the pending UPDATE", async () => {
    const stack = stackOf(resource(2));
    expect((await stack.up()).error).toBeUndefined();
    const before = stack.state.resources[0];
    declare(stack, resource(3));
    await stack.up(kill(1));
    expect(bound(emu)).toEqual(product([app()], apis(3)));
    expect(stack.state.resources).toEqual([before]);
    expect(stack.state.pendingOperations).toEqual([
      { type: "updating", resource: expect.objectContaining({ id: before.id }) },
    ]);
    const next = await stack.up();
    expect(next.warnings[0]).toMatch(/interrupted while updating/);
    expect(next.steps.map((s) => s.op)).toEqual(["update"]);
    expect(stack.state.pendingOperations).toBeUndefined();
  });

  it("a delete killed part-way leaves the resource in the state", async () => {
    const stack = stackOf(resource(3));
    await stack.up();
    const before = stack.state.resources[0];
    await stack.destroy(kill(1));
    expect(stack.state.resources).toEqual([before]);
    expect(stack.state.pendingOperations).toEqual([
      { type: "deleting", resource: expect.objectContaining({ id: before.id }) },
    ]);
  });

  it("stores every setting at up (secrets encrypted); refresh and destroy use the stored ones unless --run-program", async () => {
    const stack = stackOf(resource(2));
    await stack.up();
    const stored = stack.state.provider!.inputs;
    expect(stack.state.provider!.urn).toMatch(/::pulumi:providers:pulumi-nodejs::default$/);
    expect(stored["roma:endpoint"]).toBe(proxy.url);
    expect(stored["roma:token"]).toEqual({ ciphertext: expect.stringMatching(/^v1:/) });
    expect(JSON.stringify(stack.state)).not.toContain(emu.seed.credentials.token);
    // A changed endpoint is not what refresh and destroy use until an `up` stores it.
    stack.set({ "roma:endpoint": "http://127.0.0.1:9" });
    expect((await stack.refresh()).error).toBeUndefined();
    expect((await stack.refresh({ runProgram: true })).error).toMatch(/127\.0\.0\.1:9/);
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
  });

  it("a partially failed update keeps the old inputs; refresh clears its init errors; the next up finishes by diff alone", async () => {
    const stack = stackOf(resource(2));
    await stack.up();
    const oldInputs = stack.state.resources[0].inputs;
    emu.control.setFaults({
      failingPairs: [{ apiId: apis(3)[2], code: "APIG.9999", message: "System error", times: 1 }],
    });
    declare(stack, resource(4));
    const failed = await stack.up();
    const [partial] = stack.state.resources;
    expect(partial.inputs).toEqual(oldInputs);
    expect(partial.initErrors).toHaveLength(1);
    // The CLI prints the reasons (an InitError), not the provider's own message.
    expect(failed.error).toBe(`1 error occurred:\n\t* ${partial.initErrors![0]}\n\n`);
    await stack.refresh();
    expect(stack.state.resources[0].initErrors).toBeUndefined();
    emu.control.resetLog();
    const finished = await stack.up();
    expect(finished.error).toBeUndefined();
    expect(finished.steps[0]).toMatchObject({ op: "update", added: [`${app()}/${apis(3)[2]}`] });
    expect(bound(emu)).toEqual(product([app()], apis(4)));
    expect(stack.state.resources[0].inputs.apiIds).toEqual([...apis(4)].sort());
  });

  it("prints check failures as the CLI does: 'property P value V has a problem: R'", async () => {
    const bad = resource(1);
    bad.args.envId = "RELEASE ENV";
    bad.args.appIds = [42];
    const result = await stackOf(bad).up();
    expect(result.error).toContain(
      `${TYPE} resource 'orders': property envId value {RELEASE ENV} has a problem: envId must be`,
    );
    // A nested property is no top-level key: the engine finds no value to print.
    expect(result.error).toContain(
      `${TYPE} resource 'orders': property appIds[0] value {<nil>} has a problem: appIds[0] must be a string`,
    );
    expect(emu.control.counts()).toEqual({});
  });

  it("honours protect and retainOnDelete on destroy", async () => {
    const stack = stackOf(resource(2, { options: { protect: true } }));
    await stack.up();
    const refused = await stack.destroy();
    expect(refused.error).toContain("because it is protected. To unprotect the resource");
    expect(stack.state.resources).toHaveLength(1);
    expect(emu.control.counts()).toMatchObject({ authorize: 1 });
    declare(stack, resource(2, { options: { retainOnDelete: true } }));
    await stack.up();
    emu.control.resetLog();
    const retained = await stack.destroy();
    expect(retained.steps).toMatchObject([{ op: "delete", retained: true }]);
    expect(stack.state.resources).toEqual([]);
    expect(emu.control.counts()).toEqual({});
    expect(bound(emu)).toEqual(product([app()], apis(2)));
  });

  it("honours ignoreChanges (old values kept before check) and deleteBeforeReplace", async () => {
    const stack = stackOf(resource(2, { options: { ignoreChanges: ["apiIds"] } }));
    await stack.up();
    declare(stack, resource(3, { options: { ignoreChanges: ["apiIds"] } }));
    emu.control.resetLog();
    expect((await stack.up()).steps.map((s) => s.op)).toEqual(["same"]);
    expect(emu.control.counts()).toEqual({});
    const other = emu.seed.environments[1].id;
    const moved = resource(2, { options: { deleteBeforeReplace: true } });
    moved.args.envId = other;
    declare(stack, moved);
    emu.control.resetLog();
    const replaced = await stack.up();
    expect(replaced.error).toBeUndefined();
    // Deleted first: the cancels come before the new environment's authorize.
    expect(emu.control.log().map((e) => e.route)).toEqual(["cancel", "cancel", "authorize"]);
    expect(bound(emu, other)).toEqual(product([app()], apis(2)));
  });

  it("says, when the stored settings fail, that refresh and destroy use them and what to run", async () => {
    const gone = await Interrupter.start(emu.url);
    const stack = stackOf(resource(2));
    stack.set({ "roma:endpoint": gone.url });
    await stack.up();
    await gone.close();
    stack.set({ "roma:endpoint": emu.url });
    const failed = await stack.refresh();
    expect(failed.error).toMatch(/ECONNREFUSED/);
    expect(failed.error).toContain(
      "they use the provider settings stored in the state at the last `pulumi up`, not the current " +
        "stack config. After changing roma:* settings, run `pulumi up` first, or pass --run-program.",
    );
    expect((await stack.refresh({ runProgram: true })).error).toBeUndefined();
    expect((await stack.up()).error).toBeUndefined();
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toEqual([]);
  });

  it("after a failed destroy, up alone sees nothing to do; refresh then up restores access, as the error says", async () => {
    const stack = stackOf(resource(3));
    await stack.up();
    emu.control.setFaults({
      next: [{ route: "cancel", count: 1, fault: FAULTS.invalidParameter() }],
    });
    const failed = await stack.destroy();
    expect(failed.error).toContain(
      "run `pulumi refresh`, then `pulumi up`, which authorizes them again",
    );
    expect(bound(emu)).toHaveLength(1);
    expect((await stack.up()).steps.map((s) => s.op)).toEqual(["same"]);
    expect(bound(emu)).toHaveLength(1);
    await stack.refresh();
    await stack.up();
    expect(bound(emu)).toEqual(product([app()], apis(3)));
  });

  it("names the cause and the remedy when the stored __provider no longer loads", async () => {
    const stack = stackOf(resource(2));
    await stack.up();
    // The same state, run from another folder: the relative path in __provider leads nowhere.
    stack.options.cwd = ROOT;
    const failed = await stack.destroy();
    expect(failed.error).toMatch(
      /^Cannot load the provider code this resource was saved with: \S+handlers\.js \(resolved from the project folder /,
    );
    expect(failed.error).toContain("Put the package back at that path (or link it there)");
    expect(stack.state.resources).toHaveLength(1);
  });

  it("Ctrl-C: the dynamic-provider host answers the engine's Cancel and ignores it", async () => {
    const host = await ProviderHost.start({ cwd: ROOT });
    try {
      const config = emulatorConfig(emu);
      await host.configure({ ...config, "roma:endpoint": emu.url });
      emu.control.setFaults({ latencyMs: { authorize: 500 } });
      const urn = `urn:pulumi:dev::p::${TYPE}::orders`;
      const { inputs } = await host.check(
        urn,
        {},
        {
          __provider: serializedProvider(ROOT),
          ...resource(2).args,
        },
      );
      const created = host.create(urn, inputs);
      await host.cancel();
      await expect(created).resolves.toMatchObject({ id: expect.any(String) });
      expect(bound(emu)).toEqual(product([app()], apis(2)));
    } finally {
      await host.close();
    }
  });
});
