/**
 * Who is calling: an `X-Auth-Token` (a configured one or one this emulator's IAM issued) or an
 * `SDK-HMAC-SHA256` signature checked exactly as the signing guide defines it.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { expectedSignature, readClaim, sdkDateTime, type QueryOrder } from "./signature";
import type { EmulatorSeed } from "./seed";

export interface Caller {
  /** The project the credential is scoped to. */
  projectId: string;
  canWrite: boolean;
}

/** An authentication failure, answered as the API would. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** The parts of a request a signature covers, as received. */
export interface ReceivedRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const SIGNATURE_WINDOW_MS = 15 * 60000;

export class Authority {
  private readonly issued = new Map<string, { projectId: string; expiresAt: number }>();

  constructor(
    private readonly seed: EmulatorSeed,
    private readonly now: () => number,
    private readonly tokenTtlMs: number,
  ) {}

  /** A new IAM token for the project. */
  issueToken(projectId: string): { token: string; expiresAt: number } {
    const token = `emulator-iam-${randomBytes(24).toString("hex")}`;
    const expiresAt = this.now() + this.tokenTtlMs;
    this.issued.set(token, { projectId, expiresAt });
    return { token, expiresAt };
  }

  /** Makes every token issued so far expired. */
  expireIssuedTokens(): void {
    for (const entry of this.issued.values()) entry.expiresAt = this.now() - 1;
  }

  authenticate(request: ReceivedRequest): Caller | Refusal {
    const token = header(request.headers, "x-auth-token");
    if (token !== undefined) return this.byToken(token);
    const authorization = header(request.headers, "authorization");
    if (authorization !== undefined) return this.bySignature(request, authorization);
    return refusal(401, "APIG.1000", "Token is missing");
  }

  private byToken(token: string): Caller | Refusal {
    const c = this.seed.credentials;
    if (safeEqual(token, c.token)) return { projectId: this.seed.projectId, canWrite: true };
    if (safeEqual(token, c.readOnlyToken))
      return { projectId: this.seed.projectId, canWrite: false };
    const issued = this.issued.get(token);
    if (!issued) return refusal(401, "APIG.1002", "Incorrect token or token resolution failed");
    if (issued.expiresAt <= this.now()) return refusal(401, "APIG.1001", "The token has expired");
    return { projectId: issued.projectId, canWrite: true };
  }

  private bySignature(request: ReceivedRequest, authorization: string): Caller | Refusal {
    const iamError = (why: string) =>
      refusal(401, "APIG.0301", `Incorrect IAM authentication information: ${why}`);
    const parsed = readClaim(authorization);
    if (!parsed) return iamError("malformed Authorization header");
    const c = this.seed.credentials;
    const keys = [
      { ak: c.accessKey, sk: c.secretKey, canWrite: true },
      { ak: c.readOnlyAccessKey, sk: c.readOnlySecretKey, canWrite: false },
      {
        ak: c.temporary.accessKey,
        sk: c.temporary.secretKey,
        canWrite: true,
        sts: c.temporary.securityToken,
      },
    ];
    const key = keys.find((k) => k.ak === parsed.access);
    if (!key) return iamError("access key not found");
    if (!parsed.signedHeaders.includes("host") || !parsed.signedHeaders.includes("x-sdk-date")) {
      return iamError("SignedHeaders must include host and x-sdk-date");
    }
    const sdkDate = sdkDateTime(header(request.headers, "x-sdk-date") ?? "");
    if (sdkDate === undefined || Math.abs(sdkDate - this.now()) > SIGNATURE_WINDOW_MS) {
      return iamError("x-sdk-date is missing or more than 15 minutes away from the server time");
    }
    if (key.sts !== undefined) {
      const sts = header(request.headers, "x-security-token");
      if (
        sts === undefined ||
        !safeEqual(sts, key.sts) ||
        !parsed.signedHeaders.includes("x-security-token")
      ) {
        return iamError("temporary credentials need their signed X-Security-Token");
      }
    }
    const signed: Record<string, string> = {};
    for (const name of parsed.signedHeaders) {
      const value = header(request.headers, name);
      if (value === undefined) return iamError(`signed header ${name} is missing`);
      signed[name] = value;
    }
    let path: string;
    let query: [string, string][];
    try {
      path = request.rawPath.split("/").map(decodeURIComponent).join("/");
      query = parseQuery(request.rawQuery);
    } catch {
      return iamError("the request URL is not validly encoded");
    }
    // Huawei's signers order the query by code point (Python, Go) or UTF-16 unit (Node); both pass.
    const signable = { method: request.method, path, query, headers: signed, body: request.body };
    const sdkDateText = header(request.headers, "x-sdk-date")!;
    const matches = (order: QueryOrder) =>
      safeEqual(expectedSignature(signable, sdkDateText, key.sk, order), parsed.signature);
    if (!matches("code-point") && !matches("utf-16")) {
      return iamError("verify aksk signature fail");
    }
    const projectId = header(request.headers, "x-project-id") ?? this.seed.projectId;
    return { projectId, canWrite: key.canWrite };
  }
}

export function isRefusal(result: Caller | Refusal): result is Refusal {
  return "code" in result;
}

/** Decoded query pairs, `+` read as a space as Go's `url.ParseQuery` does. */
export function parseQuery(raw: string): [string, string][] {
  if (raw === "") return [];
  return raw.split("&").map((part) => {
    const eq = part.indexOf("=");
    const [k, v] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return [decode(k), decode(v)];
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function refusal(status: number, code: string, message: string): Refusal {
  return { status, code, message };
}

/** Whether two secrets are equal, in a time that does not tell how much of them matched. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
