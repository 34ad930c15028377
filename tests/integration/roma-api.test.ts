/**
 * provider/roma-api.ts and provider/auth/iam.ts in this process, against a loopback server whose
 * every answer the test writes: each request as it goes on the wire, what each request says it was
 * doing when it fails, which requests are sent again, and how an answer of the wrong shape is named.
 * The provider-level tests reach the same code through the emulator; these pin each rule where it
 * is written, fast enough for mutation testing.
 */
import type { IncomingHttpHeaders } from "node:http";
import { RELEASE } from "../../emulator";
import { tokenAuth } from "../../provider/auth/authenticators";
import { findProjectId, login, type PasswordLogin } from "../../provider/auth/iam";
import { budgetOf } from "../../provider/http/deadline";
import { UNEXPECTED_ANSWER } from "../../provider/http/errors";
import { AdaptiveLimiter } from "../../provider/http/limiter";
import { RomaApi, RomaTransport, type Target } from "../../provider/roma-api";
import { Secret } from "../../provider/secret";
import { fakeDateOnly } from "../helpers";
import { failureOf as failureOfCall, NO_OPTIONS } from "../support";
import { scriptedServer, type ScriptedAnswer, type ScriptedServer } from "./stubs";

const PROJECT = "0123456789abcdef0123456789abcdef";
const INSTANCE = "eddc4d25480b4cd6b512f270a1b8b341";

let stub: ScriptedServer;
let answers: ScriptedAnswer[];
let seen: IncomingHttpHeaders[];

beforeEach(async () => {
  stub = await scriptedServer();
  ({ answers, seen } = stub);
});
afterEach(() => stub.close());

const transport = (maxRetries = 0) =>
  new RomaTransport({ limiter: new AdaptiveLimiter(2), maxRetries, requestTimeoutMs: 10_000 });

function api(options: { maxRetries?: number; gateway?: Target["gateway"] } = {}): RomaApi {
  return new RomaApi(
    transport(options.maxRetries),
    {
      gateway: options.gateway ?? "roma",
      region: "cn-north-4",
      projectId: PROJECT,
      instanceId: INSTANCE,
      envId: RELEASE,
      endpoint: stub.url,
      auth: tokenAuth(new Secret("the-token")),
    },
    budgetOf(10_000),
  );
}

// The error a request fails with, whatever fields it carries.
const failureOf = (promise: Promise<unknown>) =>
  failureOfCall<Error & Record<string, unknown>>(promise);

const refused = (code = "APIC.7211"): ScriptedAnswer => ({
  status: 400,
  body: { error_code: code, error_msg: "refused here" },
});
const item = (app: string, api: string) => ({ app_id: app, api_id: api, id: `${app}-${api}` });
const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

