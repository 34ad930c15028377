import { checkInputs, containsUnknown, LIMITS, UNKNOWN } from "../../provider/validate";

const base = {
  instanceId: "eddc4d25480b4cd6b512f270a1b8b341",
  envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
  appIds: ["app1"],
  apiIds: ["apiA"],
};
const withRegion = { settingsRegion: "cn-north-4" };
const failures = (change: Record<string, unknown>) =>
  checkInputs({ ...base, ...change }, withRegion).failures;
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("check: names that look like credentials", () => {
  it.each(["ak", "SK", "token", "accessKey", "secretKey", "password", "authSecret"])(
    "%s is refused as a credential",
    (key) => {
      expect(failures({ [key]: "x" })).toStrictEqual([
        {
          property: key,
          reason: expect.stringMatching(
            /^\S+ is not an input: credentials must never be resource inputs/,
          ),
        },
      ]);
    },
  );

  it.each(["task", "skip", "oak", "akin"])("%s is refused as an unknown input only", (key) => {
    expect(failures({ [key]: "x" })).toStrictEqual([
      {
        property: key,
        reason: `${key} is not an input of AppAuthorization; the inputs are instanceId, envId, appIds, apiIds, authTunnel, authWhitelist, authBlacklist, visitParams, adoptExisting, region, projectId.`,
      },
    ]);
  });

  it("names an input name of any length in a bounded way", () => {
    const long = "x".repeat(81);
    expect(failures({ [long]: 1 })).toStrictEqual([
      {
        property: "an input name of 81 characters",
        reason: expect.stringMatching(/^an input name of 81 characters is not an input/),
      },
    ]);
    expect(failures({ ["y".repeat(80)]: 1 })[0].property).toBe("y".repeat(80));
  });
});

describe("check: envId", () => {
  it("points at the id when given the RELEASE environment's name, in any case", () => {
    for (const envId of ["RELEASE", "release", "Release"]) {
      expect(failures({ envId })).toStrictEqual([
        {
          property: "envId",
          reason: `envId is "${envId}", the name of the environment every instance has; envId takes its id, "DEFAULT_ENVIRONMENT_RELEASE_ID" (other environments' ids are 32 hexadecimal characters).`,
        },
      ]);
    }
    for (const envId of ["releases", "prerelease", "e".repeat(64), "a-_1"]) {
      expect([envId, failures({ envId })]).toStrictEqual([envId, []]);
    }
    expect(failures({ envId: "e".repeat(65) })).toHaveLength(1);
    expect(failures({ envId: "a b" })).toHaveLength(1);
    expect(failures({ envId: "ab!" })).toHaveLength(1);
    expect(failures({ envId: "!ab" })).toHaveLength(1);
    expect(failures({ envId: null })).toStrictEqual([
      { property: "envId", reason: "envId is required." },
    ]);
    expect(failures({ envId: true })).toStrictEqual([
      { property: "envId", reason: "envId must be a string; got boolean true." },
    ]);
  });
});

