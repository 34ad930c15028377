/**
 * The answers of the emulated endpoints: the app-auth routes (the seed's three and the two other
 * listings of the official specification) with the documented fields, validation and error codes,
 * for the path family of either gateway (ROMA Connect or APIG), and the two IAM routes the
 * provider uses.
 */
import { randomUUID } from "node:crypto";
import type { Caller } from "./auth";
import type { Authority } from "./auth";
import { answered, instanceOf, type Family } from "./families";
import type { FaultPlan } from "./faults";
import { publishId, type EmulatorSeed, type Named, type SeededApi, type SeededApp } from "./seed";
import type { AuthStore, StoredAuth } from "./store";

/** An answer before faults and logging. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What every route handler can reach. */
export interface RouteContext {
  seed: EmulatorSeed;
  /** The seed indexed: apps and APIs by id, and the name of every app, API and environment. */
  apps: Map<string, SeededApp>;
  apis: Map<string, SeededApi>;
  names: Map<string, string>;
  store: AuthStore;
  faults: FaultPlan;
  authority: Authority;
  now: () => number;
  maxPairsPerRequest: number;
  /** Projects IAM lists besides the seed's (to test ambiguous regions). */
  extraProjects: Named[];
}

const ENV_ID = /^[a-zA-Z0-9-_]{0,64}$/;
const VISIT_PARAM = /^[A-Za-z0-9_-]*[A-Za-z0-9]$/;
const RECORD_ID = /^[A-Za-z0-9]{1,64}$/;

export function errorAnswer(status: number, code: string, message: string): Answer {
  return { status, body: { error_code: code, error_msg: message } };
}

const badBody = (name: string) =>
  errorAnswer(
    400,
    "APIG.2011",
    `Invalid parameter value,parameterName:${name}. Please refer to the support documentation`,
  );
const badQuery = (name: string) =>
  errorAnswer(
    400,
    "APIG.2012",
    `Invalid parameter value,parameterName:${name}. Please refer to the support documentation`,
  );
// As an IAM policy denial, it carries the encoded message the official SDKs read (decodable with
// IAM's decode-authorization-message); here it names the action, not a real policy.
const noPermission = () => ({
  status: 403,
  body: {
    error_code: "APIG.1005",
    error_msg: "No permissions to request this method",
    encoded_authorization_message: Buffer.from(
      JSON.stringify({ action: "roma:apps:authorize", decision: "deny", reason: "read-only" }),
    ).toString("base64"),
  },
});

/**
 * Checks the project and instance of an app-auth path: a family's paths answer on its own instance
 * only (another gateway's instance is as unknown to them as any other id).
 */
export function checkInstance(
  ctx: RouteContext,
  family: Family,
  projectId: string,
  instanceId: string,
): Answer | undefined {
  if (projectId !== ctx.seed.projectId || instanceId !== instanceOf(ctx.seed, family)) {
    return errorAnswer(404, "APIG.3030", `The instance does not exist;id:${instanceId}`);
  }
  return undefined;
}

