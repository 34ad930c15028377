/**
 * Pulumi dynamic resource for Huawei Cloud ROMA Connect app authorizations.
 *
 * @packageDocumentation
 */
export { AppAuthorization, type AppAuthorizationArgs } from "./resource";
export { AppAuthorizationProvider } from "./provider";
export type {
  AuthTunnel,
  AuthorizationRecord,
  Pair,
  UnconfirmedPair,
  VisitParam,
  WriteWindow,
} from "./types";