describe("check: defaults and optional inputs", () => {
  it("reads null as absent for the tunnel and adoptExisting, and refuses other types", () => {
    const { inputs } = checkInputs({ ...base, authTunnel: null, adoptExisting: null }, withRegion);
    expect([inputs.authTunnel, inputs.adoptExisting]).toStrictEqual(["NORMAL", false]);
    expect(failures({ authTunnel: "GREEN" })).toStrictEqual([]);
    expect(failures({ adoptExisting: 1 })).toStrictEqual([
      { property: "adoptExisting", reason: "adoptExisting must be true or false; got number 1." },
    ]);
  });

  it("accepts empty address lists on the normal channel, and null lists as absent", () => {
    const plain = checkInputs(base, withRegion);
    expect(
      checkInputs({ ...base, authWhitelist: [], authBlacklist: [] }, withRegion),
    ).toStrictEqual(plain);
    expect(
      checkInputs(
        { ...base, authWhitelist: null, authBlacklist: null, visitParams: null },
        withRegion,
      ),
    ).toStrictEqual(plain);
  });

  it("takes the settings' region, and checks a project only when given", () => {
    expect(checkInputs(base, withRegion)).toStrictEqual({
      inputs: {
        ...base,
        authTunnel: "NORMAL",
        authWhitelist: [],
        authBlacklist: [],
        visitParams: [],
        adoptExisting: false,
      },
      failures: [],
    });
    expect(failures({ projectId: "p/1" })).toStrictEqual([
      {
        property: "projectId",
        reason: "projectId must be 1 to 64 letters, digits, '-' or '_'; got \"p/1\".",
      },
    ]);
    expect(failures({ region: 5 })).toStrictEqual([
      { property: "region", reason: "region must be a string; got number 5." },
    ]);
  });

  it("keeps lists of other types than strings as given, unsorted", () => {
    const { inputs } = checkInputs({ ...base, appIds: [3, 1, 3] }, withRegion);
    expect(inputs.appIds).toStrictEqual([3, 1]);
    // One string among them does not make the list sortable as strings.
    const mixed = checkInputs({ ...base, appIds: ["b", 1, "a"] }, withRegion).inputs;
    expect(mixed.appIds).toStrictEqual(["b", 1, "a"]);
  });

  it("keeps one unknown at the end of a list however many there are", () => {
    const { inputs } = checkInputs({ ...base, appIds: [UNKNOWN, "b", UNKNOWN, "a"] }, withRegion);
    expect(inputs.appIds).toStrictEqual(["a", "b", UNKNOWN]);
  });
});

describe("check: bounds, exactly", () => {
  it("accepts each bound and refuses one more", () => {
    expect(failures({ appIds: ids("a", LIMITS.ids), apiIds: ["p"] })).toStrictEqual([]);
    expect(failures({ appIds: ids("a", LIMITS.ids + 1), apiIds: ["p"] })).toStrictEqual([
      {
        property: "appIds",
        reason: "appIds has 10,001 entries; at most 10,000 are accepted per resource.",
      },
      {
        property: "apiIds",
        reason: expect.stringMatching(/^appIds x apiIds is 10,001 x 1 = 10,001 pairs/),
      },
    ]);
    const green = { authTunnel: "GREEN" };
    const addresses = (n: number) =>
      ids("", n).map((i) => `10.0.${Math.floor(+i / 250)}.${+i % 250}`);
    expect(failures({ ...green, authWhitelist: addresses(LIMITS.addresses) })).toStrictEqual([]);
    expect(failures({ ...green, authWhitelist: addresses(LIMITS.addresses + 1) })).toStrictEqual([
      {
        property: "authWhitelist",
        reason: "authWhitelist has 1,001 entries; at most 1,000 are accepted per resource.",
      },
    ]);
    const apis = ids("p", LIMITS.visitParams + 1);
    const entries = apis.map((apiId) => ({ apiId, visitParam: "v" }));
    expect(
      failures({ apiIds: apis.slice(0, -1), visitParams: entries.slice(0, -1) }),
    ).toStrictEqual([]);
    expect(failures({ apiIds: ["p0"], visitParams: entries })).toStrictEqual([
      {
        property: "visitParams",
        reason: "visitParams has 10,001 entries; at most 10,000 are accepted per resource.",
      },
    ]);
  });

  it("counts no pairs while either id list is unknown in a preview", () => {
    // The sentinel is a string of 36 characters, not a list of 36 ids: 300 x 36 would be too many.
    expect(failures({ appIds: ids("a", 300), apiIds: UNKNOWN })).toStrictEqual([]);
    expect(failures({ appIds: UNKNOWN, apiIds: ids("p", 300) })).toStrictEqual([]);
  });

  it("checks visit parameters against an id list of the largest size", () => {
    expect(
      failures({
        apiIds: ids("p", LIMITS.ids),
        appIds: ["a"],
        visitParams: [{ apiId: "elsewhere", visitParam: "v" }],
      }),
    ).toStrictEqual([
      {
        property: "visitParams[0].apiId",
        reason:
          "visitParams[0].apiId is elsewhere, which is not in apiIds; access parameters only apply to authorized pairs.",
      },
    ]);
  });

  it("does not check visit parameters against an id list that is itself too long", () => {
    expect(
      failures({
        apiIds: ids("p", LIMITS.ids + 1),
        appIds: ["a"],
        visitParams: [{ apiId: "elsewhere", visitParam: "v" }],
      }).map((f) => f.property),
    ).toStrictEqual(["apiIds", "apiIds"]);
  });

  it("refuses lists of other shapes by name", () => {
    expect(failures({ authTunnel: "GREEN", authBlacklist: "1.2.3.4" })).toStrictEqual([
      {
        property: "authBlacklist",
        reason: 'authBlacklist must be a list of IP addresses or ranges; got "1.2.3.4".',
      },
    ]);
    expect(failures({ appIds: 5 })).toStrictEqual([
      { property: "appIds", reason: "appIds must be a list of app ids; got number 5." },
    ]);
    expect(failures({ appIds: null })).toStrictEqual([
      { property: "appIds", reason: "appIds is required: a list of at least one app id." },
    ]);
  });

  it("groups failures by the property before any '.' or '['", () => {
    const bad = ids("bad id ", 4);
    expect(failures({ apiIds: bad }).map((f) => f.property)).toStrictEqual([
      "apiIds[0]",
      "apiIds[1]",
      "apiIds[2]",
      "apiIds",
    ]);
    const params = [0, 1, 2, 3].map((i) => ({ apiId: "apiA", appId: `x${i}`, visitParam: "-" }));
    expect(failures({ visitParams: params }).map((f) => f.property)).toStrictEqual([
      "visitParams[0].appId",
      "visitParams[0].visitParam",
      "visitParams[1].appId",
      "visitParams",
    ]);
  });
});

