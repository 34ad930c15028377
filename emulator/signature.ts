/**
 * The `SDK-HMAC-SHA256` signature a request should carry, computed from the request as the server
 * received it. Written from the signing guide apart from the provider's signer on purpose: the
 * emulator is the test oracle, so a mistake in the provider's signer must not be repeated here.
 * Both are checked against Huawei's official signer (tests/unit/signer.test.ts).
 */
import { createHash, createHmac } from "node:crypto";

/** The parts of `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...`. */
export interface SignatureClaim {
  access: string;
  signedHeaders: string[];
  signature: string;
}

/** What the signature covers: the path and query decoded, the signed headers by lower-case name. */
export interface SignedParts {
  method: string;
  path: string;
  query: readonly (readonly [string, string])[];
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

/**
 * Query order before encoding: Huawei's Python and Go signers sort by code point, the official
 * Node signer by UTF-16 unit; a server that accepts both SDKs accepts either.
 */
export type QueryOrder = "code-point" | "utf-16";

const CLAIM =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/;

/** The claim an `Authorization` header makes, or undefined when it is not of the signed form. */
export function readClaim(header: string): SignatureClaim | undefined {
  const m = CLAIM.exec(header.trim());
  return m ? { access: m[1], signedHeaders: m[2].split(";"), signature: m[3] } : undefined;
}

/** The instant an `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`) names, or undefined. */
export function sdkDateTime(value: string): number | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The hex signature of `parts` signed at `sdkDate` (as sent) with secret key `sk`. */
export function expectedSignature(
  parts: SignedParts,
  sdkDate: string,
  sk: string,
  order: QueryOrder,
): string {
  const digest = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
  const names = Object.keys(parts.headers).sort(byUnits);
  const canonical = [
    parts.method.toUpperCase(),
    // The guide's canonical URI always ends in `/`, whatever the request path.
    `${parts.path.split("/").map(percentEncode).join("/")}/`.replace(/\/\/$/, "/"),
    [...parts.query]
      .sort((a, b) => ordered(order, a[0], b[0]) || ordered(order, a[1], b[1]))
      .map((pair) => pair.map(percentEncode).join("="))
      .join("&"),
    names.map((name) => `${name}:${parts.headers[name].trim()}\n`).join(""),
    names.join(";"),
    digest(parts.body),
  ].join("\n");
  const toSign = `SDK-HMAC-SHA256\n${sdkDate}\n${digest(canonical)}`;
  return createHmac("sha256", sk).update(toSign).digest("hex");
}

/** RFC 3986: unreserved characters as they are, every other UTF-8 byte as `%XX`. */
function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function ordered(order: QueryOrder, a: string, b: string): number {
  return order === "utf-16" ? byUnits(a, b) : byCodePoints(a, b);
}

function byUnits(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function byCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}
