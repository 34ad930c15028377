/**
 * Pulumi dynamic resource for Huawei Cloud ROMA Connect app authorizations.
 *
 * @packageDocumentation
 */
export { AppAuthorization, type AppAuthorizationArgs } from "./resource";
export { AppAuthorizationProvider } from "./provider";
export { expandAuthorizations, type RecordContext } from "./state";
export type {
  AuthTunnel,
  AuthorizationRecord,
  Pair,
  RecordOptions,
  StoredAuthorization,
  UnconfirmedPair,
  VisitParam,
  WriteWindow,
} from "./types";
