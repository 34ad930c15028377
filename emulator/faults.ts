/**
 * Misbehaving on purpose: latency, answers replaced by errors or dropped connections (before or
 * after the write takes effect), pairs that answer FAILED inside a 201, lagging reads, and how
 * duplicates are answered. Random choices come from a seeded generator, so a run replays.
 */

/**
 * The emulator's routes, as the request log names them: `list` is `binded-apis`, `list.apps`
 * `binded-apps`, `list.unbound` `unbinded-apis`.
 */
export type Route =
  "authorize" | "cancel" | "list" | "list.apps" | "list.unbound" | "iam.token" | "iam.projects";

export const API_ROUTES: readonly Route[] = [
  "authorize",
  "cancel",
  "list",
  "list.apps",
  "list.unbound",
];

/** What replaces an answer. `afterApplying`: the write takes effect first, then the answer is lost. */
export type Fault =
  | {
      kind: "error";
      status: number;
      code: string;
      message?: string;
      retryAfterSeconds?: number;
      afterApplying?: boolean;
    }
  | { kind: "drop"; afterApplying?: boolean }
  /** A redirect (never followed by the provider), as a proxy or a wrong endpoint answers. */
  | { kind: "redirect"; status: 301 | 302 | 307; location: string; afterApplying?: boolean }
  /** A 200 whose body is an HTML page (a captive portal, a proxy's error page). */
  | { kind: "html"; afterApplying?: boolean };

/** The next `count` answers of a route (any API route when absent) are replaced by `fault`. */
export interface ScriptedFault {
  route?: Route;
  count: number;
  fault: Fault;
}

/** A share `rate` (0 to 1) of a route's answers is replaced by `fault`. */
export interface RandomFault {
  route?: Route;
  rate: number;
  fault: Fault;
}

/** Pairs that answer FAILED inside a 201; an absent id matches any. `times`: how often (default always). */
export interface FailingPair {
  appId?: string;
  apiId?: string;
  /** The item's status: `FAILED` (the seed's spelling, default) or `FILAED` (the specification's). */
  status?: string;
  code?: string;
  message?: string;
  times?: number;
}

export interface FaultSettings {
  /** Milliseconds before each answer, per route or `default`. */
  latencyMs?: Partial<Record<Route | "default", number>>;
  next?: ScriptedFault[];
  random?: RandomFault[];
  failingPairs?: FailingPair[];
  /** Share of pairs that answer FAILED. */
  failingPairRate?: number;
  /** Milliseconds before a write shows in `binded-apis`. */
  visibilityLagMs?: number;
  /** An already-authorized pair: SKIPPED inside the 201 (default) or 400 APIG.3316. */
  duplicates?: "skip" | "error";
  /** Whether a SKIPPED item carries the existing record's id (default false). */
  skippedCarriesId?: boolean;
  /** Seed of the random generator. */
  seed?: number;
  /** A tenant's request limit, as the gateway enforces it on every API route. */
  throttle?: TenantThrottle;
}

/**
 * A token bucket: `perSecond` requests a second on average, `burst` (default `perSecond`) at once;
 * a request finding the bucket empty answers 429 APIG.0308 and takes no token. Time is the
 * emulator's clock.
 */
export interface TenantThrottle {
  perSecond: number;
  burst?: number;
  /** The `Retry-After` a throttled answer carries; none when absent. */
  retryAfterSeconds?: number;
}

/** Ready-made faults with the codes and messages the real service uses. */
export const FAULTS = {
  throttled: (retryAfterSeconds = 1): Extract<Fault, { kind: "error" }> => ({
    kind: "error",
    status: 429,
    code: "APIG.0308",
    message: "The throttling threshold has been reached: policy user over ratelimit",
    retryAfterSeconds,
  }),
  systemError: (afterApplying = false): Fault => ({
    kind: "error",
    status: 500,
    code: "APIG.9999",
    message: "System error",
    afterApplying,
  }),
  tooManyRequests: (): Fault => ({
    kind: "error",
    status: 500,
    code: "APIG.9008",
    message: "Too many requests",
  }),
  syncConflict: (): Fault => ({
    kind: "error",
    status: 500,
    code: "APIG.3500",
    message: "Synchronization conflict, please try again later",
  }),
  drop: (afterApplying = false): Fault => ({ kind: "drop", afterApplying }),
  redirect: (
    status: 301 | 302 | 307 = 302,
    location = "https://login.example.com/portal",
  ): Fault => ({
    kind: "redirect",
    status,
    location,
  }),
  html: (): Fault => ({ kind: "html" }),
  /** A 400 the service gives a request it rejects; never retried. */
  invalidParameter: (message = "Invalid parameter value,parameterName:api_ids"): Fault => ({
    kind: "error",
    status: 400,
    code: "APIG.2011",
    message,
  }),
};

