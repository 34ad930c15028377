/**
 * `check`: validates and normalizes a resource's inputs before any API call. Pure: the only outside
 * fact it takes is whether the provider settings name a region.
 */
import { isIP } from "node:net";
import { ID, ID_RULE, regionProblem } from "./settings";
import {
  defaultOf,
  FIELD_NAMES,
  FIELDS,
  gatewayOf,
  GATEWAYS,
  inputsOf,
  isRomaOnly,
  USER_FIELDS,
  type FieldName,
  type Gateway,
  type UserFieldName,
} from "./fields";
import type { AuthTunnel, VisitParam } from "./types";

/** The value Pulumi puts in place of inputs not yet known during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True for the unknown sentinel, anywhere inside `value`. */
export function containsUnknown(value: unknown): boolean {
  // A stack of its own rather than recursion: inputs nested deeper than the call stack allows
  // must fail a rule, not crash `check`.
  const pending = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === UNKNOWN) return true;
    if (next !== null && typeof next === "object") {
      for (const inner of Object.values(next)) pending.push(inner);
    }
  }
  return false;
}

/** One failed rule, as Pulumi shows it to the user. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Normalized inputs (sorted, de-duplicated, defaults filled in) and every rule they break. */
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

const ENV_ID = /^[A-Za-z0-9_-]{1,64}$/;
const VISIT_PARAM = /^[A-Za-z0-9_-]*[A-Za-z0-9]$/;
const MAX_VISIT_PARAM = 255;

/**
 * Bounds on what one resource may hold, so that `check` and every operation do bounded work. The
 * API documents no maximum per request (the console sends at most 1,000 APIs at once, per
 * request, and the provider batches requests itself); these are per resource, and leave room for
 * the 10,000-pair stacks the provider is measured with.
 */
export const LIMITS = {
  /** Ids in `appIds`, and in `apiIds`. */
  ids: 10_000,
  /** App x API pairs: the product of the two lists. */
  pairs: 10_000,
  /** Entries of `visitParams`: at most one per pair. */
  visitParams: 10_000,
  /** Entries of `authWhitelist`, and of `authBlacklist`. */
  addresses: 1_000,
  /** Characters of one `visitParam` (each parameter in it: at most 255). */
  visitParamLength: 10_240,
  /**
   * Characters of every `visitParam` together. A partial failure's outputs (inputs and records)
   * reach the engine in one gRPC trailer, base64-encoded, which the engine's client (grpc-go) takes
   * up to 16 MiB: 12 MiB before encoding. At the other limits the rest comes to about 4 MB (10,001
   * ids, 10,000 records at ~106 B, 10,000 unconfirmed pairs, 2,000 addresses) and 10,000 entries'
   * own fields to about 2 MB; 2 MiB of parameters leaves room for one more copy of them in the
   * options of records whose rebind failed.
   */
  visitParamsCharacters: 2 * 1024 * 1024,
  /** Failures listed per property; the rest are counted ("and 5,231 more"). */
  failuresPerProperty: 3,
} as const;
const TUNNELS: readonly AuthTunnel[] = ["NORMAL", "GREEN"];
const CREDENTIAL_KEYS = /token|key|secret|password|^ak$|^sk$/i;

/** The inputs `AppAuthorization` takes; anything else is a mistake worth naming. */
export const INPUT_NAMES: readonly UserFieldName[] = USER_FIELDS;

/** What a rule may read: the fields judged before it (normalized) and the provider settings. */
interface RuleContext {
  checked: Record<string, unknown>;
  settingsRegion?: string;
}

/** Judges one input (defaults already filled in) and returns it normalized. */
type Rule = (value: unknown, fail: Fail, context: RuleContext) => unknown;