describe("check: visit parameter text", () => {
  it.each([
    ["a", true],
    ["a_b-c9", true],
    ["-a", true],
    ["a_", false],
    ["a b", false],
    ["a,", false],
    ["é", false],
  ])("%p passes: %p", (visitParam, ok) => {
    expect(failures({ visitParams: [{ apiId: "apiA", visitParam }] })).toHaveLength(ok ? 0 : 1);
  });

  it("names a long id that is not in the list without writing it out", () => {
    const long = "p".repeat(81);
    expect(failures({ visitParams: [{ apiId: long, visitParam: "v" }] })).toStrictEqual([
      {
        property: "visitParams[0].apiId",
        reason:
          "visitParams[0].apiId is a string of 81 characters, which is not in apiIds; access parameters only apply to authorized pairs.",
      },
    ]);
    expect(
      failures({ visitParams: [{ apiId: "apiA", visitParam: "v", ["k".repeat(81)]: 1 }] }),
    ).toStrictEqual([
      {
        property: "visitParams[0].<a name of 81 characters>",
        reason:
          "visitParams[0].<a name of 81 characters> is not a field of a visit parameter (apiId, appId, visitParam).",
      },
    ]);
  });

  it("writes out an id, a field name and a value of 80 characters in full", () => {
    const id = "p".repeat(80);
    expect(failures({ visitParams: [{ apiId: id, visitParam: "v" }] })).toStrictEqual([
      {
        property: "visitParams[0].apiId",
        reason: `visitParams[0].apiId is ${id}, which is not in apiIds; access parameters only apply to authorized pairs.`,
      },
    ]);
    const key = "k".repeat(80);
    expect(
      failures({ visitParams: [{ apiId: "apiA", visitParam: "v", [key]: 1 }] }).map(
        (f) => f.property,
      ),
    ).toStrictEqual([`visitParams[0].${key}`]);
    expect(failures({ envId: "e".repeat(80) })).toStrictEqual([
      {
        property: "envId",
        reason: `envId must be 1 to 64 characters, each a letter, digit, '-' or '_' (the API's env_id rule); got "${"e".repeat(80)}".`,
      },
    ]);
  });
});

describe("containsUnknown", () => {
  it("finds the sentinel at any depth, and nothing else", () => {
    expect(containsUnknown({ a: [{ b: UNKNOWN }] })).toBe(true);
    expect(containsUnknown([1, "x", null, { a: [UNKNOWN.slice(1)] }])).toBe(false);
    expect(containsUnknown(UNKNOWN)).toBe(true);
    expect(containsUnknown(null)).toBe(false);
  });
});