export class FaultPlan {
  private settings: FaultSettings = {};
  private random: () => number = mulberry32(1);
  /** How many faults of each kind were injected. */
  readonly injected: Record<string, number> = {};

  constructor(settings: FaultSettings = {}) {
    this.set(settings);
  }

  private bucket?: { tokens: number; at: number };

  /** Replaces every fault setting. */
  set(settings: FaultSettings): void {
    this.bucket = undefined;
    this.settings = {
      ...settings,
      next: (settings.next ?? []).map((s) => ({ ...s })),
      failingPairs: (settings.failingPairs ?? []).map((p) => ({ ...p })),
    };
    this.random = mulberry32(settings.seed ?? 1);
  }

  /** The current settings (scripted counts as they are now). */
  get current(): FaultSettings {
    return this.settings;
  }

  latency(route: Route): number {
    const l = this.settings.latencyMs ?? {};
    return l[route] ?? l.default ?? 0;
  }

  /** The fault replacing this answer, if any: scripted ones first, then random ones. */
  pick(route: Route): Fault | undefined {
    const applies = (r: Route | undefined) =>
      r === undefined ? API_ROUTES.includes(route) : r === route;
    const scripted = (this.settings.next ?? []).find((s) => s.count > 0 && applies(s.route));
    if (scripted) {
      scripted.count--;
      return this.count(scripted.fault);
    }
    for (const r of this.settings.random ?? []) {
      if (applies(r.route) && this.random() < r.rate) return this.count(r.fault);
    }
    return undefined;
  }

  /** The tenant throttle's answer to an API request arriving at `now`, if the bucket is empty. */
  throttled(route: Route, now: number): Fault | undefined {
    const limit = this.settings.throttle;
    if (!limit || !API_ROUTES.includes(route)) return undefined;
    const burst = limit.burst ?? limit.perSecond;
    const bucket = (this.bucket ??= { tokens: burst, at: now });
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens--;
      return undefined;
    }
    return this.count({ ...FAULTS.throttled(), retryAfterSeconds: limit.retryAfterSeconds });
  }

  /** Why this pair answers FAILED, if it does. */
  failure(
    appId: string,
    apiId: string,
  ): { status: string; code: string; message: string } | undefined {
    const match = (this.settings.failingPairs ?? []).find(
      (p) =>
        (p.times ?? 1) > 0 && (!p.appId || p.appId === appId) && (!p.apiId || p.apiId === apiId),
    );
    const random = !match && this.random() < (this.settings.failingPairRate ?? 0);
    if (!match && !random) return undefined;
    if (match?.times !== undefined) match.times--;
    const status = match?.status ?? "FAILED";
    this.injected[`${status} item`] = (this.injected[`${status} item`] ?? 0) + 1;
    return {
      status,
      code: match?.code ?? "APIG.9999",
      message: match?.message ?? "System error",
    };
  }

  get lagMs(): number {
    return this.settings.visibilityLagMs ?? 0;
  }

  get duplicates(): "skip" | "error" {
    return this.settings.duplicates ?? "skip";
  }

  get skippedCarriesId(): boolean {
    return this.settings.skippedCarriesId ?? false;
  }

  private count(fault: Fault): Fault {
    const kind = describeFault(fault);
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    return fault;
  }
}

/** A fault's kind as logs and counts name it, e.g. "429 APIG.0308" or "drop after applying". */
export function describeFault(fault: Fault): string {
  const base =
    fault.kind === "error"
      ? `${fault.status} ${fault.code}`
      : fault.kind === "redirect"
        ? `${fault.status} redirect`
        : fault.kind;
  return fault.afterApplying ? `${base} after applying` : base;
}

/** A small seeded generator (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
