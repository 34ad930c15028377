import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAULTS, ManualClock, startEmulator, type Emulator, RELEASE } from "../../emulator";
import { authorizationHeader, formatSdkDate } from "../../provider/auth/signer";
import { call, FAMILIES, paths } from "../helpers";

// What only ROMA Connect's create body takes: APIG refuses each with 400 APIG.2012 naming it.
const ROMA_ONLY = ["auth_tunnel", "auth_whitelist", "auth_blacklist", "visit_params"];

// Every test runs on the path family of each gateway (ROMA Connect's and APIG's).
describe.each(FAMILIES)("emulator (%s)", (family) => {
  let emu: Emulator;
  // Server time moves only when a test moves it.
  let clock: ManualClock;
  let token: string;
  let p: ReturnType<typeof paths>;
  let app: string;
  let api: string;

  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    emu = await startEmulator({ seed: { apps: 3, apis: 30 }, clock });
    token = emu.seed.credentials.token;
    p = paths(emu, family);
    app = emu.seed.apps[0].id;
    api = emu.seed.apis[0].id;
  });
  afterEach(() => emu.close());

  const authorize = (body: unknown, t = token) =>
    call(emu, "POST", p.authorize, { token: t, body });
  const list = (query: [string, string][]) => call(emu, "GET", p.list, { token, query });

  describe("the seed's endpoints", () => {
    it("answers a POST shaped like the seed's example with a 201 shaped like the seed's", async () => {
      const answer = await authorize({ env_id: RELEASE, app_ids: [app], api_ids: [api] });
      expect(answer.status).toBe(201);
      expect(answer.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
      const auths = answer.body.auths as Record<string, unknown>[];
      expect(auths).toHaveLength(1);
      expect(auths[0]).toMatchObject({
        api_id: api,
        app_id: app,
        auth_role: "PROVIDER",
        auth_result: { status: "SUCCESS" },
      });
      // APIG answers without the green channel (spec.test.ts checks every field).
      expect([auths[0].auth_tunnel, auths[0].auth_whitelist, auths[0].auth_blacklist]).toEqual(
        family === "roma" ? ["NORMAL", [], []] : [undefined, undefined, undefined],
      );
      expect(auths[0].id).toMatch(/^[0-9a-f]{32}$/);
      expect(Date.parse(auths[0].auth_time as string)).not.toBeNaN();
    });

    it("authorizes the whole product of app_ids x api_ids, one record each", async () => {
      const apps = emu.seed.apps.slice(0, 2).map((a) => a.id);
      const apis = emu.seed.apis.slice(0, 3).map((a) => a.id);
      const answer = await authorize({ env_id: RELEASE, app_ids: apps, api_ids: apis });
      expect((answer.body.auths as unknown[]).length).toBe(6);
      expect(emu.control.bindings()).toHaveLength(6);
    });

    it("answers the DELETE of an unknown id with the seed's 404 body, and a known one with 204", async () => {
      const missing = await call(emu, "DELETE", p.cancel("dd29b33ae4394e3b924b582c6b40880b"), {
        token,
      });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        error_code: "APIG.3009",
        error_msg:
          "The app authorization record does not exist,id:dd29b33ae4394e3b924b582c6b40880b",
      });
      const created = await authorize({ env_id: RELEASE, app_ids: [app], api_ids: [api] });
      const id = (created.body.auths as { id: string }[])[0].id;
      const deleted = await call(emu, "DELETE", p.cancel(id), { token });
      expect(deleted.status).toBe(204);
      expect(emu.control.bindings()).toHaveLength(0);
      const v2 = await call(emu, "DELETE", p.cancel(id).replace("/v1/", "/v2/"), { token });
      expect(v2.body.error_code).toBe("APIG.3009");
    });

    it("rejects a malformed record id with APIG.2012 naming the parameter", async () => {
      const answer = await call(emu, "DELETE", p.cancel("not-an-id!"), { token });
      expect(answer.status).toBe(400);
      expect(answer.body.error_code).toBe("APIG.2012");
      expect(answer.body.error_msg).toContain("parameterName:id");
    });
  });

  describe("validation", () => {
    it.each([
      ["env_id", { env_id: "", app_ids: ["A"], api_ids: ["B"] }],
      ["env_id", { env_id: "bad env!", app_ids: ["A"], api_ids: ["B"] }],
      ["env_id", { env_id: "x".repeat(66), app_ids: ["A"], api_ids: ["B"] }],
      ["app_ids", { env_id: RELEASE, app_ids: [], api_ids: ["B"] }],
      ["app_ids", { env_id: RELEASE, app_ids: [1], api_ids: ["B"] }],
      ["api_ids", { env_id: RELEASE, app_ids: ["A"], api_ids: "B" }],
      ["auth_tunnel", { env_id: RELEASE, app_ids: ["A"], api_ids: ["B"], auth_tunnel: "BLUE" }],
      [
        "auth_whitelist",
        { env_id: RELEASE, app_ids: ["A"], api_ids: ["B"], auth_whitelist: ["1.1.1.1"] },
      ],
      [
        "visit_params",
        {
          env_id: RELEASE,
          app_ids: ["A"],
          api_ids: ["B"],
          visit_params: [{ api_id: "C", visit_param: "x" }],
        },
      ],
      [
        "visit_params",
        {
          env_id: RELEASE,
          app_ids: ["A"],
          api_ids: ["B"],
          visit_params: [{ api_id: "B", visit_param: "x-" }],
        },
      ],
      [
        "visit_params",
        {
          env_id: RELEASE,
          app_ids: ["A"],
          api_ids: ["B"],
          visit_params: [{ api_id: "B", visit_param: "a,a" }],
        },
      ],
      ["body", "{not json"],
    ])(
      "answers 400 APIG.2011 naming %s (APIG.2012 where APIG takes no such field)",
      async (name, body) => {
        const answer = await authorize(body);
        expect(answer.status).toBe(400);
        expect(answer.body).toEqual({
          error_code: family === "apig" && ROMA_ONLY.includes(name) ? "APIG.2012" : "APIG.2011",
          error_msg: `Invalid parameter value,parameterName:${name}. Please refer to the support documentation`,
        });
      },
    );

    it("bounds the pairs of one request", async () => {
      const small = await startEmulator({ maxPairsPerRequest: 4 });
      try {
        const answer = await call(small, "POST", paths(small, family).authorize, {
          token: small.seed.credentials.token,
          body: {
            env_id: RELEASE,
            app_ids: [small.seed.apps[0].id],
            api_ids: small.seed.apis.slice(0, 5).map((a) => a.id),
          },
        });
        expect(answer.body.error_msg).toContain("parameterName:api_ids");
      } finally {
        await small.close();
      }
    });

    it.each([
      ["APIG.3003", 404, () => ({ env_id: "NO_SUCH_ENV", app_ids: [app], api_ids: [api] })],
      ["APIG.3002", 404, () => ({ env_id: RELEASE, app_ids: [app], api_ids: ["0".repeat(32)] })],
      [
        "APIG.3004",
        404,
        () => ({ env_id: RELEASE, app_ids: ["356de8eb7a8742168586e5daf5339965"], api_ids: [api] }),
      ],
    ])("answers %s for an unknown environment, API or app", async (code, status, body) => {
      const answer = await authorize(body());
      expect(answer.status).toBe(status);
      expect(answer.body.error_code).toBe(code);
      if (code === "APIG.3004") {
        expect(answer.body.error_msg).toBe("App 356de8eb7a8742168586e5daf5339965 does not exist");
      }
    });

    it("answers APIG.3030 for an unknown instance or project", async () => {
      const wrong = p.authorize.replace(p.instanceId, "f".repeat(32));
      const answer = await call(emu, "POST", wrong, {
        token,
        body: { env_id: RELEASE, app_ids: [app], api_ids: [api] },
      });
      expect([answer.status, answer.body.error_code]).toEqual([404, "APIG.3030"]);
    });
  });

  describe("authentication", () => {
    const body = () => ({ env_id: RELEASE, app_ids: [app], api_ids: [api] });

    it("answers 1000 without a credential and 1002 for a wrong token", async () => {
      const none = await call(emu, "POST", p.authorize, { body: body() });
      expect([none.status, none.body.error_code]).toEqual([401, "APIG.1000"]);
      const wrong = await authorize(body(), "not-a-token");
      expect(wrong.body).toEqual({
        error_code: "APIG.1002",
        error_msg: "Incorrect token or token resolution failed",
      });
    });

    it("lets a read-only credential read but answers its writes with 403 APIG.1005", async () => {
      const ro = emu.seed.credentials.readOnlyToken;
      const write = await authorize(body(), ro);
      expect(write.status).toBe(403);
      expect(write.body).toMatchObject({
        error_code: "APIG.1005",
        error_msg: "No permissions to request this method",
      });
      // As an IAM policy denial, it carries what the official SDKs read.
      const encoded = write.body.encoded_authorization_message as string;
      expect(JSON.parse(Buffer.from(encoded, "base64").toString("utf8"))).toMatchObject({
        decision: "deny",
      });
      const del = await call(emu, "DELETE", p.cancel("a".repeat(32)), { token: ro });
      expect(del.body.error_code).toBe("APIG.1005");
      const read = await call(emu, "GET", p.list, { token: ro, query: [["app_id", app]] });
      expect(read.status).toBe(200);
    });

    it("issues IAM tokens for the configured user, and answers 1001 once they expire", async () => {
      const user = emu.seed.credentials.user;
      const login = (password: string) =>
        call(emu, "POST", "/v3/auth/tokens", {
          body: {
            auth: {
              identity: {
                methods: ["password"],
                password: {
                  user: { name: user.name, password, domain: { name: user.domainName } },
                },
              },
              scope: { project: { name: emu.seed.region } },
            },
          },
        });
      expect((await login("wrong")).status).toBe(401);
      const ok = await login(user.password);
      expect(ok.status).toBe(201);
      expect(ok.body.token).toMatchObject({
        project: { id: emu.seed.projectId, name: emu.seed.region },
      });
      const issued = ok.headers.get("x-subject-token")!;
      expect((await authorize(body(), issued)).status).toBe(201);
      emu.control.expireTokens();
      const expired = await call(emu, "GET", p.list, { token: issued, query: [["app_id", app]] });
      expect([expired.status, expired.body.error_code]).toEqual([401, "APIG.1001"]);
    });

    it("lists IAM projects by name", async () => {
      const answer = await call(emu, "GET", "/v3/projects", {
        token,
        query: [["name", emu.seed.region]],
      });
      expect(answer.body).toEqual({
        projects: [{ id: emu.seed.projectId, name: emu.seed.region, enabled: true }],
      });
      const none = await call(emu, "GET", "/v3/projects", {
        token,
        query: [["name", "xx-nowhere-1"]],
      });
      expect(none.body).toEqual({ projects: [] });
    });

    describe("SDK-HMAC-SHA256", () => {
      const c = () => emu.seed.credentials;
      const signed = (extra: Partial<Parameters<typeof call>[3]> = {}) => ({
        sign: { ak: c().accessKey, sk: c().secretKey },
        body: body(),
        headers: { "X-Project-Id": emu.seed.projectId },
        ...extra,
      });

      it("accepts a request signed with the configured key pair", async () => {
        expect((await call(emu, "POST", p.authorize, signed())).status).toBe(201);
        const listed = await call(emu, "GET", p.list, {
          ...signed({ body: undefined }),
          query: [
            ["app_id", app],
            ["env_id", RELEASE],
          ],
        });
        expect(listed.body.total).toBe(1);
      });

      it("accepts temporary credentials only with their security token", async () => {
        const t = c().temporary;
        const ok = await call(
          emu,
          "POST",
          p.authorize,
          signed({ sign: { ak: t.accessKey, sk: t.secretKey, securityToken: t.securityToken } }),
        );
        expect(ok.status).toBe(201);
        const without = await call(emu, "GET", p.list, {
          sign: { ak: t.accessKey, sk: t.secretKey },
          query: [["app_id", app]],
        });
        expect([without.status, without.body.error_code]).toEqual([401, "APIG.0301"]);
      });

      it("answers a read-only key pair's write with 403 APIG.1005", async () => {
        const answer = await call(
          emu,
          "POST",
          p.authorize,
          signed({ sign: { ak: c().readOnlyAccessKey, sk: c().readOnlySecretKey } }),
        );
        expect(answer.body.error_code).toBe("APIG.1005");
      });

      it.each([
        [
          "body",
          (h: Record<string, string>) => ({
            headers: h,
            body: JSON.stringify({
              env_id: RELEASE,
              app_ids: [app],
              api_ids: [emu.seed.apis[1].id],
            }),
            path: p.authorize,
          }),
        ],
        [
          "path",
          (h: Record<string, string>) => ({
            headers: h,
            body: JSON.stringify(body()),
            path: p.authorize.replace(p.instanceId, "e".repeat(32)),
          }),
        ],
        [
          "query",
          (h: Record<string, string>) => ({
            headers: h,
            body: JSON.stringify(body()),
            path: `${p.authorize}?extra=1`,
          }),
        ],
        [
          "date",
          (h: Record<string, string>) => ({
            headers: { ...h, "X-Sdk-Date": "20200101T000000Z" },
            body: JSON.stringify(body()),
            path: p.authorize,
          }),
        ],
      ])("rejects a request whose %s changed after signing", async (_what, tamper) => {
        // Sign a genuine request, then send something else under the same Authorization header.
        const genuine = signedHeaders(emu, "POST", p.authorize, JSON.stringify(body()));
        const sent = tamper(genuine);
        const response = await fetch(emu.url + sent.path, {
          method: "POST",
          headers: sent.headers,
          body: sent.body,
        });
        const answer = (await response.json()) as { error_code: string; error_msg: string };
        expect(response.status).toBe(401);
        expect(answer.error_code).toBe("APIG.0301");
        expect(emu.control.bindings()).toHaveLength(0);
      });

      it("rejects a signature dated more than 15 minutes away from the server's clock", async () => {
        emu.control.setClockSkew(16 * 60000);
        const answer = await call(emu, "POST", p.authorize, signed());
        expect(answer.body.error_msg).toContain("x-sdk-date");
        emu.control.setClockSkew(14 * 60000);
        expect((await call(emu, "POST", p.authorize, signed())).status).toBe(201);
      });
    });
  });

  describe("duplicates", () => {
    const body = () => ({ env_id: RELEASE, app_ids: [app], api_ids: [api] });

    it("answers an already-authorized pair SKIPPED, without an id unless told otherwise", async () => {
      await authorize(body());
      const again = await authorize(body());
      expect(again.status).toBe(201);
      expect((again.body.auths as Record<string, unknown>[])[0]).toEqual({
        api_id: api,
        app_id: app,
        auth_result: { status: "SKIPPED", api_name: "api_1", app_name: "app_1" },
      });
      emu.control.setFaults({ skippedCarriesId: true });
      const withId = await authorize(body());
      expect((withId.body.auths as { id: string }[])[0].id).toBe(emu.control.bindings()[0].id);
      expect(emu.control.bindings()).toHaveLength(1);
    });

    it("answers 400 APIG.3316 instead when told to", async () => {
      emu.control.setFaults({ duplicates: "error" });
      await authorize(body());
      const again = await authorize(body());
      expect(again.status).toBe(400);
      expect(again.body).toEqual({
        error_code: "APIG.3316",
        error_msg: "The api auth relation already exists",
      });
    });
  });

  describe("binded-apis", () => {
    beforeEach(async () => {
      const apis = emu.seed.apis.map((a) => a.id);
      await authorize({ env_id: RELEASE, app_ids: [app], api_ids: apis });
      await authorize({
        env_id: emu.seed.environments[1].id,
        app_ids: [app],
        api_ids: apis.slice(0, 2),
      });
      await authorize({
        env_id: RELEASE,
        app_ids: [emu.seed.apps[1].id],
        api_ids: apis.slice(0, 1),
      });
    });

    it("filters by app, environment and API", async () => {
      expect(
        (
          await list([
            ["app_id", app],
            ["env_id", RELEASE],
          ])
        ).body.total,
      ).toBe(30);
      expect((await list([["app_id", app]])).body.total).toBe(32);
      const one = await list([
        ["app_id", app],
        ["env_id", RELEASE],
        ["api_id", emu.seed.apis[3].id],
      ]);
      expect(one.body).toMatchObject({ total: 1, size: 1 });
      const [record] = one.body.auths as Record<string, unknown>[];
      expect(record).toMatchObject({
        app_id: app,
        api_id: emu.seed.apis[3].id,
        env_id: RELEASE,
        env_name: "RELEASE",
        app_name: "app_1",
        api_name: "api_4",
      });
      // Access parameters are ROMA Connect's: APIG answers without them.
      expect(record.visit_param).toBe(family === "roma" ? "" : undefined);
    });

    it("pages with offset and limit (default 20, at most 500) until offset >= total", async () => {
      const first = await list([
        ["app_id", app],
        ["env_id", RELEASE],
      ]);
      expect(first.body).toMatchObject({ total: 30, size: 20 });
      const seen = new Set<string>();
      for (let offset = 0; offset < 30; offset += 7) {
        const page = await list([
          ["app_id", app],
          ["env_id", RELEASE],
          ["offset", String(offset)],
          ["limit", "7"],
        ]);
        for (const a of page.body.auths as { id: string }[]) seen.add(a.id);
      }
      expect(seen.size).toBe(30);
      const past = await list([
        ["app_id", app],
        ["offset", "40"],
        ["limit", "500"],
      ]);
      expect(past.body).toMatchObject({ total: 32, size: 0, auths: [] });
    });

    it.each([
      ["limit", [["limit", "0"]]],
      ["limit", [["limit", "501"]]],
      ["limit", [["limit", "ten"]]],
      ["offset", [["offset", "first"]]],
    ] as [string, [string, string][]][])(
      "answers APIG.2012 naming %s when out of range",
      async (name, query) => {
        const answer = await list([["app_id", app], ...query]);
        expect(answer.status).toBe(400);
        expect(answer.body.error_code).toBe("APIG.2012");
        expect(answer.body.error_msg).toContain(`parameterName:${name}`);
      },
    );

    it("requires app_id and knows its apps", async () => {
      expect((await list([])).body.error_msg).toContain("parameterName:app_id");
      expect((await list([["app_id", "0".repeat(32)]])).body.error_code).toBe("APIG.3004");
    });
  });

  describe("fault injection", () => {
    const body = (apiIndex = 0) => ({
      env_id: RELEASE,
      app_ids: [app],
      api_ids: [emu.seed.apis[apiIndex].id],
    });

    it("replaces the next N answers of a route, with Retry-After for throttling", async () => {
      emu.control.setFaults({
        next: [{ route: "authorize", count: 2, fault: FAULTS.throttled(3) }],
      });
      const first = await authorize(body());
      expect(first.status).toBe(429);
      expect(first.body.error_code).toBe("APIG.0308");
      expect(first.headers.get("retry-after")).toBe("3");
      expect((await authorize(body())).status).toBe(429);
      expect((await list([["app_id", app]])).status).toBe(200);
      expect((await authorize(body())).status).toBe(201);
      expect(emu.control.injected()).toEqual({ "429 APIG.0308": 2 });
    });

    it.each([
      ["APIG.9999", FAULTS.systemError(), 500],
      ["APIG.9008", FAULTS.tooManyRequests(), 500],
      ["APIG.3500", FAULTS.syncConflict(), 500],
    ])("injects %s", async (code, fault, status) => {
      emu.control.setFaults({ next: [{ count: 1, fault }] });
      const answer = await authorize(body());
      expect([answer.status, answer.body.error_code]).toEqual([status, code]);
      expect(emu.control.bindings()).toHaveLength(0);
    });

    it("applies the write before a fault marked afterApplying", async () => {
      emu.control.setFaults({ next: [{ count: 1, fault: FAULTS.systemError(true) }] });
      expect((await authorize(body())).status).toBe(500);
      expect(emu.control.bindings()).toHaveLength(1);
    });

    it("drops connections before or after applying the write", async () => {
      emu.control.setFaults({ next: [{ count: 1, fault: FAULTS.drop() }] });
      await expect(authorize(body())).rejects.toThrow();
      expect(emu.control.bindings()).toHaveLength(0);
      emu.control.setFaults({ next: [{ count: 1, fault: FAULTS.drop(true) }] });
      await expect(authorize(body())).rejects.toThrow();
      expect(emu.control.bindings()).toHaveLength(1);
      expect(emu.control.log().map((e) => e.status)).toEqual(["dropped", "dropped"]);
    });

    it("replaces a seeded share of answers", async () => {
      emu.control.setFaults({ random: [{ route: "list", rate: 1, fault: FAULTS.systemError() }] });
      expect((await list([["app_id", app]])).status).toBe(500);
      emu.control.setFaults({
        random: [{ route: "list", rate: 0.5, fault: FAULTS.systemError() }],
        seed: 7,
      });
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push((await list([["app_id", app]])).status);
      expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    });

    it("answers chosen pairs FAILED inside a 201, as often as told", async () => {
      const failing = emu.seed.apis[1].id;
      emu.control.setFaults({
        failingPairs: [
          { apiId: failing, code: "APIG.3002", message: "API not published", times: 1 },
        ],
      });
      const both = { env_id: RELEASE, app_ids: [app], api_ids: [api, failing] };
      const answer = await authorize(both);
      expect(answer.status).toBe(201);
      const results = (
        answer.body.auths as { api_id: string; auth_result: Record<string, string> }[]
      ).map((a) => [a.api_id, a.auth_result.status]);
      expect(results).toEqual([
        [api, "SUCCESS"],
        [failing, "FAILED"],
      ]);
      expect(emu.control.bindings().map((b) => b.apiId)).toEqual([api]);
      const retried = await authorize(both);
      expect(
        (retried.body.auths as { auth_result: { status: string } }[]).map(
          (a) => a.auth_result.status,
        ),
      ).toEqual(["SKIPPED", "SUCCESS"]);
    });

    it("delays answers by route", async () => {
      emu.control.setFaults({ latencyMs: { list: 150 } });
      const started = Date.now();
      await list([["app_id", app]]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(emu.control.log()[0].ms).toBeGreaterThanOrEqual(140);
    });

    it("shows writes in binded-apis only after the visibility lag", async () => {
      emu.control.setFaults({ visibilityLagMs: 300 });
      const created = await authorize(body());
      const listed = async () => (await list([["app_id", app]])).body.total;
      expect(await listed()).toBe(0);
      expect(emu.control.bindings()).toHaveLength(1);
      clock.advance(299);
      expect(await listed()).toBe(0);
      clock.advance(1);
      expect(await listed()).toBe(1);
      const id = (created.body.auths as { id: string }[])[0].id;
      expect((await call(emu, "DELETE", p.cancel(id), { token })).status).toBe(204);
      expect(await listed()).toBe(1);
      clock.advance(299);
      expect(await listed()).toBe(1);
      clock.advance(1);
      expect(await listed()).toBe(0);
    });

    it("dates its answers and records by its clock, not this machine's", async () => {
      clock.advance(3 * 3600_000 + 1234);
      const answer = await authorize(body());
      const now = new Date(clock.now());
      expect(answer.headers.get("date")).toBe(now.toUTCString());
      expect((answer.body.auths as { auth_time: string }[])[0].auth_time).toBe(now.toISOString());
    });

    it("is steered over HTTP too, on control paths apart from the API", async () => {
      const headers = { "X-Emulator-Key": emu.controlKey };
      const put = await fetch(`${emu.url}/_emulator/faults`, {
        method: "PUT",
        headers,
        body: JSON.stringify({ next: [{ route: "list", count: 1, fault: FAULTS.throttled() }] }),
      });
      expect(put.status).toBe(200);
      expect((await list([["app_id", app]])).status).toBe(429);
      const log = (await (await fetch(`${emu.url}/_emulator/log`, { headers })).json()) as {
        counts: Record<string, number>;
      };
      expect(log.counts).toEqual({ list: 1 });
    });
  });

  it("counts requests per route", async () => {
    await authorize({ env_id: RELEASE, app_ids: [app], api_ids: [api] });
    await list([["app_id", app]]);
    await list([["app_id", app]]);
    await call(emu, "DELETE", p.cancel("a".repeat(32)), { token });
    expect(emu.control.counts()).toEqual({ authorize: 1, list: 2, cancel: 1 });
    emu.control.resetLog();
    expect(emu.control.counts()).toEqual({});
  });
});

