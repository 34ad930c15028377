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
