import fc from "fast-check";
import { batchPairs, pairKey, planUpdate, productPairs, visitParamFor } from "../../provider/plan";
import type { AuthorizationInputs, AuthorizationRecord } from "../../provider/types";

const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, "0")}`);

describe("batchPairs", () => {
  it.each([
    [1, 200, 100, 2],
    [20, 50, 100, 10],
    [20, 30, 100, 6],
    [3, 70, 100, 3],
    [1, 1, 100, 1],
    [7, 13, 1000, 1],
  ])(
    "%i apps x %i APIs in requests of at most %i pairs takes %i requests",
    (apps, apis, max, requests) => {
      const batches = batchPairs(productPairs(ids("app", apps), ids("api", apis)), max);
      expect(batches).toHaveLength(requests);
      expect(Math.ceil((apps * apis) / max)).toBe(requests);
    },
  );

  it("covers every pair exactly once, within the bound, whatever the pairs", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 29 })), {
          selector: ([a, p]) => `${a}/${p}`,
          maxLength: 150,
        }),
        fc.integer({ min: 1, max: 40 }),
        (raw, max) => {
          const pairs = raw.map(([a, p]) => ({ appId: `app${a}`, apiId: `api${p}` }));
          const batches = batchPairs(pairs, max);
          const covered = batches.flatMap((b) => productPairs(b.appIds, b.apiIds)).map(pairKey);
          expect(covered.sort()).toEqual(pairs.map(pairKey).sort());
          for (const b of batches)
            expect(b.appIds.length * b.apiIds.length).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});

const inputs = (change: Partial<AuthorizationInputs> = {}): AuthorizationInputs => ({
  instanceId: "i",
  envId: "E",
  appIds: ["a1"],
  apiIds: ["p1", "p2", "p3"],
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
  adoptExisting: false,
  ...change,
});
const rec = (
  appId: string,
  apiId: string,
  extra: Partial<AuthorizationRecord> = {},
): AuthorizationRecord => ({
  id: `r-${appId}-${apiId}`,
  appId,
  apiId,
  authTime: "",
  authRole: "PROVIDER",
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParam: "",
  ...extra,
});

describe("planUpdate", () => {
  it("binds what is missing, unbinds what is no longer wanted, keeps the rest", () => {
    const plan = planUpdate([rec("a1", "p1"), rec("a1", "p9")], inputs());
    expect(plan.keep.map(pairKey)).toEqual(["a1/p1"]);
    expect(plan.bind.map(pairKey)).toEqual(["a1/p2", "a1/p3"]);
    expect(plan.unbind.map(pairKey)).toEqual(["a1/p9"]);
    expect(plan.rebind).toEqual([]);
  });

  it("rebinds only the records whose options differ", () => {
    const wanted = inputs({ visitParams: [{ apiId: "p2", visitParam: "tenant" }] });
    const plan = planUpdate([rec("a1", "p1"), rec("a1", "p2"), rec("a1", "p3")], wanted);
    expect(plan.rebind.map(pairKey)).toEqual(["a1/p2"]);
    expect(plan.keep.map(pairKey)).toEqual(["a1/p1", "a1/p3"]);
    const green = planUpdate(
      [rec("a1", "p1")],
      inputs({ apiIds: ["p1"], authTunnel: "GREEN", authWhitelist: ["1.1.1.1"] }),
    );
    expect(green.rebind.map(pairKey)).toEqual(["a1/p1"]);
  });

  it("compares access parameters as sets and unbinds duplicate records of one pair", () => {
    const wanted = inputs({ apiIds: ["p1"], visitParams: [{ apiId: "p1", visitParam: "a,b" }] });
    const plan = planUpdate(
      [rec("a1", "p1", { visitParam: "b,a" }), rec("a1", "p1", { id: "r-dup", visitParam: "a,b" })],
      wanted,
    );
    expect(plan.keep).toHaveLength(1);
    expect(plan.unbind.map((r) => r.id)).toEqual(["r-dup"]);
  });
});

describe("visitParamFor", () => {
  const params = [
    { apiId: "p1", visitParam: "tenant" },
    { apiId: "p1", appId: "a2", visitParam: "tenant,region" },
  ];
  it("prefers the app's own entry over the API-wide one", () => {
    expect(visitParamFor({ appId: "a1", apiId: "p1" }, params)).toBe("tenant");
    expect(visitParamFor({ appId: "a2", apiId: "p1" }, params)).toBe("tenant,region");
    expect(visitParamFor({ appId: "a2", apiId: "p2" }, params)).toBe("");
  });
});

describe("planUpdate: a changed option of the same size rebinds", () => {
  const one = (change: Partial<AuthorizationInputs>) => inputs({ apiIds: ["p1"], ...change });
  const verdict = (record: AuthorizationRecord, wanted: AuthorizationInputs) => {
    const plan = planUpdate([record], wanted);
    return {
      keep: plan.keep.map(pairKey),
      rebind: plan.rebind.map(pairKey),
      bind: plan.bind.map(pairKey),
      unbind: plan.unbind.map(pairKey),
    };
  };
  const kept = { keep: ["a1/p1"], rebind: [], bind: [], unbind: [] };
  const rebound = { keep: [], rebind: ["a1/p1"], bind: [], unbind: [] };

  it.each([
    ["authWhitelist", { authWhitelist: ["1.1.1.1"] }, { authWhitelist: ["2.2.2.2"] }],
    ["authBlacklist", { authBlacklist: ["1.1.1.1"] }, { authBlacklist: ["2.2.2.2"] }],
    [
      "authBlacklist",
      { authBlacklist: ["1.1.1.1", "1.1.1.1"] },
      { authBlacklist: ["1.1.1.1", "2.2.2.2"] },
    ],
    ["authTunnel", { authTunnel: "GREEN" as const }, { authTunnel: "NORMAL" as const }],
  ])("%s", (_name, has, wants) => {
    const record = rec("a1", "p1", { authTunnel: "GREEN", ...has });
    expect(verdict(record, one({ authTunnel: "GREEN", ...has }))).toStrictEqual(kept);
    expect(verdict(record, one({ authTunnel: "GREEN", ...wants }))).toStrictEqual(rebound);
  });

  it.each([
    ["a", "b"],
    ["ab", "ba"],
    ["a,b", "a,c"],
    ["a,a", "a,b"],
  ])("visitParam %p -> %p", (has, wants) => {
    const record = rec("a1", "p1", { visitParam: has });
    const params = (visitParam: string) => one({ visitParams: [{ apiId: "p1", visitParam }] });
    expect(verdict(record, params(has))).toStrictEqual(kept);
    expect(verdict(record, params(wants))).toStrictEqual(rebound);
  });

  it("reads the API's parameters with spaces and empty parts as the same set", () => {
    const record = rec("a1", "p1", { visitParam: " b, a,," });
    const wanted = one({ visitParams: [{ apiId: "p1", visitParam: "a,b" }] });
    expect(verdict(record, wanted)).toStrictEqual(kept);
    expect(verdict(rec("a1", "p1", { visitParam: "," }), one({}))).toStrictEqual(kept);
  });

  it("gives an app without an entry of its own the API-wide one, never another app's", () => {
    const otherApp = [{ apiId: "p1", appId: "a2", visitParam: "x" }];
    expect(visitParamFor({ appId: "a1", apiId: "p1" }, otherApp)).toBe("");
    expect(visitParamFor({ appId: "a1", apiId: "p2" }, [{ apiId: "p1", visitParam: "x" }])).toBe(
      "",
    );
    expect(
      visitParamFor({ appId: "a1", apiId: "p1" }, [
        { apiId: "p2", appId: "a1", visitParam: "other API" },
        { apiId: "p1", visitParam: "api-wide" },
      ]),
    ).toBe("api-wide");
    expect(verdict(rec("a1", "p1"), one({ visitParams: otherApp }))).toStrictEqual(kept);
    expect(
      verdict(rec("a1", "p1", { visitParam: "x" }), one({ visitParams: otherApp })),
    ).toStrictEqual(rebound);
  });

  it("keeps the first record of a pair by id, whatever order the records come in", () => {
    const records = [rec("a1", "p1", { id: "r2" }), rec("a1", "p1", { id: "r1" })];
    const plan = planUpdate(records, one({}));
    expect(plan.keep.map((r) => r.id)).toStrictEqual(["r1"]);
    expect(plan.unbind.map((r) => r.id)).toStrictEqual(["r2"]);
  });
});

describe("planUpdate and productPairs: order", () => {
  it("lists pairs by app then API, and records by app, API and id", () => {
    expect(productPairs(["b", "a"], ["y", "x"])).toStrictEqual([
      { appId: "a", apiId: "x" },
      { appId: "a", apiId: "y" },
      { appId: "b", apiId: "x" },
      { appId: "b", apiId: "y" },
    ]);
    const records = [rec("b", "x"), rec("a", "y"), rec("a", "x")];
    const plan = planUpdate(records, inputs({ appIds: ["c"], apiIds: ["z"] }));
    expect(plan.unbind.map(pairKey)).toStrictEqual(["a/x", "a/y", "b/x"]);
    expect(plan.bind).toStrictEqual([{ appId: "c", apiId: "z" }]);
  });
});

describe("batchPairs: the blocks", () => {
  it("groups apps that want the same APIs, and cuts a product into the fewest blocks", () => {
    const pairs = [...productPairs(["a2", "a1"], ["p1", "p2"]), { appId: "a3", apiId: "p1" }];
    expect(batchPairs(pairs, 100)).toStrictEqual([
      { appIds: ["a1", "a2"], apiIds: ["p1", "p2"] },
      { appIds: ["a3"], apiIds: ["p1"] },
    ]);
    expect(batchPairs(productPairs(["a1", "a2", "a3"], ["p1", "p2"]), 4)).toStrictEqual([
      { appIds: ["a1", "a2"], apiIds: ["p1", "p2"] },
      { appIds: ["a3"], apiIds: ["p1", "p2"] },
    ]);
    expect(batchPairs(productPairs(["a1"], ["p1", "p2", "p3"]), 2)).toStrictEqual([
      { appIds: ["a1"], apiIds: ["p1", "p2"] },
      { appIds: ["a1"], apiIds: ["p3"] },
    ]);
    expect(batchPairs([], 5)).toStrictEqual([]);
  });
});

describe("batchPairs: grouping", () => {
  it("groups apps that want the same set of APIs, in whatever order the pairs come", () => {
    const pairs = [
      { appId: "a2", apiId: "p1" },
      { appId: "a1", apiId: "p2" },
      { appId: "a2", apiId: "p2" },
      { appId: "a1", apiId: "p1" },
    ];
    expect(batchPairs(pairs, 100)).toStrictEqual([{ appIds: ["a1", "a2"], apiIds: ["p1", "p2"] }]);
  });

  it("never groups apps whose API lists only read alike when joined", () => {
    const pairs = [
      { appId: "a1", apiId: "p1" },
      { appId: "a1", apiId: "p2" },
      { appId: "a2", apiId: "p1p2" },
    ];
    expect(batchPairs(pairs, 100)).toStrictEqual([
      { appIds: ["a1"], apiIds: ["p1", "p2"] },
      { appIds: ["a2"], apiIds: ["p1p2"] },
    ]);
  });

  it("cuts a product one API at a time when that takes fewest requests", () => {
    expect(batchPairs(productPairs(["a1", "a2", "a3"], ["p1", "p2"]), 3)).toStrictEqual([
      { appIds: ["a1", "a2", "a3"], apiIds: ["p1"] },
      { appIds: ["a1", "a2", "a3"], apiIds: ["p2"] },
    ]);
  });
});

describe("sortRecords through planUpdate", () => {
  it("orders by app, then API, then id, whatever the ids say", () => {
    const records = [
      rec("a", "y", { id: "1" }),
      rec("b", "x", { id: "0" }),
      rec("a", "x", { id: "2" }),
      rec("a", "x", { id: "3" }),
    ];
    const plan = planUpdate(records, inputs({ appIds: ["c"], apiIds: ["z"] }));
    expect(plan.unbind.map((r) => `${pairKey(r)}#${r.id}`)).toStrictEqual([
      "a/x#2",
      "a/x#3",
      "a/y#1",
      "b/x#0",
    ]);
    const reversed = planUpdate([...records].reverse(), inputs({ appIds: ["c"], apiIds: ["z"] }));
    expect(reversed.unbind).toStrictEqual(plan.unbind);
  });
});
