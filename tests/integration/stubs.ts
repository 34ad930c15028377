/**
 * Small loopback servers for behaviours the emulator does not have: a port that never answers, a
 * listener that only counts who connects, and a server whose every answer a test writes.
 */
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { RELEASE } from "../../emulator";

/** Inputs of one pair as `check` returns them, for calls that only a stub server answers. */
export const STUB_INPUTS = {
  instanceId: "eddc4d25480b4cd6b512f270a1b8b341",
  envId: RELEASE,
  appIds: ["app1"],
  apiIds: ["api1"],
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
  adoptExisting: false,
};

export interface Listener {
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Bytes received so far, as text. */
  received(): string;
  close(): Promise<void>;
}

/** A TCP listener on `host` that accepts and records; it never answers, or writes `reply` once. */
export async function silentListener(host = "127.0.0.1", reply?: string): Promise<Listener> {
  let connections = 0;
  let received = "";
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (reply !== undefined) socket.end(reply);
    });
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  });
  const port = await listen(server, host);
  return {
    url: `http://${host}:${port}`,
    port,
    connections: () => connections,
    received: () => received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface StubServer {
  url: string;
  /** Method and raw URL of every request, in order. */
  requests: { method: string; url: string; body: string }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 whose answers `answer` writes. */
export async function stubServer(
  answer: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<StubServer> {
  const requests: StubServer["requests"] = [];
  const server = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", body });
      answer(req, body, res);
    });
  });
  const port = await listen(server, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One answer of a {@link scriptedServer}. */
export interface ScriptedAnswer {
  status: number;
  /** Over a JSON Content-Type; a header set to `undefined` is left out. */
  headers?: Record<string, string | undefined>;
  /** Sent as it is when a string, as JSON otherwise; nothing when left out. */
  body?: unknown;
  /** Leave out the `Date` header Node's server adds by itself. */
  undated?: boolean;
  /** Never answer. */
  hang?: boolean;
}

/** A stub server that gives the answers a test queues, in order (`200 {}` once they run out). */
export interface ScriptedServer extends StubServer {
  answers: ScriptedAnswer[];
  /** The headers of each request, in order. */
  seen: IncomingHttpHeaders[];
  /** The client port of each request, in order. */
  ports: (number | undefined)[];
}

/** A {@link stubServer} whose answers the test queues. */
export async function scriptedServer(): Promise<ScriptedServer> {
  const answers: ScriptedAnswer[] = [];
  const seen: IncomingHttpHeaders[] = [];
  const ports: (number | undefined)[] = [];
  const stub = await stubServer((req, _body, res) => {
    seen.push(req.headers);
    ports.push(req.socket.remotePort);
    writeAnswer(res, answers.shift() ?? { status: 200, body: {} });
  });
  return { ...stub, answers, seen, ports };
}

/** Writes `answer` (see {@link ScriptedAnswer}) to `res`: a stub that holds a request answers it so. */
export function writeAnswer(res: ServerResponse, answer: ScriptedAnswer): void {
  if (answer.hang) return;
  res.sendDate = !answer.undated;
  const headers = Object.entries({ "Content-Type": "application/json", ...answer.headers });
  res.writeHead(
    answer.status,
    Object.fromEntries(headers.filter((h): h is [string, string] => h[1] !== undefined)),
  );
  const { body } = answer;
  res.end(body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body));
}

/** Listens on `host`, any free port; the port. */
export function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** An answer as a forwarding server passes it on. */
export interface Forwarded {
  status: number;
  contentType: string;
  /** The `Date` header; undefined leaves it out. */
  date?: string;
  text: string;
}

/**
 * A server on 127.0.0.1 between the provider and `target()` (the emulator): each request is
 * forwarded, and its answer passed back as `change` makes it, or `instead` answers it alone. A
 * request the target drops is dropped.
 */
export function forwardingServer(
  target: () => string,
  hooks: {
    instead?: (req: IncomingMessage) => Forwarded | undefined;
    change?: (req: IncomingMessage, answer: Forwarded) => Forwarded;
  },
): Promise<StubServer> {
  // The target's Date header, or none: never this machine's.
  const send = (res: ServerResponse, answer: Forwarded) =>
    writeAnswer(res, {
      status: answer.status,
      headers: { "Content-Type": answer.contentType, Date: answer.date },
      body: answer.text,
      undated: true,
    });
  return stubServer((req, body, res) => {
    const instead = hooks.instead?.(req);
    if (instead) return send(res, instead);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !["host", "connection"].includes(name)),
    ) as Record<string, string>;
    fetch(`${target()}${req.url}`, {
      method: req.method,
      headers,
      body: body === "" ? undefined : body,
    }).then(
      async (answer) => {
        const forwarded: Forwarded = {
          status: answer.status,
          contentType: answer.headers.get("content-type") ?? "application/json",
          date: answer.headers.get("date") ?? undefined,
          text: await answer.text(),
        };
        send(res, hooks.change ? hooks.change(req, forwarded) : forwarded);
      },
      () => res.socket?.destroy(),
    );
  });
}
