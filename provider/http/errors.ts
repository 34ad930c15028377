/**
 * Errors as the user reads them: the API's own code and message, the HTTP status, the request id,
 * what the provider was doing, and a hint where the code has a known remedy.
 *
 * Errors are plain `Error`s tagged with a `kind`, made by factories rather than subclasses: a tag
 * survives where class identity does not (two copies of the package in one process, an error that
 * crossed a module boundary), so every caller narrows with one `kind` check and no `instanceof`.
 */
import { scrub, scrubOutside } from "../secret";
import { SETTING_SPECS } from "../settings";
import type { ErrorBodyWire } from "../wire";

/** What an error answer said, as the client read it. */
export interface ApiErrorFields {
  status: number;
  code: string;
  apiMessage: string;
  requestId?: string;
  /** An IAM policy denial's `encoded_authorization_message`, scrubbed and cut. */
  denial?: string;
  /** Milliseconds the server asked us to wait (`Retry-After`). */
  retryAfterMs?: number;
  /** Server clock minus this machine's clock, from the answer's `Date` header. */
  clockSkewMs?: number;
}

/** An error answer of the ROMA Connect or IAM API. */
export interface RomaApiError extends Error, ApiErrorFields {
  kind: "api";
  /** What the provider was doing, e.g. "authorize app A for API B in environment E". */
  doing: string;
}

/**
 * The code of a request whose answer grew past the most any answer of the API needs: a broken or
 * hostile server, refused rather than buffered until memory or the deadline runs out.
 */
export const ANSWER_TOO_LARGE = "ANSWER_TOO_LARGE";

/** A request that got no HTTP answer. */
export interface RomaNetworkError extends Error {
  kind: "network";
  /** The system error code, e.g. `ECONNRESET`, or `TIMEOUT`. */
  code: string;
  /** False when the request certainly never reached the server (connection refused, DNS). */
  mayHaveArrived: boolean;
  doing: string;
}

/** Any failure of one request. */
export type RequestError = RomaApiError | RomaNetworkError;

/**
 * `where`: which settings produced the URL (see `urlOrigin`), told when the answer did not come
 * from the API the provider meant to reach.
 */
export function apiError(fields: ApiErrorFields, doing: string, where?: string): RomaApiError {
  const scrubbed = { ...fields, apiMessage: scrubOutside(fields.apiMessage) };
  return Object.assign(new Error(scrub(apiErrorMessage(scrubbed, doing, where))), {
    name: "RomaApiError",
    kind: "api" as const,
    ...scrubbed,
    doing,
  });
}

export function networkError(
  code: string,
  mayHaveArrived: boolean,
  doing: string,
  detail: string,
  where?: string,
): RomaNetworkError {
  const hint = where && networkHint(code, where);
  const message = scrub(
    `Could not ${doing}: ${scrubOutside(detail)} (${code}; no answer from the server).${hint ? ` ${hint}` : ""}`,
  );
  return Object.assign(new Error(message), {
    name: "RomaNetworkError",
    kind: "network" as const,
    code,
    mayHaveArrived,
    doing,
  });
}

export function isRequestError(error: unknown): error is RequestError {
  const kind = (error as { kind?: unknown } | null)?.kind;
  return error instanceof Error && (kind === "api" || kind === "network");
}

export function isApiError(error: unknown, code?: string): error is RomaApiError {
  return (
    isRequestError(error) && error.kind === "api" && (code === undefined || error.code === code)
  );
}

/** The fields of an error answer, whatever shape its body has. */
export function errorFields(
  status: number,
  headers: Record<string, unknown>,
  body: unknown,
  now: number,
): ApiErrorFields {
  const wire = (typeof body === "object" && body !== null ? body : {}) as ErrorBodyWire & {
    error?: { code?: unknown; message?: string };
  };
  // Scrubbed before it is cut, so a credential the body echoes cannot survive cut in two.
  const text = typeof body === "string" ? cut(scrubOutside(body.trim()), 200) : "";
  // ROMA answers {error_code, error_msg}; IAM answers {error: {code, message}}.
  const iamCode = wire.error?.code === undefined ? undefined : `IAM.${String(wire.error.code)}`;
  const fields: ApiErrorFields = {
    status,
    code: wire.error_code ?? iamCode ?? `HTTP.${status}`,
    apiMessage: scrubOutside(
      String(wire.error_msg ?? wire.error?.message ?? (text || "no error message in the answer")),
    ),
  };
  const requestId = header(headers, "x-request-id");
  if (requestId) fields.requestId = requestId;
  if (typeof wire.encoded_authorization_message === "string") {
    fields.denial = cut(scrubOutside(wire.encoded_authorization_message), 400);
  }
  const retryAfter = retryAfterMs(header(headers, "retry-after"), now);
  if (retryAfter !== undefined) fields.retryAfterMs = retryAfter;
  const date = Date.parse(header(headers, "date") ?? "");
  if (!Number.isNaN(date)) fields.clockSkewMs = date - now;
  return fields;
}

