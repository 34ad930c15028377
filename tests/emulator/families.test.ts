/**
 * The two path families the emulator serves: ROMA Connect's (`apic`, on the seed's `instanceId`)
 * and the dedicated API Gateway's (`apigw`, on `apigInstanceId`). Each family answers only on its
 * own instance, keeps its own records, and gets the same authentication, faults, throttle and
 * clock; APIG's create body refuses the fields only ROMA Connect takes.
 */
import { FAULTS, ManualClock, startEmulator, type Emulator, RELEASE } from "../../emulator";
import { call, FAMILIES, paths, type Family } from "../helpers";

const other = (family: Family): Family => (family === "roma" ? "apig" : "roma");

describe.each(FAMILIES)("the %s path family", (family) => {
  let emu: Emulator;
  let clock: ManualClock;
  let token: string;
  let p: ReturnType<typeof paths>;
  let app: string;
  let api: string;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse("2026-06-01T08:00:00Z"));
    emu = await startEmulator({ seed: { apps: 2, apis: 4 }, clock });
    token = emu.seed.credentials.token;
    p = paths(emu, family);
    app = emu.seed.apps[0].id;
    api = emu.seed.apis[0].id;
  });
  afterEach(() => emu.close());

  const body = () => ({ env_id: RELEASE, app_ids: [app], api_ids: [api] });
  const authorize = (path = p.authorize) => call(emu, "POST", path, { token, body: body() });
  const listed = async (family: Family) => {
    const answer = await call(emu, "GET", paths(emu, family).list, {
      token,
      query: [["app_id", app]],
    });
    expect(answer.status).toBe(200);
    return (answer.body.auths as { id: string }[]).map((a) => a.id);
  };

  it("answers every route on its own instance", async () => {
    const created = await authorize();
    expect(created.status).toBe(201);
    const query: [string, string][] = [
      ["app_id", app],
      ["api_id", api],
      ["env_id", RELEASE],
    ];
    for (const path of [p.list, p.apps, p.unbound]) {
      expect([path, (await call(emu, "GET", path, { token, query })).status]).toEqual([path, 200]);
    }
    const [record] = created.body.auths as { id: string }[];
    expect((await call(emu, "DELETE", p.cancel(record.id), { token })).status).toBe(204);
  });

  it("answers 404 APIG.3030 on the other family's instance and on an unknown one", async () => {
    const wrong = [paths(emu, other(family)).instanceId, "e".repeat(32)];
    for (const instance of wrong) {
      const at = (path: string) => path.replace(p.instanceId, instance);
      const answers = [
        await call(emu, "POST", at(p.authorize), { token, body: body() }),
        await call(emu, "DELETE", at(p.cancel("abc123")), { token }),
        ...(await Promise.all(
          [p.list, p.apps, p.unbound].map((path) =>
            call(emu, "GET", at(path), { token, query: [["app_id", app]] }),
          ),
        )),
      ];
      for (const answer of answers) {
        expect([answer.status, answer.body.error_code, answer.body.error_msg]).toEqual([
          404,
          "APIG.3030",
          `The instance does not exist;id:${instance}`,
        ]);
      }
    }
    expect(emu.control.bindings()).toEqual([]);
  });

  it("keeps its records apart from the other instance's", async () => {
    const created = await authorize();
    const [record] = created.body.auths as { id: string }[];
    expect(emu.control.bindings()).toEqual([
      expect.objectContaining({ id: record.id, instanceId: p.instanceId }),
    ]);
    expect(await listed(family)).toEqual([record.id]);
    expect(await listed(other(family))).toEqual([]);
    // The other instance neither deletes this record nor sees the pair as authorized.
    const cancel = await call(emu, "DELETE", paths(emu, other(family)).cancel(record.id), {
      token,
    });
    expect([cancel.status, cancel.body.error_code]).toEqual([404, "APIG.3009"]);
    const there = await authorize(paths(emu, other(family)).authorize);
    expect((there.body.auths as { auth_result: { status: string } }[])[0].auth_result.status).toBe(
      "SUCCESS",
    );
    expect(emu.control.bindings().map((b) => b.instanceId)).toEqual([
      p.instanceId,
      paths(emu, other(family)).instanceId,
    ]);
    const again = await authorize();
    expect((again.body.auths as { auth_result: { status: string } }[])[0].auth_result.status).toBe(
      "SKIPPED",
    );
  });

  it("binds and unbinds through the control API on the instance named", async () => {
    const bound = emu.control.bind(RELEASE, app, api, undefined, p.instanceId);
    expect(bound.instanceId).toBe(p.instanceId);
    expect(await listed(family)).toEqual([bound.id]);
    expect(await listed(other(family))).toEqual([]);
    expect(emu.control.unbind(RELEASE, app, api, paths(emu, other(family)).instanceId)).toBe(false);
    expect(emu.control.unbind(RELEASE, app, api, p.instanceId)).toBe(true);
    expect(await listed(family)).toEqual([]);
  });

  it("binds and unbinds over HTTP on the instance named", async () => {
    const control = (action: string, body: unknown) =>
      fetch(`${emu.url}/_emulator/${action}`, {
        method: "POST",
        headers: { "X-Emulator-Key": emu.controlKey },
        body: JSON.stringify(body),
      });
    const pair = { envId: RELEASE, appId: app, apiId: api };
    const bound = await control("bind", { ...pair, instanceId: p.instanceId });
    expect(bound.status).toBe(201);
    const binding = (await bound.json()) as { id: string; instanceId: string };
    expect(binding.instanceId).toBe(p.instanceId);
    expect(await listed(family)).toEqual([binding.id]);
    const elsewhere = { ...pair, instanceId: paths(emu, other(family)).instanceId };
    expect((await control("unbind", elsewhere)).status).toBe(404);
    expect((await control("unbind", { ...pair, instanceId: p.instanceId })).status).toBe(200);
    expect(emu.control.bindings()).toEqual([]);
  });

  it("accepts a request signed with AK/SK, and refuses one signed with a wrong key", async () => {
    const c = emu.seed.credentials;
    const signed = await call(emu, "POST", p.authorize, {
      sign: { ak: c.accessKey, sk: c.secretKey, date: new Date(clock.now()) },
      body: body(),
    });
    expect(signed.status).toBe(201);
    const wrong = await call(emu, "GET", p.list, {
      sign: { ak: c.accessKey, sk: c.readOnlySecretKey, date: new Date(clock.now()) },
      query: [["app_id", app]],
    });
    expect([wrong.status, wrong.body.error_code]).toEqual([401, "APIG.0301"]);
  });

  it("injects scripted faults and throttles as on any API route", async () => {
    emu.control.setFaults({
      next: [{ route: "authorize", count: 1, fault: FAULTS.systemError() }],
    });
    const failed = await authorize();
    expect([failed.status, failed.body.error_code]).toEqual([500, "APIG.9999"]);
    expect(emu.control.bindings()).toEqual([]);
    emu.control.setFaults({ throttle: { perSecond: 1, burst: 1 } });
    expect((await authorize()).status).toBe(201);
    const throttled = await call(emu, "GET", p.list, { token, query: [["app_id", app]] });
    expect([throttled.status, throttled.body.error_code]).toEqual([429, "APIG.0308"]);
    clock.advance(1000);
    expect((await call(emu, "GET", p.list, { token, query: [["app_id", app]] })).status).toBe(200);
  });

  it("answers a SKIPPED pair's record, when told to, in the shape of a created one", async () => {
    emu.control.setFaults({ skippedCarriesId: true });
    const [created] = (await authorize()).body.auths as Record<string, unknown>[];
    const [skipped] = (await authorize()).body.auths as Record<string, unknown>[];
    expect(skipped).toEqual({
      ...created,
      auth_result: { ...(created.auth_result as object), status: "SKIPPED" },
    });
  });

  it("shows a deletion late on its own instance only", async () => {
    emu.control.setFaults({ visibilityLagMs: 5000 });
    const [record] = (await authorize()).body.auths as { id: string }[];
    clock.advance(5000);
    expect(await listed(family)).toEqual([record.id]);
    expect((await call(emu, "DELETE", p.cancel(record.id), { token })).status).toBe(204);
    // The lagging view still shows the deleted record here, and never showed it there.
    expect(await listed(family)).toEqual([record.id]);
    expect(await listed(other(family))).toEqual([]);
    clock.advance(5000);
    expect(await listed(family)).toEqual([]);
  });

  it("shares the tenant throttle with the other family", async () => {
    emu.control.setFaults({ throttle: { perSecond: 1, burst: 1 } });
    const there = paths(emu, other(family)).list;
    expect((await call(emu, "GET", there, { token, query: [["app_id", app]] })).status).toBe(200);
    const here = await call(emu, "GET", p.list, { token, query: [["app_id", app]] });
    expect([here.status, here.body.error_code]).toEqual([429, "APIG.0308"]);
  });

  it("dates its records by the emulator's clock", async () => {
    clock.advance(90_000);
    const created = await authorize();
    expect((created.body.auths as { auth_time: string }[])[0].auth_time).toBe(
      "2026-06-01T08:01:30.000Z",
    );
  });
});

