import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner";
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials";
import fc from "fast-check";
import { Authority, isRefusal } from "../../emulator/auth";
import { makeSeed } from "../../emulator/seed";
import { readClaim, sdkDateTime } from "../../emulator/signature";
import {
  authorizationHeader,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  sha256Hex,
  signature,
} from "../../provider/auth/signer";
import { encodeRfc3986 } from "../../provider/http/rfc3986";

describe("SDK-HMAC-SHA256 published vectors", () => {
  it("reproduces the signing guide's worked example", () => {
    const request = {
      method: "GET",
      path: "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
      query: [
        ["limit", "2"],
        ["marker", "13551d6b-755d-4757-b956-536f674975c0"],
      ] as [string, string][],
      headers: {
        "Content-Type": "application/json",
        host: "service.region.example.com",
        "X-Sdk-Date": "20191115T033655Z",
      },
      body: "",
    };
    expect(sha256Hex(canonicalRequest(request))).toBe(
      "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
    );
    expect(
      authorizationHeader(
        request,
        "QTWAOYTTINDUT2QVKYUC",
        "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
      ),
    ).toBe(
      "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
    );
  });

  it.each([
    ["GET", "limit", "1", "", "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"],
    [
      "POST",
      "key",
      "value",
      '{"Name":"test","Id":1}\n',
      "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
    ],
  ])("reproduces the Go SDK's %s vector", (method, k, v, body, expected) => {
    const request = {
      method,
      path: "/path",
      query: [[k, v]] as [string, string][],
      headers: { "X-Sdk-Date": "20060102T150405Z" },
      body,
    };
    expect(signature(request, "20060102T150405Z", "SecretKey")).toBe(expected);
  });
});