// One rule per field of the table: a field added there without a rule does not compile.
const RULES: Record<FieldName, Rule> = {
  // Absent and "roma" are one gateway: kept absent, so ROMA Connect's states stay as they were.
  gateway: (value, fail) => {
    if (value === undefined || value === null || value === "roma") return undefined;
    if (!GATEWAYS.includes(value as Gateway)) {
      fail(
        "gateway",
        `gateway must be ${GATEWAYS.map((g) => `"${g}"`).join(" or ")}; got ${describe(value)}.`,
      );
    }
    return value;
  },
  instanceId: (value, fail) => requiredId(value, "instanceId", fail),
  envId: (value, fail) => requiredString(value, "envId", fail, envIdProblem),
  appIds: (value, fail) => idList(value, "appIds", "app", fail),
  apiIds: (value, fail, { checked }) => {
    const apiIds = idList(value, "apiIds", "API", fail);
    pairCount(checked.appIds, apiIds, fail);
    return apiIds;
  },
  authTunnel: (value, fail) => {
    if (value !== UNKNOWN && !TUNNELS.includes(value as AuthTunnel)) {
      fail("authTunnel", `authTunnel must be "NORMAL" or "GREEN"; got ${describe(value)}.`);
    }
    return value;
  },
  authWhitelist: (value, fail, { checked }) =>
    addressList(value, "authWhitelist", checked.authTunnel, fail),
  authBlacklist: (value, fail, { checked }) =>
    addressList(value, "authBlacklist", checked.authTunnel, fail),
  visitParams: (value, fail, { checked }) =>
    visitParams(value, checked.appIds, checked.apiIds, fail),
  adoptExisting: (value, fail) => {
    if (value !== UNKNOWN && typeof value !== "boolean") {
      fail("adoptExisting", `adoptExisting must be true or false; got ${describe(value)}.`);
    }
    return value;
  },
  region: (value, fail, { settingsRegion }) => {
    if (value !== undefined) return requiredString(value, "region", fail, regionRule);
    if (!settingsRegion) {
      fail(
        "region",
        "region is not set: give the resource a region, or set roma:region, huaweicloud:region or HW_REGION_NAME.",
      );
    }
    return undefined;
  },
  projectId: (value, fail) =>
    value === undefined ? undefined : requiredId(value, "projectId", fail),
};

/**
 * Checks `news` against every rule the API documents and returns the normalized inputs.
 * Unknown values (previews) pass through untouched and are not judged.
 */
export function checkInputs(
  news: Record<string, unknown>,
  context: { settingsRegion?: string },
): CheckResult {
  const failures = new Failures();
  const fail = (property: string, reason: string) => failures.add(property, reason);
  unknownNames(news, gatewayOf(news), failures);
  const checked: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    // On APIG a ROMA-only input is refused, and gets no default: its state never holds one.
    if (checked.gateway === "apig" && isRomaOnly(name)) {
      if (news[name] !== undefined && news[name] !== null) fail(name, notOnApig(name));
      continue;
    }
    // A field with a default takes it for null too; one without keeps null, which its rule names.
    const given = "default" in FIELDS[name] ? (news[name] ?? defaultOf(name)) : news[name];
    checked[name] = RULES[name](given, fail, { checked, settingsRegion: context.settingsRegion });
  }
  return { inputs: withoutUndefined(checked), failures: failures.list() };
}

// Names every input the table does not hold (the host's `__provider` aside).
function unknownNames(news: Record<string, unknown>, gateway: Gateway, failures: Failures): void {
  const resource = gateway === "apig" ? "ApigAppAuthorization" : "AppAuthorization";
  const inputs = inputsOf(gateway);
  for (const key of Object.keys(news)) {
    if (key === "__provider" || Object.hasOwn(FIELDS, key)) continue;
    // A name of any length may come in; a message writes a bounded one.
    const name = key.length > 80 ? `an input name of ${key.length} characters` : key;
    failures.add(
      name,
      CREDENTIAL_KEYS.test(key)
        ? `${name} is not an input: credentials must never be resource inputs (they would be stored in the state). Set them in the stack config (roma:token, roma:accessKey, roma:secretKey) or the environment.`
        : `${name} is not an input of ${resource}; the inputs are ${inputs.join(", ")}.`,
      "inputs that AppAuthorization does not take",
    );
  }
}

function notOnApig(name: string): string {
  return `${name} is a ROMA Connect input: APIG does not take ${name} (its app authorizations have no green channel, whitelist, blacklist or access parameters); remove it from the ApigAppAuthorization.`;
}

function envIdProblem(v: string): string | undefined {
  if (/^release$/i.test(v)) {
    return `envId is ${describe(v)}, the name of the environment every instance has; envId takes its id, "DEFAULT_ENVIRONMENT_RELEASE_ID" (other environments' ids are 32 hexadecimal characters).`;
  }
  return ENV_ID.test(v)
    ? undefined
    : `envId must be 1 to 64 characters, each a letter, digit, '-' or '_' (the API's env_id rule); got ${describe(v)}.`;
}

