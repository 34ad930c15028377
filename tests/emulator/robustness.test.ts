/**
 * The emulator under hostile or broken clients: the body limit (answered before the rest is read),
 * malformed percent-encoding (400, logged), and control endpoints that answer only the control key,
 * on both gateways' path families.
 */
import { request } from "node:http";
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import { call, FAMILIES, paths } from "../helpers";

interface Raw {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Sends a request by hand: `chunks` are written one by one and the request is never ended, so an
 * answer proves the emulator did not wait for the rest.
 */
function rawRequest(
  emu: Emulator,
  method: string,
  path: string,
  headers: Record<string, string | number>,
  chunks: Buffer[] = [],
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const url = new URL(emu.url);
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : {} });
        req.destroy();
      });
    });
    req.on("error", reject);
    req.flushHeaders();
    for (const c of chunks) req.write(c);
  });
}

// An emulator that waits for a body it should refuse would hang: fail fast instead.
jest.setTimeout(20_000);

// On the path family of each gateway (ROMA Connect's and APIG's).
describe.each(FAMILIES)("emulator robustness (%s)", (family) => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator({ maxBodyBytes: 4096 });
  });
  afterEach(() => emu.close());

  describe("body limit", () => {
    it("answers a declared 300 MB body 413 at once, without reading it, and logs it", async () => {
      const answer = await rawRequest(emu, "POST", paths(emu, family).authorize, {
        "Content-Type": "application/json",
        "Content-Length": 300 * 1024 * 1024,
      });
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({
        error_code: "APIG.0201",
        error_msg: "Request entity too large: the limit is 4096 bytes",
      });
      expect(emu.control.log()).toMatchObject([{ method: "POST", status: 413, code: "APIG.0201" }]);
    });

    it("answers a streamed body 413 once it passes the limit, before it ends", async () => {
      // One byte past the limit, all of which the emulator reads: nothing is left unread to
      // reset the connection before the answer arrives.
      const chunks = [1000, 1000, 1000, 1000, 97].map((n) => Buffer.alloc(n, 0x20));
      const answer = await rawRequest(
        emu,
        "POST",
        paths(emu, family).authorize,
        { "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
        chunks,
      );
      expect(answer.status).toBe(413);
    });

    it("takes a body of exactly the limit", async () => {
      const body = JSON.stringify({
        env_id: RELEASE,
        app_ids: [emu.seed.apps[0].id],
        api_ids: [emu.seed.apis[0].id],
      });
      const at = body.padEnd(4096, " ");
      const token = emu.seed.credentials.token;
      expect(
        (await call(emu, "POST", paths(emu, family).authorize, { token, body: at })).status,
      ).toBe(201);
      const over = await call(emu, "POST", paths(emu, family).authorize, { token, body: `${at} ` });
      expect([over.status, over.body.error_code]).toEqual([413, "APIG.0201"]);
    });

    it("defaults to 1 MiB", async () => {
      const big = await startEmulator();
      try {
        const answer = await rawRequest(big, "POST", paths(big, family).authorize, {
          "Content-Length": 1024 * 1024 + 1,
        });
        expect(answer.body.error_msg).toBe("Request entity too large: the limit is 1048576 bytes");
      } finally {
        await big.close();
      }
    });
  });

  describe("malformed percent-encoding", () => {
    it.each([
      [
        "the query",
        (e: Emulator) => `${paths(e, family).list}?app_id=%E0%A4%A&limit=5`,
        "app_id",
        "list",
      ],
      ["a query name", (e: Emulator) => `${paths(e, family).list}?app_id=x&%ZZ=1`, "%ZZ", "list"],
      ["the path", (e: Emulator) => paths(e, family).cancel("%E0%A4%A"), "path", "cancel"],
    ] as const)("in %s answers 400 APIG.2012 and is logged", async (_what, path, name, route) => {
      const method = route === "cancel" ? "DELETE" : "GET";
      const answer = await rawRequest(emu, method, path(emu), {
        "X-Auth-Token": emu.seed.credentials.token,
      });
      expect(answer).toEqual({
        status: 400,
        body: {
          error_code: "APIG.2012",
          error_msg: `Invalid parameter value,parameterName:${name}. Please refer to the support documentation`,
        },
      });
      expect(emu.control.log()).toMatchObject([{ method, route, status: 400, code: "APIG.2012" }]);
    });
  });

  describe("control endpoints", () => {
    it.each(["seed", "bindings", "log", "faults"])(
      "answer GET /_emulator/%s only with the control key",
      async (action) => {
        const url = `${emu.url}/_emulator/${action}`;
        const refusedWith: Record<string, string>[] = [
          {},
          { "X-Emulator-Key": "wrong" },
          { "X-Auth-Token": emu.seed.credentials.token },
        ];
        for (const headers of refusedWith) {
          const refused = await fetch(url, { headers });
          expect(refused.status).toBe(401);
          const text = await refused.text();
          expect(JSON.parse(text).error_code).toBe("EMULATOR.401");
          expect(text).not.toContain(emu.seed.credentials.secretKey);
        }
        const ok = await fetch(url, { headers: { "X-Emulator-Key": emu.controlKey } });
        expect(ok.status).toBe(200);
      },
    );

    it("refuse a write without the key and log the refusal", async () => {
      const put = await fetch(`${emu.url}/_emulator/faults`, {
        method: "PUT",
        body: JSON.stringify({ duplicates: "error" }),
      });
      expect(put.status).toBe(401);
      expect(emu.control.faults().duplicates).toBeUndefined();
      expect(emu.control.log()).toMatchObject([{ route: "control", status: 401 }]);
    });

    it("use a random key per start unless one is given", async () => {
      const other = await startEmulator({ controlKey: "chosen-key" });
      try {
        expect(emu.controlKey).toMatch(/^[0-9a-f]{32}$/);
        expect(other.controlKey).toBe("chosen-key");
        const seed = await fetch(`${other.url}/_emulator/seed`, {
          headers: { "X-Emulator-Key": "chosen-key" },
        });
        expect(((await seed.json()) as { projectId: string }).projectId).toBe(other.seed.projectId);
      } finally {
        await other.close();
      }
    });
  });
});
