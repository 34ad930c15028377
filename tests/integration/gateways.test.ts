/**
 * Both gateways against the emulator over HTTP (in-process): ROMA Connect's `AppAuthorization` and
 * APIG's `ApigAppAuthorization` go through the same provider, told apart by the `gateway` input
 * the resource class adds, each on its own path family and instance of the emulator.
 */
import { FAULTS, startEmulator, type Emulator, RELEASE } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import { GATEWAYS, ROMA_ONLY_FIELDS, type Gateway } from "../../provider/fields";
import { paths } from "../helpers";
import {
  bound,
  checkedInputs,
  configuredProvider,
  emulatorSettings,
  failureOf,
  pairsOf,
  product,
} from "../support";

describe.each(GATEWAYS)("gateway %s against the emulator", (gateway: Gateway) => {
  let emu: Emulator;
  let provider: AppAuthorizationProvider;
  let apps: string[];
  let apis: string[];

  beforeEach(async () => {
    emu = await startEmulator({ seed: { apps: 3, apis: 4 } });
    // The same server serves both path families.
    provider = await configuredProvider(emulatorSettings(emu, { "apig:endpoint": emu.url }));
    apps = emu.seed.apps.map((a) => a.id);
    apis = emu.seed.apis.map((a) => a.id);
  });
  afterEach(() => emu.close());

  const family = () => paths(emu, gateway);
  // What the resource class sends: ROMA Connect's adds nothing.
  const inputs = (change: Record<string, unknown> = {}) =>
    checkedInputs(provider, {
      ...(gateway === "apig" ? { gateway } : {}),
      instanceId: family().instanceId,
      envId: RELEASE,
      appIds: [apps[0]],
      apiIds: apis.slice(0, 2),
      __provider: "serialized provider",
      ...change,
    });
  // Every API request went to this gateway's paths on its instance.
  const requestsOnFamily = () => {
    const prefix = new RegExp(
      `^/v${gateway === "roma" ? "[12]" : "2"}/${emu.seed.projectId}/${gateway === "roma" ? "apic" : "apigw"}/instances/${family().instanceId}/app-auths`,
    );
    const api = emu.control
      .log()
      .filter((e) => e.route !== "control" && !e.route.startsWith("iam"));
    expect(api.length).toBeGreaterThan(0);
    return api.filter((e) => !prefix.test(e.path) || e.status === 404 || e.status === 400);
  };

  it("create, update in place, refresh and destroy go to the gateway's own paths", async () => {
    const news = await inputs();
    const { id, outs } = await provider.create(news);
    expect(id).toMatch(new RegExp(`^${family().instanceId}/${RELEASE}/[0-9a-f]{8}$`));
    expect(pairsOf(outs)).toStrictEqual(product([apps[0]], apis.slice(0, 2)));
    expect(bound(emu)).toStrictEqual(pairsOf(outs));
    // The state keeps the gateway, and on APIG none of the ROMA-only inputs.
    expect(
      Object.keys(outs).filter((k) => k === "gateway" || ROMA_ONLY_FIELDS.includes(k as never)),
    ).toStrictEqual(gateway === "roma" ? [...ROMA_ONLY_FIELDS] : ["gateway"]);

    const changed = await inputs({ apiIds: [apis[1], apis[2]] });
    expect(await provider.diff(id, outs, changed)).toStrictEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = (await provider.update(id, outs, changed)).outs;
    expect(pairsOf(updated)).toStrictEqual(product([apps[0]], [apis[1], apis[2]]));
    expect(bound(emu)).toStrictEqual(pairsOf(updated));

    emu.control.unbind(RELEASE, apps[0], apis[1], family().instanceId);
    const read = await provider.read(id, updated);
    expect(read.id).toBe(id);
    expect(pairsOf(read.props)).toStrictEqual(product([apps[0]], [apis[2]]));
    expect(read.inputs?.gateway).toBe(gateway === "roma" ? undefined : "apig");

    await provider.delete(id, read.props);
    expect(bound(emu)).toStrictEqual([]);
    expect(requestsOnFamily()).toStrictEqual([]);
  });

  it("a change of environment, or of gateway, replaces the resource", async () => {
    const { id, outs } = await provider.create(await inputs());
    const other = await inputs({ envId: "OTHER_ENV" });
    expect((await provider.diff(id, outs, other)).replaces).toStrictEqual(["envId"]);
    const { gateway: _, ...roma } = await inputs();
    const moved = gateway === "roma" ? { ...roma, gateway: "apig" } : roma;
    expect((await provider.diff(id, outs, moved)).replaces).toStrictEqual(["gateway"]);
  });

  it("keeps every record made when some pairs fail; the next update finishes", async () => {
    emu.control.setFaults({
      failingPairs: [{ apiId: apis[1], code: "APIG.3002", message: "API not published", times: 1 }],
    });
    const news = await inputs({ apiIds: apis.slice(0, 3) });
    const error = await failureOf(provider.create(news));
    expect(error.message).toMatch(/^1 pair \(app x API\) could not be authorized/);
    expect(pairsOf(error.properties)).toStrictEqual(product([apps[0]], [apis[0], apis[2]]));
    expect(error.properties.gateway).toBe(gateway === "roma" ? undefined : "apig");
    expect(bound(emu)).toStrictEqual(pairsOf(error.properties));
    const { outs } = await provider.update(error.id, error.properties, news);
    expect(pairsOf(outs)).toStrictEqual(product([apps[0]], apis.slice(0, 3)));
    await provider.delete(error.id, outs);
    expect(bound(emu)).toStrictEqual([]);
    expect(requestsOnFamily()).toStrictEqual([]);
  });

  it("an answer that is no data names the gateway's endpoint setting", async () => {
    const settings = { "apig:endpoint": emu.url, "roma:maxRetries": "0" };
    provider = await configuredProvider(emulatorSettings(emu, settings));
    emu.control.setFaults({ next: [{ route: "authorize", count: 10, fault: FAULTS.html() }] });
    const setting = gateway === "roma" ? "roma:endpoint" : "apig:endpoint";
    await expect(provider.create(await inputs())).rejects.toThrow(
      new RegExp(`The URL http://127.0.0.1:\\d+ comes from ${setting}`),
    );
    // A refresh that meets one says it ran with the settings stored at the last up.
    emu.control.setFaults({});
    const { id, outs } = await provider.create(await inputs());
    emu.control.setFaults({ next: [{ route: "list", count: 10, fault: FAULTS.html() }] });
    await expect(provider.read(id, outs)).rejects.toThrow(
      new RegExp(`comes from ${setting}[^]*If this is \`pulumi refresh\` or \`pulumi destroy\``),
    );
  });
});

describe("APIG against the emulator", () => {
  let emu: Emulator;
  let provider: AppAuthorizationProvider;

  beforeEach(async () => {
    emu = await startEmulator({ seed: { apps: 1, apis: 1 } });
    provider = await configuredProvider(emulatorSettings(emu, { "apig:endpoint": emu.url }));
  });
  afterEach(() => emu.close());

  it("check refuses ROMA Connect's inputs before any request", async () => {
    const { failures } = await provider.check(
      {},
      {
        gateway: "apig",
        instanceId: emu.seed.apigInstanceId,
        envId: RELEASE,
        appIds: [emu.seed.apps[0].id],
        apiIds: [emu.seed.apis[0].id],
        authTunnel: "NORMAL",
      },
    );
    expect(failures?.map((f) => f.property)).toStrictEqual(["authTunnel"]);
    expect(failures?.[0].reason).toMatch(/APIG does not take authTunnel/);
    expect(emu.control.log()).toStrictEqual([]);
  });
});
