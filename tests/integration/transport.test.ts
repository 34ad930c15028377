/**
 * The transport against a loopback server whose every answer the test writes: what goes on the
 * wire, which answers are data, how the rest are named, and the server clock read from `Date`.
 */
import dns from "node:dns";
import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { join } from "node:path";
import { budgetOf } from "../../provider/http/deadline";
import { AdaptiveLimiter } from "../../provider/http/limiter";
import type { Authenticator, Request } from "../../provider/http/transport";
import { RomaTransport as Transport } from "../../provider/roma-api";
import { fakeDateOnly } from "../helpers";
import { debugLines, failureOf } from "../support";
import {
  listen,
  scriptedServer,
  silentListener,
  stubServer,
  type ScriptedAnswer,
  type StubServer,
} from "./stubs";

let stub: StubServer;
let answers: ScriptedAnswer[];
let seen: IncomingHttpHeaders[];
let ports: (number | undefined)[];

beforeEach(async () => {
  const scripted = await scriptedServer();
  ({ answers, seen, ports } = scripted);
  stub = scripted;
});
afterEach(() => stub.close());

const transport = () =>
  new Transport({ limiter: new AdaptiveLimiter(2), maxRetries: 0, requestTimeoutMs: 10_000 });

const get = (overrides: Partial<Request> = {}): Request => ({
  method: "GET",
  baseUrl: stub.url,
  segments: ["v1", "things"],
  doing: "list the things",
  idempotent: true,
  ...overrides,
});

const failure = (request: Request, t = transport(), limitMs = 10_000) =>
  failureOf<Error & { code?: string; status?: number; mayHaveArrived?: boolean }>(
    t.send(request, budgetOf(limitMs)),
  );

describe("what goes on the wire", () => {
  it("asks for JSON, and sends a body (typed as JSON) only when there is one", async () => {
    await transport().send(get(), budgetOf(10_000));
    await transport().send(
      get({ method: "POST", body: { a: 1 }, idempotent: false }),
      budgetOf(10_000),
    );
    expect(seen[0].accept).toBe("application/json");
    expect(seen[0]["content-type"]).toBeUndefined();
    expect(seen[0]["content-length"]).toBeUndefined();
    expect(seen[1]["content-type"]).toBe("application/json");
    expect(stub.requests.map((r) => [r.method, r.url, r.body])).toStrictEqual([
      ["GET", "/v1/things", ""],
      ["POST", "/v1/things", '{"a":1}'],
    ]);
  });

  it("gives the credential the decoded path and the Host it signs, under the base URL's path", async () => {
    const signed: { path: string; host: string }[] = [];
    const auth: Authenticator = {
      credential: () =>
        Promise.resolve({
          apply: (request) => signed.push({ path: request.path, host: request.headers.Host }),
        }),
    };
    await transport().send(
      get({
        baseUrl: `${stub.url}/gw%20x//`,
        segments: ["v1", "a b"],
        headers: { "X-Extra": "1" },
        auth,
      }),
      budgetOf(10_000),
    );
    expect(signed).toStrictEqual([{ path: "/gw x/v1/a b", host: new URL(stub.url).host }]);
    expect(stub.requests[0].url).toBe("/gw%20x/v1/a%20b");
    expect(seen[0]["x-extra"]).toBe("1");
  });

  it("keeps the connection open for the next request", async () => {
    const t = transport();
    await t.send(get(), budgetOf(10_000));
    await t.send(get(), budgetOf(10_000));
    expect(ports[1]).toBe(ports[0]);
  });

  it.each([
    ["empty", ""],
    ["a dot", "."],
    ["two dots", ".."],
    ["a path of two", "a/b"],
  ])("refuses a path segment that is %s, sending nothing", async (_what, segment) => {
    const error = await failure(get({ segments: ["v1", segment] }));
    expect(error.message).toBe(
      `Refused to list the things: ${JSON.stringify(segment)} cannot be part of a request path: an id never is empty or contains '/', '\\', '?', '#' or '..'. The value came from the settings, the state or an answer of the API; nothing was sent.`,
    );
    expect(stub.requests).toHaveLength(0);
  });

  it("writes at most 80 characters of a refused segment", async () => {
    const error = await failure(get({ segments: [`${"a".repeat(100)}/`] }));
    expect(error.message).toContain(`"${"a".repeat(80)}" cannot be part of a request path`);
  });
});

