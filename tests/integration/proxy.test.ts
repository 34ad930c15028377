/**
 * Corporate proxies, as axios's own proxy support handles them: HTTPS goes through the proxy
 * HTTPS_PROXY names as a CONNECT tunnel (TLS end to end, the proxy sees only host and port),
 * NO_PROXY exempts hosts, and plain HTTP (loopback only) is never proxied. The client runs in a process of its own, because the proxy variables and
 * NODE_EXTRA_CA_CERTS (which trusts the test server's self-signed certificate, as a user trusts a
 * corporate CA) are read from a process's environment.
 *
 * The fixture certificate is for 127.0.0.1 only; regenerate it with
 *   openssl req -x509 -newkey rsa:2048 -nodes -keyout loopback-key.pem -out loopback-cert.pem \
 *     -days 36500 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { listen, stubServer, type StubServer } from "./stubs";

const FIXTURES = join(__dirname, "fixtures");
const CERT = join(FIXTURES, "loopback-cert.pem");
const DIST = join(__dirname, "..", "..", "dist", "provider", "http");

// One GET through the compiled transport, in a fresh process with `env`; what came back.
function sendFromChild(url: string, env: Record<string, string>): Promise<unknown> {
  const script = `
    const { Transport } = require(${JSON.stringify(join(DIST, "transport.js"))});
    const { AdaptiveLimiter } = require(${JSON.stringify(join(DIST, "limiter.js"))});
    const { budgetOf } = require(${JSON.stringify(join(DIST, "deadline.js"))});
    const transport = new Transport({ limiter: new AdaptiveLimiter(2), maxRetries: 0, requestTimeoutMs: 10000 });
    transport
      .send({ method: "GET", baseUrl: ${JSON.stringify(url)}, segments: ["v1", "ping"], doing: "ping", idempotent: true }, budgetOf(10000))
      .then((r) => console.log(JSON.stringify({ status: r.status, body: r.body })), (e) => console.log(JSON.stringify({ error: e.message })));
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-e", script],
      { env: { PATH: process.env.PATH ?? "", NODE_EXTRA_CA_CERTS: CERT, ...env } },
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's own error
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
    );
  });
}

describe("requests through a corporate proxy", () => {
  let https: HttpsServer;
  let httpsUrl: string;
  const served: string[] = [];
  let proxy: HttpServer;
  let proxyPort: number;
  const tunnels: { target: string; auth?: string }[] = [];
  const forwarded: string[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    https = createHttpsServer(
      {
        key: readFileSync(join(FIXTURES, "loopback-key.pem")),
        cert: readFileSync(CERT),
      },
      (req, res) => {
        served.push(req.url ?? "");
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
      },
    );
    httpsUrl = `https://127.0.0.1:${await listen(https, "127.0.0.1")}`;

    // A CONNECT proxy; an absolute-URI request (a client not tunnelling) is refused and recorded.
    proxy = createHttpServer((req, res) => {
      forwarded.push(`${req.method} ${req.url}`);
      res.writeHead(502).end("this proxy only tunnels");
    });
    proxy.on("connect", (req, client: Socket, head: Buffer) => {
      tunnels.push({ target: req.url ?? "", auth: req.headers["proxy-authorization"] });
      const [host, port] = (req.url ?? "").split(":");
      const upstream = connect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => sockets.delete(s));
      }
    });
    proxyPort = await listen(proxy, "127.0.0.1");
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    https.closeAllConnections();
    proxy.closeAllConnections();
    await Promise.all([new Promise((r) => https.close(r)), new Promise((r) => proxy.close(r))]);
  });

  beforeEach(() => {
    served.length = 0;
    tunnels.length = 0;
    forwarded.length = 0;
  });

  it("tunnels HTTPS through HTTPS_PROXY with CONNECT", async () => {
    const answer = await sendFromChild(httpsUrl, {
      HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
    });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(tunnels.map((t) => t.target)).toEqual([httpsUrl.replace("https://", "")]);
    expect(forwarded).toEqual([]);
    expect(served).toEqual(["/v1/ping"]);
  });

  // axios sends the user name and password as the URL writes them, percent-escapes included
  // (the README says so): these need none.
  it("sends the proxy's own credentials from https_proxy", async () => {
    const answer = await sendFromChild(httpsUrl, {
      https_proxy: `http://corp-user:s3cret@127.0.0.1:${proxyPort}`,
    });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(tunnels.map((t) => t.auth)).toEqual([
      `Basic ${Buffer.from("corp-user:s3cret").toString("base64")}`,
    ]);
  });

  it("goes direct to hosts NO_PROXY names", async () => {
    const answer = await sendFromChild(httpsUrl, {
      HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
      NO_PROXY: "127.0.0.1",
    });
    expect(answer).toEqual({ status: 200, body: { ok: true } });
    expect(tunnels).toEqual([]);
    expect(served).toEqual(["/v1/ping"]);
  });

  it("never sends plain HTTP (loopback only) through a proxy", async () => {
    let stub: StubServer | undefined;
    try {
      stub = await stubServer((_req, _body, res) => res.writeHead(200).end('{"plain":true}'));
      const answer = await sendFromChild(stub.url, {
        HTTP_PROXY: `http://127.0.0.1:${proxyPort}`,
        HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
        ALL_PROXY: `http://127.0.0.1:${proxyPort}`,
      });
      expect(answer).toEqual({ status: 200, body: { plain: true } });
      expect([...tunnels, ...forwarded]).toEqual([]);
    } finally {
      await stub?.close();
    }
  });
});
