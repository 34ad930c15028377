/**
 * The example programs on the real Pulumi runtime (`setMocks`) and the real dynamic-provider host
 * over gRPC, against the emulator, with state carried from run to run as `pulumi` would keep it.
 */
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import {
  apigConfig,
  basicConfig,
  EXAMPLES,
  emulatorConfig,
  multiEnvConfig,
  Stack,
} from "../harness/lifecycle";
import { paths } from "../helpers";
import { bound, product } from "../support";

describe("the basic example's lifecycle", () => {
  let emu: Emulator;
  let stack: Stack;
  let app: string;
  let apis: string[];

  beforeAll(async () => {
    emu = await startEmulator();
    app = emu.seed.apps[0].id;
    apis = emu.seed.apis.map((a) => a.id);
    stack = new Stack({
      program: EXAMPLES.basic,
      config: { ...emulatorConfig(emu), ...basicConfig(emu, 3) },
    });
  });
  afterAll(() => emu.close());

  const setApis = (ids: string[]) => stack.set({ "roma-appauth:apiIds": JSON.stringify(ids) });

  it("preview plans the create and calls nothing", async () => {
    const result = await stack.preview();
    expect(result.error).toBeUndefined();
    expect(result.steps).toEqual([
      { name: "orders-app", op: "create", added: product([app], apis.slice(0, 3)), removed: [] },
    ]);
    expect(emu.control.counts()).toEqual({});
    expect(stack.state.resources).toEqual([]);
  });

  it("up creates every pair in one request", async () => {
    const result = await stack.up();
    expect(result.error).toBeUndefined();
    expect(result.steps.map((s) => s.op)).toEqual(["create"]);
    expect(bound(emu)).toEqual(product([app], apis.slice(0, 3)));
    expect(emu.control.counts()).toEqual({ authorize: 1 });
    const recordIds = result.outputs.recordIds as Record<string, string>;
    expect(Object.keys(recordIds).sort()).toEqual(apis.slice(0, 3).sort());
    expect(result.outputs.authorizationId).toBe(stack.state.resources[0].id);
  });

  it("a second up with nothing changed calls nothing", async () => {
    emu.control.resetLog();
    const result = await stack.up();
    expect(result.steps.map((s) => s.op)).toEqual(["same"]);
    expect(emu.control.counts()).toEqual({});
  });

  it("changing apiIds updates in place with only the delta's calls", async () => {
    emu.control.resetLog();
    const id = stack.state.resources[0].id;
    setApis([apis[1], apis[2], apis[3], apis[4]]);
    const result = await stack.up();
    expect(result.error).toBeUndefined();
    expect(result.steps).toEqual([
      {
        name: "orders-app",
        op: "update",
        added: product([app], [apis[3], apis[4]]),
        removed: [`${app}/${apis[0]}`],
      },
    ]);
    expect(emu.control.log().map((e) => e.route)).toEqual(["authorize", "cancel"]);
    expect(bound(emu)).toEqual(product([app], apis.slice(1, 5)));
    expect(stack.state.resources[0].id).toBe(id);
  });

  it("changing the app updates in place: the new app's pairs bound, the old app's unbound", async () => {
    emu.control.resetLog();
    const other = emu.seed.apps[1].id;
    stack.set({ "roma-appauth:appId": other });
    const result = await stack.up();
    expect(result.steps.map((s) => s.op)).toEqual(["update"]);
    expect(bound(emu)).toEqual(product([other], apis.slice(1, 5)));
    expect(emu.control.counts()).toEqual({ authorize: 1, cancel: 4 });
    stack.set({ "roma-appauth:appId": app });
    await stack.up();
    expect(bound(emu)).toEqual(product([app], apis.slice(1, 5)));
  });

  it("refresh notices a pair removed outside Pulumi, and the next up binds it again", async () => {
    emu.control.unbind(RELEASE, app, apis[2]);
    const refreshed = await stack.refresh();
    // The refresh diff (the provider's diff of the refreshed state against the inputs) shows drift.
    expect(refreshed.steps).toEqual([
      {
        name: "orders-app",
        op: "refresh",
        added: [],
        removed: [`${app}/${apis[2]}`],
        drift: true,
      },
    ]);
    emu.control.resetLog();
    const result = await stack.up();
    expect(result.steps).toEqual([
      { name: "orders-app", op: "update", added: [`${app}/${apis[2]}`], removed: [] },
    ]);
    // Refresh keeps the journal (the engine drops its preview's read), so this up settles the
    // journal's entry for the removed pair: one listing finds no record of it, then one write.
    expect(emu.control.counts()).toEqual({ list: 1, authorize: 1 });
    expect(bound(emu)).toEqual(product([app], apis.slice(1, 5)));
  });

  it("changing envId replaces: the new environment's pairs first, then the old ones go", async () => {
    emu.control.resetLog();
    const test = emu.seed.environments[1].id;
    stack.set({ "roma-appauth:envId": test });
    const result = await stack.up();
    expect(result.error).toBeUndefined();
    expect(result.steps.map((s) => [s.op, s.replaces])).toEqual([
      ["replace", ["envId"]],
      ["delete", undefined],
    ]);
    const routes = emu.control.log().map((e) => e.route);
    expect(routes[0]).toBe("authorize");
    expect(routes.slice(1)).toEqual(["cancel", "cancel", "cancel", "cancel"]);
    expect(bound(emu, test)).toEqual(product([app], apis.slice(1, 5)));
    expect(bound(emu, RELEASE)).toEqual([]);
  });

  it("destroy leaves the emulator with zero authorizations", async () => {
    const result = await stack.destroy();
    expect(result.error).toBeUndefined();
    expect(result.steps.map((s) => s.op)).toEqual(["delete"]);
    expect(emu.control.bindings()).toEqual([]);
    expect(stack.state.resources).toEqual([]);
  });
});