describe("canonical parts", () => {
  it("encodes each path segment once and appends the trailing slash", () => {
    expect(canonicalUri("/v1/a b/ü/x~y")).toBe("/v1/a%20b/%C3%BC/x~y/");
    expect(canonicalUri("/v1/")).toBe("/v1/");
  });

  it("sorts the query by name, then value, and encodes reserved characters", () => {
    expect(
      canonicalQuery([
        ["b", "2"],
        ["a", "x y"],
        ["a", "!"],
      ]),
    ).toBe("a=%21&a=x%20y&b=2");
    expect(canonicalQuery([])).toBe("");
  });

  it("sorts raw names, not encoded ones", () => {
    // Encoded, "%C3%A4" and "a%20b" would sort before "a" and "b".
    expect(
      canonicalQuery([
        ["ä", "1"],
        ["b", "2"],
        ["a b", "3"],
        ["a", "4"],
      ]),
    ).toBe("a=4&a%20b=3&b=2&%C3%A4=1");
    expect(
      canonicalQuery([
        ["k", "ä"],
        ["k", "b"],
        ["k", "%"],
      ]),
    ).toBe("k=%25&k=b&k=%C3%A4");
  });

  it("orders names by code point, as their UTF-8 bytes sort, at every edge of the surrogates", () => {
    // U+D7A3 and U+E000/U+E001 sit either side of the surrogates; U+10000 is the first pair.
    const chars = "a中\uD7A3\uD7FF\uE000\uE001\uFFFF\u{10000}😀".split(/(?:)/u);
    const name = fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(
        fc.uniqueArray(
          name.map((cs) => cs.join("")),
          { maxLength: 6 },
        ),
        (names) => {
          const byUtf8 = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
          expect(canonicalQuery(names.map((n) => [n, "v"]))).toBe(
            byUtf8.map((n) => `${encodeRfc3986(n)}=v`).join("&"),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("orders characters beyond U+FFFF after U+E000..U+FFFF (code points), or before (UTF-16)", () => {
    const query: [string, string][] = [
      ["\u{1F600}", "x"],
      ["\uFFFD", "y"],
      ["k", "\u{1F600}"],
      ["k", "\uE000"],
    ];
    expect(canonicalQuery(query)).toBe("k=%EE%80%80&k=%F0%9F%98%80&%EF%BF%BD=y&%F0%9F%98%80=x");
    expect(canonicalQuery(query, "utf-16")).toBe(
      "k=%F0%9F%98%80&k=%EE%80%80&%F0%9F%98%80=x&%EF%BF%BD=y",
    );
  });

  it("writes X-Sdk-Date and the Authorization header as the emulator reads them", () => {
    const date = new Date("2026-11-23T10:11:12.345Z");
    expect(formatSdkDate(date)).toBe("20261123T101112Z");
    expect(sdkDateTime("20261123T101112Z")).toBe(Date.parse("2026-11-23T10:11:12.000Z"));
    expect(sdkDateTime("2026-11-23")).toBeUndefined();
    expect(
      readClaim("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc"),
    ).toStrictEqual({
      access: "AK",
      signedHeaders: ["host", "x-sdk-date"],
      signature: "abc",
    });
  });
});

/**
 * Cross-check against Huawei's official Node signer on random requests. Paths and query values
 * carry unicode and reserved characters; the official signer hands the path to url.parse, which
 * percent-escapes a few characters (space, quotes, <>\^`{|}) before its own encoding, so those are
 * left out of paths: for them the published algorithm (and the Go SDK) encode once, it twice.
 */
describe("agreement with @huaweicloud/huaweicloud-sdk-core's AKSKSigner", () => {
  const SDK_DATE = "20260101T000000Z";
  const segmentChar = fc.constantFrom(..."abcXYZ019-._~!$&()*+,;=:@äé中文😀".split(/(?:)/u));
  const queryChar = fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@/? #<>äé中文😀".split(/(?:)/u));
  const segment = fc.array(segmentChar, { minLength: 1, maxLength: 8 }).map((cs) => cs.join(""));
  const value = fc.array(queryChar, { maxLength: 10 }).map((cs) => cs.join(""));
  const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
  // Bodies are JSON objects, as API bodies are (the official signer hashes a falsy body as empty).
  const body = fc.option(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 })), { nil: undefined });

  it("signs a few hundred random requests identically", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "POST", "DELETE", "PUT"),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 4 }),
        body,
        fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }),
        (method, segments, query, data, when) => {
          const path = `/${segments.join("/")}`;
          const sdkDate = formatSdkDate(when);
          const json = data === undefined ? "" : JSON.stringify(data);
          const headers = {
            "Content-Type": "application/json",
            "X-Project-Id": "p1",
            "X-Sdk-Date": sdkDate,
          };
          const official = AKSKSigner.sign(
            {
              method,
              endpoint: `https://roma.cn-north-4.example.com${path}`,
              queryParams: Object.fromEntries(query),
              headers: { ...headers },
              data,
            },
            new BasicCredentials().withAk("AKEXAMPLE").withSk("SKEXAMPLE"),
          ) as Record<string, string>;
          const ours = authorizationHeader(
            {
              method,
              path,
              query,
              headers: { ...headers, host: "roma.cn-north-4.example.com" },
              body: json,
            },
            "AKEXAMPLE",
            "SKEXAMPLE",
          );
          expect(ours).toBe(official.Authorization);
        },
      ),
      { numRuns: 300 },
    );
  });

  // The signing guide signs `name:trimmed-value`, and the server reads a value without the spaces
  // HTTP allows around it; the official signer signs what it is given, so it is given trimmed text.
  it("signs a header value by its trimmed text, as the server reads it", () => {
    const headers = (projectId: string) => ({ "X-Project-Id": projectId, "X-Sdk-Date": SDK_DATE });
    const official = AKSKSigner.sign(
      { method: "GET", endpoint: "https://h/v2/p", queryParams: {}, headers: headers("p1") },
      new BasicCredentials().withAk("AKEXAMPLE").withSk("SKEXAMPLE"),
    ) as Record<string, string>;
    const ours = authorizationHeader(
      {
        method: "GET",
        path: "/v2/p",
        query: [],
        headers: { ...headers(" p1\t "), host: "h" },
        body: "",
      },
      "AKEXAMPLE",
      "SKEXAMPLE",
    );
    expect(ours).toBe(official.Authorization);
  });

  it("refuses to sign a request without X-Sdk-Date, which the signature covers", () => {
    expect(() =>
      authorizationHeader(
        { method: "GET", path: "/v2/p", query: [], headers: { host: "h" }, body: "" },
        "AKEXAMPLE",
        "SKEXAMPLE",
      ),
    ).toThrow(new Error("a signed request needs an X-Sdk-Date header"));
  });

  it("differs once anything signed changes", () => {
    const base = {
      method: "POST",
      path: "/v2/p/apic",
      query: [["a", "1"]] as [string, string][],
      headers: { host: "h", "X-Sdk-Date": "20260101T000000Z" },
      body: "{}",
    };
    const sig = signature(base, "20260101T000000Z", "sk");
    expect(signature({ ...base, body: "{ }" }, "20260101T000000Z", "sk")).not.toBe(sig);
    expect(signature({ ...base, path: "/v2/q/apic" }, "20260101T000000Z", "sk")).not.toBe(sig);
    expect(signature({ ...base, query: [["a", "2"]] }, "20260101T000000Z", "sk")).not.toBe(sig);
    expect(signature(base, "20260101T000001Z", "sk")).not.toBe(sig);
  });
});