function regionRule(v: string): string | undefined {
  const broken = regionProblem(v);
  return broken && `region must be a Huawei Cloud region name: ${broken} Got ${describe(v)}.`;
}

type Fail = (property: string, reason: string) => void;

/**
 * Failures, at most a few per property (`appIds[3]` and `appIds[7]` are both `appIds`'s): a
 * million bad ids make one short list and a count, not a million lines.
 */
class Failures {
  private readonly shown: CheckFailure[] = [];
  private readonly groups = new Map<string, { count: number; property: string; what: string }>();

  /** `what` groups failures of many properties (unknown inputs) under the property "inputs". */
  add(property: string, reason: string, what?: string): void {
    const base = property.split(/[.[]/)[0];
    const key = what ?? base;
    let group = this.groups.get(key);
    if (!group) {
      group = what
        ? { count: 0, property: "inputs", what }
        : { count: 0, property: base, what: `problems with ${base}` };
      this.groups.set(key, group);
    }
    if (++group.count <= LIMITS.failuresPerProperty) this.shown.push({ property, reason });
  }

  list(): CheckFailure[] {
    const more = [...this.groups.values()]
      .filter(({ count }) => count > LIMITS.failuresPerProperty)
      .map(({ count, property, what }) => ({
        property,
        reason: `and ${(count - LIMITS.failuresPerProperty).toLocaleString("en-US")} more ${what}.`,
      }));
    return [...this.shown, ...more];
  }
}

// The product of the two lists bounds the records one resource holds and every request it makes.
function pairCount(appIds: unknown, apiIds: unknown, fail: Fail): void {
  if (!Array.isArray(appIds) || !Array.isArray(apiIds)) return;
  const pairs = appIds.length * apiIds.length;
  if (pairs > LIMITS.pairs) {
    fail(
      "apiIds",
      `appIds x apiIds is ${appIds.length.toLocaleString("en-US")} x ${apiIds.length.toLocaleString("en-US")} = ${pairs.toLocaleString("en-US")} pairs; one resource holds at most ${LIMITS.pairs.toLocaleString("en-US")}: split it into several resources (for example one per app, or per group of APIs).`,
    );
  }
}

// Checked before anything looks at the entries, so an oversized list costs nothing more.
function tooLong(value: unknown[], name: string, max: number, fail: Fail): boolean {
  if (value.length <= max) return false;
  fail(
    name,
    `${name} has ${value.length.toLocaleString("en-US")} entries; at most ${max.toLocaleString("en-US")} are accepted per resource.`,
  );
  return true;
}

function requiredString(
  value: unknown,
  name: string,
  fail: Fail,
  rule: (v: string) => string | undefined,
): unknown {
  if (value === UNKNOWN) return value;
  if (value === undefined || value === null || value === "") {
    fail(name, `${name} is required.`);
    return value;
  }
  if (typeof value !== "string") {
    fail(name, `${name} must be a string; got ${describe(value)}.`);
    return value;
  }
  const broken = rule(value);
  if (broken) fail(name, broken);
  return value;
}

function requiredId(value: unknown, name: string, fail: Fail): unknown {
  return requiredString(value, name, fail, (v) =>
    ID.test(v) ? undefined : `${name} must be ${ID_RULE}; got ${describe(v)}.`,
  );
}

function idList(value: unknown, name: string, what: string, fail: Fail): unknown {
  if (value === UNKNOWN) return value;
  if (value === undefined || value === null) {
    fail(name, `${name} is required: a list of at least one ${what} id.`);
    return value;
  }
  if (!Array.isArray(value)) {
    fail(
      name,
      typeof value === "string"
        ? `${name} must be a list of ${what} ids, not a single string; write ["${value}"].`
        : `${name} must be a list of ${what} ids; got ${describe(value)}.`,
    );
    return value;
  }
  if (value.length === 0) {
    fail(name, `${name} must hold at least one ${what} id; an empty list authorizes nothing.`);
  }
  if (tooLong(value, name, LIMITS.ids, fail)) return value;
  // The unknown sentinel is itself a valid id, so previews pass unjudged.
  value.forEach((id, i) => {
    if (typeof id !== "string")
      fail(`${name}[${i}]`, `${name}[${i}] must be a string; got ${describe(id)}.`);
    else if (!ID.test(id))
      fail(`${name}[${i}]`, `${name}[${i}] must be ${ID_RULE}; got ${describe(id)}.`);
  });
  return sortedUnique(value);
}

function addressList(value: unknown, name: string, tunnel: unknown, fail: Fail): unknown {
  if (value === UNKNOWN) return value;
  if (!Array.isArray(value)) {
    fail(name, `${name} must be a list of IP addresses or ranges; got ${describe(value)}.`);
    return value;
  }
  if (tooLong(value, name, LIMITS.addresses, fail)) return value;
  if (value.length > 0 && tunnel !== "GREEN" && tunnel !== UNKNOWN) {
    fail(
      name,
      `${name} only applies to the green channel: set authTunnel to "GREEN" or remove ${name}.`,
    );
  }
  value.forEach((entry, i) => {
    if (entry !== UNKNOWN && !isAddressOrRange(entry)) {
      fail(
        `${name}[${i}]`,
        `${name}[${i}] must be an IP address, a CIDR range (10.0.0.0/8) or a range (10.0.0.1-10.0.0.9); got ${describe(entry)}.`,
      );
    }
  });
  return sortedUnique(value);
}

function isAddressOrRange(entry: unknown): boolean {
  if (typeof entry !== "string") return false;
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const family = isIP(cidr[1]);
    return family !== 0 && Number(cidr[2]) <= (family === 4 ? 32 : 128);
  }
  const parts = entry.split("-");
  if (parts.length === 2) return isIP(parts[0]) !== 0 && isIP(parts[0]) === isIP(parts[1]);
  return isIP(entry) !== 0;
}