describe("the multi-environment example", () => {
  it("authorizes several apps in two environments, then destroys everything", async () => {
    const emu = await startEmulator();
    try {
      const s = emu.seed;
      const stack = new Stack({
        program: EXAMPLES.multiEnv,
        project: "roma-appauth-multi-env",
        config: { ...emulatorConfig(emu), ...multiEnvConfig(emu) },
      });
      const up = await stack.up();
      expect(up.error).toBeUndefined();
      expect(up.outputs).toEqual({ releasePairs: 9, testPairs: 5 });
      const release = emu.control.bindings().filter((b) => b.envId === s.environments[0].id);
      const test = emu.control.bindings().filter((b) => b.envId === s.environments[1].id);
      expect(release).toHaveLength(9);
      expect(
        test.every((b) => b.authTunnel === "GREEN" && b.authWhitelist.join() === "10.20.0.0/16"),
      ).toBe(true);
      const param = (app: number, api: number) =>
        release.find((b) => b.appId === s.apps[app].id && b.apiId === s.apis[api].id)!.visitParam;
      expect([param(0, 0), param(1, 0), param(1, 1)]).toEqual(["tenant,region", "tenant", ""]);
      await stack.destroy();
      expect(emu.control.bindings()).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});

describe("the APIG example", () => {
  it("authorizes two apps on the APIG instance through APIG's paths, updates, refreshes, destroys", async () => {
    const emu = await startEmulator();
    const stack = new Stack({
      program: EXAMPLES.apig,
      project: "roma-appauth-apig",
      config: { ...emulatorConfig(emu), ...apigConfig(emu, 2) },
    });
    try {
      const apps = emu.seed.apps.slice(0, 2).map((a) => a.id);
      const apis = emu.seed.apis.slice(0, 3).map((a) => a.id);
      const apig = paths(emu, "apig");
      const up = await stack.up();
      expect(up.error).toBeUndefined();
      expect(stack.state.resources[0].type).toBe("pulumi-nodejs:dynamic/roma:ApigAppAuthorization");
      expect(bound(emu)).toStrictEqual(product(apps, apis.slice(0, 2)));
      expect(Object.keys(up.outputs.recordIds as object).sort()).toStrictEqual(
        product(apps, apis.slice(0, 2)),
      );
      expect(emu.control.log().map((e) => `${e.method} ${e.path} ${e.status}`)).toStrictEqual([
        `POST ${apig.authorize} 201`,
      ]);

      emu.control.resetLog();
      stack.set({ "roma-appauth-apig:apiIds": JSON.stringify(apis.slice(1, 3)) });
      const updated = await stack.up();
      expect(updated.error).toBeUndefined();
      expect(updated.steps.map((s) => s.op)).toStrictEqual(["update"]);
      expect(bound(emu)).toStrictEqual(product(apps, apis.slice(1, 3)));
      expect(emu.control.log().every((e) => e.path.startsWith(apig.authorize))).toBe(true);

      emu.control.unbind(RELEASE, apps[0], apis[1], apig.instanceId);
      const refreshed = await stack.refresh();
      expect(refreshed.steps).toStrictEqual([
        {
          name: "orders-apig",
          op: "refresh",
          added: [],
          removed: [`${apps[0]}/${apis[1]}`],
          drift: true,
        },
      ]);
      expect((await stack.destroy()).error).toBeUndefined();
      expect(emu.control.bindings()).toStrictEqual([]);
    } finally {
      stack.dispose();
      await emu.close();
    }
  });
});
