/**
 * Provider settings: read from the stack config that `configure` receives, with environment
 * fallbacks, first found wins. Pure given its two sources; the table below is also the README's.
 */
import type { Gateway } from "./fields";
import { ID, ID_RULE } from "./ids";
import { Secret } from "./secret";

// validate.ts takes them from here, with the other rules of ids and names it shares.
export { ID, ID_RULE };

/** Where settings come from: the stack config (`ns:key`) as `configure` hands it over. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

interface SettingSpec {
  config: readonly string[];
  env: readonly string[];
  description: string;
  secret?: true;
}

/** Every setting, in the order the README documents them; first found wins, config before env. */
export const SETTING_SPECS = {
  endpoint: {
    config: ["roma:endpoint"],
    env: ["ROMA_ENDPOINT"],
    description:
      "ROMA Connect API base URL (no user info, query or fragment); `{region}` is replaced. Default `https://roma.{region}.myhuaweicloud.com`.",
  },
  apigEndpoint: {
    config: ["apig:endpoint"],
    env: ["APIG_ENDPOINT"],
    description:
      "API Gateway (APIG) base URL for `ApigAppAuthorization` (no user info, query or fragment); `{region}` is replaced. Default `https://apig.{region}.myhuaweicloud.com`.",
  },
  region: {
    config: ["roma:region", "huaweicloud:region"],
    env: ["HW_REGION_NAME"],
    description:
      "Region, e.g. `cn-north-4` (lowercase letters and digits in dash-separated parts). A resource's `region` input overrides it.",
  },
  projectId: {
    config: ["roma:projectId", "huaweicloud:projectId"],
    env: ["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"],
    description:
      "Project id. A resource's `projectId` input overrides it. Unset: looked up once from the region through IAM.",
  },
  token: {
    config: ["roma:token"],
    env: ["HW_AUTH_TOKEN"],
    description: "An IAM token (`X-Auth-Token`). Wins over every other credential.",
    secret: true,
  },
  accessKey: {
    config: ["roma:accessKey", "huaweicloud:accessKey"],
    env: ["HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"],
    description: "Access key (AK) for `SDK-HMAC-SHA256` request signing.",
    secret: true,
  },
  secretKey: {
    config: ["roma:secretKey", "huaweicloud:secretKey"],
    env: ["HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"],
    description: "Secret key (SK) that goes with the access key.",
    secret: true,
  },
  securityToken: {
    config: ["roma:securityToken", "huaweicloud:securityToken"],
    env: ["HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"],
    description: "Security token of temporary AK/SK credentials (sent as `X-Security-Token`).",
    secret: true,
  },
  userName: {
    config: ["roma:userName"],
    env: ["HW_USER_NAME"],
    description: "IAM user name for password login (used when neither a token nor AK/SK is set).",
  },
  password: {
    config: ["roma:password"],
    env: ["HW_USER_PASSWORD"],
    description: "IAM user password.",
    secret: true,
  },
  domainName: {
    config: ["roma:domainName"],
    env: ["HW_DOMAIN_NAME"],
    description: "Account (domain) name of the IAM user.",
  },
  authUrl: {
    config: ["roma:authUrl"],
    env: ["HW_AUTH_URL"],
    description:
      "IAM base URL; `{region}` is replaced, a trailing `/v3` is accepted. Default `https://iam.{region}.myhuaweicloud.com`.",
  },
  maxRetries: {
    config: ["roma:maxRetries"],
    env: ["HW_MAX_RETRIES"],
    description:
      "Retries of a failed request (0 to 20). Default 5. A throttled request is resent until roma:operationTimeout instead.",
  },
  maxConcurrency: {
    config: ["roma:maxConcurrency"],
    env: ["ROMA_MAX_CONCURRENCY"],
    description:
      "Most requests in flight at once, shared by every resource of the stack (1 to 64). Default 10; halves on throttling and grows back.",
  },
  batchSize: {
    config: ["roma:batchSize"],
    env: ["ROMA_BATCH_SIZE"],
    description: "Most app x API pairs in one authorization request (1 to 1000). Default 200.",
  },
  requestTimeout: {
    config: ["roma:requestTimeout"],
    env: ["ROMA_REQUEST_TIMEOUT"],
    description: "Seconds one request may take before it counts as failed (1 to 600). Default 30.",
  },
  consistencyTimeout: {
    config: ["roma:consistencyTimeout"],
    env: ["ROMA_CONSISTENCY_TIMEOUT"],
    description:
      "Seconds to wait for a write to show in `binded-apis` before concluding it is not there (1 to 600). Default 10.",
  },
  operationTimeout: {
    config: ["roma:operationTimeout"],
    env: ["ROMA_OPERATION_TIMEOUT"],
    description:
      "Seconds one resource operation may spend, whatever it waits on: request slots, logins, retries, answers and polling (1 to 86400). Default 1200.",
  },
} as const satisfies Record<string, SettingSpec>;