function visitParams(value: unknown, appIds: unknown, apiIds: unknown, fail: Fail): unknown {
  if (value === UNKNOWN) return value;
  if (!Array.isArray(value)) {
    fail(
      "visitParams",
      `visitParams must be a list of {apiId, appId?, visitParam}; got ${describe(value)}.`,
    );
    return value;
  }
  if (tooLong(value, "visitParams", LIMITS.visitParams, fail) || tooLarge(value, fail)) {
    return value;
  }
  const known = { apps: knownIds(appIds), apis: knownIds(apiIds), targets: new Set<string>() };
  const normalized = value.map((entry: unknown, i) =>
    visitParamEntry(entry, `visitParams[${i}]`, known, fail),
  );
  return normalized.sort((a, b) => COLLATOR.compare(visitParamOrder(a), visitParamOrder(b)));
}

// The outputs carry every access parameter, and a partial failure's outputs reach the engine in
// one gRPC trailer (see LIMITS.visitParamsCharacters); counted before any entry is judged.
function tooLarge(entries: unknown[], fail: Fail): boolean {
  let characters = 0;
  for (const entry of entries) {
    const text = (entry as { visitParam?: unknown } | null)?.visitParam;
    if (typeof text === "string") characters += text.length;
  }
  if (characters <= LIMITS.visitParamsCharacters) return false;
  fail(
    "visitParams",
    `visitParams hold ${characters.toLocaleString("en-US")} characters of access parameters in all; at most ${LIMITS.visitParamsCharacters.toLocaleString("en-US")} are accepted per resource (its whole state must travel to the Pulumi engine in one message): split it into several resources.`,
  );
  return true;
}

interface KnownIds {
  apps: Set<unknown> | undefined;
  apis: Set<unknown> | undefined;
  /** `api/app` (or `api/*`) of every entry judged so far. */
  targets: Set<string>;
}

function visitParamEntry(entry: unknown, at: string, known: KnownIds, fail: Fail): unknown {
  if (entry === UNKNOWN) return entry;
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    fail(at, `${at} must be an object {apiId, appId?, visitParam}; got ${describe(entry)}.`);
    return entry;
  }
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!["apiId", "appId", "visitParam"].includes(key)) {
      const field = `${at}.${key.length > 80 ? `<a name of ${key.length} characters>` : key}`;
      fail(field, `${field} is not a field of a visit parameter (apiId, appId, visitParam).`);
    }
  }
  memberOf(e.apiId, known.apis, `${at}.apiId`, "apiIds", true, fail);
  memberOf(e.appId, known.apps, `${at}.appId`, "appIds", false, fail);
  visitParamValue(e.visitParam, `${at}.visitParam`, fail);
  repeatedTarget(e, at, known.targets, fail);
  const out: Record<string, unknown> = { apiId: e.apiId, visitParam: e.visitParam };
  if (e.appId !== undefined) out.appId = e.appId;
  return out;
}

