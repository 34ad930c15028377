/**
 * The API's snake_case shapes and the one place where they are mapped to and from the provider's
 * camelCase types.
 */
import { describeBody } from "./http/errors";
import { FIELDS, type BindField, type FieldValues, type Gateway } from "./fields";
import { visitParamFor } from "./plan";
import type { AuthTunnel, AuthorizationRecord } from "./types";

/** Body of `POST .../app-auths`. */
export interface CreateAuthBody {
  env_id: string;
  app_ids: string[];
  api_ids: string[];
  auth_tunnel?: AuthTunnel;
  auth_whitelist?: string[];
  auth_blacklist?: string[];
  visit_params?: { api_id: string; app_id?: string; visit_param: string }[];
}

/**
 * `auth_result` of one item of the create answer. The seed documents `FAILED`, Huawei's
 * specification `FILAED`: any status but `SUCCESS` and `SKIPPED` is a failure.
 */
export interface AuthResultWire {
  status?: string;
  error_code?: string;
  error_msg?: string;
  api_name?: string;
  app_name?: string;
}

/** One item of the create answer (`ApiAuthRelations`). */
export interface ApiAuthRelationWire {
  id?: string;
  api_id: string;
  app_id: string;
  auth_time?: string;
  auth_role?: string;
  auth_tunnel?: string;
  auth_whitelist?: string[];
  auth_blacklist?: string[];
  visit_params?: string;
  auth_result?: AuthResultWire;
}

/** One item of the `binded-apis` answer (`ApiAuthInfo`). */
export interface ApiAuthInfoWire {
  id: string;
  api_id: string;
  app_id: string;
  env_id?: string;
  auth_time?: string;
  auth_role?: string;
  auth_tunnel?: string;
  auth_whitelist?: string[];
  auth_blacklist?: string[];
  visit_param?: string;
  api_name?: string;
  app_name?: string;
}

/** The `binded-apis` answer. */
export interface ListAuthsWire {
  total: number;
  size: number;
  auths: ApiAuthInfoWire[];
}

/** The API's error body. */
export interface ErrorBodyWire {
  error_code?: string;
  error_msg?: string;
  /** On a 403 denied by an IAM policy: why, encoded (the official SDKs read it too). */
  encoded_authorization_message?: string;
}

/** Options every record of one bind request shares (the fields `fields.ts` marks `bind`). */
export type BindOptions = Pick<FieldValues, BindField>;

/**
 * Builds the create body for the product `appIds x apiIds`. APIG's (`ApiAuthCreate`) takes the
 * environment, apps and APIs only: the ROMA-only options are not sent there.
 */
export function createAuthBody(
  envId: string,
  appIds: string[],
  apiIds: string[],
  options: BindOptions,
  gateway: Gateway = "roma",
): CreateAuthBody {
  const body: CreateAuthBody = {
    [FIELDS.envId.wire]: envId,
    [FIELDS.appIds.wire]: appIds,
    [FIELDS.apiIds.wire]: apiIds,
  };
  if (gateway === "apig") return body;
  body[FIELDS.authTunnel.wire] = options.authTunnel;
  for (const name of ["authWhitelist", "authBlacklist"] as const) {
    if (options[name].length > 0) body[FIELDS[name].wire] = options[name];
  }
  const visitParams = apiIds.flatMap((apiId) => visitParamsForApi(apiId, appIds, options));
  if (visitParams.length > 0) body.visit_params = visitParams;
  return body;
}

// One API-wide entry when every app of the request gets the same parameters, else one entry per
// app, so the request never depends on how the service ranks API-wide against per-app entries.
function visitParamsForApi(
  apiId: string,
  appIds: string[],
  options: BindOptions,
): NonNullable<CreateAuthBody["visit_params"]> {
  const params = appIds.map((appId) => visitParamFor({ appId, apiId }, options.visitParams));
  if (params.every((p) => p === params[0])) {
    return params[0] ? [{ api_id: apiId, visit_param: params[0] }] : [];
  }
  return appIds
    .map((appId, i) => ({ api_id: apiId, app_id: appId, visit_param: params[i] }))
    .filter((entry) => entry.visit_param !== "");
}

/**
 * The items of a create answer, `{auths: [...]}` or, as some renderings of the docs show it, a bare
 * array; each item names its pair. Throws, saying what came back, on any other shape.
 */