/**
 * Query names and values with non-ASCII, reserved and astral characters, and names repeated with
 * several values, signed by the official Node signer (UTF-16 order): our signer agrees wherever
 * code-point and UTF-16 order agree, agrees in UTF-16 order always, and the emulator's verifier
 * accepts both the official signer's request and ours, on the paths of both gateways.
 */
describe.each([
  ["ROMA Connect", "/v2/p1/apic/instances/i1/app-auths/binded-apis"],
  ["APIG", "/v2/p1/apigw/instances/i2/app-auths/binded-apis"],
])("agreement on non-ASCII query names and astral values (%s)", (_gateway, path) => {
  const chars = "aAbZz09_-.~!*'() :/?%+=&äé中😀𝄞\uE000\uFFFD".split(/(?:)/u);
  const text = (min: number) =>
    fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: 5 }).map((cs) => cs.join(""));
  const query = fc.uniqueArray(
    fc.tuple(text(1), fc.uniqueArray(text(0), { minLength: 1, maxLength: 3 })),
    { selector: ([k]) => k, maxLength: 5 },
  );
  const when = new Date("2026-11-23T10:11:12Z");
  const seed = makeSeed();
  const authority = new Authority(seed, () => when.getTime(), 3600_000);
  const host = "roma.cn-north-4.example.com";

  it("signs as the official signer does, and the verifier takes either order", () => {
    let diverging = 0;
    fc.assert(
      fc.property(query, (entries) => {
        const pairs = entries.flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]));
        const headers = { "X-Sdk-Date": formatSdkDate(when) };
        const official = AKSKSigner.sign(
          {
            method: "GET",
            endpoint: `https://${host}${path}`,
            queryParams: Object.fromEntries(
              entries.map(([k, vs]) => [k, vs.length === 1 ? vs[0] : [...vs]]),
            ),
            headers: { ...headers },
          },
          new BasicCredentials()
            .withAk(seed.credentials.accessKey)
            .withSk(seed.credentials.secretKey),
        ) as Record<string, string>;
        const request = {
          method: "GET",
          path,
          query: pairs,
          headers: { ...headers, host },
          body: "",
        };
        const ours = authorizationHeader(
          request,
          seed.credentials.accessKey,
          seed.credentials.secretKey,
        );
        const officialSignature = readClaim(official.Authorization)!.signature;
        expect(
          signature(request, headers["X-Sdk-Date"], seed.credentials.secretKey, "utf-16"),
        ).toBe(officialSignature);
        if (canonicalQuery(pairs) === canonicalQuery(pairs, "utf-16")) {
          expect(ours).toBe(official.Authorization);
        } else diverging++;
        // As sent on the wire: encoded, in the order given.
        const rawQuery = pairs.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join("&");
        for (const authorization of [official.Authorization, ours]) {
          const caller = authority.authenticate({
            method: "GET",
            rawPath: path,
            rawQuery,
            headers: { host, "x-sdk-date": headers["X-Sdk-Date"], authorization },
            body: Buffer.alloc(0),
          });
          expect(isRefusal(caller) ? caller.message : "accepted").toBe("accepted");
        }
      }),
      { numRuns: 400 },
    );
    // The property met the case where the official signers disagree.
    expect(diverging).toBeGreaterThan(0);
  });
});
