import {
  createAnswerItems,
  createAuthBody,
  listAnswer,
  recordFromInfo,
  recordFromRelation,
} from "../../provider/wire";
import { describeBody } from "../../provider/http/errors";

// One set of fixtures for every wire test: bind options with nothing set, the body they give for
// one pair, one answer item, and the record it maps to when the answer says nothing else.
const plain = {
  authTunnel: "NORMAL" as const,
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
};
const green = { ...plain, authTunnel: "GREEN" as const };
const greenBody = { env_id: "E", app_ids: ["a1"], api_ids: ["p1"], auth_tunnel: "GREEN" };
const item = { id: "r", app_id: "a", api_id: "p" };
const bareRecord = {
  id: "r",
  appId: "a",
  apiId: "p",
  authTime: "",
  authRole: "",
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParam: "",
};

describe("createAuthBody: every option sent, nothing else", () => {
  it("builds the seed's request body in snake_case", () => {
    expect(
      createAuthBody(
        "DEFAULT_ENVIRONMENT_RELEASE_ID",
        ["356de8eb7a8742168586e5daf5339965"],
        ["5f918d104dc84480a75166ba99efff21"],
        plain,
      ),
    ).toEqual({
      env_id: "DEFAULT_ENVIRONMENT_RELEASE_ID",
      app_ids: ["356de8eb7a8742168586e5daf5339965"],
      api_ids: ["5f918d104dc84480a75166ba99efff21"],
      auth_tunnel: "NORMAL",
    });
  });

  it("sends the blacklist, and the whitelist, only when they hold addresses", () => {
    expect(
      createAuthBody("E", ["a1"], ["p1"], { ...green, authBlacklist: ["1.1.1.1"] }),
    ).toStrictEqual({ ...greenBody, auth_blacklist: ["1.1.1.1"] });
    expect(
      createAuthBody("E", ["a1"], ["p1"], { ...green, authWhitelist: ["2.2.2.2"] }),
    ).toStrictEqual({ ...greenBody, auth_whitelist: ["2.2.2.2"] });
  });

  it("sends green-channel lists, and access parameters without relying on the service's ranking", () => {
    const body = createAuthBody("E", ["a1", "a2"], ["p1", "p2", "p3"], {
      ...green,
      authWhitelist: ["10.0.0.0/8"],
      visitParams: [
        { apiId: "p1", visitParam: "tenant" },
        { apiId: "p2", visitParam: "x" },
        { apiId: "p2", appId: "a2", visitParam: "y" },
      ],
    });
    expect(body).toMatchObject({ auth_tunnel: "GREEN", auth_whitelist: ["10.0.0.0/8"] });
    expect(body.auth_blacklist).toBeUndefined();
    expect(body.visit_params).toEqual([
      { api_id: "p1", visit_param: "tenant" },
      { api_id: "p2", app_id: "a1", visit_param: "x" },
      { api_id: "p2", app_id: "a2", visit_param: "y" },
    ]);
  });

  it("sends one API-wide entry when every app gets the same parameters, per app otherwise", () => {
    const body = createAuthBody("E", ["a1", "a2"], ["p1", "p2", "p3", "p4"], {
      ...green,
      visitParams: [
        // p1: both apps have their own, equal entries.
        { apiId: "p1", appId: "a1", visitParam: "same" },
        { apiId: "p1", appId: "a2", visitParam: "same" },
        // p2: only a2 has parameters: a1's empty entry is not sent.
        { apiId: "p2", appId: "a2", visitParam: "own" },
        // p3: an API-wide entry, and a1's own.
        { apiId: "p3", visitParam: "wide" },
        { apiId: "p3", appId: "a1", visitParam: "mine" },
      ],
    });
    expect(body.visit_params).toStrictEqual([
      { api_id: "p1", visit_param: "same" },
      { api_id: "p2", app_id: "a2", visit_param: "own" },
      { api_id: "p3", app_id: "a1", visit_param: "mine" },
      { api_id: "p3", app_id: "a2", visit_param: "wide" },
    ]);
  });

  it("sends an app without an entry of its own nothing of another app's", () => {
    const body = createAuthBody("E", ["a1"], ["p1"], {
      ...green,
      visitParams: [{ apiId: "p1", appId: "a2", visitParam: "theirs" }],
    });
    expect("visit_params" in body).toBe(false);
  });
});

