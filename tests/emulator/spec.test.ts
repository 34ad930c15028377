/**
 * The emulator against Huawei's official ROMA Connect and APIG specifications (the models of the
 * official SDKs): every field of `ApiAuthRelations`, `ApiAuthInfo` and `ApiOutline` with its type,
 * the filters and paging of the three listings, and DELETE under both `/v1/` (the seed) and `/v2/`
 * (the specification) on ROMA Connect, under `/v2/` on APIG. Every test runs on both path families.
 */
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import { call, FAMILIES, paths, type Family } from "../helpers";

type WireType = "string" | "integer" | "date-time" | "string[]";

// Field types as the official models declare them (str, int, datetime, list[str]).
const API_AUTH_INFO: Record<string, WireType> = {
  id: "string",
  api_id: "string",
  api_name: "string",
  group_name: "string",
  api_type: "integer",
  api_remark: "string",
  env_id: "string",
  auth_role: "string",
  auth_time: "date-time",
  app_name: "string",
  app_remark: "string",
  app_type: "string",
  app_creator: "string",
  publish_id: "string",
  group_id: "string",
  auth_tunnel: "string",
  auth_whitelist: "string[]",
  auth_blacklist: "string[]",
  visit_param: "string",
  roma_app_type: "string",
  env_name: "string",
  app_id: "string",
};

// The create answer's record, less `auth_result` (checked by the tests that read it).
const API_AUTH_RELATIONS: Record<string, WireType> = {
  id: "string",
  api_id: "string",
  app_id: "string",
  auth_time: "date-time",
  auth_role: "string",
  auth_tunnel: "string",
  auth_whitelist: "string[]",
  auth_blacklist: "string[]",
  visit_params: "string",
};

// What only ROMA Connect answers: APIG's models declare these fields "not supported", and the
// emulator leaves them out of APIG's answers so that a provider relying on them is caught.
const ROMA_ONLY = [
  "auth_tunnel",
  "auth_whitelist",
  "auth_blacklist",
  "visit_param",
  "visit_params",
  "roma_app_type",
];

function shapeOf(family: Family, shape: Record<string, WireType>): Record<string, WireType> {
  return family === "roma"
    ? shape
    : Object.fromEntries(Object.entries(shape).filter(([name]) => !ROMA_ONLY.includes(name)));
}

const API_OUTLINE: Record<string, WireType> = {
  auth_type: "string",
  run_env_name: "string",
  group_name: "string",
  publish_id: "string",
  group_id: "string",
  name: "string",
  remark: "string",
  run_env_id: "string",
  id: "string",
  req_uri: "string",
};

function expectShape(record: Record<string, unknown>, shape: Record<string, WireType>): void {
  expect(Object.keys(record).sort()).toEqual(Object.keys(shape).sort());
  for (const [name, type] of Object.entries(shape)) {
    const value = record[name];
    const ok =
      type === "integer"
        ? Number.isInteger(value)
        : type === "string[]"
          ? Array.isArray(value) && value.every((v) => typeof v === "string")
          : typeof value === "string" &&
            (type === "string" || (value !== "" && !Number.isNaN(Date.parse(value))));
    expect([name, ok]).toEqual([name, true]);
  }
}

interface Page {
  total: number;
  size: number;
  auths?: Record<string, unknown>[];
  apis?: Record<string, unknown>[];
}