describe("authorize", () => {
  it("posts the pairs to the instance's app-auths, with the project's header", async () => {
    answers.push({ status: 201, body: { auths: [item("a1", "p1"), item("a1", "p2")] } });
    const items = await api().authorize(["a1"], ["p1", "p2"], NO_OPTIONS);
    expect(items).toStrictEqual([item("a1", "p1"), item("a1", "p2")]);
    expect(stub.requests.map((r) => [r.method, r.url])).toStrictEqual([
      ["POST", `/v2/${PROJECT}/apic/instances/${INSTANCE}/app-auths`],
    ]);
    expect(JSON.parse(stub.requests[0].body)).toStrictEqual({
      env_id: RELEASE,
      app_ids: ["a1"],
      api_ids: ["p1", "p2"],
      auth_tunnel: "NORMAL",
    });
    expect(seen[0]["x-project-id"]).toBe(PROJECT);
    expect(seen[0]["x-auth-token"]).toBe("the-token");
  });

  it("goes to APIG's path family for an APIG target", async () => {
    answers.push({ status: 201, body: { auths: [] } });
    await api({ gateway: "apig" }).authorize(["a1"], ["p1"], NO_OPTIONS);
    expect(stub.requests.map((r) => r.url)).toStrictEqual([
      `/v2/${PROJECT}/apigw/instances/${INSTANCE}/app-auths`,
    ]);
  });

  it("names its apps and APIs when refused: one by name, five in full, more counted", async () => {
    answers.push(refused(), refused(), refused());
    const one = await failureOf(api().authorize(["a1"], ["p1"], NO_OPTIONS));
    expect(one.message).toMatch(
      new RegExp(`^Could not authorize app a1 for API p1 in environment ${RELEASE}: refused here`),
    );
    const five = await failureOf(api().authorize(ids("a", 5), ["p1", "p2"], NO_OPTIONS));
    expect(five.message).toMatch(
      new RegExp(
        `^Could not authorize apps a1, a2, a3, a4, a5 for APIs p1, p2 in environment ${RELEASE}: `,
      ),
    );
    const many = await failureOf(api().authorize(["a1"], ids("p", 7), NO_OPTIONS));
    expect(many.message).toMatch(
      new RegExp(
        `^Could not authorize app a1 for APIs p1, p2, p3, p4, p5 and 2 more in environment ${RELEASE}: `,
      ),
    );
  });

  it("is not sent again when the server fails: its outcome is the caller's to look up", async () => {
    answers.push({ status: 500, body: { error_code: "APIC.9000", error_msg: "busy" } });
    await failureOf(api({ maxRetries: 2 }).authorize(["a1"], ["p1"], NO_OPTIONS));
    expect(stub.requests).toHaveLength(1);
  });

  it("names an answer of the wrong shape, the endpoint and the request id", async () => {
    answers.push({ status: 201, body: { items: [] }, headers: { "X-Request-Id": "req-42" } });
    const error = await failureOf(api().authorize(["a1"], ["p1"], NO_OPTIONS));
    expect([error.code, error.requestId, error.status]).toStrictEqual([
      UNEXPECTED_ANSWER,
      "req-42",
      201,
    ]);
    expect(error.message).toMatch(
      new RegExp(
        `^Could not authorize app a1 for API p1 in environment ${RELEASE}: POST \\.\\.\\./app-auths answered a create answer without an "auths" array: `,
      ),
    );
  });
});

describe("cancel", () => {
  const record = { id: "rec-1", appId: "a1", apiId: "p1" };

  it("deletes the record by its id on ROMA Connect's v1 path", async () => {
    answers.push({ status: 204 });
    await expect(api().cancel(record)).resolves.toBe("cancelled");
    expect(stub.requests.map((r) => [r.method, r.url])).toStrictEqual([
      ["DELETE", `/v1/${PROJECT}/apic/instances/${INSTANCE}/app-auths/rec-1`],
    ]);
  });

  it("counts a record that no longer exists as cancelled, and names the record when refused", async () => {
    answers.push({ status: 404, body: { error_code: "APIG.3009", error_msg: "gone" } }, refused());
    await expect(api().cancel(record)).resolves.toBe("already gone");
    const error = await failureOf(api().cancel(record));
    expect(error.message).toMatch(
      new RegExp(
        `^Could not cancel authorization rec-1 \\(app a1, API p1\\) in environment ${RELEASE}: refused here`,
      ),
    );
  });

  it("is sent again when the server fails: cancelling twice cancels once", async () => {
    answers.push({ status: 500, body: { error_code: "APIC.9000", error_msg: "busy" } });
    answers.push({ status: 204 });
    await expect(api({ maxRetries: 1 }).cancel(record)).resolves.toBe("cancelled");
    expect(stub.requests.map((r) => r.method)).toStrictEqual(["DELETE", "DELETE"]);
  });
});

describe("listPage", () => {
  it("asks for one app's page in the environment", async () => {
    answers.push({ status: 200, body: { total: 0, size: 0, auths: [] } });
    await expect(api().listPage("a1", 500, 500)).resolves.toStrictEqual({
      total: 0,
      size: 0,
      auths: [],
    });
    const url = new URL(stub.requests[0].url, stub.url);
    expect([stub.requests[0].method, url.pathname, [...url.searchParams]]).toStrictEqual([
      "GET",
      `/v2/${PROJECT}/apic/instances/${INSTANCE}/app-auths/binded-apis`,
      [
        ["app_id", "a1"],
        ["env_id", RELEASE],
        ["offset", "500"],
        ["limit", "500"],
      ],
    ]);
  });

  it("is sent again when the server fails, and names the app when refused", async () => {
    answers.push({ status: 500, body: { error_code: "APIC.9000", error_msg: "busy" } }, refused());
    const error = await failureOf(api({ maxRetries: 1 }).listPage("a1", 0, 500));
    expect(stub.requests).toHaveLength(2);
    expect(error.message).toMatch(
      new RegExp(
        `^Could not list the APIs app a1 is authorized for in environment ${RELEASE}: refused here`,
      ),
    );
  });

  it("names a listing of the wrong shape and its endpoint", async () => {
    answers.push({ status: 200, body: { auths: [] } });
    const error = await failureOf(api().listPage("a1", 0, 500));
    expect(error.code).toBe(UNEXPECTED_ANSWER);
    expect(error.message).toMatch(
      /: GET \.\.\.\/app-auths\/binded-apis answered a listing without a numeric "total" and an "auths" array: /,
    );
  });
});