describe("recordFromRelation and recordFromInfo: every field", () => {
  it("maps a created record, its names and a blacklist", () => {
    expect(
      recordFromRelation({
        ...item,
        auth_time: "t",
        auth_role: "PROVIDER",
        auth_tunnel: "GREEN",
        auth_whitelist: ["2.2.2.2", "1.1.1.1"],
        auth_blacklist: ["4.4.4.4", "3.3.3.3"],
        visit_params: "x,y",
        auth_result: { status: "SUCCESS", app_name: "app", api_name: "api" },
      }),
    ).toStrictEqual({
      ...bareRecord,
      authTime: "t",
      authRole: "PROVIDER",
      authTunnel: "GREEN",
      authWhitelist: ["1.1.1.1", "2.2.2.2"],
      authBlacklist: ["3.3.3.3", "4.4.4.4"],
      visitParam: "x,y",
      appName: "app",
      apiName: "api",
    });
    expect(recordFromRelation(item)).toStrictEqual(bareRecord);
  });

  it("maps a listed record to camelCase with no undefined fields", () => {
    const record = recordFromInfo({ ...item, auth_whitelist: ["2.2.2.2", "1.1.1.1"] });
    expect(record).toEqual({ ...bareRecord, authWhitelist: ["1.1.1.1", "2.2.2.2"] });
  });

  it("maps a listed record with a blacklist and names; null and empty fields get defaults", () => {
    expect(
      recordFromInfo({
        ...item,
        auth_time: "t",
        auth_role: "CONSUMER",
        auth_tunnel: "GREEN",
        auth_blacklist: ["9.9.9.9", "1.1.1.1"],
        visit_param: "v",
        app_name: "app",
        api_name: "api",
      }),
    ).toStrictEqual({
      ...bareRecord,
      authTime: "t",
      authRole: "CONSUMER",
      authTunnel: "GREEN",
      authBlacklist: ["1.1.1.1", "9.9.9.9"],
      visitParam: "v",
      appName: "app",
      apiName: "api",
    });
    const nulls = {
      ...item,
      auth_time: null,
      auth_role: null,
      auth_tunnel: "",
      auth_whitelist: null,
      auth_blacklist: null,
      visit_param: null,
      app_name: "",
      api_name: null,
    } as never;
    expect(recordFromInfo(nulls)).toStrictEqual(bareRecord);
  });
});

describe("answers", () => {
  it("accepts the create answer as {auths: [...]} or as a bare array", () => {
    expect(createAnswerItems({ auths: [item] })).toEqual([item]);
    expect(createAnswerItems([item])).toEqual([item]);
  });

  it.each([
    ["null", null, /without an "auths" array: an empty body|without an "auths" array: null/],
    ["an object without auths", { total: 1 }, /without an "auths" array: \{"total":1\}/],
    ["an HTML page", "<html>portal</html>", /non-JSON body starting "<html>portal<\/html>"/],
    ["an item without its pair", { auths: [{ id: "r" }] }, /item without app_id and api_id/],
    ["an item null", [null], /item without app_id and api_id: null/],
    [
      "an item without api_id",
      [{ app_id: "a" }],
      /item without app_id and api_id: \{"app_id":"a"\}/,
    ],
    ["an item without app_id", [{ api_id: "p" }], /item without app_id and api_id/],
    [
      "an item with a numeric app_id",
      [{ app_id: 1, api_id: "p" }],
      /item without app_id and api_id/,
    ],
    ["auths not an array", { auths: "x" }, /without an "auths" array/],
  ])("rejects a create answer that is %s, saying what came back", (_what, body, message) => {
    expect(() => createAnswerItems(body)).toThrow(message);
  });

  it.each([
    ["without total", { auths: [] }, /listing/],
    ["with a string total", { total: "0", auths: [] }, /listing/],
    ["without auths", { total: 0 }, /listing/],
    ["with an item without id", { total: 1, auths: [{ app_id: "a", api_id: "p" }] }, /listing/],
    ["that is a bare array", [], /listing/],
    ["that is null", null, /a listing without a numeric "total" and an "auths" array: null/],
    ["that is empty", undefined, /a listing without .*: an empty body/],
    ["that is a number", 7, /a listing without .*: 7/],
    ["that is HTML", "<html>", /a listing without .*: a non-JSON body starting "<html>"/],
    [
      "with an item null",
      { total: 1, auths: [null] },
      /a listing item without id, app_id and api_id: null/,
    ],
    [
      "with an item without app_id",
      { total: 1, auths: [{ id: "r", api_id: "p" }] },
      /item without id, app_id and api_id/,
    ],
    [
      "with an item without api_id",
      { total: 1, auths: [{ id: "r", app_id: "a" }] },
      /item without id, app_id and api_id/,
    ],
    [
      "with a numeric id",
      { total: 1, auths: [{ id: 1, app_id: "a", api_id: "p" }] },
      /item without id/,
    ],
  ])("rejects a listing %s", (_what, body, message) => {
    expect(() => listAnswer(body)).toThrow(message);
  });

  it("accepts a documented listing", () => {
    expect(listAnswer({ total: 1, size: 1, auths: [item] })).toEqual({
      total: 1,
      size: 1,
      auths: [item],
    });
  });

  it("reads a listing's size, or counts its items when it has none", () => {
    const auths = [item];
    expect(listAnswer({ total: 5, auths })).toStrictEqual({ total: 5, size: 1, auths });
    expect(listAnswer({ total: 5, size: "3", auths })).toStrictEqual({ total: 5, size: 3, auths });
  });

  it("describes what came back in at most 80 characters", () => {
    expect(describeBody(undefined)).toBe("an empty body");
    expect(describeBody("")).toBe("an empty body");
    expect(describeBody(`  ${"h".repeat(100)}  `)).toBe(
      `a non-JSON body starting "${"h".repeat(80)}"`,
    );
    expect(describeBody({ a: 1 })).toBe('{"a":1}');
    const long = { text: "x".repeat(100) };
    expect(describeBody(long)).toBe(`${JSON.stringify(long).slice(0, 80)}...`);
    // 80 characters exactly: nothing cut, no ellipsis.
    const exact = ["x".repeat(76)];
    expect(describeBody(exact)).toBe(JSON.stringify(exact));
    expect(JSON.stringify(exact)).toHaveLength(80);
  });
});
