/**
 * What belongs to the provider process rather than to one resource: the settings, the HTTP
 * transport with its concurrency limiter, the IAM token cache and the project-id cache. Every
 * resource of a stack is served by one provider process, so a stack of hundreds of authorizations
 * logs in once and shares one concurrency budget.
 *
 * The state hangs off `globalThis` under a versioned key rather than a module variable, so every
 * copy of this module loaded in one process (the package reached by two paths) shares one budget
 * and one login; a test drops the key to model the next command's fresh process.
 */
import { createHash } from "node:crypto";
import { akskAuth, iamTokenAuth, tokenAuth, type TokenSource } from "./auth/authenticators";
import {
  findProjectId,
  login,
  type IamToken,
  type PasswordLogin,
  type TokenScope,
} from "./auth/iam";
import type { Gateway } from "./fields";
import { budgetOf, untilDeadline } from "./http/deadline";
import { AdaptiveLimiter } from "./http/limiter";
import type { Authenticator, Budget, Transport } from "./http/transport";
import { RomaTransport, type Target } from "./roma-api";
import type { Secret } from "./secret";
import {
  ENDPOINT_SETTINGS,
  forRegion,
  missingCredentialsMessage,
  resolveSettings,
  urlOrigin,
  type ProviderSettings,
  type UrlSetting,
} from "./settings";

const GLOBAL_KEY = "__pulumiRomaAppAuthRuntime_v1";

export class ProcessRuntime {
  readonly transport: Transport;
  private readonly tokens = new Map<string, Cached<IamToken>>();
  private readonly projects = new Map<string, Cached<string>>();

  constructor(
    readonly settings: ProviderSettings,
    readonly fingerprint: string,
  ) {
    this.transport = new RomaTransport({
      limiter: new AdaptiveLimiter(settings.maxConcurrency),
      maxRetries: settings.maxRetries,
      requestTimeoutMs: settings.requestTimeoutMs,
    });
  }

  /** The time one operation may take from now, as a deadline and its cancellation signal. */
  budget(): Budget {
    return budgetOf(this.settings.operationTimeoutMs);
  }

  /** Resolves where a resource's records live; may ask IAM for the project id (once a process). */
  async target(
    where: {
      gateway?: Gateway;
      instanceId: string;
      envId: string;
      region?: string;
      projectId?: string;
    },
    budget: Budget,
  ): Promise<Target> {
    const region = where.region ?? this.settings.region;
    if (!region) {
      throw new Error(
        "No region: give the resource a region, or set roma:region / huaweicloud:region / HW_REGION_NAME.",
      );
    }
    const projectId =
      where.projectId ?? this.settings.projectId ?? (await this.discoverProject(region, budget));
    const gateway = where.gateway ?? "roma";
    return {
      gateway,
      region,
      projectId,
      instanceId: where.instanceId,
      envId: where.envId,
      endpoint: this.baseUrl(ENDPOINT_SETTINGS[gateway], region),
      auth: this.authenticator(region, { projectId }),
    };
  }

  // A base URL for the region, checked, and named to the transport for its error messages.
  private baseUrl(which: UrlSetting, region: string): string {
    const url = forRegion(this.settings[which], region);
    // A region other than the settings' is a resource's own.
    const regionSource = region === this.settings.region ? this.settings.sources.region : undefined;
    this.transport.nameBase(url, urlOrigin(this.settings, which, region, regionSource));
    return url;
  }

  private authenticator(region: string, scope: TokenScope): Authenticator {
    const c = this.settings.credentials;
    switch (c.kind) {
      case "token":
        return tokenAuth(c.token);
      case "aksk":
        return akskAuth(c.accessKey, c.secretKey, c.securityToken);
      case "password":
        return iamTokenAuth(this.tokenSource(c, region, scope));
      case "none":
        throw new Error(missingCredentialsMessage());
    }
  }