describe("which answers are data", () => {
  it("takes a JSON answer, and a 2xx without a body", async () => {
    answers.push({ status: 200, body: '{"total":0}' }, { status: 204 });
    const t = transport();
    expect((await t.send(get(), budgetOf(10_000))).body).toStrictEqual({ total: 0 });
    expect((await t.send(get(), budgetOf(10_000))).body).toBe("");
  });

  it("refuses a 200 that is not JSON, naming the endpoint, the type and the start of the body", async () => {
    answers.push({ status: 200, headers: { "Content-Type": "text/html" }, body: "<html>x</html>" });
    const error = await failure(get());
    expect(error.code).toBe("UNEXPECTED_ANSWER");
    expect(error.message).toContain(
      `GET ${stub.url}/v1/things answered Content-Type text/html and a non-JSON body starting "<html>x</html>", where JSON was expected. Check the endpoint setting.`,
    );
  });

  it("names a missing Content-Type", async () => {
    answers.push({ status: 200, headers: { "Content-Type": undefined }, body: "plain" });
    expect((await failure(get())).message).toContain("answered Content-Type none and");
  });

  it.each([
    [300, { Location: "https://elsewhere.example/x" }, "https://elsewhere.example/x"],
    [302, { Location: "https://elsewhere.example/y" }, "https://elsewhere.example/y"],
    [301, {}, "no Location"],
  ])("refuses a %s, never following it", async (status, headers, where) => {
    answers.push({
      status,
      headers: { ...headers, "Content-Type": "application/json" },
      body: "{}",
    });
    const error = await failure(get());
    expect(error.code).toBe("UNEXPECTED_ANSWER");
    expect(error.message).toContain(
      `GET ${stub.url}/v1/things answered a redirect to ${where}, which is never followed.`,
    );
    expect(stub.requests).toHaveLength(1);
  });

  it("reads a 400 as the API's error, with its code", async () => {
    answers.push({
      status: 400,
      body: JSON.stringify({ error_code: "APIG.2012", error_msg: "bad parameter" }),
    });
    const error = await failure(get());
    expect(error.code).toBe("APIG.2012");
    expect(error.status).toBe(400);
  });
});

describe("failures without an answer", () => {
  it("reads a write that met the deadline as one that may have arrived", async () => {
    answers.push({ status: 200, hang: true });
    const error = await failure(
      get({ method: "POST", body: {}, idempotent: false }),
      transport(),
      300,
    );
    expect(error.code).toBe("OPERATION_TIMEOUT");
    expect(error.mayHaveArrived).toBe(true);
  });

  it("reads a refused connection as never sent, so a write may be sent again", async () => {
    const closed = stub.url;
    await stub.close();
    const error = await failure(
      get({ baseUrl: closed, method: "POST", body: {}, idempotent: false }),
    );
    expect(error.code).toBe("ECONNREFUSED");
    expect(error.mayHaveArrived).toBe(false);
    stub = await stubServer((_req, _body, res) => res.end());
  });
});

describe("proxies", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("never sends plain HTTP (loopback) through HTTP_PROXY", async () => {
    const proxy = await silentListener();
    process.env.HTTP_PROXY = proxy.url;
    process.env.http_proxy = proxy.url;
    await transport().send(get(), budgetOf(10_000));
    expect(proxy.connections()).toBe(0);
    expect(stub.requests).toHaveLength(1);
    await proxy.close();
  });

  it("tunnels HTTPS through HTTPS_PROXY", async () => {
    const proxy = await silentListener();
    process.env.HTTPS_PROXY = proxy.url;
    process.env.https_proxy = proxy.url;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    // The proxy never answers: the operation ends at its deadline.
    await transport()
      .send(get({ baseUrl: "https://roma.cn-north-4.myhuaweicloud.com" }), budgetOf(500))
      .catch(() => undefined);
    expect(proxy.received()).toMatch(/^CONNECT roma\.cn-north-4\.myhuaweicloud\.com:443 /);
    await proxy.close();
  });
});

