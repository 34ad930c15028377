import {
  ANSWER_TOO_LARGE,
  CERTIFICATE_REFUSED,
  isApiError,
  isRequestError,
  networkError,
  retryAfterMs,
  UNEXPECTED_ANSWER,
} from "../../provider/http/errors";
import {
  isSignatureRejection,
  romaApiError as apiError,
  romaErrorFields as errorFields,
} from "../../provider/roma-errors";

const NOW = Date.parse("2026-11-23T10:00:00Z");
const body = (code: string, msg = "m") => ({ error_code: code, error_msg: msg });

describe("errorFields: exactly what the answer said", () => {
  it("keeps only the fields the answer had", () => {
    expect(errorFields(400, {}, body("APIG.2011", "bad"), NOW)).toStrictEqual({
      status: 400,
      code: "APIG.2011",
      apiMessage: "bad",
    });
    expect(
      errorFields(
        429,
        { "x-request-id": "r1", "retry-after": "120", date: "Mon, 23 Nov 2026 09:58:00 GMT" },
        { ...body("APIG.0308"), encoded_authorization_message: "e".repeat(500) },
        NOW,
      ),
    ).toStrictEqual({
      status: 429,
      code: "APIG.0308",
      apiMessage: "m",
      requestId: "r1",
      denial: `${"e".repeat(400)}...`,
      retryAfterMs: 120_000,
      clockSkewMs: -120_000,
    });
    // A header that is not text (a list) is not read.
    expect(errorFields(400, { "x-request-id": ["r1"], date: 5 }, {}, NOW)).toStrictEqual({
      status: 400,
      code: "HTTP.400",
      apiMessage: "no error message in the answer",
    });
  });

  it("reads IAM's body, with a numeric code or none", () => {
    expect(errorFields(401, {}, { error: { code: 401, message: "no" } }, 0)).toStrictEqual({
      status: 401,
      code: "IAM.401",
      apiMessage: "no",
    });
    expect(errorFields(403, {}, { error: { message: "denied" } }, 0)).toStrictEqual({
      status: 403,
      code: "HTTP.403",
      apiMessage: "denied",
    });
  });

  it("cuts an HTML error page to 200 characters, after trimming it", () => {
    const page = `  <html>${"x".repeat(300)}</html>\n`;
    const { apiMessage } = errorFields(502, {}, page, 0);
    expect(apiMessage).toBe(`${page.trim().slice(0, 200)}...`);
    const exact = "y".repeat(200);
    expect(errorFields(502, {}, exact, 0).apiMessage).toBe(exact);
    expect(errorFields(502, {}, "   ", 0).apiMessage).toBe("no error message in the answer");
    expect(errorFields(502, {}, null, 0).apiMessage).toBe("no error message in the answer");
  });
});

