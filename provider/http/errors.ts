/**
 * Errors as the user reads them: the API's own code and message, the HTTP status, the request id,
 * what the provider was doing, and a hint where the code has a known remedy.
 *
 * What a code means (retry it? a throttle? an expired token? which remedy?) is the service's to say:
 * the transport is given a `ServiceErrors` (see `roma-errors.ts`) and asks it. This module knows
 * only HTTP and the network.
 *
 * Errors are plain `Error`s tagged with a `kind`, made by factories rather than subclasses: a tag
 * survives where class identity does not (two copies of the package in one process), so every
 * caller narrows with one `kind` check and no `instanceof`.
 */
import { scrub, scrubOutside } from "../secret";

/**
 * Certificates this machine does not trust: no CA it trusts signed the chain. Behind a proxy that
 * inspects TLS, or with an endpoint whose certificate an organisation's own CA signed, the remedy
 * is to trust that CA.
 */
const UNTRUSTED_ISSUER: readonly string[] = [
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
];

/**
 * A certificate refused, by the codes Node gives OpenSSL's verdicts: Node checks the certificate as
 * the handshake completes and destroys the socket before the request it holds is flushed, so no
 * byte of the request reached the server, and the same certificate would be refused again.
 * (Revocation is never checked: the provider gives Node no CRL.)
 */
export const CERTIFICATE_REFUSED: readonly string[] = [
  ...UNTRUSTED_ISSUER,
  "CERT_CHAIN_TOO_LONG",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "PATH_LENGTH_EXCEEDED",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
];

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
  /** What the service's error code means to the transport, when it means something. */
  meaning?: ErrorMeaning;
}

/**
 * What an error code can mean to the transport. `throttled`: the tenant sends too fast (wait, resend,
 * and do not count it as a failure); `not-applied`: refused before it took effect, so even a write
 * may be resent; `token-expired`: renew the token and resend.
 */
export type ErrorMeaning = "throttled" | "not-applied" | "token-expired";

/** What a service's error answers say, asked by the transport (smithy's error classification). */
export interface ServiceErrors {
  /** The code, message and policy denial of an error answer's body, whatever shape it has. */
  read(status: number, body: unknown): Pick<ApiErrorFields, "code" | "apiMessage" | "denial">;
  /** What the answer means to the transport, or undefined for a plain refusal. */
  meaning(fields: ApiErrorFields): ErrorMeaning | undefined;
  /**
   * The remedy the message ends with, if any. `origin`: which settings produced the URL (see
   * `urlOrigin`), for an answer that did not come from the API the provider meant to reach.
   */
  explain(fields: ApiErrorFields, origin?: string): string | undefined;
}

/**
 * The code of a request whose answer grew past the most any answer of the API needs: a broken or
 * hostile server, refused rather than buffered until memory or the deadline runs out.
 */
export const ANSWER_TOO_LARGE = "ANSWER_TOO_LARGE";

/** The code of an error for an answer that is not what the API documents (see `describeBody`). */
export const UNEXPECTED_ANSWER = "UNEXPECTED_ANSWER";

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

/** An error answer's error, its message ending in the remedy `service` knows for it. */
export function apiError(
  fields: ApiErrorFields,
  doing: string,
  service: ServiceErrors,
  origin?: string,
): RomaApiError {
  const scrubbed = { ...fields, apiMessage: scrubOutside(fields.apiMessage) };
  const meaning = service.meaning(scrubbed);
  return Object.assign(new Error(scrub(apiErrorMessage(scrubbed, doing, service, origin))), {
    name: "RomaApiError",
    kind: "api" as const,
    ...scrubbed,
    doing,
    ...(meaning ? { meaning } : {}),
  });
}

export function networkError(
  code: string,
  mayHaveArrived: boolean,
  doing: string,
  detail: string,
  where?: string,
): RomaNetworkError {
  const hint = networkHint(code, where);
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

/** True for an error answer whose code means `meaning` to the transport. */
export function means(error: unknown, meaning: ErrorMeaning): boolean {
  return isApiError(error) && error.meaning === meaning;
}

/** The fields of an error answer: the body as `service` reads it, and the headers. */
export function errorFields(
  status: number,
  headers: Record<string, unknown>,
  body: unknown,
  now: number,
  service: ServiceErrors,
): ApiErrorFields {
  const fields: ApiErrorFields = { status, ...service.read(status, body) };
  const requestId = header(headers, "x-request-id");
  if (requestId) fields.requestId = requestId;
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

function apiErrorMessage(
  f: ApiErrorFields,
  doing: string,
  service: ServiceErrors,
  origin?: string,
): string {
  const where = [f.code, `HTTP ${f.status}`, f.requestId ? `request ${f.requestId}` : undefined]
    .filter(Boolean)
    .join(", ");
  const remedy = service.explain(f, origin);
  return `Could not ${doing}: ${f.apiMessage} (${where}).${remedy ? ` ${remedy}` : ""}`;
}

// Failures that say the URL points at the wrong place, rather than that the network is unwell.
function networkHint(code: string, origin: string | undefined): string | undefined {
  if (UNTRUSTED_ISSUER.includes(code)) {
    return "This machine does not trust the certificate's issuer: behind a proxy that inspects TLS, or for an endpoint whose certificate your organisation's CA signed, trust that CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment of `pulumi`.";
  }
  if (origin === undefined) return undefined;
  if (code === "EPROTO" || code === "ERR_SSL_WRONG_VERSION_NUMBER") {
    return `The server at that address does not speak TLS (plain HTTP on an https:// URL, or the wrong port). ${origin}`;
  }
  if (["ENOTFOUND", "ECONNREFUSED", "ERR_TLS_CERT_ALTNAME_INVALID"].includes(code)) return origin;
  return undefined;
}

/** What came back, in a few words and at most 80 characters of it, for error messages. */
export function describeBody(body: unknown): string {
  if (body === undefined || body === "") return "an empty body";
  if (typeof body === "string") {
    return `a non-JSON body starting ${JSON.stringify(body.trim().slice(0, 80))}`;
  }
  const text = JSON.stringify(body);
  return `${text.slice(0, 80)}${text.length > 80 ? "..." : ""}`;
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
}
