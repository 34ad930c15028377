/**
 * Plain (resolved) types used inside the provider. The user-facing `AppAuthorizationArgs`, whose
 * fields are `pulumi.Input`s, lives in `resource.ts`.
 */
import type { FieldValues } from "./fields";

/** Authorization channel of a record: `GREEN` lets whitelisted callers skip authentication. */
export type AuthTunnel = "NORMAL" | "GREEN";

/** Access parameters for one API, optionally narrowed to one app. */
export interface VisitParam {
  /** The API the parameters apply to; must be one of `apiIds`. */
  apiId: string;
  /** The app the parameters apply to; must be one of `appIds`. Absent: every app of the resource. */
  appId?: string;
  /** Comma-separated parameters of letters, digits, `_` and `-`, each ending in a letter or digit. */
  visitParam: string;
}

/** One app x API pair. */
export interface Pair {
  /** The app of the pair. */
  appId: string;
  /** The API of the pair. */
  apiId: string;
}

/**
 * When, on the server's clock, a write of this resource whose outcome is unknown may have made a
 * record: from just before it was sent to just after its failure was seen, as the answers' `Date`
 * headers bound the server's clock.
 */
export interface WriteWindow {
  /** ISO time (server clock), the earliest the write may have acted. */
  from: string;
  /** ISO time (server clock), the latest the write may have acted. */
  to: string;
}

/**
 * A pair that a write of this resource may have authorized without the provider learning the
 * record: the answer was lost, or the lookup that follows failed. A record of the pair is this
 * resource's only if its `authTime` falls in one of the windows.
 */
export interface UnconfirmedPair extends Pair {
  /** The windows of the writes whose outcome is unknown, oldest first. */
  windows: WriteWindow[];
}

/**
 * One app authorization record, whole. The `authorizations` output stores it compacted (see
 * {@link StoredAuthorization}); {@link expandAuthorizations} turns that back into these.
 */
export interface AuthorizationRecord {
  /** The record id (`app_auth_id`), used to cancel the authorization. */
  id: string;
  /** The app the record authorizes. */
  appId: string;
  /** The API the record lets the app call. */
  apiId: string;
  /** When the API authorized the pair (server time, as the API returns it). */
  authTime: string;
  /** `PROVIDER` or `CONSUMER`, as the API answered; not kept in the state. */
  authRole?: string;
  /** The record's authorization channel, `NORMAL` or `GREEN`. */
  authTunnel: string;
  /** The record's green-channel whitelist. */
  authWhitelist: string[];
  /** The record's green-channel blacklist. */
  authBlacklist: string[];
  /** The access parameters of this record; empty when none. */
  visitParam: string;
  /** The app's name, when the API returned it; not kept in the state. */
  appName?: string;
  /** The API's name, when the API returned it; not kept in the state. */
  apiName?: string;
}

/** A record's options where they differ from what the resource's inputs give its pair. */
export type RecordOptions = Partial<
  Pick<AuthorizationRecord, "authTunnel" | "authWhitelist" | "authBlacklist" | "visitParam">
>;

/**
 * One record as the `authorizations` output stores it: its id; its app and API, each as an index
 * into the resource's sorted `appIds` and `apiIds` (or as the id itself, for a record of a pair
 * the inputs no longer hold, kept until an update cancels it); when the API authorized the pair;
 * and, only where they differ from the inputs' (a rebind that failed), the record's options.
 */
export type StoredAuthorization = [
  id: string,
  app: number | string,
  api: number | string,
  authTime: string,
  options?: RecordOptions,
];

/**
 * The resource's inputs after `check`: validated, de-duplicated, sorted, defaults filled in. The
 * fields are declared in `fields.ts`; read them from properties with `readFields`.
 */
export interface AuthorizationInputs extends FieldValues {
  /**
   * `project/stack/name`, set by the resource class, not the user: names the resource's journal of
   * writes on this machine (see `journal.ts`). Absent in states written before it existed.
   */
  journalKey?: string;
}

/**
 * The resource's outputs as the provider works with them (records whole): the inputs plus what the
 * provider resolved and created. The engine stores them as {@link StoredOutputs}.
 */
export interface AuthorizationOutputs extends AuthorizationInputs {
  /** The region the records live in (from the input or the provider settings). */
  region: string;
  /** The project the records live in (from the input, the provider settings or IAM). */
  projectId: string;
  /** One entry per authorized pair, sorted by app then API. */
  authorizations: AuthorizationRecord[];
  /**
   * Pairs whose authorization may have been made by this resource without the provider learning
   * the record (a lost answer, or a failed lookup), each with the server-clock windows of those
   * writes. The next update, refresh or destroy looks them up; they are never forgotten.
   */
  unconfirmed: UnconfirmedPair[];
}

/** The outputs as the engine stores them: `authorizations` compacted (see `state.ts`). */
export type StoredOutputs = Omit<AuthorizationOutputs, "authorizations"> & {
  /** One entry per authorized pair, sorted by app then API. */
  authorizations: StoredAuthorization[];
};