type SettingName = keyof typeof SETTING_SPECS;

/** How requests are authenticated, chosen by a fixed order: token, then AK/SK, then password. */
export type Credentials =
  | { kind: "token"; token: Secret }
  | { kind: "aksk"; accessKey: Secret; secretKey: Secret; securityToken?: Secret }
  | { kind: "password"; userName: string; password: Secret; domainName: string }
  | { kind: "none" };

/** The settings that hold a base URL. */
export type UrlSetting = "endpoint" | "apigEndpoint" | "authUrl";

/** The setting that holds each gateway's base URL. */
export const ENDPOINT_SETTINGS: Record<Gateway, UrlSetting> = {
  roma: "endpoint",
  apig: "apigEndpoint",
};

/** The resolved settings of one provider process. Never serialized, never logged. */
export interface ProviderSettings {
  /** ROMA Connect's base URL template. */
  endpoint: string;
  /** APIG's base URL template. */
  apigEndpoint: string;
  authUrl: string;
  region?: string;
  /** Where the URL settings and the region came from (`roma:endpoint`, `HW_REGION_NAME`...). */
  sources: Partial<Record<UrlSetting | "region", string>>;
  projectId?: string;
  credentials: Credentials;
  maxRetries: number;
  maxConcurrency: number;
  batchSize: number;
  requestTimeoutMs: number;
  consistencyTimeoutMs: number;
  operationTimeoutMs: number;
}

/** A setting that is present but wrong. */
export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Resolves every setting from the stack config, then the environment. */
export function resolveSettings(
  config: ConfigSource,
  env: Record<string, string | undefined>,
): ProviderSettings {
  const found = (name: SettingName) => lookup(SETTING_SPECS[name], config, env);
  const endpoint = found("endpoint");
  const apigEndpoint = found("apigEndpoint");
  const authUrl = found("authUrl");
  const region = found("region");
  const sources = {
    endpoint: endpoint?.source,
    apigEndpoint: apigEndpoint?.source,
    authUrl: authUrl?.source,
    region: region?.source,
  };
  return {
    endpoint: endpoint
      ? checkedUrl(endpoint.value, endpoint.source)
      : "https://roma.{region}.myhuaweicloud.com",
    apigEndpoint: apigEndpoint
      ? checkedUrl(apigEndpoint.value, apigEndpoint.source)
      : "https://apig.{region}.myhuaweicloud.com",
    authUrl: authUrl
      ? checkedUrl(authUrl.value, authUrl.source).replace(/\/v3$/, "")
      : "https://iam.{region}.myhuaweicloud.com",
    region: checkedRegion(region),
    sources: Object.fromEntries(Object.entries(sources).filter(([, v]) => v)),
    projectId: checkedId(found("projectId")),
    credentials: credentials(found),
    maxRetries: wholeNumber(found("maxRetries"), 0, 20, 5),
    maxConcurrency: wholeNumber(found("maxConcurrency"), 1, 64, 10),
    batchSize: wholeNumber(found("batchSize"), 1, 1000, 200),
    requestTimeoutMs: wholeNumber(found("requestTimeout"), 1, 600, 30) * 1000,
    consistencyTimeoutMs: wholeNumber(found("consistencyTimeout"), 1, 600, 10) * 1000,
    operationTimeoutMs: wholeNumber(found("operationTimeout"), 1, 86400, 1200) * 1000,
  };
}

