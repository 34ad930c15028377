import { decideDiff } from "../../provider/diff";
import type { AuthorizationOutputs, AuthorizationRecord } from "../../provider/types";
import { UNKNOWN } from "../../provider/validate";

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

const olds: AuthorizationOutputs = {
  instanceId: "inst",
  envId: "ENV",
  appIds: ["a1"],
  apiIds: ["p1", "p2"],
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
  adoptExisting: false,
  region: "cn-north-4",
  projectId: "proj",
  authorizations: [record("a1", "p1"), record("a1", "p2")],
  unconfirmed: [],
};
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
    expect(decideDiff({ ...olds, __provider: "old" } as never, news, settings)).toEqual({
      changes: false,
      replaces: [],
      diffs: [],
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
    ["visitParams", { visitParams: [{ apiId: "p1", visitParam: "x" }] }],
    ["adoptExisting", { adoptExisting: true }],
  ])("updates in place when %s changes", (key, change) => {
    const d = decideDiff(olds, { ...news, ...change }, settings);
    expect(d.changes).toBe(true);
    expect(d.replaces).toEqual([]);
    expect(d.diffs).toContain(key);
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
