/**
 * What the error answers of ROMA Connect (and of IAM, which the provider logs in with) mean: one
 * table of codes from which the transport's retry decisions, the error messages' remedies and the
 * handling of "already gone" all follow. `http/` knows none of it; it asks `ROMA_ERRORS`.
 */
import {
  apiError,
  errorFields,
  isApiError,
  type ApiErrorFields,
  type ErrorMeaning,
  type RomaApiError,
  type ServiceErrors,
} from "./http/errors";
import { scrubOutside } from "./secret";
import { settingNames } from "./settings";
import type { ErrorBodyWire } from "./wire";

/** What one error code means: to the transport, to the user, to the operation that got it. */
interface CodeFacts {
  meaning?: ErrorMeaning;
  /** The remedy told at the end of the message. */
  hint?: string;
  /** The request's signature (not the request) was wrong; the remedy depends on the clock. */
  signature?: true;
  /** A record the request was about no longer exists: for a cancel, the work is done. */
  gone?: true;
  /** A pair the request names is authorized already (by this resource's lost write, or not). */
  exists?: true;
}

/** The code of a request refused because a pair it names is authorized already. */
export const ALREADY_AUTHORIZED = "APIG.3316";

const THROTTLED: CodeFacts = {
  meaning: "throttled",
  hint: "The tenant is throttled: throttled requests are resent until roma:operationTimeout; raise it, or lower roma:maxConcurrency to leave room for other clients of the tenant.",
};

/** The codes users meet while setting up or under load; the rest speak for themselves. */
const CODES: ReadonlyMap<string, CodeFacts> = new Map(
  Object.entries({
    "APIG.0301": { signature: true },
    "APIGW.0301": { signature: true },
    "APIG.0308": THROTTLED,
    "APIGW.0308": THROTTLED,
    "APIG.9008": THROTTLED,
    // A synchronisation conflict: refused before it took effect.
    "APIG.3500": { meaning: "not-applied" },
    "APIG.1000": {
      hint: "No credential reached the API: set a token, an access key pair or a password login.",
    },
    "APIG.1001": {
      meaning: "token-expired",
      hint: "The token has expired: get a new one (roma:token / HW_AUTH_TOKEN), or give AK/SK or a password login so the provider renews tokens itself.",
    },
    "APIG.1002": {
      hint: "The token was not accepted: check roma:token / HW_AUTH_TOKEN; a token only works in the project and region it was issued for.",
    },
    "APIG.1005": {
      hint: "The credential is not allowed to do this: it needs write permission on ROMA Connect (for example the ROMA FullAccess policy).",
    },
    "APIG.3003": {
      hint: "envId takes an environment's id, not its name: ids look like DEFAULT_ENVIRONMENT_RELEASE_ID (the RELEASE environment every instance has) or 32 hexadecimal characters. The console lists them under the instance's API environments.",
    },
    "APIG.3009": { gone: true },
    [ALREADY_AUTHORIZED]: { exists: true },
    "APIG.3030": { hint: "Check instanceId, and that the project and region are the instance's." },
  }),
);

const facts = (code: string): CodeFacts => CODES.get(code) ?? {};

/** ROMA Connect's and IAM's error answers, as the transport asks about them. */
export const ROMA_ERRORS: ServiceErrors = {
  read: readBody,
  meaning: (f) => facts(f.code).meaning,
  explain: (f, origin) => {
    const hint = hintFor(f) ?? (origin && notTheApi(f, origin));
    return [hint, f.denial && denialText(f.denial)].filter(Boolean).join(" ") || undefined;
  },
};

/** An error for an answer of ROMA Connect or IAM, its message ending in the code's remedy. */
export function romaApiError(fields: ApiErrorFields, doing: string, origin?: string): RomaApiError {
  return apiError(fields, doing, ROMA_ERRORS, origin);
}

/** The fields of an error answer of ROMA Connect or IAM, whatever shape its body has. */
export function romaErrorFields(
  status: number,
  headers: Record<string, unknown>,
  body: unknown,
  now: number,
): ApiErrorFields {
  return errorFields(status, headers, body, now, ROMA_ERRORS);
}

/** True for an answer that says the record the request was about no longer exists. */
export function isGone(error: unknown): boolean {
  return isApiError(error) && facts(error.code).gone === true;
}

/** True for an error code that says a pair of the request was authorized already. */
export function meansAuthorized(code: string): boolean {
  return facts(code).exists === true;
}

/** True for an answer that says the signature (not the request) was wrong. */
export function isSignatureRejection(f: ApiErrorFields): boolean {
  return (
    f.status === 401 &&
    (facts(f.code).signature === true || /signature|aksk|x-sdk-date/i.test(f.apiMessage))
  );
}

// ROMA answers {error_code, error_msg}; IAM answers {error: {code, message}}.
function readBody(status: number, body: unknown): ReturnType<ServiceErrors["read"]> {
  const wire = (typeof body === "object" && body !== null ? body : {}) as ErrorBodyWire & {
    error?: { code?: unknown; message?: string };
  };
  // Scrubbed before it is cut, so a credential the body echoes cannot survive cut in two.
  const text = typeof body === "string" ? cut(scrubOutside(body.trim()), 200) : "";
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- IAM's codes: strings, numbers
  const iamCode = wire.error?.code === undefined ? undefined : `IAM.${String(wire.error.code)}`;
  const read: ReturnType<ServiceErrors["read"]> = {
    code: wire.error_code ?? iamCode ?? `HTTP.${status}`,
    apiMessage: scrubOutside(
      String(wire.error_msg ?? wire.error?.message ?? (text || "no error message in the answer")),
    ),
  };
  if (typeof wire.encoded_authorization_message === "string") {
    read.denial = cut(scrubOutside(wire.encoded_authorization_message), 400);
  }
  return read;
}

function hintFor(f: ApiErrorFields): string | undefined {
  if (f.status === 401 && /security.?token/i.test(f.apiMessage)) {
    return `Temporary AK/SK credentials work only with the security token issued with them: set ${settingNames("securityToken")}.`;
  }
  if (isSignatureRejection(f)) {
    const skew =
      f.clockSkewMs !== undefined && Math.abs(f.clockSkewMs) > 60000
        ? ` This machine's clock is ${Math.round(Math.abs(f.clockSkewMs) / 1000)} s ${f.clockSkewMs > 0 ? "behind" : "ahead of"} the server's.`
        : "";
    return `The request signature was rejected: check the access key and secret key, and this machine's clock (clock skew: a signature is valid for 15 minutes around the server's time).${skew}`;
  }
  return facts(f.code).hint;
}

// An answer without the API's error code, saying the path is unknown: some other server answered.
function notTheApi(f: ApiErrorFields, origin: string): string | undefined {
  if (!f.code.startsWith("HTTP.") || ![404, 405].includes(f.status)) return undefined;
  return `The answer has no error code of ROMA Connect or IAM, so the server is likely not the service's API. ${origin}`;
}

function denialText(denial: string): string {
  return `An IAM policy denied it; the answer's encoded_authorization_message says which statement: decode it with IAM's decode-authorization-message API (or give it to your IAM administrator): ${denial}`;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
