import { AKSKSigner } from "@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner";
import { BasicCredentials } from "@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials";
import fc from "fast-check";
import {
  authorizationHeader,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  signature,
} from "../../provider/auth/signer";

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

  it("round-trips X-Sdk-Date and the Authorization header", () => {
    const date = new Date("2026-11-23T10:11:12.345Z");
    expect(formatSdkDate(date)).toBe("20261123T101112Z");
    expect(parseSdkDate("20261123T101112Z")?.toISOString()).toBe("2026-11-23T10:11:12.000Z");
    expect(parseSdkDate("2026-11-23")).toBeUndefined();
    expect(
      parseAuthorization("SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc"),
    ).toEqual({
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
            } as never,
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