describe("the server's clock", () => {
  it("is read from each answer's Date header, and an answer without one leaves it as it was", async () => {
    const now = Date.UTC(2026, 11, 2, 12, 0, 0);
    fakeDateOnly(now);
    try {
      const roma = api();
      answers.push({ status: 200, body: { total: 0, auths: [] }, undated: true });
      await roma.listPage("a1", 0, 500);
      expect(roma.clock.known).toBe(false);
      answers.push({
        status: 200,
        body: { total: 0, auths: [] },
        headers: { Date: new Date(now + 60_000).toUTCString() },
      });
      await roma.listPage("a1", 0, 500);
      // Sent and answered at `now` by this machine's clock, written in [now + 60 s, now + 61 s).
      const told = { from: now + 60_000, to: now + 61_000 };
      expect(roma.clock.now()).toStrictEqual(told);
      answers.push({ status: 200, body: { total: 0, auths: [] }, undated: true });
      await roma.listPage("a1", 0, 500);
      expect(roma.clock.now()).toStrictEqual(told);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("IAM", () => {
  const user: PasswordLogin = {
    userName: "alice",
    password: new Secret("p4ss"),
    domainName: "acme",
  };
  const budget = () => budgetOf(10_000);

  it("logs in with a password, scoped to a project by name", async () => {
    answers.push({
      status: 201,
      headers: { "X-Subject-Token": "tok-1" },
      body: { token: { expires_at: "2026-12-03T12:00:00.000Z", project: { id: PROJECT } } },
    });
    fakeDateOnly(Date.UTC(2026, 11, 2, 12, 0, 0));
    try {
      const token = await login(
        transport(),
        stub.url,
        user,
        { projectName: "cn-north-4" },
        budget(),
      );
      expect([token.token.reveal(), token.projectId, token.renewAt]).toStrictEqual([
        "tok-1",
        PROJECT,
        // A day's token is renewed an hour before it expires.
        Date.UTC(2026, 11, 3, 11, 0, 0),
      ]);
    } finally {
      jest.useRealTimers();
    }
    expect(stub.requests.map((r) => [r.method, r.url])).toStrictEqual([
      ["POST", "/v3/auth/tokens"],
    ]);
    expect(JSON.parse(stub.requests[0].body)).toStrictEqual({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "alice", password: "p4ss", domain: { name: "acme" } } },
        },
        scope: { project: { name: "cn-north-4" } },
      },
    });
  });

  it("without an expiry, takes the day IAM gives a token; renews at a tenth of a short lifetime", async () => {
    const now = Date.UTC(2026, 11, 2, 12, 0, 0);
    fakeDateOnly(now);
    try {
      answers.push(
        { status: 201, headers: { "X-Subject-Token": "tok-1" }, body: {} },
        {
          status: 201,
          headers: { "X-Subject-Token": "tok-2" },
          body: { token: { expires_at: new Date(now + 600_000).toISOString() } },
        },
      );
      const daily = await login(transport(), stub.url, user, { projectId: PROJECT }, budget());
      expect([daily.renewAt, daily.projectId]).toStrictEqual([now + 23 * 3600_000, undefined]);
      const short = await login(transport(), stub.url, user, { projectId: PROJECT }, budget());
      expect(short.renewAt).toBe(now + 540_000);
    } finally {
      jest.useRealTimers();
    }
    expect(JSON.parse(stub.requests[0].body).auth.scope).toStrictEqual({
      project: { id: PROJECT },
    });
  });

  it("refuses a login answer without a token, or naming a project that is not an id", async () => {
    answers.push(
      { status: 201, body: {} },
      {
        status: 201,
        headers: { "X-Subject-Token": "tok-1" },
        body: { token: { project: { id: "../../evil" } } },
      },
    );
    const scope = { projectName: "cn-north-4" };
    const none = await failureOf(login(transport(), stub.url, user, scope, budget()));
    expect(none.message).toBe("IAM answered the login without an X-Subject-Token header.");
    const odd = await failureOf(login(transport(), stub.url, user, scope, budget()));
    expect(odd.message).toMatch(
      /^IAM's login answer names the project "\.\.\/\.\.\/evil", which is not an id \(.+\); refused before any request uses it\.$/,
    );
  });

  it("names the user and domain when the login is refused, and tries it again when IAM fails", async () => {
    answers.push({ status: 500, body: { error_code: "IAM.0001", error_msg: "busy" } }, refused());
    const error = await failureOf(
      login(transport(1), stub.url, user, { projectId: PROJECT }, budget()),
    );
    expect(stub.requests).toHaveLength(2);
    expect(error.message).toMatch(
      /^Could not log in to IAM as alice \(domain acme\): refused here/,
    );
  });

  describe("findProjectId", () => {
    const find = (maxRetries = 0) =>
      findProjectId(
        transport(maxRetries),
        stub.url,
        tokenAuth(new Secret("the-token")),
        "cn-north-4",
        budget(),
      );

    it("asks for the region's project by name and takes its id", async () => {
      answers.push({
        status: 200,
        body: {
          projects: [
            { id: "ffffffffffffffffffffffffffffffff", name: "cn-north-4_sub" },
            { name: "cn-north-4" },
            { id: PROJECT, name: "cn-north-4" },
          ],
        },
      });
      await expect(find()).resolves.toBe(PROJECT);
      const url = new URL(stub.requests[0].url, stub.url);
      expect([stub.requests[0].method, url.pathname, [...url.searchParams]]).toStrictEqual([
        "GET",
        "/v3/projects",
        [["name", "cn-north-4"]],
      ]);
    });

    it("says when IAM has no project of that name, or several", async () => {
      answers.push(
        { status: 200, body: {} },
        {
          status: 200,
          body: {
            projects: [
              { id: PROJECT, name: "cn-north-4" },
              { id: "ffffffffffffffffffffffffffffffff", name: "cn-north-4" },
            ],
          },
        },
      );
      expect((await failureOf(find())).message).toBe(
        "IAM has no project named cn-north-4: check the region (roma:region / huaweicloud:region / HW_REGION_NAME or the resource's region), or set the project id (roma:projectId / HW_PROJECT_ID).",
      );
      expect((await failureOf(find())).message).toBe(
        "IAM has 2 projects named cn-north-4: set the project id to use (roma:projectId / HW_PROJECT_ID, or the resource's projectId).",
      );
    });

    it("refuses a project id that is not an id, or not a string", async () => {
      answers.push(
        { status: 200, body: { projects: [{ id: "a/b", name: "cn-north-4" }] } },
        { status: 200, body: { projects: [{ id: 12345, name: "cn-north-4" }] } },
        {
          status: 200,
          body: { projects: [{ id: `${"x".repeat(79)}/${"y".repeat(50)}`, name: "cn-north-4" }] },
        },
      );
      expect((await failureOf(find())).message).toMatch(
        /^IAM's project lookup answer names the project "a\/b", which is not an id/,
      );
      expect((await failureOf(find())).message).toMatch(
        /^IAM's project lookup answer names the project "12345", which is not an id/,
      );
      // A long answer is shown by its first 80 characters.
      expect((await failureOf(find())).message).toMatch(
        new RegExp(`^IAM's project lookup answer names the project "${"x".repeat(79)}/", which`),
      );
    });

    it("names the region when refused, and tries again when IAM fails", async () => {
      answers.push({ status: 500, body: { error_code: "IAM.0001", error_msg: "busy" } }, refused());
      const error = await failureOf(find(1));
      expect(stub.requests).toHaveLength(2);
      expect(error.message).toMatch(
        /^Could not look up the project of region cn-north-4 in IAM: refused here/,
      );
    });
  });
});