describe("failures before the request is sent, by their code", () => {
  const lookup = dns.lookup;
  afterEach(() => {
    dns.lookup = lookup;
  });

  // The lookup Node's sockets use, failing with `code`: the error reaches the transport as a
  // connection's would.
  const failLookup = (code?: string) => {
    dns.lookup = ((_host: string, _options: unknown, callback: (e: Error) => void) =>
      callback(Object.assign(new Error(`lookup failed: ${code}`), { code }))) as never;
  };

  it.each([
    ["ENOTFOUND", false],
    ["EAI_AGAIN", false],
    ["ERR_INVALID_URL", false],
    ["CERT_CHAIN_TOO_LONG", false],
    ["CERT_HAS_EXPIRED", false],
    ["CERT_NOT_YET_VALID", false],
    ["CERT_REJECTED", false],
    ["CERT_SIGNATURE_FAILURE", false],
    ["CERT_UNTRUSTED", false],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", false],
    ["ERROR_IN_CERT_NOT_AFTER_FIELD", false],
    ["ERROR_IN_CERT_NOT_BEFORE_FIELD", false],
    ["ERR_TLS_CERT_ALTNAME_INVALID", false],
    ["INVALID_CA", false],
    ["INVALID_PURPOSE", false],
    ["PATH_LENGTH_EXCEEDED", false],
    ["SELF_SIGNED_CERT_IN_CHAIN", false],
    ["UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY", false],
    ["UNABLE_TO_DECRYPT_CERT_SIGNATURE", false],
    ["UNABLE_TO_GET_ISSUER_CERT", false],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", false],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", false],
    ["EHOSTUNREACH", true],
  ])("%s: may have arrived is %s", async (code, mayHaveArrived) => {
    failLookup(code);
    const error = await failure(get({ baseUrl: "https://roma.cn-north-4.myhuaweicloud.com" }));
    expect(error.code).toBe(code);
    expect(error.mayHaveArrived).toBe(mayHaveArrived);
  });

  it("a certificate this machine does not trust: the write never left, and is not sent again", async () => {
    // The fixture certificate is self-signed for 127.0.0.1, and this process trusts no extra CA.
    const fixtures = join(__dirname, "fixtures");
    const served: string[] = [];
    const https = createHttpsServer(
      {
        key: readFileSync(join(fixtures, "loopback-key.pem")),
        cert: readFileSync(join(fixtures, "loopback-cert.pem")),
      },
      (req, res) => {
        served.push(req.url ?? "");
        res.end("{}");
      },
    );
    // Each try is a new TLS connection: counting them shows the refused handshake is not retried.
    let connections = 0;
    https.on("connection", () => connections++);
    const port = await listen(https, "127.0.0.1");
    try {
      const t = new Transport({
        limiter: new AdaptiveLimiter(2),
        maxRetries: 2,
        requestTimeoutMs: 10_000,
      });
      const error = await failure(
        get({ method: "POST", baseUrl: `https://127.0.0.1:${port}`, idempotent: false }),
        t,
      );
      expect([
        error.code,
        error.mayHaveArrived,
        /trust that CA with NODE_EXTRA_CA_CERTS/.test(error.message),
        connections,
        served,
      ]).toStrictEqual(["DEPTH_ZERO_SELF_SIGNED_CERT", false, true, 1, []]);
    } finally {
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    }
  });

  it("names a failure without a code ERR_NETWORK, one that may have arrived", async () => {
    failLookup();
    const error = await failure(get({ baseUrl: "https://roma.cn-north-4.myhuaweicloud.com" }));
    expect(error.code).toBe("ERR_NETWORK");
    expect(error.mayHaveArrived).toBe(true);
  });
});