// Only ids can repeat one another; anything else has failed its rule already (and may be a
// structure too deep or too large to write out).
function repeatedTarget(
  e: Record<string, unknown>,
  at: string,
  targets: Set<string>,
  fail: Fail,
): void {
  if (
    typeof e.apiId !== "string" ||
    (e.appId !== undefined && typeof e.appId !== "string") ||
    containsUnknown([e.apiId, e.appId])
  ) {
    return;
  }
  const target = JSON.stringify([e.apiId, e.appId]);
  if (targets.has(target)) {
    fail(
      at,
      `${at} sets access parameters for API ${e.apiId}${e.appId === undefined ? "" : ` and app ${String(e.appId)}`} a second time; give each API (and app) one entry.`,
    );
  }
  targets.add(target);
}

// The order of String#localeCompare, at a fraction of its cost per comparison.
const COLLATOR = new Intl.Collator();

// The ids of a list as a Set for constant-time membership; undefined when not all are known yet.
function knownIds(list: unknown): Set<unknown> | undefined {
  if (!Array.isArray(list) || list.length > LIMITS.ids) return undefined;
  const ids = new Set<unknown>(list);
  return ids.has(UNKNOWN) ? undefined : ids;
}

function visitParamOrder(entry: unknown): string {
  const e = (entry ?? {}) as Partial<VisitParam>;
  const text = (id: unknown) => (typeof id === "string" ? id : "");
  return `${text(e.apiId)}/${text(e.appId)}`;
}

function memberOf(
  value: unknown,
  ids: Set<unknown> | undefined,
  at: string,
  listName: string,
  required: boolean,
  fail: Fail,
): void {
  if (value === UNKNOWN || (value === undefined && !required)) return;
  if (typeof value !== "string" || value === "") {
    fail(
      at,
      `${at} ${required ? "is required and " : ""}must be an id string; got ${describe(value)}.`,
    );
  } else if (ids && !ids.has(value)) {
    fail(
      at,
      `${at} is ${value.length > 80 ? describe(value) : value}, which is not in ${listName}; access parameters only apply to authorized pairs.`,
    );
  }
}

// The unknown sentinel is itself a valid parameter, so previews pass unjudged.
function visitParamValue(value: unknown, at: string, fail: Fail): void {
  if (typeof value !== "string" || value === "") {
    fail(at, `${at} is required: comma-separated parameters; got ${describe(value)}.`);
    return;
  }
  if (value.length > LIMITS.visitParamLength) {
    fail(
      at,
      `${at} has ${value.length.toLocaleString("en-US")} characters; at most ${LIMITS.visitParamLength.toLocaleString("en-US")} are accepted.`,
    );
    return;
  }
  const params = value.split(",");
  const seen = new Set<string>();
  for (const param of params) {
    if (param.length > MAX_VISIT_PARAM) {
      fail(
        at,
        `${at} has a parameter of ${param.length} characters; each may have at most ${MAX_VISIT_PARAM}.`,
      );
    } else if (!VISIT_PARAM.test(param)) {
      fail(
        at,
        `${at} has the parameter ${describe(param)}: each parameter is letters, digits, '_' and '-', ending in a letter or digit, separated by commas.`,
      );
    } else if (seen.has(param)) {
      fail(at, `${at} repeats the parameter "${param}"; each parameter must be unique.`);
    }
    seen.add(param);
  }
}

// Known values sorted and de-duplicated; unknown ones kept at the end so previews stay unknown.
function sortedUnique(values: unknown[]): unknown[] {
  const known = values.filter((v) => v !== UNKNOWN);
  const unknown = values.filter((v) => v === UNKNOWN);
  const unique = [...new Set(known)];
  const sorted = unique.every((v) => typeof v === "string") ? unique.sort() : unique;
  return [...sorted, ...unknown.slice(0, 1)];
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function describe(value: unknown): string {
  if (typeof value === "string") {
    return value.length > 80 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return String(value);
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects named, not printed
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
