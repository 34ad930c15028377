import { decideDiff } from "../../provider/diff";
import {
  GATEWAYS,
  ROMA_ONLY_FIELDS,
  USER_FIELDS,
  type Gateway,
  type RomaOnlyField,
  type UserFieldName,
} from "../../provider/fields";
import type { ApigAppAuthorization, ApigAppAuthorizationArgs } from "../../provider/resource";
import { readOutputs, storeOutputs } from "../../provider/state";
import { checkInputs } from "../../provider/validate";
import { createAuthBody, recordFromInfo, recordFromRelation } from "../../provider/wire";

// What each gateway's resource class adds to the user's inputs: nothing for ROMA Connect.
const classInputs: Record<Gateway, Record<string, unknown>> = {
  roma: {},
  apig: { gateway: "apig" },
};
const base = {
  instanceId: "eddc4d25480b4cd6b512f270a1b8b341",
  envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
  appIds: ["a2", "a1"],
  apiIds: ["p1"],
};
const withRegion = { settingsRegion: "cn-north-4" };
const romaDefaults = {
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
};
// A valid value of each ROMA-only input.
const romaOnlyValues = {
  authTunnel: "GREEN",
  authWhitelist: ["10.0.0.0/8"],
  authBlacklist: ["10.0.0.9"],
  visitParams: [{ apiId: "p1", visitParam: "x" }],
};
const options = {
  authTunnel: "GREEN" as const,
  authWhitelist: ["1.1.1.1"],
  authBlacklist: ["2.2.2.2"],
  visitParams: [{ apiId: "p1", visitParam: "x" }],
};
const listed = {
  id: "r",
  app_id: "a1",
  api_id: "p1",
  auth_time: "2026-12-01T00:00:00Z",
  auth_tunnel: "GREEN",
  auth_whitelist: ["1.1.1.1"],
  auth_blacklist: ["2.2.2.2"],
  visit_param: "x",
};