/** Every name a setting goes by, config keys first: "roma:token / HW_AUTH_TOKEN". */
export function settingNames(name: SettingName): string {
  return [...SETTING_SPECS[name].config, ...SETTING_SPECS[name].env].join(" / ");
}

/** The one message for "no credentials", listing every way to give them. */
export function missingCredentialsMessage(): string {
  const ways = (names: SettingName[]) => names.map(settingNames).join(" + ");
  return [
    "No Huawei Cloud credentials are set. Give one of these, in the stack config (pulumi config set --secret ...) or the environment:",
    `  - an IAM token: ${ways(["token"])}`,
    `  - an access key pair: ${ways(["accessKey", "secretKey"])} (with ${ways(["securityToken"])} for temporary credentials)`,
    `  - an IAM password login: ${ways(["userName", "password", "domainName"])}`,
  ].join("\n");
}

interface Found {
  value: string;
  source: string;
}

function lookup(
  spec: SettingSpec,
  config: ConfigSource,
  env: Record<string, string | undefined>,
): Found | undefined {
  for (const key of spec.config) {
    const value = config.get(key);
    if (value !== undefined && value !== "") return { value, source: key };
  }
  for (const key of spec.env) {
    const value = env[key];
    if (value !== undefined && value !== "") return { value, source: key };
  }
  return undefined;
}

type Lookup = (name: SettingName) => Found | undefined;

function credentials(found: Lookup): Credentials {
  const token = found("token");
  if (token) return { kind: "token", token: new Secret(token.value) };
  return akskCredentials(found) ?? passwordCredentials(found) ?? { kind: "none" };
}

// An access key pair, undefined when neither half is set; half a pair is an error.
function akskCredentials(found: Lookup): Credentials | undefined {
  const accessKey = found("accessKey");
  const secretKey = found("secretKey");
  if (!accessKey && !secretKey) return undefined;
  if (!accessKey || !secretKey) {
    const [given, missing] = accessKey
      ? [`An access key is set (${accessKey.source})`, "secretKey" as const]
      : [`A secret key is set (${secretKey!.source})`, "accessKey" as const];
    throw new SettingsError(
      `${given} but no ${missing === "secretKey" ? "secret key" : "access key"}: set ${settingNames(missing)}.`,
    );
  }
  const securityToken = found("securityToken");
  return {
    kind: "aksk",
    accessKey: new Secret(accessKey.value),
    secretKey: new Secret(secretKey.value),
    ...(securityToken ? { securityToken: new Secret(securityToken.value) } : {}),
  };
}

// An IAM password login, undefined when no part of it is set; part of one is an error.
function passwordCredentials(found: Lookup): Credentials | undefined {
  const login = {
    userName: found("userName"),
    password: found("password"),
    domainName: found("domainName"),
  };
  const given = Object.entries(login).filter(([, f]) => f);
  if (given.length === 0) return undefined;
  const missing = Object.entries(login).filter(([, f]) => !f);
  if (missing.length > 0) {
    throw new SettingsError(
      `An IAM password login needs a user name, a password and a domain name; missing: ${missing
        .map(([n]) => settingNames(n as SettingName))
        .join("; ")}.`,
    );
  }
  return {
    kind: "password",
    userName: login.userName!.value,
    password: new Secret(login.password!.value),
    domainName: login.domainName!.value,
  };
}

function wholeNumber(found: Found | undefined, min: number, max: number, fallback: number): number {
  if (!found) return fallback;
  const n = Number(found.value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(
      `${found.source} is ${JSON.stringify(found.value)}; it must be a whole number from ${min} to ${max}.`,
    );
  }
  return n;
}

// Plain HTTP would send tokens and signed requests across the network readable by anyone on the
// path, so it is allowed only for loopback hosts such as the local emulator. Hosts as the URL
// parser writes them: IPv4 in dotted decimal, IPv4-mapped IPv6 in hex (`[::ffff:7f00:1]`).
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\])$/i;