describe("retryAfterMs", () => {
  it.each([
    ["120", 120_000],
    ["1.5", 1500],
    ["1.25", 1250],
    ["1a", undefined],
    ["a1", undefined],
    [" 7 ", 7000],
    ["0", 0],
    ["Mon, 23 Nov 2026 10:00:30 GMT", 30_000],
    ["Mon, 23 Nov 2026 09:00:00 GMT", 0],
    ["soon", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%p -> %p", (value, ms) => {
    expect(retryAfterMs(value, NOW)).toBe(ms);
  });
});

describe("hints", () => {
  const message = (status: number, code: string, extra = {}, where?: string) =>
    apiError({ status, code, apiMessage: "m", ...extra }, "do it", where).message;

  it.each([
    [
      "APIG.1000",
      401,
      "No credential reached the API: set a token, an access key pair or a password login.",
    ],
    [
      "APIG.0308",
      429,
      "The tenant is throttled: throttled requests are resent until roma:operationTimeout; raise it, or lower roma:maxConcurrency to leave room for other clients of the tenant.",
    ],
    [
      "APIGW.0308",
      429,
      "The tenant is throttled: throttled requests are resent until roma:operationTimeout; raise it, or lower roma:maxConcurrency to leave room for other clients of the tenant.",
    ],
    [
      "APIG.9008",
      500,
      "The tenant is throttled: throttled requests are resent until roma:operationTimeout; raise it, or lower roma:maxConcurrency to leave room for other clients of the tenant.",
    ],
    [
      "APIG.1001",
      401,
      "The token has expired: get a new one (roma:token / HW_AUTH_TOKEN), or give AK/SK or a password login so the provider renews tokens itself.",
    ],
    [
      "APIG.1002",
      401,
      "The token was not accepted: check roma:token / HW_AUTH_TOKEN; a token only works in the project and region it was issued for.",
    ],
    [
      "APIG.1005",
      403,
      "The credential is not allowed to do this: it needs write permission on ROMA Connect (for example the ROMA FullAccess policy).",
    ],
    ["APIG.3030", 404, "Check instanceId, and that the project and region are the instance's."],
    [
      "APIG.3003",
      404,
      "envId takes an environment's id, not its name: ids look like DEFAULT_ENVIRONMENT_RELEASE_ID (the RELEASE environment every instance has) or 32 hexadecimal characters. The console lists them under the instance's API environments.",
    ],
  ])("%s (HTTP %i)", (code, status, hint) => {
    expect(message(status, code)).toBe(`Could not do it: m (${code}, HTTP ${status}). ${hint}`);
  });

  it("adds no hint to a code without a known remedy", () => {
    expect(message(400, "APIG.2011")).toBe("Could not do it: m (APIG.2011, HTTP 400).");
  });

  it("asks for the security token when temporary credentials come without it", () => {
    const m = apiError(
      { status: 401, code: "APIG.0301", apiMessage: "The securityToken is missing" },
      "do it",
    ).message;
    expect(m).toMatch(
      / Temporary AK\/SK credentials work only with the security token issued with them: set roma:securityToken \/ huaweicloud:securityToken \/ HW_SECURITY_TOKEN \/ HUAWEICLOUD_SDK_SECURITY_TOKEN\.$/,
    );
    expect(message(403, "APIG.1005", { apiMessage: "security token" })).toMatch(/write permission/);
  });

  it("tells which way the clock is off, past a minute only", () => {
    const skewed = (clockSkewMs: number) => message(401, "APIGW.0301", { clockSkewMs });
    expect(skewed(-120_000)).toMatch(/ This machine's clock is 120 s ahead of the server's\.$/);
    expect(skewed(90_400)).toMatch(/ This machine's clock is 90 s behind the server's\.$/);
    expect(skewed(60_000)).toMatch(
      /\(clock skew: a signature is valid for 15 minutes around the server's time\)\.$/,
    );
    expect(skewed(-60_000)).toMatch(/server's time\)\.$/);
    expect(skewed(60_001)).toMatch(/60 s behind/);
  });

  it("knows a signature rejection by its code or its words, on a 401 only", () => {
    const f = (status: number, code: string, apiMessage = "m") => ({ status, code, apiMessage });
    expect(isSignatureRejection(f(401, "APIG.0301"))).toBe(true);
    expect(isSignatureRejection(f(401, "APIGW.0301"))).toBe(true);
    expect(isSignatureRejection(f(401, "X", "verify AKSK failed"))).toBe(true);
    expect(isSignatureRejection(f(401, "X", "bad X-Sdk-Date"))).toBe(true);
    expect(isSignatureRejection(f(401, "X", "Signature mismatch"))).toBe(true);
    expect(isSignatureRejection(f(401, "APIG.1002"))).toBe(false);
    expect(isSignatureRejection(f(403, "APIG.0301"))).toBe(false);
  });

  it("says when the answer did not come from the API at all", () => {
    const where = "The URL came from roma:endpoint.";
    const notApi =
      "The answer has no error code of ROMA Connect or IAM, so the server is likely not the service's API. The URL came from roma:endpoint.";
    expect(message(404, "HTTP.404", {}, where)).toBe(
      `Could not do it: m (HTTP.404, HTTP 404). ${notApi}`,
    );
    expect(message(405, "HTTP.405", {}, where)).toMatch(/likely not the service's API/);
    expect(message(403, "HTTP.403", {}, where)).toBe("Could not do it: m (HTTP.403, HTTP 403).");
    expect(message(404, "APIG.3004", {}, where)).toBe("Could not do it: m (APIG.3004, HTTP 404).");
    expect(message(404, "HTTP.404")).toBe("Could not do it: m (HTTP.404, HTTP 404).");
  });

  it("names the settings behind a URL that points at the wrong place", () => {
    const where = "The URL came from roma:endpoint.";
    const text = (code: string, w?: string) => networkError(code, false, "do it", "d", w).message;
    const tls = `Could not do it: d (EPROTO; no answer from the server). The server at that address does not speak TLS (plain HTTP on an https:// URL, or the wrong port). ${where}`;
    expect(text("EPROTO", where)).toBe(tls);
    expect(text("ERR_SSL_WRONG_VERSION_NUMBER", where)).toMatch(/does not speak TLS/);
    for (const code of ["ENOTFOUND", "ECONNREFUSED", "ERR_TLS_CERT_ALTNAME_INVALID"]) {
      expect(text(code, where)).toBe(
        `Could not do it: d (${code}; no answer from the server). ${where}`,
      );
    }
    expect(text("ECONNRESET", where)).toBe(
      "Could not do it: d (ECONNRESET; no answer from the server).",
    );
    expect(text("EPROTO")).toBe("Could not do it: d (EPROTO; no answer from the server).");
  });

  it("tells how to trust a CA for a certificate whose issuer this machine does not trust", () => {
    const trust =
      "This machine does not trust the certificate's issuer: behind a proxy that inspects TLS, or for an endpoint whose certificate your organisation's CA signed, trust that CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment of `pulumi`.";
    const untrusted = [
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "UNABLE_TO_GET_ISSUER_CERT",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    ];
    // With or without the settings behind the URL: the remedy is this machine's, not a setting's.
    for (const where of [undefined, "The URL came from roma:endpoint."]) {
      expect(
        untrusted.map((code) => networkError(code, false, "do it", "d", where).message),
      ).toStrictEqual(
        untrusted.map(
          (code) => `Could not do it: d (${code}; no answer from the server). ${trust}`,
        ),
      );
    }
    // A certificate refused for another reason is not mended by trusting a CA.
    const otherwise = CERTIFICATE_REFUSED.filter((code) => !untrusted.includes(code));
    expect(otherwise.length).toBeGreaterThan(0);
    for (const where of [undefined, "The URL came from roma:endpoint."]) {
      for (const code of otherwise.filter((c) => c !== "ERR_TLS_CERT_ALTNAME_INVALID")) {
        expect(networkError(code, false, "do it", "d", where).message).toBe(
          `Could not do it: d (${code}; no answer from the server).`,
        );
      }
    }
  });

  it("names an oversized answer and an answer that is not the API's by their own codes", () => {
    expect(networkError(ANSWER_TOO_LARGE, true, "do it", "d").message).toBe(
      "Could not do it: d (ANSWER_TOO_LARGE; no answer from the server).",
    );
    expect(message(200, UNEXPECTED_ANSWER)).toBe(
      "Could not do it: m (UNEXPECTED_ANSWER, HTTP 200).",
    );
  });

  it("explains an IAM denial after the message", () => {
    expect(message(403, "APIG.2011", { denial: "abc" })).toBe(
      "Could not do it: m (APIG.2011, HTTP 403). An IAM policy denied it; the answer's encoded_authorization_message says which statement: decode it with IAM's decode-authorization-message API (or give it to your IAM administrator): abc",
    );
  });
});

describe("isRequestError and isApiError", () => {
  it("know the provider's errors by kind, and an API error by its code", () => {
    const api = apiError({ status: 404, code: "APIG.3004", apiMessage: "m" }, "do it");
    const net = networkError("ECONNRESET", true, "do it", "d");
    expect([isRequestError(api), isRequestError(net)]).toStrictEqual([true, true]);
    expect(isRequestError({ kind: "api", message: "not an Error" })).toBe(false);
    expect(isRequestError(Object.assign(new Error("x"), { kind: "other" }))).toBe(false);
    expect(isRequestError(null)).toBe(false);
    expect([
      isApiError(api),
      isApiError(api, "APIG.3004"),
      isApiError(api, "APIG.3009"),
    ]).toStrictEqual([true, true, false]);
    expect([isApiError(net), isApiError(net, "ECONNRESET")]).toStrictEqual([false, false]);
    expect({ name: api.name, kind: api.kind, doing: api.doing }).toStrictEqual({
      name: "RomaApiError",
      kind: "api",
      doing: "do it",
    });
    expect({ name: net.name, code: net.code, mayHaveArrived: net.mayHaveArrived }).toStrictEqual({
      name: "RomaNetworkError",
      code: "ECONNRESET",
      mayHaveArrived: true,
    });
  });
});
