import {
  createAnswerItems,
  createAuthBody,
  listAnswer,
  recordFromInfo,
  recordFromRelation,
} from "../../provider/wire";
import { describeBody } from "../../provider/http/errors";

const plain = {
  authTunnel: "GREEN" as const,
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
};

describe("createAuthBody: every option sent, nothing else", () => {
  it("sends the blacklist, and the whitelist, only when they hold addresses", () => {
    expect(
      createAuthBody("E", ["a1"], ["p1"], { ...plain, authBlacklist: ["1.1.1.1"] }),
    ).toStrictEqual({
      env_id: "E",
      app_ids: ["a1"],
      api_ids: ["p1"],
      auth_tunnel: "GREEN",
      auth_blacklist: ["1.1.1.1"],
    });
    expect(
      createAuthBody("E", ["a1"], ["p1"], { ...plain, authWhitelist: ["2.2.2.2"] }),
    ).toStrictEqual({
      env_id: "E",
      app_ids: ["a1"],
      api_ids: ["p1"],
      auth_tunnel: "GREEN",
      auth_whitelist: ["2.2.2.2"],
    });
  });

  it("sends one API-wide entry when every app gets the same parameters, per app otherwise", () => {
    const body = createAuthBody("E", ["a1", "a2"], ["p1", "p2", "p3", "p4"], {
      ...plain,
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
      ...plain,
      visitParams: [{ apiId: "p1", appId: "a2", visitParam: "theirs" }],
    });
    expect("visit_params" in body).toBe(false);
  });
});

describe("recordFromRelation and recordFromInfo: every field", () => {
  it("maps a created record, its names and a blacklist", () => {
    expect(
      recordFromRelation({
        id: "r",
        app_id: "a",
        api_id: "p",
        auth_time: "t",
        auth_role: "PROVIDER",
        auth_tunnel: "GREEN",
        auth_whitelist: ["2.2.2.2", "1.1.1.1"],
        auth_blacklist: ["4.4.4.4", "3.3.3.3"],
        visit_params: "x,y",
        auth_result: { status: "SUCCESS", app_name: "app", api_name: "api" },
      }),
    ).toStrictEqual({
      id: "r",
      appId: "a",
      apiId: "p",
      authTime: "t",
      authRole: "PROVIDER",
      authTunnel: "GREEN",
      authWhitelist: ["1.1.1.1", "2.2.2.2"],
      authBlacklist: ["3.3.3.3", "4.4.4.4"],
      visitParam: "x,y",
      appName: "app",
      apiName: "api",
    });
    expect(recordFromRelation({ id: "r", app_id: "a", api_id: "p" })).toStrictEqual({
      id: "r",
      appId: "a",
      apiId: "p",
      authTime: "",
      authRole: "",
      authTunnel: "NORMAL",
      authWhitelist: [],
      authBlacklist: [],
      visitParam: "",
    });
  });

  it("maps a listed record with a blacklist and names; null and empty fields get defaults", () => {
    expect(
      recordFromInfo({
        id: "r",
        app_id: "a",
        api_id: "p",
        auth_time: "t",
        auth_role: "CONSUMER",
        auth_tunnel: "GREEN",
        auth_blacklist: ["9.9.9.9", "1.1.1.1"],
        visit_param: "v",
        app_name: "app",
        api_name: "api",
      }),
    ).toStrictEqual({
      id: "r",
      appId: "a",
      apiId: "p",
      authTime: "t",
      authRole: "CONSUMER",
      authTunnel: "GREEN",
      authWhitelist: [],
      authBlacklist: ["1.1.1.1", "9.9.9.9"],
      visitParam: "v",
      appName: "app",
      apiName: "api",
    });
    const nulls = {
      id: "r",
      app_id: "a",
      api_id: "p",
      auth_time: null,
      auth_role: null,
      auth_tunnel: "",
      auth_whitelist: null,
      auth_blacklist: null,
      visit_param: null,
      app_name: "",
      api_name: null,
    } as never;
    expect(recordFromInfo(nulls)).toStrictEqual({
      id: "r",
      appId: "a",
      apiId: "p",
      authTime: "",
      authRole: "",
      authTunnel: "NORMAL",
      authWhitelist: [],
      authBlacklist: [],
      visitParam: "",
    });
  });
});

describe("answers of the wrong shape", () => {
  it.each([
    [[null], /item without app_id and api_id: null/],
    [[{ app_id: "a" }], /item without app_id and api_id: \{"app_id":"a"\}/],
    [[{ api_id: "p" }], /item without app_id and api_id/],
    [[{ app_id: 1, api_id: "p" }], /item without app_id and api_id/],
    [{ auths: "x" }, /without an "auths" array/],
  ])("a create answer %p", (body, message) => {
    expect(() => createAnswerItems(body)).toThrow(message);
  });

  it.each([
    [null, /a listing without a numeric "total" and an "auths" array: null/],
    ["<html>", /a listing without .*: a non-JSON body starting "<html>"/],
    [{ total: 1, auths: [null] }, /a listing item without id, app_id and api_id: null/],
    [{ total: 1, auths: [{ id: "r", api_id: "p" }] }, /item without id, app_id and api_id/],
    [{ total: 1, auths: [{ id: "r", app_id: "a" }] }, /item without id, app_id and api_id/],
    [{ total: 1, auths: [{ id: 1, app_id: "a", api_id: "p" }] }, /item without id/],
  ])("a listing %p", (body, message) => {
    expect(() => listAnswer(body)).toThrow(message);
  });

  it("reads a listing's size, or counts its items when it has none", () => {
    const auths = [{ id: "r", app_id: "a", api_id: "p" }];
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
