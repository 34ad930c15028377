import { decideDiff } from "../../provider/diff";
import type { AuthorizationOutputs, AuthorizationRecord } from "../../provider/types";
import { UNKNOWN } from "../../provider/validate";
import { outputsFixture } from "../support";

const record = (
  appId: string,
  apiId: string,
  extra: Partial<AuthorizationRecord> = {},
): AuthorizationRecord => ({
  id: `${appId}-${apiId}`,
  appId,
  apiId,
  authTime: "2026-01-01T00:00:00Z",
  authRole: "PROVIDER",
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParam: "",
  ...extra,
});

const olds: AuthorizationOutputs = outputsFixture({
  appIds: ["a1"],
  apiIds: ["p1", "p2"],
  authorizations: [record("a1", "p1"), record("a1", "p2")],
});
const news = {
  instanceId: "inst",
  envId: "ENV",
  appIds: ["a1"],
  apiIds: ["p1", "p2"],
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
  adoptExisting: false,
  __provider: "a different serialization",
};
const settings = { region: "cn-north-4" };

describe("diff", () => {
  it("sees no change when only __provider and output-only fields differ", () => {
    expect(decideDiff({ ...olds, __provider: "old" }, news, settings)).toStrictEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("ignores order and duplicates in the id lists", () => {
    expect(decideDiff(olds, { ...news, apiIds: ["p2", "p1", "p2"] }, settings).changes).toBe(false);
  });

  it.each([
    ["envId", { envId: "OTHER" }],
    ["instanceId", { instanceId: "inst2" }],
    ["region", { region: "cn-east-3" }],
    ["projectId", { projectId: "proj2" }],
  ])("replaces when %s changes, creating before deleting", (key, change) => {
    const d = decideDiff(olds, { ...news, ...change }, settings);
    expect(d).toMatchObject({ changes: true, replaces: [key], deleteBeforeReplace: false });
  });

  it("replaces when the provider settings now name another region or project", () => {
    expect(decideDiff(olds, news, { region: "cn-east-3" }).replaces).toEqual(["region"]);
    expect(decideDiff(olds, news, { ...settings, projectId: "proj2" }).replaces).toEqual([
      "projectId",
    ]);
    // A project still to be looked up follows its region: same region, same project.
    expect(decideDiff(olds, news, settings).replaces).toEqual([]);
  });

  it.each([
    ["apiIds", { apiIds: ["p1", "p2", "p3"] }],
    ["appIds", { appIds: ["a1", "a2"] }],
    ["authTunnel", { authTunnel: "GREEN" }],
    ["authWhitelist", { authTunnel: "NORMAL", authWhitelist: ["1.1.1.1"] }],
    ["authBlacklist", { authBlacklist: ["1.1.1.1"] }],
    ["visitParams", { visitParams: [{ apiId: "p1", visitParam: "x" }] }],
    ["adoptExisting", { adoptExisting: true }],
  ])("updates in place when %s changes", (key, change) => {
    // The records still match the old inputs: only the changed input can make the change.
    const d = decideDiff(olds, { ...news, ...change }, settings);
    expect([key, d]).toStrictEqual([
      key,
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ]);
  });

  it("treats unknown values conservatively", () => {
    expect(decideDiff(olds, { ...news, envId: UNKNOWN }, settings).replaces).toEqual(["envId"]);
    expect(decideDiff(olds, { ...news, apiIds: ["p1", UNKNOWN] }, settings)).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(decideDiff(olds, { ...news, region: UNKNOWN }, settings).replaces).toEqual(["region"]);
  });

  it("sees drift: a pair removed outside Pulumi, a record with other options, a lost answer", () => {
    expect(
      decideDiff({ ...olds, authorizations: [record("a1", "p1")] }, news, settings).changes,
    ).toBe(true);
    const drifted = [record("a1", "p1"), record("a1", "p2", { authTunnel: "GREEN" })];
    expect(decideDiff({ ...olds, authorizations: drifted }, news, settings).changes).toBe(true);
    const windows = [{ from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:00:02Z" }];
    const unconfirmed = [{ appId: "a1", apiId: "p2", windows }];
    expect(decideDiff({ ...olds, unconfirmed }, news, settings).changes).toBe(true);
  });
});

describe("diff: what counts as the same value", () => {
  const same = (o: Partial<AuthorizationOutputs>, n: Record<string, unknown>) =>
    decideDiff(o, n, settings);
  const none = { changes: false, replaces: [], deleteBeforeReplace: false };
  const update = { changes: true, replaces: [], deleteBeforeReplace: false };

  it("reads an absent or null field as empty, and never as a value", () => {
    const { authWhitelist: _w, authBlacklist: _b, visitParams: _v, ...older } = olds;
    expect(same(older, news)).toStrictEqual(none);
    expect(same({ ...olds, authBlacklist: null as never }, news)).toStrictEqual(none);
    expect(same(older, { ...news, authBlacklist: ["1.1.1.1"] })).toStrictEqual(update);
    expect(same(older, { ...news, visitParams: [{ apiId: "p1", visitParam: "x" }] })).toStrictEqual(
      update,
    );
    // An empty string against a value is a change.
    expect(same(olds, { ...news, envId: "" }).replaces).toStrictEqual(["envId"]);
  });

  it("reads a region or gateway a state holds as null as unset, as if absent", () => {
    // Neither has a default for readOutputs to fill, so the null reaches the comparison.
    const nullRegion = { ...olds, region: null };
    expect(decideDiff(nullRegion, news, {})).toStrictEqual(none);
    expect(decideDiff(nullRegion, news, settings).replaces).toStrictEqual(["region"]);
    expect(decideDiff({ ...olds, gateway: null }, news, settings)).toStrictEqual(none);
  });

  it("compares lists as sets, in any order, with duplicates", () => {
    const shuffled = { ...olds, apiIds: ["p2", "p1", "p2"] };
    expect(same(shuffled, news)).toStrictEqual(none);
    expect(same(olds, { ...news, apiIds: ["p1"] })).toStrictEqual(update);
    expect(same(olds, { ...news, apiIds: ["p1", "p3"] })).toStrictEqual(update);
  });

  it("compares visit parameter objects by key, not key order, and sees a changed value", () => {
    const visitParams = [{ apiId: "p1", appId: "a1", visitParam: "x" }];
    const vp = (records: AuthorizationRecord[]) => ({
      ...olds,
      visitParams,
      authorizations: records,
    });
    const carried = [record("a1", "p1", { visitParam: "x" }), record("a1", "p2")];
    expect(
      same(vp(carried), { ...news, visitParams: [{ visitParam: "x", appId: "a1", apiId: "p1" }] }),
    ).toStrictEqual(none);
    expect(
      same(vp(carried), {
        ...news,
        visitParams: [{ apiId: "p1", appId: "a1", visitParam: "x", extra: undefined }],
      }),
    ).toStrictEqual(none);
    for (const changed of [
      { apiId: "p1", appId: "a1", visitParam: "y" },
      { apiId: "p1", visitParam: "x" },
      { apiId: "p2", appId: "a1", visitParam: "x" },
    ]) {
      expect(same(vp(carried), { ...news, visitParams: [changed] }).changes).toBe(true);
    }
  });

  it("sees drift that only needs an unbind: a second record of a kept pair", () => {
    const doubled = [record("a1", "p1"), record("a1", "p2"), { ...record("a1", "p2"), id: "dup" }];
    expect(same({ ...olds, authorizations: doubled }, news)).toStrictEqual(update);
    const stray = [...olds.authorizations, record("a2", "p1")];
    expect(same({ ...olds, authorizations: stray }, news)).toStrictEqual(update);
  });

  it("plans no drift from a state without records or unconfirmed pairs when none are wanted", () => {
    const { authorizations: _a, unconfirmed: _u, ...bare } = olds;
    // Wanted pairs with no record are drift: the update binds them.
    expect(same(bare, news)).toStrictEqual(update);
    expect(same({ ...olds, unconfirmed: [] }, news)).toStrictEqual(none);
  });

  it("compares a region and project left to the settings as the settings give them now", () => {
    const { region: _r, projectId: _p, ...unset } = olds;
    expect(same(unset, news)).toStrictEqual({
      changes: true,
      replaces: ["region"],
      deleteBeforeReplace: false,
    });
    expect(decideDiff(unset, news, {})).toStrictEqual(none);
    expect(decideDiff(olds, { ...news, projectId: "proj" }, { projectId: "other" })).toStrictEqual({
      changes: true,
      replaces: ["region"],
      deleteBeforeReplace: false,
    });
    expect(decideDiff(olds, news, { region: "cn-north-4", projectId: "proj" })).toStrictEqual(none);
    expect(decideDiff(olds, news, { region: "cn-north-4", projectId: "other" })).toStrictEqual({
      changes: true,
      replaces: ["projectId"],
      deleteBeforeReplace: false,
    });
  });
});

describe("diff: inputs compared apart from drift", () => {
  // An entry for an app outside appIds changes no record, so only the comparison of the inputs
  // can see it.
  const outside = (
    visitParam: string,
    order: "apiId first" | "visitParam first" = "apiId first",
  ) =>
    order === "apiId first"
      ? [{ apiId: "p1", appId: "a9", visitParam }]
      : [{ visitParam, appId: "a9", apiId: "p1" }];

  it("sees a changed value inside a visit parameter object, and not a changed key order", () => {
    const before = { ...olds, visitParams: outside("x") };
    expect(
      decideDiff(before, { ...news, visitParams: outside("x", "visitParam first") }, settings),
    ).toStrictEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(decideDiff(before, { ...news, visitParams: outside("y") }, settings)).toStrictEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("reads a state without unconfirmed pairs as having none", () => {
    const { unconfirmed: _u, ...older } = olds;
    expect(decideDiff(older, news, settings)).toStrictEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});
