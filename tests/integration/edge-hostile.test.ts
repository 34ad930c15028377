/**
 * Answers a hostile or broken server may give, met at the transport: headers and then a body that
 * never ends, a body trickled a byte at a time, a body with no end at all; and a DNS that never
 * answers.
 */
import dns from "node:dns";
import type { ServerResponse } from "node:http";
import { budgetOf } from "../../provider/http/deadline";
import { AdaptiveLimiter } from "../../provider/http/limiter";
import { RomaTransport as Transport } from "../../provider/roma-api";
import { stubServer, type StubServer } from "./stubs";

const request = (baseUrl: string) => ({
  method: "GET" as const,
  baseUrl,
  segments: ["v1", "things"],
  doing: "list the things",
  idempotent: true,
});

// A request timeout far beyond the operation's, so only the operation's deadline can end a wait.
const transport = () =>
  new Transport({ limiter: new AdaptiveLimiter(2), maxRetries: 3, requestTimeoutMs: 600_000 });

describe("a server that sends headers and then stalls on the body", () => {
  let stub: StubServer;
  const timers: NodeJS.Timeout[] = [];
  afterEach(async () => {
    timers.forEach(clearInterval);
    await stub.close();
  });

  const shapes: Record<string, (res: ServerResponse) => void> = {
    "never sends the rest": (res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"things": [');
    },
    "trickles a byte at a time": (res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"things": [');
      timers.push(setInterval(() => res.write(" "), 20));
    },
  };

  it.each(Object.keys(shapes))(
    "%s: the operation ends at its deadline, naming the answer",
    async (shape) => {
      stub = await stubServer((_req, _body, res) => shapes[shape](res));
      const error = (await transport()
        .send(request(stub.url), budgetOf(500))
        .catch((e: unknown) => e)) as Error & { code?: string };
      expect(error.code).toBe("OPERATION_TIMEOUT");
      expect(error.message).toMatch(
        /Could not list the things: roma:operationTimeout \(0.5 s\) passed while waiting for an answer from http:\/\/127.0.0.1/,
      );
    },
    10_000,
  );
});

describe("a server whose answer has no end", () => {
  let stub: StubServer;
  let written = 0;
  afterEach(() => stub.close());

  it("is refused once it passes the size limit, not buffered until the deadline", async () => {
    const chunk = Buffer.alloc(1 << 20, " ");
    stub = await stubServer((_req, _body, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const pump = () => {
        while (!res.destroyed && ((written += chunk.length), res.write(chunk)));
        if (!res.destroyed) res.once("drain", pump);
      };
      res.write("[");
      pump();
    });
    const error = (await transport()
      .send(request(stub.url), budgetOf(60_000))
      .catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.code).not.toBe("OPERATION_TIMEOUT");
    expect(error.message).toMatch(/Could not list the things: .*larger than 64 MB/);
    // Refused at the limit, and not asked for again: the same server would send it again.
    expect(written).toBeLessThan(2 * 64 * (1 << 20));
    expect(stub.requests).toHaveLength(1);
  }, 60_000);
});

describe("a DNS lookup that never answers", () => {
  const lookup = dns.lookup;
  afterEach(() => {
    dns.lookup = lookup;
  });

  it("ends at the operation's deadline, naming the answer it waited for", async () => {
    let asked = 0;
    // The lookup Node's sockets use, replaced by one that never calls back.
    dns.lookup = (() => void asked++) as unknown as typeof dns.lookup;
    const error = (await transport()
      .send(request("https://roma.cn-north-4.myhuaweicloud.com"), budgetOf(500))
      .catch((e: unknown) => e)) as Error & { code?: string };
    expect(asked).toBeGreaterThan(0);
    expect(error.code).toBe("OPERATION_TIMEOUT");
    expect(error.message).toMatch(
      /passed while waiting for an answer from https:\/\/roma.cn-north-4.myhuaweicloud.com/,
    );
  }, 10_000);
});