/** True for a URL host name (as `URL.hostname` writes it) that never leaves this machine. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

// Stands for `{region}` while a template is parsed: a valid host label, so the URL parser keeps it.
const PLACEHOLDER = "region-placeholder-0";

function checkedUrl(value: string, source: string): string {
  // Whatever stands before an `@` may be a password the user put in the URL: never write it back.
  const shown = value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, "$1[redacted]@");
  const refuse = (why: string) => new SettingsError(`${source} is ${shown}: ${why}`);
  let url: URL;
  try {
    url = new URL(value.replace(/\{region\}/g, PLACEHOLDER));
  } catch {
    throw refuse("not a URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw refuse("it must be an https:// URL.");
  }
  // Each of these would change where requests go or what they carry, and cutting them off
  // silently would send requests somewhere the user did not write.
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) {
    throw refuse(
      "a base URL must not carry user info (user@ or user:password@); give credentials through the credential settings.",
    );
  }
  if (value.includes("?") || value.includes("#")) {
    throw refuse("a base URL must not carry a query (?...) or a fragment (#...).");
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw refuse(
      `plain HTTP is refused for ${url.hostname} because credentials and signed requests would cross the network unencrypted. Use https:// (plain HTTP is allowed only for loopback hosts such as the local emulator).`,
    );
  }
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.protocol}//${url.host}${path}`.split(PLACEHOLDER).join("{region}");
}

/**
 * A base URL template with `{region}` filled in, checked after templating: the region must be a
 * region name, and the result must keep the template's scheme, host and port, so that no region
 * (from the settings, the environment, an input or a state file) can point a request, or the
 * credential it carries, at another host.
 */
export function forRegion(template: string, region: string): string {
  const broken = regionProblem(region);
  if (broken) throw new SettingsError(`The region is ${describeValue(region)}: ${broken}`);
  const url = template.split("{region}").join(region);
  const expected = new URL(template.split("{region}").join(PLACEHOLDER));
  const actual = new URL(url);
  const expectedHost = expected.host.split(PLACEHOLDER).join(region);
  if (
    actual.protocol !== expected.protocol ||
    actual.host !== expectedHost ||
    actual.username !== "" ||
    actual.password !== "" ||
    actual.search !== "" ||
    actual.hash !== ""
  ) {
    throw new SettingsError(
      `The region ${describeValue(region)} turns ${template} into ${url}, whose host is not ${expectedHost}; refused.`,
    );
  }
  return url;
}

/**
 * Which settings produced a base URL, for the messages of a request that reached no ROMA Connect
 * (or IAM) there: the URL setting, or its default, and where the region came from.
 */
export function urlOrigin(
  settings: ProviderSettings,
  which: UrlSetting,
  region: string,
  regionSource: string | undefined,
): string {
  const template = settings[which];
  const url = forRegion(template, region);
  const fromRegion = ` with the region "${region}" (from ${regionSource ?? "the resource's region input"})`;
  const source = settings.sources[which];
  if (!source) {
    const setting = SETTING_SPECS[which].config[0];
    return `The URL ${url} is ${setting}'s default${fromRegion}; set ${setting} if the service is reached elsewhere.`;
  }
  return `The URL ${url} comes from ${source} (${JSON.stringify(template)})${template.includes("{region}") ? fromRegion : ""}: check it.`;
}

/** A Huawei Cloud region name as it appears in host names, such as `cn-north-4`. */
export const REGION = /^[a-z0-9]+(-[a-z0-9]+)+$/;
const MAX_REGION = 32;

/** Why `region` is not a region name, or undefined when it is one. */
export function regionProblem(region: string): string | undefined {
  return REGION.test(region) && region.length <= MAX_REGION
    ? undefined
    : `a region is lowercase letters and digits in dash-separated parts, at most ${MAX_REGION} characters, such as "cn-north-4" (it becomes part of host names).`;
}

function checkedRegion(found: Found | undefined): string | undefined {
  if (!found) return undefined;
  const broken = regionProblem(found.value);
  if (broken)
    throw new SettingsError(`${found.source} is ${describeValue(found.value)}: ${broken}`);
  return found.value;
}

function checkedId(found: Found | undefined): string | undefined {
  if (!found) return undefined;
  if (!ID.test(found.value)) {
    throw new SettingsError(
      `${found.source} is ${describeValue(found.value)}: an id is ${ID_RULE} (it becomes part of request paths).`,
    );
  }
  return found.value;
}

function describeValue(value: string): string {
  return value.length > 80 ? `a string of ${value.length} characters` : JSON.stringify(value);
}
