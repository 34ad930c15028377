/**
 * The emulator's HTTP server: routing, authentication, injected faults, the request log, the body
 * limit, and the control endpoints under `/_emulator/` (kept apart from the API paths, and open
 * only to callers that send the control key).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Authority, isRefusal, parseQuery, safeEqual, type Caller } from "./auth";
import { REAL_CLOCK, type Clock } from "./clock";
import { FAMILIES, type Family } from "./families";
import { describeFault, FaultPlan, type FaultSettings, type Route } from "./faults";
import {
  authorize,
  cancel,
  checkInstance,
  errorAnswer,
  iamProjects,
  iamToken,
  listBound,
  listBoundApps,
  listUnbound,
  type Answer,
  type RouteContext,
} from "./routes";
import { makeSeed, type EmulatorSeed, type Named, type SeedOptions } from "./seed";
import { AuthStore, type StoredAuth } from "./store";

export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  seed?: SeedOptions;
  faults?: FaultSettings;
  /** Keep the records in this JSON file, so they survive a restart. */
  stateFile?: string;
  /** Most pairs one authorize request may name (default 1000, as the console allows). */
  maxPairsPerRequest?: number;
  /** Lifetime of IAM tokens (default 24 h). */
  tokenTtlMs?: number;
  /**
   * The server's clock: its `Date` header, `auth_time`, token lifetimes, signature window and
   * visibility lag all read it. Default: the real clock.
   */
  clock?: Clock;
  /** Added to `clock`, to test signature dates and clock skew. */
  clockSkewMs?: number;
  /** More IAM projects (a second one named like the region makes the region ambiguous). */
  extraProjects?: Named[];
  /** Largest request body accepted, in bytes (default {@link MAX_BODY_BYTES}); larger answer 413. */
  maxBodyBytes?: number;
  /** The key the control endpoints require in {@link CONTROL_KEY_HEADER} (default: a random one). */
  controlKey?: string;
}

/** The default body limit: 1 MiB (an authorize request of 1,000 pairs is about 40 KB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The header that carries the control key on requests to `/_emulator/`. */
export const CONTROL_KEY_HEADER = "X-Emulator-Key";

/** One answered (or dropped) request. */
export interface LogEntry {
  /** When the request came in, by the real clock (as `ms`), whatever the server's clock says. */
  at: number;
  method: string;
  path: string;
  route: Route | "control" | "unknown";
  status: number | "dropped";
  code?: string;
  fault?: string;
  ms: number;
}

/**
 * An authorization record as it exists (not as a lagging read shows it), on the instance
 * `instanceId` (the seed's ROMA Connect or APIG instance).
 */
export type Binding = Omit<StoredAuth, "createdAt">;

/** Steering and inspecting a running emulator. */
export interface EmulatorControl {
  /** Replaces every fault setting. */
  setFaults(settings: FaultSettings): void;
  /** The fault settings now (scripted counts as they stand). */
  faults(): FaultSettings;
  /** Faults injected so far, by kind. */
  injected(): Record<string, number>;
  /** Every record that exists now, on both instances. */
  bindings(): Binding[];
  /** Requests per route since the last `resetLog`. */
  counts(): Partial<Record<Route, number>>;
  log(): LogEntry[];
  resetLog(): void;
  /**
   * Resolves once `route` has been answered (or dropped) `count` times since the last `resetLog`,
   * before the client reads that answer: a test moves a {@link ManualClock} there to decide exactly
   * which requests see which server time.
   */
  answered(route: Route, count: number): Promise<void>;
  /**
   * Removes a pair's record outside the API, as another tool would, on `instanceId` (default the
   * seed's ROMA Connect instance; pass `seed.apigInstanceId` for APIG's).
   */
  unbind(envId: string, appId: string, apiId: string, instanceId?: string): boolean;
  /**
   * Creates a pair's record outside the API on `instanceId` (default the seed's ROMA Connect
   * instance); `authTime` defaults to now.
   */
  bind(envId: string, appId: string, apiId: string, authTime?: Date, instanceId?: string): Binding;
  clearBindings(): void;
  /** Makes every IAM token issued so far expired. */
  expireTokens(): void;
  setClockSkew(ms: number): void;
}