/** `POST /v2/{project_id}/{apic|apigw}/instances/{instance_id}/app-auths` */
export function authorize(ctx: RouteContext, family: Family, caller: Caller, body: Buffer): Answer {
  if (!caller.canWrite) return noPermission();
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return badBody("body");
  }
  // Carrying the field at all is refused, whatever its value: the gateway does not take it.
  const unsupported = family.unsupported.find(
    (name) => typeof request === "object" && request !== null && Object.hasOwn(request, name),
  );
  if (unsupported) return badQuery(unsupported);
  const instanceId = instanceOf(ctx.seed, family);
  const envId = request.env_id;
  if (typeof envId !== "string" || envId.length < 1 || envId.length > 65 || !ENV_ID.test(envId)) {
    return badBody("env_id");
  }
  const appIds = request.app_ids;
  const apiIds = request.api_ids;
  if (!isIdList(appIds)) return badBody("app_ids");
  if (!isIdList(apiIds)) return badBody("api_ids");
  const tunnel = request.auth_tunnel ?? "NORMAL";
  if (tunnel !== "NORMAL" && tunnel !== "GREEN") return badBody("auth_tunnel");
  for (const name of ["auth_whitelist", "auth_blacklist"]) {
    const list = request[name];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((x) => typeof x !== "string")) return badBody(name);
    if (list.length > 0 && tunnel !== "GREEN") return badBody(name);
  }
  const visitParams = request.visit_params ?? [];
  if (!Array.isArray(visitParams) || !visitParams.every((v) => isVisitParam(v, apiIds, appIds))) {
    return badBody("visit_params");
  }
  if (appIds.length * apiIds.length > ctx.maxPairsPerRequest) return badBody("api_ids");
  if (!ctx.names.has(envId)) {
    return errorAnswer(404, "APIG.3003", `Environment ${envId} does not exist`);
  }
  const missingApi = apiIds.find((id) => !ctx.apis.has(id));
  if (missingApi) return errorAnswer(404, "APIG.3002", `API ${missingApi} does not exist`);
  const missingApp = appIds.find((id) => !ctx.apps.has(id));
  if (missingApp) return errorAnswer(404, "APIG.3004", `App ${missingApp} does not exist`);

  const pairs = [...new Set(appIds)].flatMap((appId) =>
    [...new Set(apiIds)].map((apiId) => ({ appId, apiId })),
  );
  if (
    ctx.faults.duplicates === "error" &&
    pairs.some((p) => ctx.store.find(instanceId, envId, p.appId, p.apiId))
  ) {
    return errorAnswer(400, "APIG.3316", "The api auth relation already exists");
  }
  const options = {
    authTunnel: tunnel,
    authWhitelist: (request.auth_whitelist as string[] | undefined) ?? [],
    authBlacklist: (request.auth_blacklist as string[] | undefined) ?? [],
  };
  const auths = pairs.map(({ appId, apiId }) => {
    const names = {
      api_name: ctx.names.get(apiId) ?? "",
      app_name: ctx.names.get(appId) ?? "",
    };
    const existing = ctx.store.find(instanceId, envId, appId, apiId);
    if (existing) {
      return {
        ...(ctx.faults.skippedCarriesId
          ? relation(family, existing)
          : { api_id: apiId, app_id: appId }),
        auth_result: { status: "SKIPPED", ...names },
      };
    }
    const failure = ctx.faults.failure(appId, apiId);
    if (failure) {
      return {
        api_id: apiId,
        app_id: appId,
        auth_result: {
          status: failure.status,
          error_code: failure.code,
          error_msg: failure.message,
          ...names,
        },
      };
    }
    const record: StoredAuth = {
      id: randomUUID().replace(/-/g, ""),
      instanceId,
      envId,
      appId,
      apiId,
      authTime: new Date(ctx.now()).toISOString(),
      authRole: "PROVIDER",
      ...options,
      visitParam: visitParamOf(visitParams as VisitParamWire[], appId, apiId),
      createdAt: ctx.now(),
    };
    ctx.store.add(record);
    return { ...relation(family, record), auth_result: { status: "SUCCESS", ...names } };
  });
  return { status: 201, body: { auths } };
}

/**
 * `DELETE /v1/...` (the seed, ROMA Connect only) and
 * `/v2/{project_id}/{apic|apigw}/instances/{instance_id}/app-auths/{app_auth_id}`
 */
export function cancel(ctx: RouteContext, family: Family, caller: Caller, id: string): Answer {
  if (!caller.canWrite) return noPermission();
  if (!RECORD_ID.test(id)) return badQuery("id");
  if (!ctx.store.remove(instanceOf(ctx.seed, family), id)) {
    return errorAnswer(404, "APIG.3009", `The app authorization record does not exist,id:${id}`);
  }
  return { status: 204 };
}

/** `GET /v2/{project_id}/{apic|apigw}/instances/{instance_id}/app-auths/binded-apis`: the APIs an app may call. */
export function listBound(ctx: RouteContext, family: Family, query: Map<string, string>): Answer {
  const appId = query.get("app_id");
  if (!appId) return badQuery("app_id");
  const checked = checkPaging(query) ?? unknownApp(ctx, appId) ?? unknownEnv(ctx, query);
  if (checked) return checked;
  const api = apiFilter(ctx, query);
  const groupName = query.get("group_name");
  return authPage(ctx, family, query, (r) => {
    const a = ctx.apis.get(r.apiId);
    return (
      r.appId === appId &&
      api(r.envId, r.apiId) &&
      (!groupName || a?.groupName.includes(groupName) === true)
    );
  });
}

/** `GET .../app-auths/binded-apps`: the apps that may call an API. */
export function listBoundApps(
  ctx: RouteContext,
  family: Family,
  query: Map<string, string>,
): Answer {
  const apiId = query.get("api_id");
  if (!apiId) return badQuery("api_id");
  const checked =
    checkPaging(query) ??
    (ctx.apis.has(apiId)
      ? undefined
      : errorAnswer(404, "APIG.3002", `API ${apiId} does not exist`)) ??
    unknownEnv(ctx, query);
  if (checked) return checked;
  const envId = query.get("env_id");
  const appId = query.get("app_id");
  const appName = query.get("app_name");
  return authPage(
    ctx,
    family,
    query,
    (r) =>
      r.apiId === apiId &&
      (!envId || r.envId === envId) &&
      (!appId || r.appId === appId) &&
      (!appName || ctx.names.get(r.appId)?.includes(appName) === true),
  );
}