/** `Retry-After` as milliseconds: either delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** True for an answer that says the signature (not the request) was wrong. */
export function isSignatureRejection(f: ApiErrorFields): boolean {
  return (
    f.status === 401 &&
    (SIGNATURE_CODES.includes(f.code) || /signature|aksk|x-sdk-date/i.test(f.apiMessage))
  );
}

function apiErrorMessage(f: ApiErrorFields, doing: string, origin?: string): string {
  const where = [f.code, `HTTP ${f.status}`, f.requestId ? `request ${f.requestId}` : undefined]
    .filter(Boolean)
    .join(", ");
  const hint = hintFor(f) ?? (origin && notTheApi(f, origin));
  const denial = f.denial
    ? ` An IAM policy denied it; the answer's encoded_authorization_message says which statement: decode it with IAM's decode-authorization-message API (or give it to your IAM administrator): ${f.denial}`
    : "";
  return `Could not ${doing}: ${f.apiMessage} (${where}).${hint ? ` ${hint}` : ""}${denial}`;
}

// An answer without the API's error code, saying the path is unknown: some other server answered.
function notTheApi(f: ApiErrorFields, origin: string): string | undefined {
  if (!f.code.startsWith("HTTP.") || ![404, 405].includes(f.status)) return undefined;
  return `The answer has no error code of ROMA Connect or IAM, so the server is likely not the service's API. ${origin}`;
}

// Failures that say the URL points at the wrong place, rather than that the network is unwell.
function networkHint(code: string, origin: string): string | undefined {
  if (code === "EPROTO" || code === "ERR_SSL_WRONG_VERSION_NUMBER") {
    return `The server at that address does not speak TLS (plain HTTP on an https:// URL, or the wrong port). ${origin}`;
  }
  if (["ENOTFOUND", "ECONNREFUSED", "ERR_TLS_CERT_ALTNAME_INVALID"].includes(code)) return origin;
  return undefined;
}

const names = (spec: { config: readonly string[]; env: readonly string[] }) =>
  [...spec.config, ...spec.env].join(" / ");

const SIGNATURE_CODES = ["APIG.0301", "APIGW.0301"];

// Remedies for the codes users meet while setting up; the rest speak for themselves.
function hintFor(f: ApiErrorFields): string | undefined {
  if (f.status === 401 && /security.?token/i.test(f.apiMessage)) {
    return `Temporary AK/SK credentials work only with the security token issued with them: set ${names(SETTING_SPECS.securityToken)}.`;
  }
  if (isSignatureRejection(f)) {
    const skew =
      f.clockSkewMs !== undefined && Math.abs(f.clockSkewMs) > 60000
        ? ` This machine's clock is ${Math.round(Math.abs(f.clockSkewMs) / 1000)} s ${f.clockSkewMs > 0 ? "behind" : "ahead of"} the server's.`
        : "";
    return `The request signature was rejected: check the access key and secret key, and this machine's clock (clock skew: a signature is valid for 15 minutes around the server's time).${skew}`;
  }
  switch (f.code) {
    case "APIG.1000":
      return "No credential reached the API: set a token, an access key pair or a password login.";
    case "APIG.1001":
      return "The token has expired: get a new one (roma:token / HW_AUTH_TOKEN), or give AK/SK or a password login so the provider renews tokens itself.";
    case "APIG.1002":
      return "The token was not accepted: check roma:token / HW_AUTH_TOKEN; a token only works in the project and region it was issued for.";
    case "APIG.1005":
      return "The credential is not allowed to do this: it needs write permission on ROMA Connect (for example the ROMA FullAccess policy).";
    case "APIG.3003":
      return "envId takes an environment's id, not its name: ids look like DEFAULT_ENVIRONMENT_RELEASE_ID (the RELEASE environment every instance has) or 32 hexadecimal characters. The console lists them under the instance's API environments.";
    case "APIG.3030":
      return "Check instanceId, and that the project and region are the instance's.";
    case "APIG.0308":
    case "APIGW.0308":
    case "APIG.9008":
      return "The tenant is throttled: throttled requests are resent until roma:operationTimeout; raise it, or lower roma:maxConcurrency to leave room for other clients of the tenant.";
    default:
      return undefined;
  }
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
}
