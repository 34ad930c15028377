/**
 * Every provider method against the emulator over HTTP (in-process; the lifecycle tests drive the
 * same code through Pulumi's own host).
 */
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import { readOutputs } from "../../provider/state";
import type { AuthorizationOutputs } from "../../provider/types";

type Props = Record<string, unknown>;
import { UNKNOWN } from "../../provider/validate";
import {
  bound,
  checkedInputs,
  configuredProvider,
  emulatorSettings,
  pairsOf,
  recordsOf,
  product,
} from "../support";

describe("AppAuthorizationProvider against the emulator", () => {
  let emu: Emulator;
  let provider: AppAuthorizationProvider;
  let apps: string[];
  let apis: string[];

  beforeEach(async () => {
    emu = await startEmulator({ seed: { apps: 4, apis: 260 } });
    provider = await configuredProvider(emulatorSettings(emu));
    apps = emu.seed.apps.map((a) => a.id);
    apis = emu.seed.apis.map((a) => a.id);
  });
  afterEach(() => emu.close());

  const inputs = (change: Record<string, unknown> = {}) =>
    checkedInputs(provider, {
      instanceId: emu.seed.instanceId,
      envId: RELEASE,
      appIds: [apps[0]],
      apiIds: apis.slice(0, 3),
      __provider: "serialized provider",
      ...change,
    });
  const create = async (change: Record<string, unknown> = {}) => {
    const news = await inputs(change);
    const { id, outs } = await provider.create(news);
    return { id, outs: readOutputs(outs) as AuthorizationOutputs & Props, news };
  };

  it("check and diff make no API call", async () => {
    const news = await inputs({ appIds: [apps[1], apps[0], apps[1]] });
    expect(news.appIds).toEqual([apps[0], apps[1]].sort());
    await provider.diff(
      "id",
      { ...news, region: emu.seed.region, projectId: emu.seed.projectId },
      { ...news, envId: "OTHER" },
    );
    expect(emu.control.counts()).toEqual({});
  });

  it("create authorizes every pair in one request and records every record id", async () => {
    const { id, outs } = await create({ appIds: apps.slice(0, 2) });
    expect(id).toMatch(new RegExp(`^${emu.seed.instanceId}/${RELEASE}/[0-9a-f]{8}$`));
    expect(emu.control.counts()).toEqual({ authorize: 1 });
    expect(pairsOf(outs)).toEqual(product(apps.slice(0, 2), apis.slice(0, 3)));
    expect(bound(emu)).toEqual(pairsOf(outs));
    const ids = new Set(emu.control.bindings().map((b) => b.id));
    expect(outs.authorizations.every((r) => ids.has(r.id))).toBe(true);
    expect(outs.authorizations[0]).toEqual({
      id: outs.authorizations[0].id,
      appId: outs.appIds[0],
      apiId: outs.apiIds[0],
      authTime: emu.control.bindings().find((b) => b.id === outs.authorizations[0].id)!.authTime,
      authTunnel: "NORMAL",
      authWhitelist: [],
      authBlacklist: [],
      visitParam: "",
    });
    expect(outs).toMatchObject({
      region: emu.seed.region,
      projectId: emu.seed.projectId,
      unconfirmed: [],
    });
    expect(JSON.stringify(outs)).not.toContain("__provider");
    expect(
      JSON.stringify(outs, (_k, v: unknown) => (v === undefined ? "UNDEFINED" : v)),
    ).not.toContain("UNDEFINED");
  });

  it("create cuts a large product into bounded requests: 1 app x 250 APIs takes 2", async () => {
    const { outs } = await create({ apiIds: apis.slice(0, 250) });
    expect(emu.control.counts()).toEqual({ authorize: 2 });
    expect(outs.authorizations).toHaveLength(250);
  });

  it("update binds only the added pairs, then unbinds only the removed ones", async () => {
    const { id, outs } = await create();
    emu.control.resetLog();
    const news = await inputs({ apiIds: [apis[1], apis[2], apis[3], apis[4]] });
    const { outs: updated } = await provider.update(id, outs, news);
    expect(pairsOf(updated)).toEqual(product([apps[0]], [apis[1], apis[2], apis[3], apis[4]]));
    expect(bound(emu)).toEqual(pairsOf(updated));
    const log = emu.control.log().map((e) => e.route);
    expect(log).toEqual(["authorize", "cancel"]);
    // The records that stayed kept their ids.
    const kept = recordsOf(updated).filter((r) => r.apiId === apis[1]);
    expect(kept[0].id).toBe(outs.authorizations.find((r) => r.apiId === apis[1])!.id);
  });

  it("update of appIds binds the new app's pairs only", async () => {
    const { id, outs } = await create();
    emu.control.resetLog();
    const { outs: updated } = await provider.update(
      id,
      outs,
      await inputs({ appIds: apps.slice(0, 2) }),
    );
    expect(pairsOf(updated)).toEqual(product(apps.slice(0, 2), apis.slice(0, 3)));
    expect(emu.control.log().map((e) => e.route)).toEqual(["authorize"]);
  });

  it("rebinds only the pairs whose access parameters changed", async () => {
    const { id, outs } = await create();
    emu.control.resetLog();
    const news = await inputs({ visitParams: [{ apiId: apis[1], visitParam: "tenant" }] });
    const { outs: updated } = await provider.update(id, outs, news);
    expect(emu.control.log().map((e) => e.route)).toEqual(["cancel", "authorize"]);
    const records = recordsOf(updated);
    expect(records.find((r) => r.apiId === apis[1])!.visitParam).toBe("tenant");
    expect(emu.control.bindings().find((b) => b.apiId === apis[1])!.visitParam).toBe("tenant");
  });

  it("rebinds every pair when the channel changes", async () => {
    const { id, outs } = await create();
    emu.control.resetLog();
    const news = await inputs({ authTunnel: "GREEN", authWhitelist: ["10.0.0.0/8"] });
    await provider.update(id, outs, news);
    expect(emu.control.counts()).toEqual({ cancel: 3, authorize: 1 });
    expect(
      emu.control
        .bindings()
        .every((b) => b.authTunnel === "GREEN" && b.authWhitelist[0] === "10.0.0.0/8"),
    ).toBe(true);
  });

  it("delete cancels every record with the seed's v1 DELETE, and a record already gone counts as done", async () => {
    const { id, outs } = await create();
    emu.control.unbind(RELEASE, apps[0], apis[0]);
    emu.control.resetLog();
    await provider.delete(id, outs);
    expect(emu.control.counts()).toEqual({ cancel: 3 });
    expect(emu.control.log().every((e) => e.path.startsWith(`/v1/${emu.seed.projectId}/`))).toBe(
      true,
    );
    expect(
      emu.control
        .log()
        .map((e) => e.status)
        .sort(),
    ).toEqual([204, 204, 404]);
    expect(bound(emu)).toEqual([]);
  });

  it("read drops a pair removed outside Pulumi from outputs and inputs, and leaves other bindings alone", async () => {
    const { id, outs } = await create({ apiIds: apis.slice(0, 2) });
    emu.control.bind(RELEASE, apps[0], apis[5]); // someone else's binding in the same environment
    emu.control.unbind(RELEASE, apps[0], apis[1]);
    const read = await provider.read(id, outs);
    expect(read.id).toBe(id);
    expect(pairsOf(read.props)).toEqual([`${apps[0]}/${apis[0]}`]);
    expect((read.inputs as AuthorizationOutputs).apiIds).toEqual([apis[0]]);
    expect(bound(emu)).toContain(`${apps[0]}/${apis[5]}`);
    // The next update binds the pair again.
    const { outs: healed } = await provider.update(
      id,
      read.props,
      await inputs({ apiIds: apis.slice(0, 2) }),
    );
    expect(pairsOf(healed)).toEqual(product([apps[0]], apis.slice(0, 2)));
  });

  it("read of a resource whose every pair is gone says it is gone", async () => {
    const { id, outs } = await create({ apiIds: [apis[0]] });
    emu.control.unbind(RELEASE, apps[0], apis[0]);
    expect((await provider.read(id, outs)).id).toBe("");
  });

  it("read lists every page: 1 app with 260 bindings takes 1 GET", async () => {
    const { id, outs } = await create({ apiIds: apis });
    emu.control.resetLog();
    const read = await provider.read(id, outs);
    expect(pairsOf(read.props)).toHaveLength(260);
    expect(emu.control.counts()).toEqual({ list: 1 });
  });

  it("reports an unknown app the way the API does, naming the pair once and the request", async () => {
    const failure = create({ appIds: ["356de8eb7a8742168586e5daf5339965"], apiIds: [apis[0]] });
    await expect(failure).rejects.toThrow(
      new RegExp(
        `1 pair \\(app x API\\) could not be authorized:\n  - App 356de8eb7a8742168586e5daf5339965 does not exist \\(APIG.3004, HTTP 404, request [0-9a-f]{32}\\)\\. \\(1 pair: 356de8eb7a8742168586e5daf5339965 x ${apis[0]}\\)$`,
      ),
    );
    await expect(failure).rejects.not.toThrow(/Request failed with status code/);
  });

  it("passes unknown preview values through check without failures", async () => {
    const { failures } = await provider.check(
      {},
      {
        instanceId: emu.seed.instanceId,
        envId: UNKNOWN,
        appIds: [UNKNOWN],
        apiIds: UNKNOWN,
      },
    );
    expect(failures).toEqual([]);
  });
});
