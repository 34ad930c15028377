import { readFileSync } from "node:fs";
import { decideDiff } from "../../provider/diff";
import {
  BIND_FIELDS,
  fieldDoc,
  FIELDS,
  FIELD_NAMES,
  ID_FIELDS,
  readFields,
  USER_FIELDS,
  type FieldSpec,
  type UserFieldName,
} from "../../provider/fields";
import type { AppAuthorization } from "../../provider/resource";
import { readOutputs } from "../../provider/state";
import { checkInputs, INPUT_NAMES, LIMITS } from "../../provider/validate";
import { ARGS_FILE, argsSource } from "../../scripts/readme-tables";

const base = { instanceId: "inst", envId: "ENV", appIds: ["a1"], apiIds: ["p1"] };
const withRegion = { settingsRegion: "cn-north-4" };

// Every input the user gives is also a declared output: a field of FIELDS that AppAuthorization
// does not declare fails to compile here.
type DeclaredOutputs = Pick<AppAuthorization, UserFieldName>;

describe("the field table", () => {
  it("is declared as outputs by the resource class", () => {
    const declared: Record<keyof DeclaredOutputs, true> = Object.fromEntries(
      USER_FIELDS.map((name) => [name, true]),
    ) as Record<UserFieldName, true>;
    expect(Object.keys(declared)).toStrictEqual(USER_FIELDS);
  });

  it("is what provider/args.ts declares (npm run docs:readme)", () => {
    expect(readFileSync(ARGS_FILE, "utf8")).toBe(argsSource());
  });

  it("gives check its input names and defaults", () => {
    expect(INPUT_NAMES).toStrictEqual(USER_FIELDS);
    expect(FIELD_NAMES.filter((name) => !USER_FIELDS.includes(name as never))).toStrictEqual([
      "gateway",
    ]);
    const { inputs } = checkInputs(base, withRegion);
    for (const name of FIELD_NAMES) {
      const spec: FieldSpec = FIELDS[name];
      if ("default" in spec) expect([name, inputs[name]]).toStrictEqual([name, spec.default]);
    }
  });

  it("gives diff its categories: a replacing field replaces, an updating one updates", () => {
    const olds = readOutputs({
      ...checkInputs(base, withRegion).inputs,
      region: "r",
      projectId: "p",
    });
    const changed: Record<string, unknown> = {
      gateway: "apig",
      instanceId: "other",
      envId: "OTHER",
      appIds: ["a2"],
      apiIds: ["p2"],
      authTunnel: "GREEN",
      authWhitelist: ["1.1.1.1"],
      authBlacklist: ["1.1.1.1"],
      visitParams: [{ apiId: "p1", visitParam: "x" }],
      adoptExisting: true,
      region: "r2",
      projectId: "p2",
    };
    for (const name of FIELD_NAMES) {
      const decision = decideDiff(olds, { ...olds, [name]: changed[name] }, {});
      expect([name, decision.changes, decision.replaces]).toStrictEqual([
        name,
        true,
        FIELDS[name].change === "replaces" ? [name] : [],
      ]);
    }
  });

  it("documents what a change of each field does, from its category", () => {
    const said = FIELD_NAMES.map((name) => [name, fieldDoc(name).split(". ").pop()]);
    expect(said).toStrictEqual(
      FIELD_NAMES.map((name) => [
        name,
        FIELDS[name].change === "replaces"
          ? "Changing it replaces the resource."
          : "Changing it updates the resource in place.",
      ]),
    );
  });

  it("names the inputs the records and the id repeat, which may not be secrets", () => {
    expect(ID_FIELDS).toStrictEqual(["instanceId", "envId", "appIds", "apiIds"]);
  });

  // The seed's POST body beside env_id, app_ids and api_ids: one value for all the request's pairs.
  it("names the inputs every record carries, the options of one bind request", () => {
    expect(BIND_FIELDS).toStrictEqual([
      "authTunnel",
      "authWhitelist",
      "authBlacklist",
      "visitParams",
    ]);
  });

  it("reads an older state's absent input as its default, and nothing else of it", () => {
    const read = readFields({ instanceId: "i", authTunnel: null, __provider: "p", stale: 1 });
    expect(read).toStrictEqual({
      instanceId: "i",
      authTunnel: "NORMAL",
      authWhitelist: [],
      authBlacklist: [],
      visitParams: [],
      adoptExisting: false,
    });
  });
});

describe("check: the total size of visitParams", () => {
  // 40 distinct parameters, 8,192 characters with their commas: 256 entries make the bound exactly.
  const param = Array.from({ length: 40 }, (_, i) => `${i}`.padStart(i < 39 ? 204 : 197, "v"));
  const visitParam = param.join(",");
  const count = LIMITS.visitParamsCharacters / visitParam.length;
  const apiIds = Array.from({ length: count }, (_, i) => `p${i}`);
  const atBound = apiIds.map((apiId) => ({ apiId, visitParam }));

  it("admits parameters up to the bound, exactly", () => {
    expect(Number.isInteger(count)).toBe(true);
    expect(
      checkInputs({ ...base, apiIds, visitParams: atBound }, withRegion).failures,
    ).toStrictEqual([]);
  });

  it("refuses one character more, naming the field and the rule, before judging any entry", () => {
    // The extra entry breaks a rule of its own too (its API is not in apiIds): it is not judged.
    const visitParams = [...atBound, { apiId: "elsewhere", visitParam: "x" }];
    expect(checkInputs({ ...base, apiIds, visitParams }, withRegion).failures).toStrictEqual([
      {
        property: "visitParams",
        reason:
          "visitParams hold 2,097,153 characters of access parameters in all; at most 2,097,152 are accepted per resource (its whole state must travel to the Pulumi engine in one message): split it into several resources.",
      },
    ]);
  });
});