export function createAnswerItems(body: unknown): ApiAuthRelationWire[] {
  const auths = Array.isArray(body) ? body : (body as { auths?: unknown } | null)?.auths;
  if (!Array.isArray(auths)) {
    throw new Error(`a create answer without an "auths" array: ${describeBody(body)}`);
  }
  const bad: unknown = (auths as unknown[]).find((item) =>
    lacksStrings(item, ["app_id", "api_id"]),
  );
  if (bad !== undefined) {
    throw new Error(`a create answer item without app_id and api_id: ${describeBody(bad)}`);
  }
  return auths as ApiAuthRelationWire[];
}

// True when an answer's item is not an object holding a string at each of `keys`.
function lacksStrings(item: unknown, keys: readonly string[]): boolean {
  return keys.some((key) => typeof (item as Record<string, unknown> | null)?.[key] !== "string");
}

/**
 * A `binded-apis` answer: a numeric `total` and an `auths` array whose items carry `id`, `app_id`
 * and `api_id`. Throws, saying what came back, on any other shape.
 */
export function listAnswer(body: unknown): ListAuthsWire {
  const b = body as Partial<ListAuthsWire> | null;
  if (
    typeof b !== "object" ||
    b === null ||
    typeof b.total !== "number" ||
    !Array.isArray(b.auths)
  ) {
    throw new Error(
      `a listing without a numeric "total" and an "auths" array: ${describeBody(body)}`,
    );
  }
  const bad = b.auths.find((item) => lacksStrings(item, ["id", "app_id", "api_id"]));
  if (bad !== undefined) {
    throw new Error(`a listing item without id, app_id and api_id: ${describeBody(bad)}`);
  }
  return { total: b.total, size: Number(b.size ?? b.auths.length), auths: b.auths };
}

/**
 * A record from a create-answer item; the item must carry an `id`. A record of APIG carries none of
 * the ROMA-only options.
 */
export function recordFromRelation(
  item: ApiAuthRelationWire & { id: string },
  gateway: Gateway = "roma",
): AuthorizationRecord {
  return recordFromItem(item, gateway, item.visit_params, item.auth_result);
}

/** A record from a `binded-apis` item (of APIG: without the ROMA-only options). */
export function recordFromInfo(
  item: ApiAuthInfoWire,
  gateway: Gateway = "roma",
): AuthorizationRecord {
  return recordFromItem(item, gateway, item.visit_param, item);
}

// The two answers name the same fields alike, but for the access parameters (`visit_params` in a
// create answer, `visit_param` in a listing) and where the names are (its `auth_result`, or the item).
function recordFromItem(
  item: Omit<ApiAuthInfoWire, "visit_param" | "api_name" | "app_name">,
  gateway: Gateway,
  visitParam: string | undefined,
  names: { app_name?: string; api_name?: string } | undefined,
): AuthorizationRecord {
  return record({
    id: item.id,
    appId: item.app_id,
    apiId: item.api_id,
    authTime: item.auth_time,
    authRole: item.auth_role,
    ...romaOnlyOptions(gateway, item, visitParam),
    appName: names?.app_name,
    apiName: names?.api_name,
  });
}

// The options only ROMA Connect records have. APIG's are read as having none (the defaults), so
// one plan serves both gateways and APIG's outputs never show them.
function romaOnlyOptions(
  gateway: Gateway,
  item: Pick<ApiAuthInfoWire, "auth_tunnel" | "auth_whitelist" | "auth_blacklist">,
  visitParam: string | undefined,
): Pick<LooseRecord, "authTunnel" | "authWhitelist" | "authBlacklist" | "visitParam"> {
  if (gateway === "apig") return {};
  return {
    authTunnel: item.auth_tunnel,
    authWhitelist: item.auth_whitelist,
    authBlacklist: item.auth_blacklist,
    visitParam,
  };
}

type LooseRecord = { [K in keyof AuthorizationRecord]?: AuthorizationRecord[K] | null };

// Pulumi rejects `undefined` in outputs, so absent fields get defaults and absent names are left out.
function record(
  r: LooseRecord & { id: string; appId: string; apiId: string },
): AuthorizationRecord {
  const out: AuthorizationRecord = {
    id: r.id,
    appId: r.appId,
    apiId: r.apiId,
    authTime: r.authTime ?? "",
    authRole: r.authRole ?? "",
    authTunnel: r.authTunnel || "NORMAL",
    authWhitelist: [...(r.authWhitelist ?? [])].sort(),
    authBlacklist: [...(r.authBlacklist ?? [])].sort(),
    visitParam: r.visitParam ?? "",
  };
  if (r.appName) out.appName = r.appName;
  if (r.apiName) out.apiName = r.apiName;
  return out;
}