export interface Emulator {
  /** Base URL for the ROMA Connect, APIG and IAM endpoints. */
  url: string;
  /** What the control endpoints under `/_emulator/` require in {@link CONTROL_KEY_HEADER}. */
  controlKey: string;
  seed: EmulatorSeed;
  control: EmulatorControl;
  /** Stops listening and writes every pending record to the state file. */
  close(): Promise<void>;
}

interface Matched {
  route: Route;
  /** The gateway of an app-auth route. */
  family?: Family;
  params: string[];
}

interface RouteEntry {
  method: string;
  pattern: RegExp;
  route: Route;
  family?: Family;
}

// The app-auth routes after `/app-auths`; `v1`: the route also has a `/v1/` form (where the family
// keeps those).
const APP_AUTH_ROUTES: { method: string; tail: string; route: Route; v1: boolean }[] = [
  { method: "GET", tail: "/binded-apis", route: "list", v1: true },
  { method: "GET", tail: "/binded-apps", route: "list.apps", v1: true },
  { method: "GET", tail: "/unbinded-apis", route: "list.unbound", v1: true },
  { method: "POST", tail: "", route: "authorize", v1: false },
  { method: "DELETE", tail: "/([^/]+)", route: "cancel", v1: true },
];

const ROUTES: RouteEntry[] = [
  ...FAMILIES.flatMap((family) =>
    APP_AUTH_ROUTES.map(({ method, tail, route, v1 }) => ({
      method,
      route,
      family,
      pattern: new RegExp(
        `^/${v1 && family.v1 ? "v[12]" : "v2"}/([^/]+)/${family.segment}/instances/([^/]+)/app-auths${tail}$`,
      ),
    })),
  ),
  { method: "POST", pattern: /^\/v3\/auth\/tokens$/, route: "iam.token" },
  { method: "GET", pattern: /^\/v3\/projects$/, route: "iam.projects" },
];

