/**
 * The stored form of the resource's records: the one place that writes `authorizations` for the
 * engine and reads back every form a state may hold. A record stores only what the resource's
 * inputs do not already say (its id, its pair as indices into the sorted `appIds`/`apiIds`, its
 * authorization time, and its options only where they differ from the inputs'), so a state costs
 * ~70 bytes a record rather than ~300; the engine converts, sends and keeps every byte of it on
 * each command. Everything past this module works with whole {@link AuthorizationRecord}s.
 */
import { gatewayOf, ROMA_ONLY_FIELDS, readFields } from "./fields";
import { visitParamFor } from "./plan";
import type {
  AuthTunnel,
  AuthorizationInputs,
  AuthorizationOutputs,
  AuthorizationRecord,
  RecordOptions,
  StoredAuthorization,
  StoredOutputs,
  UnconfirmedPair,
  VisitParam,
} from "./types";

/** What expanding stored records needs of the outputs they sit in (absent lists: empty). */
export interface RecordContext {
  /** The resource's apps, sorted: stored records name theirs by index. */
  appIds: readonly string[];
  /** The resource's APIs, sorted: stored records name theirs by index. */
  apiIds: readonly string[];
  /** The channel records have unless their options say otherwise (`NORMAL` when absent). */
  authTunnel?: AuthTunnel;
  /** The whitelist records have unless their options say otherwise. */
  authWhitelist?: readonly string[];
  /** The blacklist records have unless their options say otherwise. */
  authBlacklist?: readonly string[];
  /** The access parameters records get unless their options say otherwise. */
  visitParams?: readonly VisitParam[];
  /** The stored records (the `authorizations` output). */
  authorizations?: readonly unknown[];
}

/**
 * The outputs as the engine stores them: the records compacted against the outputs' own inputs.
 * An APIG resource's hold none of the ROMA-only inputs (which read back as their defaults).
 */
export function storeOutputs(outs: AuthorizationOutputs): StoredOutputs {
  const stored: StoredOutputs = {
    ...outs,
    authorizations: compactRecords(outs.authorizations, outs),
  };
  return withoutRomaOnly(stored);
}

/** The inputs a refresh gives back: the outputs' own fields, and on APIG none of the ROMA-only ones. */
export function storeInputs(outs: object): AuthorizationInputs {
  return withoutRomaOnly(readInputs(outs));
}

// An APIG resource's state holds none of the ROMA-only inputs (which read back as their defaults).
function withoutRomaOnly<T extends object>(props: T): T {
  if (gatewayOf(props) !== "apig") return props;
  const kept = { ...props } as Record<string, unknown>;
  for (const name of ROMA_ONLY_FIELDS) delete kept[name];
  return kept as T;
}

/**
 * The outputs (or properties) the engine hands back, records expanded: the stored form, and the
 * full records of states written before it (both read here, so nothing else knows either). Older
 * states are upgraded here too, once: an input absent from them reads as its default (see
 * `fields.ts`), absent lists of ids, records and unconfirmed pairs as empty.
 */
export function readOutputs(
  props: Readonly<Record<string, unknown>> | Partial<AuthorizationOutputs>,
): AuthorizationOutputs {
  const given = props as Record<string, unknown>;
  const list = <T>(v: unknown) => (Array.isArray(v) ? (v as T[]) : []);
  const outs = {
    ...given,
    ...readFields(given),
    appIds: list<string>(given.appIds),
    apiIds: list<string>(given.apiIds),
    authorizations: list<AuthorizationRecord>(given.authorizations),
    unconfirmed: list<UnconfirmedPair>(given.unconfirmed),
  } as AuthorizationOutputs;
  return { ...outs, authorizations: expandAuthorizations(outs) };
}

/** The checked inputs the engine hands to create and update, typed (see `readFields`). */
export function readInputs(props: object): AuthorizationInputs {
  const inputs: AuthorizationInputs = readFields(props);
  const { journalKey } = props as { journalKey?: unknown };
  if (typeof journalKey === "string") inputs.journalKey = journalKey;
  return inputs;
}

/** Records in their stored form, each compared with what `inputs` say of its pair. */
export function compactRecords(
  records: readonly AuthorizationRecord[],
  inputs: RecordContext,
): StoredAuthorization[] {
  const implied = implications(inputs);
  const appIndex = new Map(inputs.appIds.map((id, i) => [id, i]));
  const apiIndex = new Map(inputs.apiIds.map((id, i) => [id, i]));
  return records.map((r) => {
    const stored: StoredAuthorization = [
      r.id,
      appIndex.get(r.appId) ?? r.appId,
      apiIndex.get(r.apiId) ?? r.apiId,
      r.authTime,
    ];
    const options = differences(r, implied(r));
    if (options) stored.push(options);
    return stored;
  });
}

/**
 * Expands the `authorizations` of an `AppAuthorization`'s outputs into whole records (the
 * resource's `records` output does this in a program; this serves outputs read elsewhere, say from
 * a stack export). Each stored record names its app and API by their index in `appIds` and
 * `apiIds` (or by id, for a record of a pair the inputs no longer hold), and carries options only
 * where they differ from the inputs'. Whole records (states written before 0.2.0) pass as they are.
 *
 * ```ts
 * const records = expandAuthorizations(stack.outputs.orders); // [{ id, appId, apiId, ... }]
 * ```
 */
export function expandAuthorizations(outputs: RecordContext): AuthorizationRecord[] {
  const implied = implications(outputs);
  return (outputs.authorizations ?? []).map((entry) => {
    if (!Array.isArray(entry)) return entry as AuthorizationRecord;
    const [id, app, api, authTime, options] = entry as StoredAuthorization;
    const pair = {
      appId: typeof app === "number" ? outputs.appIds[app] : app,
      apiId: typeof api === "number" ? outputs.apiIds[api] : api,
    };
    if (pair.appId === undefined || pair.apiId === undefined) {
      throw new Error(
        `The state's record ${JSON.stringify(id)} names app ${JSON.stringify(app)} and API ${JSON.stringify(api)}, which its appIds and apiIds do not hold: the state was edited by hand.`,
      );
    }
    return { id, ...pair, authTime, ...implied(pair), ...options };
  });
}

type Options = Required<RecordOptions>;

// The options a record of a pair carries when it was bound with these inputs.
function implications(
  inputs: RecordContext,
): (pair: Pick<AuthorizationRecord, "appId" | "apiId">) => Options {
  const { authTunnel = "NORMAL", authWhitelist = [], authBlacklist = [] } = inputs;
  // Each record gets lists of its own, as records read from the API have.
  return (pair) => ({
    authTunnel,
    authWhitelist: [...authWhitelist],
    authBlacklist: [...authBlacklist],
    visitParam: visitParamFor(pair, inputs.visitParams ?? []),
  });
}

function differences(record: AuthorizationRecord, implied: Options): RecordOptions | undefined {
  const options: RecordOptions = {};
  let differs = false;
  for (const key of Object.keys(implied) as (keyof Options)[]) {
    if (!same(record[key], implied[key])) {
      (options as Record<string, unknown>)[key] = record[key];
      differs = true;
    }
  }
  return differs ? options : undefined;
}

// Exact equality of a string or a list of strings (order included: expanding must give it back).
function same(a: string | string[], b: string | string[]): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