describe.each(FAMILIES)("emulator persistence (%s)", (family) => {
  it("keeps the bindings across a restart when given a state file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "roma-emu-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startEmulator({ stateFile });
      const body = {
        env_id: RELEASE,
        app_ids: [first.seed.apps[0].id],
        api_ids: first.seed.apis.slice(0, 2).map((a) => a.id),
      };
      await call(first, "POST", paths(first, family).authorize, {
        token: first.seed.credentials.token,
        body,
      });
      const before = first.control.bindings();
      await first.close();
      const second = await startEmulator({ stateFile });
      try {
        expect(second.control.bindings()).toEqual(before);
        const listed = await call(second, "GET", paths(second, family).list, {
          token: second.seed.credentials.token,
          query: [["app_id", second.seed.apps[0].id]],
        });
        expect(listed.body.total).toBe(2);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function signedHeaders(
  emu: Emulator,
  method: string,
  path: string,
  body: string,
): Record<string, string> {
  const url = new URL(emu.url + path);
  const headers = {
    "Content-Type": "application/json",
    host: url.host,
    "X-Sdk-Date": formatSdkDate(new Date()),
  };
  const c = emu.seed.credentials;
  const authorization = authorizationHeader(
    { method, path, query: [], headers, body },
    c.accessKey,
    c.secretKey,
  );
  const { host: _host, ...sent } = headers;
  return { ...sent, Authorization: authorization };
}
