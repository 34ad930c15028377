import { checkInputs, UNKNOWN } from "../../provider/validate";

const base = {
  instanceId: "eddc4d25480b4cd6b512f270a1b8b341",
  envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
  appIds: ["app2", "app1"],
  apiIds: ["apiB", "apiA", "apiB"],
};
const withRegion = { settingsRegion: "cn-north-4" };

describe("check: normalization", () => {
  it("sorts and de-duplicates ids and fills in the defaults", () => {
    const { inputs, failures } = checkInputs({ ...base, __provider: "serialized" }, withRegion);
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      instanceId: base.instanceId,
      envId: base.envId,
      appIds: ["app1", "app2"],
      apiIds: ["apiA", "apiB"],
      authTunnel: "NORMAL",
      authWhitelist: [],
      authBlacklist: [],
      visitParams: [],
      adoptExisting: false,
    });
  });

  it("sorts visit parameters and address lists, keeping what the user wrote", () => {
    const { inputs, failures } = checkInputs(
      {
        ...base,
        authTunnel: "GREEN",
        authWhitelist: ["10.0.0.0/8", "1.2.3.4", "1.2.3.4"],
        visitParams: [
          { apiId: "apiB", visitParam: "z,a" },
          { apiId: "apiA", appId: "app2", visitParam: "x" },
        ],
        region: "ap-southeast-1",
        projectId: "0123456789abcdef0123456789abcdef",
      },
      {},
    );
    expect(failures).toEqual([]);
    expect(inputs.authWhitelist).toEqual(["1.2.3.4", "10.0.0.0/8"]);
    expect(inputs.visitParams).toEqual([
      { apiId: "apiA", appId: "app2", visitParam: "x" },
      { apiId: "apiB", visitParam: "z,a" },
    ]);
    expect(inputs.region).toBe("ap-southeast-1");
  });

  it("lets unknown values (previews) through without judging them", () => {
    const { inputs, failures } = checkInputs(
      {
        instanceId: UNKNOWN,
        envId: UNKNOWN,
        appIds: ["app1", UNKNOWN],
        apiIds: UNKNOWN,
        authTunnel: UNKNOWN,
        authWhitelist: [UNKNOWN],
        visitParams: [{ apiId: UNKNOWN, visitParam: UNKNOWN }, UNKNOWN],
        adoptExisting: UNKNOWN,
        region: UNKNOWN,
      },
      {},
    );
    expect(failures).toEqual([]);
    expect(inputs.appIds).toEqual(["app1", UNKNOWN]);
    expect(inputs.apiIds).toBe(UNKNOWN);
    expect(inputs.authTunnel).toBe(UNKNOWN);
  });
});