  // Shared by every resource of the region: run under a budget of its own (one caller's deadline
  // must not fail the others), while each caller waits no longer than its own deadline.
  private discoverProject(region: string, budget: Budget): Promise<string> {
    const authUrl = this.baseUrl("authUrl", region);
    const lookup = once(this.projects, `${authUrl}|${region}`, async () => {
      const own = this.budget();
      const c = this.settings.credentials;
      if (c.kind === "password") {
        const token = await this.tokenSource(c, region, { projectName: region }).login(own);
        if (token.projectId) return token.projectId;
      }
      return findProjectId(
        this.transport,
        authUrl,
        this.authenticator(region, { projectName: region }),
        region,
        own,
      );
    });
    return untilDeadline(
      lookup,
      budget,
      `find the project of region ${region}`,
      "the project id from IAM",
    );
  }

  // A login under a budget of its own; the token also serves requests scoped by the project id
  // it turned out to have.
  private async login(authUrl: string, user: PasswordLogin, scope: TokenScope): Promise<IamToken> {
    const token = await login(this.transport, authUrl, user, scope, this.budget());
    if (token.projectId && !("projectId" in scope)) {
      this.tokens.set(`${authUrl}|${token.projectId}`, {
        promise: Promise.resolve(token),
        value: token,
      });
    }
    return token;
  }

  // One login per scope for the whole process, shared by every waiting request and run under a
  // budget of its own; each request waits for it no longer than its own deadline. Renewed when
  // stale, again by one login.
  private tokenSource(
    c: PasswordLogin,
    region: string,
    scope: TokenScope,
  ): TokenSource & {
    login(budget: Budget): Promise<IamToken>;
  } {
    const authUrl = this.baseUrl("authUrl", region);
    const key = `${authUrl}|${"projectId" in scope ? scope.projectId : `name:${scope.projectName}`}`;
    const doing = `log in to IAM as ${c.userName} (domain ${c.domainName})`;
    const loginOnce = (budget: Budget) =>
      untilDeadline(
        once(this.tokens, key, () => this.login(authUrl, c, scope)),
        budget,
        doing,
        "the IAM login",
      );
    const forget = (stale: Secret) => {
      if (this.tokens.get(key)?.value?.token === stale) this.tokens.delete(key);
    };
    return {
      login: loginOnce,
      current: async (budget) => {
        const held = await loginOnce(budget);
        if (Date.now() < held.renewAt) return held.token;
        forget(held.token);
        return (await loginOnce(budget)).token;
      },
      refresh: async (stale, budget) => {
        forget(stale);
        await loginOnce(budget);
      },
    };
  }
}

/** The process's runtime; created from the environment alone if `configure` never ran. */
export function processRuntime(): ProcessRuntime {
  const slot = globalThis as unknown as Record<string, ProcessRuntime | undefined>;
  return (
    slot[GLOBAL_KEY] ?? configureRuntime(resolveSettings({ get: () => undefined }, process.env))
  );
}

/** Installs settings for the process; the caches survive when the settings are the same. */
export function configureRuntime(settings: ProviderSettings): ProcessRuntime {
  const slot = globalThis as unknown as Record<string, ProcessRuntime | undefined>;
  const fingerprint = settingsFingerprint(settings);
  const existing = slot[GLOBAL_KEY];
  if (existing && existing.fingerprint === fingerprint) return existing;
  const fresh = new ProcessRuntime(settings, fingerprint);
  slot[GLOBAL_KEY] = fresh;
  return fresh;
}

function settingsFingerprint(settings: ProviderSettings): string {
  // Secret hides itself from JSON, so the credentials are revealed here, only to be hashed.
  const credentials = Object.fromEntries(
    Object.entries(settings.credentials).map(([k, v]) => [
      k,
      typeof (v as Partial<Secret>)?.reveal === "function" ? (v as Secret).reveal() : v,
    ]),
  );
  return createHash("sha256")
    .update(JSON.stringify({ ...settings, credentials }))
    .digest("hex");
}

interface Cached<T> {
  promise: Promise<T>;
  /** Set once the promise has resolved. */
  value?: T;
}

// One computation per key, shared by concurrent callers; a failure is not kept, so the next
// resource tries again.
function once<T>(map: Map<string, Cached<T>>, key: string, make: () => Promise<T>): Promise<T> {
  const held = map.get(key);
  if (held) return held.promise;
  const entry: Cached<T> = { promise: make() };
  map.set(key, entry);
  entry.promise.then(
    (value) => (entry.value = value),
    () => map.get(key) === entry && map.delete(key),
  );
  return entry.promise;
}
