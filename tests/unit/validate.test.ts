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

// Values the host serializes: `toStrictEqual` so that an `undefined` value (which the real host
// rejects) is not read as absent.
describe("check: rules pinned value by value", () => {
  const green = { ...base, authTunnel: "GREEN" };

  it("accepts every documented address form, and refuses near misses", () => {
    const good = [
      "10.0.0.0/8",
      "172.16.0.0/16",
      "192.168.1.0/24",
      "1.2.3.4/32",
      "1.2.3.4/0",
      "2001:db8::/64",
      "2001:db8::/128",
      "10.0.0.1-10.0.0.9",
      "2001:db8::1-2001:db8::9",
      "1.2.3.4",
      "::1",
    ];
    const { inputs, failures } = checkInputs({ ...green, authWhitelist: good }, withRegion);
    expect(failures).toStrictEqual([]);
    expect(inputs.authWhitelist).toStrictEqual([...good].sort());
    const bad = [
      "1.2.3.4/33",
      "2001:db8::/129",
      "not-an-ip/8",
      "1.2.3.4/",
      "1.2.3.4/1234",
      // The prefix rule holds the whole entry: nothing before the address, nothing after the length.
      "a/1.2.3.4/8",
      "1.2.3.4/8x",
      "10.0.0.1-2001:db8::1",
      "10.0.0.1-",
      "-10.0.0.1",
      "10.0.0.1-10.0.0.5-10.0.0.9",
      "x-10.0.0.9",
      // Two ends that are both not addresses are not "of one family".
      "a-b",
      "1.2.3.4 ",
      7,
    ];
    for (const entry of bad) {
      const { failures: refused } = checkInputs({ ...green, authBlacklist: [entry] }, withRegion);
      expect([entry, refused]).toStrictEqual([
        entry,
        [
          {
            property: "authBlacklist[0]",
            reason: expect.stringMatching(
              /^authBlacklist\[0\] must be an IP address, a CIDR range \(10\.0\.0\.0\/8\) or a range \(10\.0\.0\.1-10\.0\.0\.9\); got /,
            ),
          },
        ],
      ]);
    }
  });

  it("refuses a region that is not anchored to the whole value", () => {
    for (const region of ["evil.example/cn-north-4", "cn-north-4/evil.example", "cn-north-4.x"]) {
      const { failures } = checkInputs({ ...base, region }, withRegion);
      expect(failures).toStrictEqual([
        {
          property: "region",
          reason: expect.stringMatching(/^region must be a Huawei Cloud region name: /),
        },
      ]);
    }
    const { inputs, failures } = checkInputs({ ...base, region: "cn-north-4" }, {});
    expect(failures).toStrictEqual([]);
    expect(inputs.region).toBe("cn-north-4");
  });

  it("returns exactly the normalized inputs, with no undefined value", () => {
    const { inputs, failures } = checkInputs(
      {
        ...green,
        authWhitelist: null,
        authBlacklist: ["1.2.3.4", "1.2.3.4"],
        visitParams: [{ apiId: "apiA", visitParam: "a" }],
        adoptExisting: true,
        projectId: "p1",
      },
      withRegion,
    );
    expect(failures).toStrictEqual([]);
    expect(inputs).toStrictEqual({
      instanceId: base.instanceId,
      envId: base.envId,
      appIds: ["app1", "app2"],
      apiIds: ["apiA", "apiB"],
      authTunnel: "GREEN",
      authWhitelist: [],
      authBlacklist: ["1.2.3.4"],
      visitParams: [{ apiId: "apiA", visitParam: "a" }],
      adoptExisting: true,
      projectId: "p1",
    });
    // A failed input is kept as written and named, never replaced by undefined.
    const { inputs: kept } = checkInputs({ ...base, instanceId: undefined }, withRegion);
    expect(Object.values(kept)).not.toContain(undefined);
    expect("instanceId" in kept).toBe(false);
  });

  it("keeps whole lists that are unknown in a preview, and judges nothing inside them", () => {
    const { inputs, failures } = checkInputs(
      {
        ...base,
        appIds: UNKNOWN,
        authWhitelist: UNKNOWN,
        authBlacklist: UNKNOWN,
        visitParams: UNKNOWN,
      },
      withRegion,
    );
    expect(failures).toStrictEqual([]);
    expect(inputs.appIds).toBe(UNKNOWN);
    expect(inputs.authWhitelist).toBe(UNKNOWN);
    expect(inputs.authBlacklist).toBe(UNKNOWN);
    expect(inputs.visitParams).toBe(UNKNOWN);
  });

  it("does not judge visit parameters against an id list that is partly unknown", () => {
    const { failures } = checkInputs(
      {
        ...base,
        appIds: ["app1", UNKNOWN],
        apiIds: ["apiA", UNKNOWN],
        authTunnel: UNKNOWN,
        authWhitelist: ["1.2.3.4", UNKNOWN],
        visitParams: [
          { apiId: "apiZ", appId: "appZ", visitParam: "a" },
          { apiId: UNKNOWN, visitParam: "a" },
          { apiId: UNKNOWN, visitParam: "b" },
          { apiId: "apiA", appId: UNKNOWN, visitParam: "c" },
          { apiId: "apiA", appId: UNKNOWN, visitParam: "d" },
        ],
      },
      withRegion,
    );
    expect(failures).toStrictEqual([]);
  });

  it("accepts per-app entries of two apps on one API beside the API's own entry", () => {
    const visitParams = [
      { apiId: "apiA", appId: "app2", visitParam: "b" },
      { apiId: "apiA", visitParam: "all" },
      { apiId: "apiA", appId: "app1", visitParam: "a" },
    ];
    const { inputs, failures } = checkInputs({ ...base, visitParams }, withRegion);
    expect(failures).toStrictEqual([]);
    expect(inputs.visitParams).toStrictEqual([
      { apiId: "apiA", visitParam: "all" },
      { apiId: "apiA", appId: "app1", visitParam: "a" },
      { apiId: "apiA", appId: "app2", visitParam: "b" },
    ]);
    const twice = checkInputs(
      { ...base, visitParams: [...visitParams, { apiId: "apiA", appId: "app1", visitParam: "c" }] },
      withRegion,
    );
    expect(twice.failures).toStrictEqual([
      {
        property: "visitParams[3]",
        reason:
          "visitParams[3] sets access parameters for API apiA and app app1 a second time; give each API (and app) one entry.",
      },
    ]);
  });

  it("refuses entries that are not objects without crashing, and names what came", () => {
    const { inputs, failures } = checkInputs(
      { ...base, visitParams: [null, ["apiA"], "apiA", { apiId: "apiA", visitParam: "a" }] },
      withRegion,
    );
    expect(failures).toStrictEqual([
      {
        property: "visitParams[0]",
        reason: "visitParams[0] must be an object {apiId, appId?, visitParam}; got null.",
      },
      {
        property: "visitParams[1]",
        reason: "visitParams[1] must be an object {apiId, appId?, visitParam}; got a list.",
      },
      {
        property: "visitParams[2]",
        reason: 'visitParams[2] must be an object {apiId, appId?, visitParam}; got "apiA".',
      },
    ]);
    expect(inputs.visitParams).toHaveLength(4);
  });

  it("names each part of a visit parameter that breaks its rule", () => {
    const { failures } = checkInputs(
      {
        ...base,
        visitParams: [
          { apiId: "", appId: "", visitParam: 5 },
          { apiId: 3, appId: 4, visitParam: "ok" },
          { visitParam: "ok" },
          { apiId: "apiB", appId: "x".repeat(81), visitParam: "ok" },
        ],
      },
      withRegion,
    );
    expect(failures.slice(0, 3)).toStrictEqual([
      {
        property: "visitParams[0].apiId",
        reason: 'visitParams[0].apiId is required and must be an id string; got "".',
      },
      {
        property: "visitParams[0].appId",
        reason: 'visitParams[0].appId must be an id string; got "".',
      },
      {
        property: "visitParams[0].visitParam",
        reason: "visitParams[0].visitParam is required: comma-separated parameters; got number 5.",
      },
    ]);
    const all = checkInputs(
      {
        ...base,
        visitParams: [
          { apiId: 3, appId: 4, visitParam: "ok" },
          { visitParam: "ok" },
          { apiId: "apiB", appId: "x".repeat(81), visitParam: "ok" },
        ],
      },
      withRegion,
    ).failures;
    expect(all).toStrictEqual([
      {
        property: "visitParams[0].apiId",
        reason: "visitParams[0].apiId is required and must be an id string; got number 3.",
      },
      {
        property: "visitParams[0].appId",
        reason: "visitParams[0].appId must be an id string; got number 4.",
      },
      {
        property: "visitParams[1].apiId",
        reason: "visitParams[1].apiId is required and must be an id string; got undefined.",
      },
      {
        property: "visitParams",
        reason: "and 1 more problems with visitParams.",
      },
    ]);
  });

  it("accepts the longest visit parameter and refuses one character more", () => {
    const ok = ["p".repeat(255), ..."abcdefghijklmnopqrstuvwxyz".split("")].join(",");
    expect(
      checkInputs({ ...base, visitParams: [{ apiId: "apiA", visitParam: ok }] }, withRegion)
        .failures,
    ).toStrictEqual([]);
    const edge = Array.from({ length: 1024 }, (_, i) => `p${String(i).padStart(8, "0")}`).join(",");
    expect(edge.length).toBe(10_239);
    for (const [visitParam, count] of [
      [edge + "x", 0],
      [edge + "xx", 1],
    ] as const) {
      const { failures } = checkInputs(
        { ...base, visitParams: [{ apiId: "apiA", visitParam }] },
        withRegion,
      );
      expect(failures).toHaveLength(count);
    }
  });
});