describe("check: every rule names the property and the rule", () => {
  it.each([
    ["instanceId", { instanceId: undefined }, /instanceId is required/],
    ["instanceId", { instanceId: 42 }, /instanceId must be a string; got number 42/],
    ["instanceId", { instanceId: "a/b" }, /instanceId must be 1 to 64 letters, digits/],
    ["envId", { envId: "" }, /envId is required/],
    ["envId", { envId: "bad env" }, /envId must be 1 to 64 characters.*env_id rule/],
    [
      "envId",
      { envId: "x".repeat(100) },
      /envId must be 1 to 64 characters.*a string of 100 characters/,
    ],
    ["appIds", { appIds: undefined }, /appIds is required: a list of at least one app id/],
    ["appIds", { appIds: [] }, /appIds must hold at least one app id/],
    [
      "appIds",
      { appIds: "app1" },
      /appIds must be a list of app ids, not a single string; write \["app1"\]/,
    ],
    ["appIds[1]", { appIds: ["app1", 7] }, /appIds\[1\] must be a string; got number 7/],
    ["apiIds[0]", { apiIds: ["has space"] }, /apiIds\[0\] must be 1 to 64 letters/],
    ["apiIds", { apiIds: { a: 1 } }, /apiIds must be a list of API ids; got an object/],
    ["authTunnel", { authTunnel: "BLUE" }, /authTunnel must be "NORMAL" or "GREEN"; got "BLUE"/],
    [
      "authWhitelist",
      { authWhitelist: ["1.2.3.4"] },
      /authWhitelist only applies to the green channel: set authTunnel to "GREEN"/,
    ],
    [
      "authBlacklist[0]",
      { authTunnel: "GREEN", authBlacklist: ["10.0.0.0/33"] },
      /authBlacklist\[0\] must be an IP address, a CIDR range/,
    ],
    [
      "authWhitelist[0]",
      { authTunnel: "GREEN", authWhitelist: ["not-an-ip"] },
      /must be an IP address/,
    ],
    [
      "visitParams",
      { visitParams: "tenant" },
      /visitParams must be a list of \{apiId, appId\?, visitParam\}/,
    ],
    [
      "visitParams[0].apiId",
      { visitParams: [{ apiId: "apiZ", visitParam: "a" }] },
      /apiZ, which is not in apiIds/,
    ],
    [
      "visitParams[0].appId",
      { visitParams: [{ apiId: "apiA", appId: "appZ", visitParam: "a" }] },
      /appZ, which is not in appIds/,
    ],
    [
      "visitParams[0].visitParam",
      { visitParams: [{ apiId: "apiA", visitParam: "" }] },
      /is required: comma-separated parameters/,
    ],
    [
      "visitParams[0].visitParam",
      { visitParams: [{ apiId: "apiA", visitParam: "a-" }] },
      /each parameter is letters, digits, '_' and '-', ending in a letter or digit/,
    ],
    [
      "visitParams[0].visitParam",
      { visitParams: [{ apiId: "apiA", visitParam: "a,b,a" }] },
      /repeats the parameter "a"/,
    ],
    [
      "visitParams[0].visitParam",
      { visitParams: [{ apiId: "apiA", visitParam: "p".repeat(256) }] },
      /a parameter of 256 characters; each may have at most 255/,
    ],
    [
      "visitParams[1]",
      {
        visitParams: [
          { apiId: "apiA", visitParam: "a" },
          { apiId: "apiA", visitParam: "b" },
        ],
      },
      /a second time/,
    ],
    [
      "visitParams[0].extra",
      { visitParams: [{ apiId: "apiA", visitParam: "a", extra: 1 }] },
      /is not a field of a visit parameter/,
    ],
    ["adoptExisting", { adoptExisting: "yes" }, /adoptExisting must be true or false/],
    ["region", { region: "Beijing" }, /region must be a Huawei Cloud region name/],
    ["projectId", { projectId: "" }, /projectId is required/],
    ["token", { token: "abc" }, /credentials must never be resource inputs/],
    [
      "apiId",
      { apiId: "apiA" },
      /apiId is not an input of AppAuthorization; the inputs are instanceId, envId/,
    ],
  ])("%s: %p", (property, change, reason) => {
    const { failures } = checkInputs({ ...base, ...change }, withRegion);
    expect(failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  it("asks for a region when neither the resource nor the settings give one", () => {
    expect(checkInputs(base, {}).failures).toEqual([
      {
        property: "region",
        reason: expect.stringMatching(/roma:region, huaweicloud:region or HW_REGION_NAME/),
      },
    ]);
  });
});

describe("check: bounded work and bounded answers", () => {
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it("admits 10,000 pairs in any shape, and lists of 10,000 ids", () => {
    for (const [apps, apis] of [
      [10, 1000],
      [5, 2000],
      [1, 10000],
      [10000, 1],
    ]) {
      const { failures } = checkInputs(
        { ...base, appIds: ids("app", apps), apiIds: ids("api", apis) },
        withRegion,
      );
      expect(failures).toEqual([]);
    }
  });

  it("refuses 10^6 pairs with one failure that says how to split them", () => {
    const { failures } = checkInputs(
      { ...base, appIds: ids("app", 1000), apiIds: ids("api", 1000) },
      withRegion,
    );
    expect(failures).toEqual([
      {
        property: "apiIds",
        reason: expect.stringMatching(
          /appIds x apiIds is 1,000 x 1,000 = 1,000,000 pairs; one resource holds at most 10,000: split it/,
        ),
      },
    ]);
  });

  it("refuses a list of a million ids without looking at each", () => {
    let reads = 0;
    const huge = new Proxy(ids("app", 1_000_000), {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const { failures } = checkInputs({ ...base, appIds: huge }, withRegion);
    expect(failures).toContainEqual({
      property: "appIds",
      reason: "appIds has 1,000,000 entries; at most 10,000 are accepted per resource.",
    });
    expect(failures.length).toBeLessThanOrEqual(2);
    expect(reads).toBe(0);
  });

  it("lists at most three failures per property and counts the rest", () => {
    const bad = Array.from({ length: 5234 }, (_, i) => `bad id ${i}`);
    const { failures } = checkInputs({ ...base, appIds: bad }, withRegion);
    expect(failures.filter((f) => f.property.startsWith("appIds"))).toEqual([
      { property: "appIds[0]", reason: expect.stringMatching(/must be 1 to 64 letters/) },
      { property: "appIds[1]", reason: expect.any(String) },
      { property: "appIds[2]", reason: expect.any(String) },
      { property: "appIds", reason: "and 5,231 more problems with appIds." },
    ]);
    const unknownKeys = Object.fromEntries(ids("extra", 100_000).map((k) => [k, 1]));
    const { failures: extra } = checkInputs({ ...base, ...unknownKeys }, withRegion);
    expect(extra).toHaveLength(4);
    expect(extra[3]).toEqual({
      property: "inputs",
      reason: "and 99,997 more inputs that AppAuthorization does not take.",
    });
  });

  it("refuses a 1 MB visitParam in one failure, and a visitParam of many bad parameters in four", () => {
    const mb = "a".repeat(1 << 20);
    const { failures } = checkInputs(
      { ...base, visitParams: [{ apiId: "apiA", visitParam: mb }] },
      withRegion,
    );
    expect(failures).toEqual([
      {
        property: "visitParams[0].visitParam",
        reason: "visitParams[0].visitParam has 1,048,576 characters; at most 10,240 are accepted.",
      },
    ]);
    const many = Array.from({ length: 5000 }, () => "-").join(",");
    const { failures: bad } = checkInputs(
      { ...base, visitParams: [{ apiId: "apiA", visitParam: many }] },
      withRegion,
    );
    expect(bad).toHaveLength(4);
    expect(bad[3].reason).toBe("and 4,997 more problems with visitParams.");
  });

  it("checks visitParams against the id lists in linear time", () => {
    // Reads of the id lists' entries: a scan per visit parameter would make 10^8 of them.
    let reads = 0;
    const counted = (list: string[]) =>
      new Proxy(list, {
        get(target, key, receiver) {
          if (typeof key === "string" && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver);
        },
      });
    const apis = ids("api", 10_000);
    const { failures } = checkInputs(
      {
        ...base,
        appIds: ["app1"],
        apiIds: counted(apis),
        visitParams: apis.map((apiId) => ({ apiId, appId: "app1", visitParam: "p" })),
      },
      withRegion,
    );
    expect(failures).toEqual([]);
    expect(reads).toBeLessThan(10 * apis.length);
  });
});