/** Starts an emulator on loopback; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = options.clock ?? REAL_CLOCK;
  let skew = options.clockSkewMs ?? 0;
  const now = () => clock.now() + skew;
  const seed = makeSeed(options.seed);
  const ctx: RouteContext = {
    seed,
    apps: new Map(seed.apps.map((a) => [a.id, a])),
    apis: new Map(seed.apis.map((a) => [a.id, a])),
    names: new Map([...seed.apps, ...seed.apis, ...seed.environments].map((x) => [x.id, x.name])),
    store: new AuthStore(options.stateFile, now, seed.instanceId),
    faults: new FaultPlan(options.faults),
    authority: new Authority(seed, now, options.tokenTtlMs ?? 24 * 3600_000),
    now,
    maxPairsPerRequest: options.maxPairsPerRequest ?? 1000,
    extraProjects: options.extraProjects ?? [],
  };
  let log: LogEntry[] = [];
  const controlKey = options.controlKey ?? randomBytes(16).toString("hex");
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let waiters: { route: Route; count: number; resolve: () => void }[] = [];
  const answeredSoFar = (route: Route) => log.filter((e) => e.route === route).length;
  const wake = () => {
    const ready = waiters.filter((w) => answeredSoFar(w.route) >= w.count);
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  };

  const control: EmulatorControl = {
    setFaults: (settings) => ctx.faults.set(settings),
    faults: () => ctx.faults.current,
    injected: () => ({ ...ctx.faults.injected }),
    bindings: () => ctx.store.all().map(({ createdAt: _createdAt, ...binding }) => binding),
    counts: () => {
      const counts: Partial<Record<Route, number>> = {};
      for (const e of log)
        if (e.route !== "control" && e.route !== "unknown")
          counts[e.route] = (counts[e.route] ?? 0) + 1;
      return counts;
    },
    log: () => [...log],
    resetLog: () => {
      log = [];
    },
    answered: (route, count) =>
      new Promise<void>((resolve) => {
        waiters.push({ route, count, resolve });
        wake();
      }),
    unbind: (envId, appId, apiId, instanceId = seed.instanceId) => {
      const record = ctx.store.find(instanceId, envId, appId, apiId);
      return record !== undefined && ctx.store.remove(instanceId, record.id) !== undefined;
    },
    bind: (envId, appId, apiId, authTime, instanceId = seed.instanceId) => {
      const at = authTime?.getTime() ?? now();
      const record: StoredAuth = {
        id: randomUUID().replace(/-/g, ""),
        instanceId,
        envId,
        appId,
        apiId,
        authTime: new Date(at).toISOString(),
        authRole: "PROVIDER",
        authTunnel: "NORMAL",
        authWhitelist: [],
        authBlacklist: [],
        visitParam: "",
        createdAt: Math.min(at, now()),
      };
      ctx.store.add(record);
      const { createdAt: _createdAt, ...binding } = record;
      return binding;
    },
    clearBindings: () => ctx.store.clear(),
    expireTokens: () => ctx.authority.expireIssuedTokens(),
    setClockSkew: (ms) => {
      skew = ms;
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const [rawPath, rawQuery = ""] = (req.url ?? "/").split("?", 2);
    const method = req.method ?? "GET";
    const entry: LogEntry = {
      at: started,
      method,
      path: rawPath,
      route: "unknown",
      status: 0,
      ms: 0,
    };
    const finish = (status: number | "dropped", answer?: Answer, fault?: string) => {
      entry.status = status;
      entry.code = (answer?.body as { error_code?: string } | undefined)?.error_code;
      if (fault) entry.fault = fault;
      entry.ms = Date.now() - started;
      log.push(entry);
      wake();
    };
    const answerWith = (answer: Answer, fault?: string) => {
      send(res, now, answer);
      finish(answer.status, answer, fault);
    };
    try {
      const isControl = rawPath.startsWith("/_emulator/");
      if (isControl) entry.route = "control";
      if (isControl && !hasControlKey(req)) {
        return answerWith(
          errorAnswer(
            401,
            "EMULATOR.401",
            `Control endpoints need the ${CONTROL_KEY_HEADER} header`,
          ),
        );
      }
      const body = await readBody(req, maxBodyBytes);
      if (body === undefined) {
        // The rest of the body is never read: the connection closes after this answer.
        const answer = errorAnswer(
          413,
          "APIG.0201",
          `Request entity too large: the limit is ${maxBodyBytes} bytes`,
        );
        answer.headers = { Connection: "close" };
        return answerWith(answer);
      }
      if (isControl) {
        const action = rawPath.slice("/_emulator/".length);
        if (`${method} ${action}` === "POST flush") {
          await ctx.store.flush();
          return answerWith({ status: 200, body: {} });
        }
        return answerWith(controlAnswer(method, action, body));
      }
      const matched = match(method, rawPath);
      if (!matched) {
        return answerWith(
          errorAnswer(
            404,
            "APIG.0101",
            "The API does not exist or has not been published in the environment",
          ),
        );
      }
      entry.route = matched.route;
      const decoded = decodeUrl(matched.params, rawQuery);
      if ("malformed" in decoded) return answerWith(badEncoding(decoded.malformed));
      const latency = ctx.faults.latency(matched.route);
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

      const fault = ctx.faults.throttled(matched.route, now()) ?? ctx.faults.pick(matched.route);
      const request = { method, rawPath, rawQuery, headers: req.headers, body };
      const answer =
        fault && !fault.afterApplying ? undefined : routeAnswer(matched, decoded, request);
      if (fault) {
        if (fault.kind === "drop") {
          req.socket.destroy();
          return finish("dropped", undefined, describeFault(fault));
        }
        if (fault.kind === "redirect" || fault.kind === "html") {
          const status = fault.kind === "redirect" ? fault.status : 200;
          const headers =
            fault.kind === "redirect"
              ? { Location: fault.location }
              : { "Content-Type": "text/html; charset=utf-8" };
          res.writeHead(status, { Date: new Date(now()).toUTCString(), ...headers }).end(HTML_PAGE);
          return finish(status, undefined, describeFault(fault));
        }
        const replaced = errorAnswer(fault.status, fault.code, fault.message ?? "Injected fault");
        if (fault.retryAfterSeconds !== undefined) {
          replaced.headers = { "Retry-After": String(fault.retryAfterSeconds) };
        }
        return answerWith(replaced, describeFault(fault));
      }
      answerWith(answer!);
    } catch (error) {
      const answer = errorAnswer(500, "APIG.9999", `System error: ${String(error)}`);
      if (!res.headersSent) send(res, now, answer);
      finish(500, answer);
    }
  }

  function hasControlKey(req: IncomingMessage): boolean {
    const sent = req.headers[CONTROL_KEY_HEADER.toLowerCase()];
    return typeof sent === "string" && safeEqual(sent, controlKey);
  }

  function routeAnswer(
    { route, family }: Matched,
    { params, query }: Decoded,
    request: Parameters<Authority["authenticate"]>[0],
  ): Answer {
    if (route === "iam.token") return iamToken(ctx, request.body);
    const caller = ctx.authority.authenticate(request);
    if (isRefusal(caller)) return errorAnswer(caller.status, caller.code, caller.message);
    // The IAM routes are the only ones without a gateway family.
    if (!family) return iamProjects(ctx, query);
    const [projectId, instanceId, recordId] = params;
    return (
      checkInstance(ctx, family, projectId, instanceId) ??
      appAuthAnswer(route, family, caller, request.body, query, recordId)
    );
  }

  function appAuthAnswer(
    route: Route,
    family: Family,
    caller: Caller,
    body: Buffer,
    query: Map<string, string>,
    recordId: string,
  ): Answer {
    switch (route) {
      case "authorize":
        return authorize(ctx, family, caller, body);
      case "cancel":
        return cancel(ctx, family, caller, recordId);
      case "list.apps":
        return listBoundApps(ctx, family, query);
      case "list.unbound":
        return listUnbound(ctx, family, query);
      default:
        return listBound(ctx, family, query);
    }
  }

  function controlAnswer(method: string, action: string, body: Buffer): Answer {
    const json = () =>
      body.length > 0 ? (JSON.parse(body.toString("utf8")) as Record<string, string>) : {};
    switch (`${method} ${action}`) {
      case "GET seed":
        return { status: 200, body: seed };
      case "GET bindings":
        return { status: 200, body: { bindings: control.bindings() } };
      case "GET log":
        return {
          status: 200,
          body: { counts: control.counts(), injected: control.injected(), entries: log },
        };
      case "GET faults":
        return { status: 200, body: ctx.faults.current };
      case "PUT faults":
        control.setFaults(json());
        return { status: 200, body: ctx.faults.current };
      case "POST unbind": {
        const b = json();
        return {
          status: control.unbind(b.envId, b.appId, b.apiId, b.instanceId) ? 200 : 404,
          body: {},
        };
      }
      case "POST bind": {
        const b = json();
        return {
          status: 201,
          body: control.bind(b.envId, b.appId, b.apiId, undefined, b.instanceId),
        };
      }
      case "POST reset":
        control.resetLog();
        control.setFaults({});
        return { status: 200, body: {} };
      case "POST expire-tokens":
        control.expireTokens();
        return { status: 200, body: {} };
      default:
        return errorAnswer(404, "EMULATOR.404", `No control action ${method} /_emulator/${action}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    controlKey,
    seed,
    control,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await ctx.store.flush();
    },
  };
}

interface Decoded {
  params: string[];
  query: Map<string, string>;
}

// The path parameters and query decoded, or the name of the first part that is not validly
// percent-encoded.
function decodeUrl(params: string[], rawQuery: string): Decoded | { malformed: string } {
  const decoded: string[] = [];
  for (const p of params) {
    try {
      decoded.push(decodeURIComponent(p));
    } catch {
      return { malformed: "path" };
    }
  }
  try {
    return { params: decoded, query: new Map(parseQuery(rawQuery)) };
  } catch {
    const bad = rawQuery.split("&").find((part) => {
      try {
        parseQuery(part);
        return false;
      } catch {
        return true;
      }
    });
    return { malformed: (bad ?? rawQuery).split("=")[0] };
  }
}

function badEncoding(name: string): Answer {
  return errorAnswer(
    400,
    "APIG.2012",
    `Invalid parameter value,parameterName:${name}. Please refer to the support documentation`,
  );
}

const HTML_PAGE =
  "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in to continue.</body></html>";

function match(method: string, path: string): Matched | undefined {
  for (const r of ROUTES) {
    const m = r.method === method ? r.pattern.exec(path) : null;
    if (m) return { route: r.route, family: r.family, params: m.slice(1) };
  }
  return undefined;
}

function send(res: ServerResponse, now: () => number, answer: Answer): void {
  const headers: Record<string, string> = {
    "X-Request-Id": randomUUID().replace(/-/g, ""),
    Date: new Date(now()).toUTCString(),
    ...answer.headers,
  };
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res
    .writeHead(answer.status, { ...headers, "Content-Type": "application/json;charset=UTF-8" })
    .end(text);
}

// The whole body, or undefined as soon as it is known to pass `limit` bytes (by its
// Content-Length, or while it streams in); then the rest is left unread.
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve(undefined);
      } else chunks.push(c);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