describe("the server clock", () => {
  beforeEach(() => {
    fakeDateOnly(Date.parse("2030-06-01T00:00:00Z"));
  });
  afterEach(() => jest.useRealTimers());

  it("is unknown before a dated answer, then the last Date plus the time since", async () => {
    const t = transport();
    answers.push({ status: 200, body: "{}", undated: true });
    await t.send(get(), budgetOf(10_000));
    expect(t.serverNow()).toBeUndefined();
    answers.push({ status: 200, headers: { Date: "Wed, 01 Jan 2020 00:00:00 GMT" }, body: "{}" });
    await t.send(get(), budgetOf(10_000));
    expect(t.serverNow()).toBe(Date.parse("2020-01-01T00:00:00Z"));
    jest.setSystemTime(Date.now() + 5000);
    expect(t.serverNow()).toBe(Date.parse("2020-01-01T00:00:05Z"));
    // An answer without a Date keeps what the last one said.
    answers.push({ status: 200, body: "{}", undated: true });
    await t.send(get(), budgetOf(10_000));
    expect(t.serverNow()).toBe(Date.parse("2020-01-01T00:00:05Z"));
  });
});

describe("an expired token", () => {
  const expired = {
    status: 401,
    body: JSON.stringify({ error_code: "APIG.1001", error_msg: "token expired" }),
  };

  it("is renewed once and the request sent again; a second expiry is the user's error", async () => {
    let renewals = 0;
    let issued = 0;
    const auth: Authenticator = {
      credential: () =>
        Promise.resolve({
          apply: (request) => {
            request.headers["X-Auth-Token"] = `token-${issued}`;
          },
          renew: () => {
            renewals++;
            issued++;
            return Promise.resolve();
          },
        }),
    };
    answers.push(expired);
    await transport().send(get({ auth }), budgetOf(10_000));
    expect(renewals).toBe(1);
    expect(seen.map((h) => h["x-auth-token"])).toStrictEqual(["token-0", "token-1"]);

    answers.push(expired, expired);
    const error = await failure(get({ auth }));
    expect(error.code).toBe("APIG.1001");
    expect(renewals).toBe(2);
    expect(stub.requests).toHaveLength(4);
  });

  it("ends at the deadline while the renewal waits, naming it", async () => {
    const auth: Authenticator = {
      credential: () =>
        Promise.resolve({ apply: () => undefined, renew: () => new Promise<void>(() => {}) }),
    };
    answers.push(expired);
    const error = await failure(get({ auth }), transport(), 300);
    expect(error.message).toMatch(
      /passed while waiting for a fresh IAM token \(the IAM login\)\.$/,
    );
  });

  it("is the user's error at once when the credential cannot renew", async () => {
    const auth: Authenticator = {
      credential: () => Promise.resolve({ apply: () => undefined }),
    };
    answers.push(expired);
    expect((await failure(get({ auth }))).code).toBe("APIG.1001");
    expect(stub.requests).toHaveLength(1);
  });
});

describe("debug lines (ROMA_DEBUG)", () => {
  let lines: string[];
  beforeEach(() => {
    lines = debugLines();
    fakeDateOnly(Date.parse("2030-06-01T00:00:00Z"));
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    delete process.env.ROMA_DEBUG;
  });

  it("say what was sent, what came back, what failed and what is retried", async () => {
    answers.push({
      status: 503,
      body: JSON.stringify({ error_code: "APIG.0201", error_msg: "busy" }),
    });
    const t = new Transport({
      limiter: new AdaptiveLimiter(1),
      maxRetries: 1,
      requestTimeoutMs: 10_000,
    });
    await t.send(get(), budgetOf(60_000));
    expect(lines[0]).toBe("[roma] GET /v1/things -> 503 in 0 ms (attempt 1)\n");
    expect(lines[1]).toMatch(
      /^\[roma\] retrying GET v1\/things in \d+ ms after attempt 1: Could not list the things: .*APIG\.0201/,
    );
    expect(lines[2]).toBe("[roma] GET /v1/things -> 200 in 0 ms (attempt 2)\n");
    lines.length = 0;
    const closed = stub.url;
    await stub.close();
    await failure(get({ baseUrl: closed }));
    expect(lines[0]).toBe("[roma] GET /v1/things failed: ECONNREFUSED (attempt 1)\n");
    stub = await stubServer((_req, _body, res) => res.end());
  });
});
