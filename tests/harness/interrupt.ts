/**
 * Kills a `pulumi` command at a chosen moment: a loopback proxy in front of the emulator that, once
 * armed, lets the emulator answer N requests and kills the command's processes when the Nth answer
 * arrives, before the provider sees it. The write of that request has landed; its answer is lost
 * with the process, as when a user's `pulumi` is killed (or the machine stops) mid-step.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export class Interrupter {
  private armed?: { left: number; kill: () => void };
  /** Requests forwarded since the proxy started. */
  forwarded = 0;

  private server!: Server;
  /** The proxy's base URL: the `roma:endpoint` of the stack under test. */
  url = "";

  private constructor() {}

  /** Starts the proxy for the emulator at `target` (an `http://127.0.0.1:port` URL). */
  static async start(target: string): Promise<Interrupter> {
    const to = new URL(target);
    const self = new Interrupter();
    const server = createServer((req, res) => {
      const upstream = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on("data", (c: Buffer) => chunks.push(c));
          answer.on("end", () => {
            if (self.answered()) {
              res.socket?.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          });
        },
      );
      upstream.on("error", () => res.socket?.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    self.server = server;
    self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return self;
  }

  /** Calls `kill` when the `answers`-th answer from now arrives (1 = the next one). */
  arm(answers: number, kill: () => void): void {
    this.armed = { left: answers, kill };
  }

  /** Forwards every answer again (the killed command is over). */
  disarm(): void {
    this.armed = undefined;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answered(): boolean {
    this.forwarded++;
    if (!this.armed || this.armed.left === 0) return this.armed?.left === 0;
    if (--this.armed.left > 0) return false;
    this.armed.kill();
    return true;
  }
}
