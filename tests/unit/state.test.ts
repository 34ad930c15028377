import fc from "fast-check";
import { productPairs } from "../../provider/plan";
import {
  compactRecords,
  expandAuthorizations,
  readOutputs,
  storeOutputs,
} from "../../provider/state";
import type { AuthorizationOutputs, AuthorizationRecord, VisitParam } from "../../provider/types";
import { outputsFixture } from "../support";

// Ids as the service makes them: 32 lower-case hex characters.
const hex = (prefix: string, i: number) =>
  `${prefix}${i.toString(16).padStart(32 - prefix.length, "0")}`;

function outputsFor(apps: number, apis: number): AuthorizationOutputs {
  const appIds = Array.from({ length: apps }, (_, i) => hex("a", i));
  const apiIds = Array.from({ length: apis }, (_, i) => hex("b", i));
  const records = productPairs(appIds, apiIds).map((p, i) => ({
    id: hex("c", i),
    ...p,
    authTime: new Date(Date.UTC(2026, 11, 1, 3, 0, 0, i)).toISOString(),
    authTunnel: "NORMAL",
    authWhitelist: [],
    authBlacklist: [],
    visitParam: "",
  }));
  return outputsFixture({
    instanceId: hex("d", 0),
    envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
    appIds,
    apiIds,
    projectId: hex("e", 0),
    journalKey: "project/stack/big",
    authorizations: records,
  });
}

describe("the stored form of the records", () => {
  it("costs at most ~120 bytes a record at 10 apps x 1,000 APIs (JSON of all the outputs)", () => {
    const outs = outputsFor(10, 1000);
    const bytes = Buffer.byteLength(JSON.stringify(storeOutputs(outs)));
    expect(bytes / 10_000).toBeLessThanOrEqual(120);
    // The whole records this replaced cost well over twice that.
    expect(Buffer.byteLength(JSON.stringify(outs)) / 10_000).toBeGreaterThan(200);
  });

  it("stores only the id, the pair's indices and the time when the options are the inputs'", () => {
    const outs = outputsFor(2, 3);
    const stored = storeOutputs(outs).authorizations;
    expect(stored[4]).toStrictEqual([
      outs.authorizations[4].id,
      1,
      1,
      outs.authorizations[4].authTime,
    ]);
    // Green-channel lists the inputs give are implied too.
    const lists = { authTunnel: "GREEN", authWhitelist: ["1.1.1.1"], authBlacklist: ["2.2.2.2"] };
    const green = outputsFixture({
      ...outs,
      ...lists,
      authorizations: outs.authorizations.map((r) => ({ ...r, ...lists })),
    } as AuthorizationOutputs);
    expect(storeOutputs(green).authorizations[4]).toStrictEqual(stored[4]);
  });

  it("expands records with the defaults where the outputs give no options, and none from nothing", () => {
    expect(
      expandAuthorizations({ appIds: ["a"], apiIds: ["p"], authorizations: [["r", 0, 0, "t"]] }),
    ).toStrictEqual([
      {
        id: "r",
        appId: "a",
        apiId: "p",
        authTime: "t",
        authTunnel: "NORMAL",
        authWhitelist: [],
        authBlacklist: [],
        visitParam: "",
      },
    ]);
    expect(expandAuthorizations({ appIds: ["a"], apiIds: ["p"] })).toStrictEqual([]);
  });

  it("expands to the records it was made from, whatever their options and pairs", () => {
    const record = fc.record({
      app: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant("gone-app")),
      api: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant("gone-api")),
      authTunnel: fc.constantFrom("NORMAL", "GREEN"),
      authWhitelist: fc.constantFrom<string[]>(
        [],
        ["1.2.3.4"],
        ["5.6.7.8"],
        ["1.2.3.4", "5.6.7.8"],
      ),
      authBlacklist: fc.constantFrom<string[]>([], ["9.9.9.9"], ["8.8.8.8"]),
      visitParam: fc.constantFrom("", "x", "x,y", "y"),
    });
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 12 }),
        fc.constantFrom("NORMAL", "GREEN"),
        fc.constantFrom<string[]>([], ["1.2.3.4"]),
        fc.constantFrom<string[]>([], ["9.9.9.9"]),
        fc.constantFrom<VisitParam[]>(
          [],
          [{ apiId: "api1", visitParam: "x" }],
          [
            { apiId: "api1", visitParam: "x" },
            { apiId: "api1", appId: "app0", visitParam: "y" },
          ],
        ),
        (drawn, authTunnel, authWhitelist, authBlacklist, visitParams) => {
          const inputs = {
            appIds: ["app0", "app1", "app2", "app3"],
            apiIds: ["api0", "api1", "api2", "api3"],
            authTunnel: authTunnel,
            authWhitelist,
            authBlacklist,
            visitParams,
          };
          const records: AuthorizationRecord[] = drawn.map((r, i) => ({
            id: `r${i}`,
            appId: typeof r.app === "number" ? inputs.appIds[r.app] : r.app,
            apiId: typeof r.api === "number" ? inputs.apiIds[r.api] : r.api,
            authTime: `2026-12-01T03:00:0${i % 10}.000Z`,
            authTunnel: r.authTunnel,
            authWhitelist: r.authWhitelist,
            authBlacklist: r.authBlacklist,
            visitParam: r.visitParam,
          }));
          const authorizations = compactRecords(records, inputs);
          expect(expandAuthorizations({ ...inputs, authorizations })).toStrictEqual(records);
        },
      ),
    );
  });

  it("reads a state written with whole records (0.1.0) as it was", () => {
    const old = outputsFor(1, 2);
    const whole = old.authorizations.map((r) => ({
      ...r,
      authRole: "PROVIDER",
      appName: "app_1",
    }));
    const read = readOutputs({ ...old, authorizations: whole, __provider: "p" });
    expect(read.authorizations).toEqual(whole);
    // Written again, it takes the stored form (names and role, never inputs, are dropped).
    expect(storeOutputs(read).authorizations).toEqual([
      [whole[0].id, 0, 0, whole[0].authTime],
      [whole[1].id, 0, 1, whole[1].authTime],
    ]);
  });

  it("refuses an index its state's lists do not hold, naming the record", () => {
    expect(() =>
      expandAuthorizations({ appIds: ["a"], apiIds: ["b"], authorizations: [["r1", 0, 3, "t"]] }),
    ).toThrow(/record "r1" names app 0 and API 3, which its appIds and apiIds do not hold/);
    expect(() =>
      expandAuthorizations({ appIds: ["a"], apiIds: ["b"], authorizations: [["r2", 1, 0, "t"]] }),
    ).toThrow(/record "r2" names app 1 and API 0, which its appIds and apiIds do not hold/);
  });
});