describe.each(FAMILIES)("emulator against the official specification (%s)", (family) => {
  let emu: Emulator;
  let token: string;
  let base: string;
  let apps: string[];
  let apis: string[];
  let test: string;

  beforeEach(async () => {
    emu = await startEmulator({ seed: { apps: 3, apis: 30 } });
    token = emu.seed.credentials.token;
    base = paths(emu, family).list.replace(/\/binded-apis$/, "");
    apps = emu.seed.apps.map((a) => a.id);
    apis = emu.seed.apis.map((a) => a.id);
    test = emu.seed.environments[1].id;
    // app 0: every API in RELEASE and the first two in TEST; app 1: the first API in RELEASE.
    const authorize = (body: unknown) =>
      call(emu, "POST", paths(emu, family).authorize, { token, body }).then((a) =>
        expect(a.status).toBe(201),
      );
    await authorize({ env_id: RELEASE, app_ids: [apps[0]], api_ids: apis });
    await authorize({ env_id: test, app_ids: [apps[0]], api_ids: apis.slice(0, 2) });
    await authorize({ env_id: RELEASE, app_ids: [apps[1]], api_ids: apis.slice(0, 1) });
  });
  afterEach(() => emu.close());

  const get = async (endpoint: string, query: [string, string][]) => {
    const answer = await call(emu, "GET", `${base}/${endpoint}`, { token, query });
    return { status: answer.status, body: answer.body as unknown as Page & typeof answer.body };
  };
  // Every item of a listing, a page of `limit` at a time, checking total and size on the way.
  const all = async (endpoint: string, query: [string, string][], limit: number) => {
    const items: Record<string, unknown>[] = [];
    let total = Infinity;
    for (let offset = 0; offset < total; offset += limit) {
      const page = await get(endpoint, [
        ...query,
        ["offset", String(offset)],
        ["limit", String(limit)],
      ]);
      expect(page.status).toBe(200);
      total = page.body.total;
      const list = page.body.auths ?? page.body.apis ?? [];
      expect(page.body.size).toBe(list.length);
      expect(list.length).toBe(Math.min(limit, total - offset));
      items.push(...list);
    }
    return items;
  };
  const seedApi = (id: unknown) => emu.seed.apis.find((a) => a.id === id)!;

  describe("create", () => {
    it("answers every ApiAuthRelations field with its official type", async () => {
      const answer = await call(emu, "POST", paths(emu, family).authorize, {
        token,
        body: { env_id: test, app_ids: [apps[2]], api_ids: apis.slice(0, 2) },
      });
      expect(answer.status).toBe(201);
      const auths = answer.body.auths as Record<string, unknown>[];
      expect(auths).toHaveLength(2);
      for (const { auth_result: result, ...record } of auths) {
        expectShape(record, shapeOf(family, API_AUTH_RELATIONS));
        expect(result).toMatchObject({ status: "SUCCESS", app_name: emu.seed.apps[2].name });
      }
    });
  });

  describe("binded-apis", () => {
    it("answers every ApiAuthInfo field with its official type, consistent with the seed", async () => {
      const page = await get("binded-apis", [["app_id", apps[1]]]);
      expect(page.body.total).toBe(1);
      const record = page.body.auths![0];
      expectShape(record, shapeOf(family, API_AUTH_INFO));
      const api = emu.seed.apis[0];
      expect(record).toMatchObject({
        api_id: api.id,
        api_name: api.name,
        api_remark: api.remark,
        api_type: api.type,
        group_id: api.groupId,
        group_name: api.groupName,
        app_id: apps[1],
        app_name: emu.seed.apps[1].name,
        app_remark: emu.seed.apps[1].remark,
        app_type: "roma",
        app_creator: "USER",
        env_id: RELEASE,
        env_name: "RELEASE",
      });
      // APIG leaves the ROMA app type out (expectShape checked that the field is absent).
      expect(record.roma_app_type).toEqual(
        family === "roma" ? expect.stringMatching(/^(subscription|integration)$/) : undefined,
      );
      expect(record.publish_id).toMatch(/^[0-9a-f]{32}$/);
    });

    it("gives each publication of an API its own publish id", async () => {
      const records = await all("binded-apis", [["app_id", apps[0]]], 500);
      const ids = records.map((r) => `${String(r.api_id)}@${String(r.env_id)}`);
      const publishIds = new Set(records.map((r) => r.publish_id));
      expect(publishIds.size).toBe(new Set(ids).size);
    });

    it.each([
      ["api_name", "api_1", (a: { name: string }) => a.name.includes("api_1")],
      ["group_name", "group_2", (a: { groupName: string }) => a.groupName === "group_2"],
    ] as const)("filters by %s (a part of the name)", async (name, value, expected) => {
      const records = await all(
        "binded-apis",
        [
          ["app_id", apps[0]],
          ["env_id", RELEASE],
          [name, value],
        ],
        7,
      );
      const want = emu.seed.apis.filter((a) => expected(a as never)).map((a) => a.id);
      expect(want.length).toBeGreaterThan(1);
      expect(want.length).toBeLessThan(apis.length);
      expect(records.map((r) => r.api_id).sort()).toEqual(want.sort());
    });

    it("filters by group_id, alone and with api_name and env_id", async () => {
      const group = emu.seed.groups[0].id;
      const inGroup = await all(
        "binded-apis",
        [
          ["app_id", apps[0]],
          ["group_id", group],
        ],
        500,
      );
      // 15 APIs of the group in RELEASE, and api_1 in TEST.
      expect(inGroup).toHaveLength(16);
      expect(inGroup.every((r) => r.group_id === group)).toBe(true);
      const narrowed = await all(
        "binded-apis",
        [
          ["app_id", apps[0]],
          ["group_id", group],
          ["api_name", "api_2"],
          ["env_id", RELEASE],
        ],
        500,
      );
      const want = emu.seed.apis
        .filter((a) => a.groupId === group && a.name.includes("api_2"))
        .map((a) => a.id);
      expect(want.length).toBeGreaterThan(0);
      expect(narrowed.map((r) => r.api_id).sort()).toEqual(want.sort());
    });

    it("takes a negative offset as 0", async () => {
      const first = await get("binded-apis", [
        ["app_id", apps[0]],
        ["limit", "5"],
      ]);
      const negative = await get("binded-apis", [
        ["app_id", apps[0]],
        ["limit", "5"],
        ["offset", "-3"],
      ]);
      expect(negative.status).toBe(200);
      expect(negative.body).toEqual(first.body);
    });

    it("lists in creation order, a record bound with an earlier time first", async () => {
      const before = (await all("binded-apis", [["app_id", apps[2]]], 500)).length;
      expect(before).toBe(0);
      const instance = paths(emu, family).instanceId;
      const later = emu.control.bind(RELEASE, apps[2], apis[5], undefined, instance);
      const hourAgo = new Date(Date.now() - 3600_000);
      const earlier = emu.control.bind(RELEASE, apps[2], apis[6], hourAgo, instance);
      const listed = await all("binded-apis", [["app_id", apps[2]]], 1);
      expect(listed.map((r) => r.id)).toEqual([earlier.id, later.id]);
    });

    it("keeps a deleted record in its place while the lagging view still shows it", async () => {
      // The records are made two minutes old, then writes take one minute to show.
      emu.control.setClockSkew(120_000);
      emu.control.setFaults({ visibilityLagMs: 60_000 });
      const ordered = (await all("binded-apis", [["app_id", apps[0]]], 500)).map((r) => r.id);
      const gone = ordered[3] as string;
      expect((await call(emu, "DELETE", paths(emu, family).cancel(gone), { token })).status).toBe(
        204,
      );
      const lagging = (await all("binded-apis", [["app_id", apps[0]]], 500)).map((r) => r.id);
      expect(lagging).toEqual(ordered);
      emu.control.setClockSkew(240_000);
      const caughtUp = (await all("binded-apis", [["app_id", apps[0]]], 500)).map((r) => r.id);
      expect(caughtUp).toEqual(ordered.filter((id) => id !== gone));
    });
  });

  describe("binded-apps", () => {
    it("pages the apps bound to an API, as ApiAuthInfo records", async () => {
      const records = await all("binded-apps", [["api_id", apis[0]]], 1);
      expect(records).toHaveLength(3);
      for (const r of records) expectShape(r, shapeOf(family, API_AUTH_INFO));
      expect(records.map((r) => `${String(r.app_id)}@${String(r.env_id)}`).sort()).toEqual(
        [`${apps[0]}@${RELEASE}`, `${apps[0]}@${test}`, `${apps[1]}@${RELEASE}`].sort(),
      );
      expect(new Set(records.map((r) => r.id)).size).toBe(3);
    });

    it.each([
      ["env_id", (): string => RELEASE, 2],
      ["app_id", (): string => apps[0], 2],
      ["app_name", (): string => "app_2", 1],
    ] as const)("filters by %s", async (name, value, count) => {
      const v = value();
      const records = await all(
        "binded-apps",
        [
          ["api_id", apis[0]],
          [name, v],
        ],
        500,
      );
      expect(records).toHaveLength(count);
      expect(records.every((r) => String(r[name]).includes(v))).toBe(true);
    });

    it("requires a known api_id", async () => {
      const none = await get("binded-apps", []);
      expect([none.status, none.body.error_code]).toEqual([400, "APIG.2012"]);
      expect(none.body.error_msg).toContain("parameterName:api_id");
      const unknown = await get("binded-apps", [["api_id", "0".repeat(32)]]);
      expect([unknown.status, unknown.body.error_code]).toEqual([404, "APIG.3002"]);
      const page = await get("binded-apps", [
        ["api_id", apis[1]],
        ["limit", "501"],
      ]);
      expect(page.body.error_msg).toContain("parameterName:limit");
    });
  });

  describe("unbinded-apis", () => {
    it("pages the APIs of an environment an app is not bound to, as ApiOutline records", async () => {
      const outlines = await all(
        "unbinded-apis",
        [
          ["app_id", apps[0]],
          ["env_id", test],
        ],
        9,
      );
      expect(outlines.map((a) => a.id)).toEqual(apis.slice(2));
      for (const a of outlines) expectShape(a, API_OUTLINE);
      const api = seedApi(outlines[0].id);
      expect(outlines[0]).toMatchObject({
        name: api.name,
        remark: api.remark,
        group_id: api.groupId,
        group_name: api.groupName,
        req_uri: api.reqUri,
        auth_type: "APP",
        run_env_id: test,
        run_env_name: "TEST",
      });
      const everything = await all(
        "unbinded-apis",
        [
          ["app_id", apps[1]],
          ["env_id", RELEASE],
        ],
        500,
      );
      expect(everything.map((a) => a.id)).toEqual(apis.slice(1));
      const none = await get("unbinded-apis", [
        ["app_id", apps[0]],
        ["env_id", RELEASE],
      ]);
      expect(none.body).toEqual({ total: 0, size: 0, apis: [] });
    });

    it("gives the publish id binded-apis gives once bound", async () => {
      const [outline] = (
        await get("unbinded-apis", [
          ["app_id", apps[1]],
          ["env_id", RELEASE],
          ["api_id", apis[4]],
        ])
      ).body.apis!;
      await call(emu, "POST", paths(emu, family).authorize, {
        token,
        body: { env_id: RELEASE, app_ids: [apps[1]], api_ids: [apis[4]] },
      });
      const [record] = (
        await get("binded-apis", [
          ["app_id", apps[1]],
          ["api_id", apis[4]],
        ])
      ).body.auths!;
      expect(record.publish_id).toBe(outline.publish_id);
    });

    it.each([
      [
        "group_id",
        (e: Emulator) => e.seed.groups[1].id,
        (a: { groupId: string }, v: string) => a.groupId === v,
      ],
      ["api_id", (e: Emulator) => e.seed.apis[9].id, (a: { id: string }, v: string) => a.id === v],
      ["api_name", () => "api_2", (a: { name: string }, v: string) => a.name.includes(v)],
    ] as const)("filters by %s", async (name, value, expected) => {
      const v = value(emu);
      const outlines = await all(
        "unbinded-apis",
        [
          ["app_id", apps[1]],
          ["env_id", RELEASE],
          [name, v],
        ],
        4,
      );
      const want = emu.seed.apis
        .slice(1)
        .filter((a) => expected(a as never, v))
        .map((a) => a.id);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(29);
      expect(outlines.map((a) => a.id)).toEqual(want);
    });

    it("requires app_id and env_id", async () => {
      const noEnv = await get("unbinded-apis", [["app_id", apps[0]]]);
      expect(noEnv.body.error_msg).toContain("parameterName:env_id");
      const noApp = await get("unbinded-apis", [["env_id", RELEASE]]);
      expect(noApp.body.error_msg).toContain("parameterName:app_id");
      const unknownEnv = await get("unbinded-apis", [
        ["app_id", apps[0]],
        ["env_id", "NO_SUCH_ENV"],
      ]);
      expect(unknownEnv.body.error_code).toBe("APIG.3003");
    });
  });

  describe("DELETE", () => {
    const versions = family === "roma" ? ["v1", "v2"] : ["v2"];
    it.each(versions)("cancels a record under /%s/", async (version) => {
      const [record] = (
        await get("binded-apis", [
          ["app_id", apps[1]],
          ["env_id", RELEASE],
        ])
      ).body.auths!;
      const path = paths(emu, family)
        .cancel(record.id as string)
        .replace(/^\/v[12]\//, `/${version}/`);
      expect(path).toContain(`/${version}/`);
      expect((await call(emu, "DELETE", path, { token })).status).toBe(204);
      expect(emu.control.bindings().some((b) => b.id === record.id)).toBe(false);
      const again = await call(emu, "DELETE", path, { token });
      expect([again.status, again.body.error_code]).toEqual([404, "APIG.3009"]);
    });

    it("has a /v1/ form only on ROMA Connect", async () => {
      const [record] = emu.control.bindings().filter((b) => b.appId === apps[1]);
      const v1 = paths(emu, family)
        .cancel(record.id)
        .replace(/^\/v[12]\//, "/v1/");
      const answer = await call(emu, "DELETE", v1, { token });
      expect([answer.status, answer.body.error_code]).toEqual(
        family === "roma" ? [204, undefined] : [404, "APIG.0101"],
      );
    });
  });
});
