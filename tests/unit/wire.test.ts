import { createAnswerItems, createAuthBody, listAnswer, recordFromInfo } from "../../provider/wire";

const options = {
  authTunnel: "NORMAL" as const,
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
};

describe("wire mapping", () => {
  it("builds the seed's request body in snake_case", () => {
    expect(
      createAuthBody(
        "DEFAULT_ENVIRONMENT_RELEASE_ID",
        ["356de8eb7a8742168586e5daf5339965"],
        ["5f918d104dc84480a75166ba99efff21"],
        options,
      ),
    ).toEqual({
      env_id: "DEFAULT_ENVIRONMENT_RELEASE_ID",
      app_ids: ["356de8eb7a8742168586e5daf5339965"],
      api_ids: ["5f918d104dc84480a75166ba99efff21"],
      auth_tunnel: "NORMAL",
    });
  });

  it("sends green-channel lists, and access parameters without relying on the service's ranking", () => {
    const body = createAuthBody("E", ["a1", "a2"], ["p1", "p2", "p3"], {
      authTunnel: "GREEN",
      authWhitelist: ["10.0.0.0/8"],
      authBlacklist: [],
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

  it("accepts the create answer as {auths: [...]} or as a bare array", () => {
    const item = { id: "r", app_id: "a", api_id: "p" };
    expect(createAnswerItems({ auths: [item] })).toEqual([item]);
    expect(createAnswerItems([item])).toEqual([item]);
  });

  it.each([
    ["null", null, /without an "auths" array: an empty body|without an "auths" array: null/],
    ["an object without auths", { total: 1 }, /without an "auths" array: \{"total":1\}/],
    ["an HTML page", "<html>portal</html>", /non-JSON body starting "<html>portal<\/html>"/],
    ["an item without its pair", { auths: [{ id: "r" }] }, /item without app_id and api_id/],
  ])("rejects a create answer that is %s, saying what came back", (_what, body, message) => {
    expect(() => createAnswerItems(body)).toThrow(message);
  });

  it.each([
    ["without total", { auths: [] }],
    ["with a string total", { total: "0", auths: [] }],
    ["without auths", { total: 0 }],
    ["with an item without id", { total: 1, auths: [{ app_id: "a", api_id: "p" }] }],
    ["that is a bare array", []],
  ])("rejects a listing %s", (_what, body) => {
    expect(() => listAnswer(body)).toThrow(/listing/);
  });

  it("accepts a documented listing", () => {
    const item = { id: "r", app_id: "a", api_id: "p" };
    expect(listAnswer({ total: 1, size: 1, auths: [item] })).toEqual({
      total: 1,
      size: 1,
      auths: [item],
    });
  });

  it("maps a listed record to camelCase with no undefined fields", () => {
    const record = recordFromInfo({
      id: "r",
      app_id: "a",
      api_id: "p",
      auth_whitelist: ["2.2.2.2", "1.1.1.1"],
    });
    expect(record).toEqual({
      id: "r",
      appId: "a",
      apiId: "p",
      authTime: "",
      authRole: "",
      authTunnel: "NORMAL",
      authWhitelist: ["1.1.1.1", "2.2.2.2"],
      authBlacklist: [],
      visitParam: "",
    });
  });
});
