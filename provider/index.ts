/**
 * Pulumi dynamic resources for Huawei Cloud app authorizations: ROMA Connect's (`AppAuthorization`)
 * and the dedicated API Gateway's, APIG (`ApigAppAuthorization`).
 *
 * The modules of `provider/` in layers, lowest first; a module imports its own layer and those
 * below, never one above (`eslint.config.mjs`, `LAYERS`, keeps it):
 *
 * 1. leaf utilities: `secret`, `log`, `clock`, `ids`, `types`, `fields` (the resource's inputs).
 * 2. `http/`: transport, retry loop, limiter, deadline. Knows HTTP and the network, no service: what
 *    an error code means it asks the `ServiceErrors` it is given.
 * 3. `auth/`: the signer, the authenticators, the IAM requests.
 * 4. `settings`: the provider's settings.
 * 5. planning, pure: `plan`, `diff`, `validate`, `state`, `journal`.
 * 6. ROMA: `wire` (the API's shapes), `roma-errors` (what each error code means), `roma-api` (the
 *    requests of both gateways, `Target`, `RomaTransport`).
 * 7. `runtime`: what the provider process shares.
 * 8. `operations`: binding, unbinding, listing, reconciling.
 * 9. `handlers`: the dynamic provider's methods.
 * 10. glue: `provider`, `resource`, `args` (its generated inputs interface), `index`.
 *
 * @packageDocumentation
 */
export {
  ApigAppAuthorization,
  AppAuthorization,
  type ApigAppAuthorizationArgs,
  type ApigAuthorizationRecord,
  type AppAuthorizationArgs,
} from "./resource";
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