/** `GET .../app-auths/unbinded-apis`: the APIs published in an environment an app may not call yet. */
export function listUnbound(ctx: RouteContext, family: Family, query: Map<string, string>): Answer {
  const appId = query.get("app_id");
  if (!appId) return badQuery("app_id");
  const envId = query.get("env_id");
  if (!envId) return badQuery("env_id");
  const checked = checkPaging(query) ?? unknownApp(ctx, appId) ?? unknownEnv(ctx, query);
  if (checked) return checked;
  const bound = new Set(
    ctx.store
      .visible(
        instanceOf(ctx.seed, family),
        ctx.faults.lagMs,
        (r) => r.appId === appId && r.envId === envId,
      )
      .map((r) => r.apiId),
  );
  const api = apiFilter(ctx, query);
  const matching = ctx.seed.apis.filter((a) => !bound.has(a.id) && api(envId, a.id));
  const envName = ctx.names.get(envId) ?? "";
  return page(query, matching, "apis", (a) => ({
    id: a.id,
    name: a.name,
    remark: a.remark,
    group_id: a.groupId,
    group_name: a.groupName,
    publish_id: publishId(a.id, envId),
    run_env_id: envId,
    run_env_name: envName,
    auth_type: a.authType,
    req_uri: a.reqUri,
  }));
}

// The filters `env_id`, `api_id`, `api_name` (a part of the name) and `group_id` on an API.
function apiFilter(
  ctx: RouteContext,
  query: Map<string, string>,
): (envId: string, apiId: string) => boolean {
  const envId = query.get("env_id");
  const apiId = query.get("api_id");
  const apiName = query.get("api_name");
  const groupId = query.get("group_id");
  return (env, id) => {
    const a = ctx.apis.get(id);
    return (
      (!envId || env === envId) &&
      (!apiId || id === apiId) &&
      (!apiName || a?.name.includes(apiName) === true) &&
      (!groupId || a?.groupId === groupId)
    );
  };
}

function checkPaging(query: Map<string, string>): Answer | undefined {
  const limit = intParam(query.get("limit"), 20);
  if (limit === undefined || limit < 1 || limit > 500) return badQuery("limit");
  if (intParam(query.get("offset"), 0) === undefined) return badQuery("offset");
  return undefined;
}

function unknownApp(ctx: RouteContext, appId: string): Answer | undefined {
  return ctx.apps.has(appId)
    ? undefined
    : errorAnswer(404, "APIG.3004", `App ${appId} does not exist`);
}

function unknownEnv(ctx: RouteContext, query: Map<string, string>): Answer | undefined {
  const envId = query.get("env_id");
  return envId && !ctx.names.has(envId)
    ? errorAnswer(404, "APIG.3003", `Environment ${envId} does not exist`)
    : undefined;
}

// A page of the records (as `ApiAuthInfo`) a reader sees now that match `where`.
function authPage(
  ctx: RouteContext,
  family: Family,
  query: Map<string, string>,
  where: (r: StoredAuth) => boolean,
): Answer {
  const matching = ctx.store.visible(instanceOf(ctx.seed, family), ctx.faults.lagMs, where);
  return page(query, matching, "auths", (r) => info(ctx, family, r));
}

// `offset` below 0 is taken as 0, as the specification says; call after checkPaging.
function page<T>(
  query: Map<string, string>,
  matching: T[],
  field: string,
  wire: (item: T) => unknown,
): Answer {
  const limit = intParam(query.get("limit"), 20)!;
  const offset = Math.max(0, intParam(query.get("offset"), 0)!);
  const items = matching.slice(offset, offset + limit);
  return {
    status: 200,
    body: { total: matching.length, size: items.length, [field]: items.map(wire) },
  };
}