describe("the control API without an instance", () => {
  it("binds and unbinds on the ROMA Connect instance, as before APIG", async () => {
    const emu = await startEmulator({ seed: { apps: 1, apis: 1 } });
    try {
      const [app, api] = [emu.seed.apps[0].id, emu.seed.apis[0].id];
      expect(emu.control.bind(RELEASE, app, api).instanceId).toBe(emu.seed.instanceId);
      expect(emu.control.unbind(RELEASE, app, api)).toBe(true);
      const headers = { "X-Emulator-Key": emu.controlKey };
      const body = JSON.stringify({ envId: RELEASE, appId: app, apiId: api });
      const bound = await fetch(`${emu.url}/_emulator/bind`, { method: "POST", headers, body });
      expect(((await bound.json()) as { instanceId: string }).instanceId).toBe(emu.seed.instanceId);
    } finally {
      await emu.close();
    }
  });
});

describe("the APIG family's create body", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ seed: { apps: 1, apis: 1 } });
  });
  afterAll(() => emu.close());

  it.each([
    ["auth_tunnel", "NORMAL"],
    ["auth_whitelist", []],
    ["auth_blacklist", []],
    ["visit_params", []],
    // The spellings of ROMA-only fields in answers: a client echoing a record back is caught too.
    ["visit_param", ""],
    ["roma_app_type", "integration"],
  ])("refuses %s (ROMA Connect only) with 400 APIG.2012 naming it", async (name, value) => {
    const body = {
      env_id: RELEASE,
      app_ids: [emu.seed.apps[0].id],
      api_ids: [emu.seed.apis[0].id],
      [name]: value,
    };
    const apig = await call(emu, "POST", paths(emu, "apig").authorize, {
      token: emu.seed.credentials.token,
      body,
    });
    expect([apig.status, apig.body.error_code]).toEqual([400, "APIG.2012"]);
    expect(apig.body.error_msg).toContain(`parameterName:${name}.`);
    expect(emu.control.bindings()).toEqual([]);
    // ROMA Connect takes the same body.
    const roma = await call(emu, "POST", paths(emu, "roma").authorize, {
      token: emu.seed.credentials.token,
      body,
    });
    expect(roma.status).toBe(201);
    emu.control.clearBindings();
  });
});