describe.each(GATEWAYS)("gateway %s", (gateway) => {
  const given = { ...base, ...classInputs[gateway] };

  it("check fills in the defaults of the inputs the gateway takes, and only those", () => {
    const { inputs, failures } = checkInputs(given, withRegion);
    expect(failures).toStrictEqual([]);
    expect(inputs).toStrictEqual({
      ...classInputs[gateway],
      instanceId: base.instanceId,
      envId: base.envId,
      appIds: ["a1", "a2"],
      apiIds: ["p1"],
      ...(gateway === "roma" ? romaDefaults : {}),
      adoptExisting: false,
    });
  });

  it.each(ROMA_ONLY_FIELDS)("check takes %s on ROMA Connect only, before any API call", (name) => {
    // The green-channel lists need the green channel on ROMA Connect.
    const inputs = { ...given, authTunnel: "GREEN", [name]: romaOnlyValues[name] };
    const refused = checkInputs(inputs, withRegion).failures.filter((f) => f.property === name);
    expect(refused).toStrictEqual(
      gateway === "roma"
        ? []
        : [
            {
              property: name,
              reason: `${name} is a ROMA Connect input: APIG does not take ${name} (its app authorizations have no green channel, whitelist, blacklist or access parameters); remove it from the ApigAppAuthorization.`,
            },
          ],
    );
  });

  it("check names the inputs of the gateway's resource class when given another", () => {
    const { failures } = checkInputs({ ...given, tunnel: "GREEN" }, withRegion);
    const [resource, inputs] =
      gateway === "roma"
        ? [
            "AppAuthorization",
            "instanceId, envId, appIds, apiIds, authTunnel, authWhitelist, authBlacklist, visitParams, adoptExisting, region, projectId",
          ]
        : [
            "ApigAppAuthorization",
            "instanceId, envId, appIds, apiIds, adoptExisting, region, projectId",
          ];
    expect(failures).toStrictEqual([
      {
        property: "tunnel",
        reason: `tunnel is not an input of ${resource}; the inputs are ${inputs}.`,
      },
    ]);
  });

  it("the create body carries the ROMA-only options on ROMA Connect only", () => {
    const body = createAuthBody("E", ["a1"], ["p1"], options, gateway);
    const plain = { env_id: "E", app_ids: ["a1"], api_ids: ["p1"] };
    expect(body).toStrictEqual(
      gateway === "roma"
        ? {
            ...plain,
            auth_tunnel: "GREEN",
            auth_whitelist: ["1.1.1.1"],
            auth_blacklist: ["2.2.2.2"],
            visit_params: [{ api_id: "p1", visit_param: "x" }],
          }
        : plain,
    );
  });

  it("records read from the gateway carry the ROMA-only options only from ROMA Connect", () => {
    const romaOnly = {
      authTunnel: "GREEN",
      authWhitelist: ["1.1.1.1"],
      authBlacklist: ["2.2.2.2"],
      visitParam: "x",
    };
    const none = { authTunnel: "NORMAL", authWhitelist: [], authBlacklist: [], visitParam: "" };
    const expected = {
      id: "r",
      appId: "a1",
      apiId: "p1",
      authTime: "2026-12-01T00:00:00Z",
      authRole: "",
      ...(gateway === "roma" ? romaOnly : none),
    };
    expect(recordFromInfo(listed, gateway)).toStrictEqual(expected);
    const { visit_param, ...relation } = listed;
    expect(recordFromRelation({ ...relation, visit_params: visit_param }, gateway)).toStrictEqual(
      expected,
    );
  });

  it("the state keeps the gateway and, on APIG, no ROMA-only input; diff sees no change", () => {
    const { inputs } = checkInputs(given, withRegion);
    const outs = readOutputs({
      ...inputs,
      region: "cn-north-4",
      projectId: "p",
      authorizations: ["a1", "a2"].map((appId) =>
        recordFromInfo({ id: appId, app_id: appId, api_id: "p1" }, gateway),
      ),
      unconfirmed: [],
    });
    const stored = storeOutputs(outs);
    expect(Object.keys(stored).filter((k) => k === "gateway" || k in romaDefaults)).toStrictEqual(
      gateway === "roma" ? Object.keys(romaDefaults) : ["gateway"],
    );
    expect(decideDiff(stored, inputs, { region: "cn-north-4" })).toStrictEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});

describe("the gateway input", () => {
  const checked = (gateway?: string) =>
    checkInputs({ ...base, ...(gateway === undefined ? {} : { gateway }) }, withRegion);

  it("replaces the resource when it changes, absent reading as ROMA Connect", () => {
    const roma = checked().inputs;
    const apig = checked("apig").inputs;
    const stored = storeOutputs(readOutputs({ ...roma, region: "cn-north-4", projectId: "p" }));
    expect(decideDiff(stored, apig, { region: "cn-north-4" }).replaces).toStrictEqual(["gateway"]);
    expect(checked("roma").inputs).toStrictEqual(roma);
  });

  it("takes only the gateways there are", () => {
    expect(checked("kong").failures).toStrictEqual([
      { property: "gateway", reason: 'gateway must be "roma" or "apig"; got "kong".' },
    ]);
  });
});

// APIG's resource declares as outputs the inputs APIG takes (a field missing there fails to compile)
// and none of ROMA Connect's own.
type ApigDeclared = Pick<ApigAppAuthorization, Exclude<UserFieldName, RomaOnlyField>>;
type RomaOnlyDeclared = Extract<keyof ApigAppAuthorization, RomaOnlyField>;

describe("ApigAppAuthorization's types", () => {
  it("take the inputs APIG takes and refuse ROMA-only ones at compile time", () => {
    const declared: Record<keyof ApigDeclared, true> = Object.fromEntries(
      USER_FIELDS.filter((k) => !(ROMA_ONLY_FIELDS as string[]).includes(k)).map((k) => [k, true]),
    ) as Record<keyof ApigDeclared, true>;
    const none: [RomaOnlyDeclared] extends [never] ? "none" : RomaOnlyDeclared = "none";
    const args: ApigAppAuthorizationArgs = {
      ...base,
      // @ts-expect-error APIG has no green channel
      authTunnel: "GREEN",
    };
    expect([
      Object.keys(declared),
      none,
      (args as Record<string, unknown>).authTunnel,
    ]).toStrictEqual([
      ["instanceId", "envId", "appIds", "apiIds", "adoptExisting", "region", "projectId"],
      "none",
      "GREEN",
    ]);
  });
});