/** `POST /v3/auth/tokens` (IAM password login). */
export function iamToken(ctx: RouteContext, body: Buffer): Answer {
  const iamFailure = (status: number, message: string) => ({
    status,
    body: {
      error: {
        code: String(status),
        message,
        title: status === 401 ? "Unauthorized" : "Bad Request",
      },
    },
  });
  let request: IamLogin;
  try {
    request = JSON.parse(body.toString("utf8")) as IamLogin;
  } catch {
    return iamFailure(400, "The request body is not JSON.");
  }
  const user = request.auth?.identity?.password?.user;
  const expected = ctx.seed.credentials.user;
  if (
    !request.auth?.identity?.methods?.includes("password") ||
    user?.name !== expected.name ||
    user?.password !== expected.password ||
    user?.domain?.name !== expected.domainName
  ) {
    return iamFailure(401, "The username or password is wrong.");
  }
  const project = request.auth?.scope?.project;
  const projects = allProjects(ctx);
  const scoped = projects.find((p) =>
    project?.id ? p.id === project.id : p.name === project?.name,
  );
  if (!scoped) return iamFailure(400, "The project in the scope does not exist.");
  const { token, expiresAt } = ctx.authority.issueToken(scoped.id);
  return {
    status: 201,
    headers: { "X-Subject-Token": token },
    body: {
      token: {
        methods: ["password"],
        issued_at: new Date(ctx.now()).toISOString(),
        expires_at: new Date(expiresAt).toISOString(),
        project: { id: scoped.id, name: scoped.name, domain: { name: expected.domainName } },
        user: { name: expected.name, domain: { name: expected.domainName } },
      },
    },
  };
}

/** `GET /v3/projects?name=...` */
export function iamProjects(ctx: RouteContext, query: Map<string, string>): Answer {
  const name = query.get("name");
  const projects = allProjects(ctx).filter((p) => !name || p.name === name);
  return {
    status: 200,
    body: { projects: projects.map((p) => ({ id: p.id, name: p.name, enabled: true })) },
  };
}

interface VisitParamWire {
  api_id: string;
  app_id?: string;
  visit_param: string;
}

interface IamLogin {
  auth?: {
    identity?: {
      methods?: string[];
      password?: { user?: { name?: string; password?: string; domain?: { name?: string } } };
    };
    scope?: { project?: { id?: string; name?: string } };
  };
}

function allProjects(ctx: RouteContext): Named[] {
  return [{ id: ctx.seed.projectId, name: ctx.seed.region }, ...ctx.extraProjects];
}

function isIdList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((x) => typeof x === "string" && x !== "")
  );
}

function isVisitParam(value: unknown, apiIds: string[], appIds: string[]): boolean {
  const v = value as Partial<VisitParamWire> | null;
  if (!v || typeof v.api_id !== "string" || !apiIds.includes(v.api_id)) return false;
  if (v.app_id !== undefined && !appIds.includes(v.app_id)) return false;
  if (typeof v.visit_param !== "string") return false;
  const params = v.visit_param.split(",");
  return (
    new Set(params).size === params.length &&
    params.every((p) => p.length <= 255 && VISIT_PARAM.test(p))
  );
}

/** The pair's parameters: an entry naming the app wins over the API's entry without an app. */
function visitParamOf(params: VisitParamWire[], appId: string, apiId: string): string {
  const forApi = params.filter((p) => p.api_id === apiId);
  const chosen = forApi.find((p) => p.app_id === appId) ?? forApi.find((p) => !p.app_id);
  return chosen?.visit_param ?? "";
}

function intParam(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return /^-?\d{1,15}$/.test(value) ? Number(value) : undefined;
}

// The create answer's record (ApiAuthRelations), as `family` answers it.
function relation(family: Family, r: StoredAuth) {
  return answered(family, {
    id: r.id,
    api_id: r.apiId,
    app_id: r.appId,
    auth_time: r.authTime,
    auth_role: r.authRole,
    auth_tunnel: r.authTunnel,
    auth_whitelist: r.authWhitelist,
    auth_blacklist: r.authBlacklist,
    visit_params: r.visitParam,
  });
}

// The list answer's record (ApiAuthInfo), every field of the official model `family` answers.
function info(ctx: RouteContext, family: Family, r: StoredAuth) {
  const api = ctx.apis.get(r.apiId);
  const app = ctx.apps.get(r.appId);
  return answered(family, {
    id: r.id,
    api_id: r.apiId,
    api_name: api?.name ?? "",
    api_type: api?.type ?? 1,
    api_remark: api?.remark ?? "",
    group_id: api?.groupId ?? "",
    group_name: api?.groupName ?? "",
    publish_id: publishId(r.apiId, r.envId),
    app_id: r.appId,
    app_name: app?.name ?? "",
    app_remark: app?.remark ?? "",
    app_type: app?.type ?? "roma",
    app_creator: app?.creator ?? "USER",
    roma_app_type: app?.romaAppType ?? "integration",
    env_id: r.envId,
    env_name: ctx.names.get(r.envId) ?? "",
    auth_role: r.authRole,
    auth_time: r.authTime,
    auth_tunnel: r.authTunnel,
    auth_whitelist: r.authWhitelist,
    auth_blacklist: r.authBlacklist,
    visit_param: r.visitParam,
  });
}
