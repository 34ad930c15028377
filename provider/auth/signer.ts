/**
 * Huawei Cloud `SDK-HMAC-SHA256` request signing, as the API signing guide and the Go SDK define it.
 * The emulator verifies with its own code (emulator/signature.ts), so the two check each other.
 */
import { createHash, createHmac } from "node:crypto";
import { encodeRfc3986 } from "../http/rfc3986";

export const ALGORITHM = "SDK-HMAC-SHA256";

/** What a signature covers. `path` and `query` are decoded; `headers` are exactly those signed. */
export interface SignableRequest {
  method: string;
  path: string;
  query: readonly (readonly [string, string])[];
  headers: Readonly<Record<string, string>>;
  body: string | Buffer;
}

/** Each segment of a decoded path encoded, with the trailing `/` the signature (only) requires. */
export function canonicalUri(path: string): string {
  const encoded = path.split("/").map(encodeRfc3986).join("/");
  return encoded.endsWith("/") ? encoded : `${encoded}/`;
}

/**
 * How query parameters are ordered before encoding: by code point (Huawei's Python and Go signers,
 * and ours), or by UTF-16 unit (the official Node signer). They differ only where a character
 * beyond U+FFFF meets one in U+E000..U+FFFF.
 */
export type QueryOrder = "code-point" | "utf-16";

/** `k=v` pairs sorted by raw (unencoded) name, then raw value, then encoded and joined by `&`. */
export function canonicalQuery(
  query: SignableRequest["query"],
  order: QueryOrder = "code-point",
): string {
  const cmp = order === "code-point" ? compareCodePoints : compare;
  return [...query]
    .sort(([k1, v1], [k2, v2]) => cmp(k1, k2) || cmp(v1, v2))
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join("&");
}

/** The canonical request of the signing guide. */
export function canonicalRequest(
  request: SignableRequest,
  order: QueryOrder = "code-point",
): string {
  const names = Object.keys(request.headers)
    .map((name) => ({ name: name.toLowerCase(), value: request.headers[name].trim() }))
    .sort((a, b) => compare(a.name, b.name));
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query, order),
    names.map(({ name, value }) => `${name}:${value}\n`).join(""),
    names.map(({ name }) => name).join(";"),
    sha256Hex(request.body),
  ].join("\n");
}

/** The hex HMAC-SHA256 signature of a request signed at `sdkDate` with secret key `sk`. */
export function signature(
  request: SignableRequest,
  sdkDate: string,
  sk: string,
  order: QueryOrder = "code-point",
): string {
  const stringToSign = [ALGORITHM, sdkDate, sha256Hex(canonicalRequest(request, order))].join("\n");
  return createHmac("sha256", sk).update(stringToSign).digest("hex");
}

/** The `Authorization` header value for a request; `X-Sdk-Date` must be among its headers. */
export function authorizationHeader(request: SignableRequest, ak: string, sk: string): string {
  const sdkDate = headerValue(request.headers, "x-sdk-date");
  if (!sdkDate) throw new Error("a signed request needs an X-Sdk-Date header");
  const signedHeaders = Object.keys(request.headers)
    .map((n) => n.toLowerCase())
    .sort(compare)
    .join(";");
  return `${ALGORITHM} Access=${ak}, SignedHeaders=${signedHeaders}, Signature=${signature(request, sdkDate, sk)}`;
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Code-point order from UTF-16 units: at the first differing unit, a surrogate (U+D800..U+DFFF,
// part of a character beyond U+FFFF) ranks above U+E000..U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

function rank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  return unit >= 0xd800 ? unit + 0x2000 : unit;
}