describe("check: rules a mutation run found unpinned", () => {
  it("reads a null gateway as ROMA Connect's, and on APIG a null ROMA-only input as absent", () => {
    expect(checkInputs({ ...base, gateway: null }, withRegion)).toStrictEqual(
      checkInputs(base, withRegion),
    );
    const apig = checkInputs(
      { ...base, gateway: "apig", authTunnel: null, authWhitelist: null, visitParams: null },
      withRegion,
    );
    expect(apig.failures).toStrictEqual([]);
    expect(apig.inputs).toStrictEqual({
      gateway: "apig",
      instanceId: base.instanceId,
      envId: base.envId,
      appIds: ["app1", "app2"],
      apiIds: ["apiA", "apiB"],
      adoptExisting: false,
    });
  });

  it("names an API-wide entry given twice without naming an app", () => {
    const { failures } = checkInputs(
      {
        ...base,
        visitParams: [
          { apiId: "apiA", visitParam: "a" },
          { apiId: "apiA", visitParam: "b" },
        ],
      },
      withRegion,
    );
    expect(failures).toStrictEqual([
      {
        property: "visitParams[1]",
        reason:
          "visitParams[1] sets access parameters for API apiA a second time; give each API (and app) one entry.",
      },
    ]);
  });

  it("tells an API-wide entry from an app's, whatever the app is called", () => {
    const appIds = ["app1", "undefined"];
    const entries = appIds.map((appId) => ({ apiId: "apiA", appId, visitParam: appId }));
    const { failures } = checkInputs(
      { ...base, appIds, visitParams: [{ apiId: "apiA", visitParam: "all" }, ...entries] },
      withRegion,
    );
    expect(failures).toStrictEqual([]);
    // An app id the rules refuse is named for that, not as a second entry of the API-wide one.
    const empty = checkInputs(
      {
        ...base,
        visitParams: [
          { apiId: "apiA", visitParam: "all" },
          { apiId: "apiA", appId: "", visitParam: "x" },
        ],
      },
      withRegion,
    );
    expect(empty.failures).toStrictEqual([
      {
        property: "visitParams[1].appId",
        reason: 'visitParams[1].appId must be an id string; got "".',
      },
    ]);
  });

  it("names an apiId that is not an id only as such, never as a repeat", () => {
    const { failures } = checkInputs(
      {
        ...base,
        visitParams: [
          { apiId: 7, visitParam: "a" },
          { apiId: 7, visitParam: "b" },
        ],
      },
      withRegion,
    );
    expect(failures).toStrictEqual([
      {
        property: "visitParams[0].apiId",
        reason: "visitParams[0].apiId is required and must be an id string; got number 7.",
      },
      {
        property: "visitParams[1].apiId",
        reason: "visitParams[1].apiId is required and must be an id string; got number 7.",
      },
    ]);
  });

  it("lets an unknown apiId through beside a known apiIds list", () => {
    const { failures } = checkInputs(
      { ...base, visitParams: [{ apiId: UNKNOWN, appId: "app1", visitParam: UNKNOWN }] },
      withRegion,
    );
    expect(failures).toStrictEqual([]);
  });

  it("groups failures of a field name holding a line break under its property", () => {
    const apiIds = ["p0", "p1", "p2", "p3"];
    const params = apiIds.map((apiId, i) => ({ apiId, visitParam: "a", [`x\n${i}`]: 1 }));
    expect(
      checkInputs({ ...base, apiIds, visitParams: params }, withRegion).failures,
    ).toStrictEqual([
      ...[0, 1, 2].map((i) => ({
        property: `visitParams[${i}].x\n${i}`,
        reason: `visitParams[${i}].x\n${i} is not a field of a visit parameter (apiId, appId, visitParam).`,
      })),
      { property: "visitParams", reason: "and 1 more problems with visitParams." },
    ]);
  });
});
