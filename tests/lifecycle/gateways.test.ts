/**
 * Both gateways' resource classes through the real program runtime and dynamic-provider host:
 * `AppAuthorization` (ROMA Connect) and `ApigAppAuthorization` (APIG), the same commands on each,
 * each on its own instance and path family of the emulator.
 */
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import { GATEWAYS, ROMA_ONLY_FIELDS, type Gateway } from "../../provider/fields";
import { emulatorConfig, PROGRAM, Stack } from "../harness/lifecycle";
import type { Declared } from "../harness/program";
import { paths } from "../helpers";
import { bound, boundIds, product, recordIds } from "../support";

const TYPES: Record<Gateway, string> = {
  roma: "pulumi-nodejs:dynamic/roma:AppAuthorization",
  apig: "pulumi-nodejs:dynamic/roma:ApigAppAuthorization",
};

describe.each(GATEWAYS)("gateway %s through the engine", (gateway: Gateway) => {
  let emu: Emulator;
  let stack: Stack;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    stack.dispose();
    await emu.close();
  });

  const app = () => emu.seed.apps[0].id;
  const apis = (from: number, to: number) => emu.seed.apis.slice(from, to).map((a) => a.id);
  const resource = (apiIds: string[], envId = RELEASE): Declared => ({
    name: "orders",
    args: { instanceId: paths(emu, gateway).instanceId, envId, appIds: [app()], apiIds },
    ...(gateway === "apig" ? { gateway } : {}),
  });
  const stackOf = (...resources: Declared[]) =>
    new Stack({
      program: PROGRAM,
      config: { ...emulatorConfig(emu), "roma-appauth:resources": JSON.stringify(resources) },
    });
  const declare = (...resources: Declared[]) =>
    stack.set({ "roma-appauth:resources": JSON.stringify(resources) });
  // The API requests that did not go to this gateway's paths on its instance, or were refused.
  const strayRequests = () => {
    const { authorize, list, cancel } = paths(emu, gateway);
    const ours = (path: string) =>
      path === authorize || path === list || path.startsWith(cancel(""));
    return emu.control
      .log()
      .filter((e) => e.route !== "control" && !e.route.startsWith("iam"))
      .filter((e) => !ours(e.path) || Number(e.status) >= 400);
  };

  it("creates, updates in place, replaces on an environment change, refreshes and destroys", async () => {
    stack = stackOf(resource(apis(0, 2)));
    const created = await stack.up();
    expect(created.error).toBeUndefined();
    const [first] = stack.state.resources;
    expect(first.type).toBe(TYPES[gateway]);
    expect(bound(emu)).toStrictEqual(product([app()], apis(0, 2)));
    expect(recordIds(first.outputs)).toStrictEqual(boundIds(emu));
    // The state keeps the gateway and, on APIG, none of ROMA Connect's inputs.
    const kept = (props: Record<string, unknown>) =>
      Object.keys(props)
        .filter((k) => k === "gateway" || ROMA_ONLY_FIELDS.includes(k as never))
        .sort();
    const expectedKeys = gateway === "roma" ? [...ROMA_ONLY_FIELDS].sort() : ["gateway"];
    expect([kept(first.inputs), kept(first.outputs)]).toStrictEqual([expectedKeys, expectedKeys]);
    expect(first.outputs.gateway).toBe(gateway === "roma" ? undefined : "apig");

    declare(resource(apis(1, 3)));
    const updated = await stack.up();
    expect(updated.error).toBeUndefined();
    expect(updated.steps).toStrictEqual([
      {
        name: "orders",
        op: "update",
        added: [`${app()}/${apis(2, 3)[0]}`],
        removed: [`${app()}/${apis(0, 1)[0]}`],
      },
    ]);
    expect(stack.state.resources[0].id).toBe(first.id);
    expect(bound(emu)).toStrictEqual(product([app()], apis(1, 3)));

    const otherEnv = emu.seed.environments[1].id;
    declare(resource(apis(1, 3), otherEnv));
    const replaced = await stack.up();
    expect(replaced.error).toBeUndefined();
    expect(replaced.steps.map((s) => s.op)).toContain("replace");
    const [moved] = stack.state.resources;
    expect(moved.id).not.toBe(first.id);
    expect(bound(emu, RELEASE)).toStrictEqual([]);
    expect(bound(emu, otherEnv)).toStrictEqual(product([app()], apis(1, 3)));

    emu.control.unbind(otherEnv, app(), apis(1, 2)[0], paths(emu, gateway).instanceId);
    const refreshed = await stack.refresh();
    expect(refreshed.error).toBeUndefined();
    expect(recordIds(stack.state.resources[0].outputs)).toStrictEqual(boundIds(emu));
    expect(stack.state.resources[0].inputs.apiIds).toStrictEqual(apis(2, 3));

    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toStrictEqual([]);
    expect(stack.state.resources).toStrictEqual([]);
    expect(strayRequests()).toStrictEqual([]);
  });

  it("keeps what a partly failed create made; the next up finishes it", async () => {
    emu.control.setFaults({
      failingPairs: [
        { apiId: apis(1, 2)[0], code: "APIG.9999", message: "System error", times: 1 },
      ],
    });
    stack = stackOf(resource(apis(0, 3)));
    const failed = await stack.up();
    expect(failed.error).toBe(
      `1 error occurred:\n\t* The API answered FAILED: System error (APIG.9999). (1 pair: ${app()} x ${apis(1, 2)[0]})\n\n`,
    );
    const [partial] = stack.state.resources;
    expect(partial.initErrors).toHaveLength(1);
    expect(partial.outputs.gateway).toBe(gateway === "roma" ? undefined : "apig");
    expect(recordIds(partial.outputs)).toStrictEqual(boundIds(emu));
    const finished = await stack.up();
    expect(finished.error).toBeUndefined();
    expect(finished.steps).toStrictEqual([
      { name: "orders", op: "update", added: [`${app()}/${apis(1, 2)[0]}`], removed: [] },
    ]);
    expect(bound(emu)).toStrictEqual(product([app()], apis(0, 3)));
    expect((await stack.destroy()).error).toBeUndefined();
    expect(emu.control.bindings()).toStrictEqual([]);
    expect(strayRequests()).toStrictEqual([]);
  });
});
