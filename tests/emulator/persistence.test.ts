/**
 * `--state-file`: batched atomic writes under load, what survives a clean shutdown and a kill, and
 * a state file that is not whole. The durability promise: the file is always one whole snapshot
 * (written to a temporary file, then renamed); an acknowledged write reaches it within
 * SAVE_INTERVAL_MS (plus the time of one write) while the process lives, and at once on a clean
 * shutdown (`close()`, SIGINT, SIGTERM) or `POST /_emulator/flush`. A SIGKILL loses at most the
 * writes of that last interval, never the file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeSeed, startEmulator, type Emulator, RELEASE } from "../../emulator";
import { SAVE_INTERVAL_MS } from "../../emulator/state-file";
import { AuthStore, type StoredAuth } from "../../emulator/store";
import { call, paths, type Family } from "../helpers";

// Child processes on a shared machine: generous, but a broken save must not hang for minutes.
jest.setTimeout(60_000);
const CLI = join(__dirname, "../../dist/emulator/cli.js");

let dir: string;
let stateFile: string;
// Children a failed test left running, killed so that jest can end.
const children = new Set<ChildProcess>();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "roma-emu-state-"));
  stateFile = join(dir, "state.json");
});
afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  rmSync(dir, { recursive: true, force: true });
});

const saved = (): StoredAuth[] =>
  (JSON.parse(readFileSync(stateFile, "utf8")) as { records: StoredAuth[] }).records;

/** The emulator's command in a child process, as a user runs it. */
interface Child {
  process: ChildProcess;
  url: string;
  key: string;
  exited: Promise<number | null>;
}

async function startChild(args: string[] = []): Promise<Child> {
  const child = spawn(
    process.execPath,
    [CLI, "--port", "0", "--state-file", stateFile, "--apps", "2", "--apis", "1000", ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)[\s\S]*X-Emulator-Key: (\S+)/.exec(out);
      if (m) resolve({ url: m[1], key: m[2] });
    });
    void exited.then((code) => reject(new Error(`emulator exited (${code})`)));
  });
  return { process: child, url, key, exited };
}

/** An Emulator-like handle on a child, enough for `call` and `paths`. */
function asEmulator(child: Child, seedFrom: Emulator): Emulator {
  return { ...seedFrom, url: child.url, controlKey: child.key };
}

async function authorizeAll(emu: Emulator, appIndex: number, apis: string[]): Promise<void> {
  const answer = await call(emu, "POST", paths(emu).authorize, {
    token: emu.seed.credentials.token,
    body: { env_id: RELEASE, app_ids: [emu.seed.apps[appIndex].id], api_ids: apis },
  });
  expect(answer.status).toBe(201);
}

describe("emulator state file", () => {
  // An in-process emulator with the child's seed, for ids and to read the file back.
  const seeded = () => startEmulator({ seed: { apps: 2, apis: 1000 } });

  it("keeps 10,000 records written at full speed, in a few snapshots", async () => {
    const emu = await startEmulator({ stateFile, seed: { apps: 10, apis: 1000 } });
    const apis = emu.seed.apis.map((a) => a.id);
    const started = process.hrtime.bigint();
    for (let app = 0; app < 10; app++) await authorizeAll(emu, app, apis);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`10,000 records created through a --state-file emulator in ${ms.toFixed(0)} ms`);
    await emu.close();
    expect(saved()).toHaveLength(10_000);
    const again = await startEmulator({ stateFile, seed: { apps: 10, apis: 1000 } });
    try {
      expect(again.control.bindings()).toEqual(emu.control.bindings());
    } finally {
      await again.close();
    }
  });

  it("keeps each instance's records, and gives ROMA Connect those of a file written before APIG", async () => {
    const seed = makeSeed({ apps: 2, apis: 1000 });
    const app = seed.apps[0].id;
    const [older, api] = seed.apis.map((a) => a.id);
    // A record as the emulator wrote it before it served APIG: no instanceId.
    const legacy = {
      id: "0123456789abcdef0123456789abcdef",
      envId: RELEASE,
      appId: app,
      apiId: older,
      authTime: "2026-01-02T03:04:05.000Z",
      authRole: "PROVIDER",
      authTunnel: "NORMAL",
      authWhitelist: [],
      authBlacklist: [],
      visitParam: "",
      createdAt: Date.parse("2026-01-02T03:04:05.000Z"),
    };
    writeFileSync(stateFile, JSON.stringify({ records: [legacy] }));
    const emu = await startEmulator({ stateFile, seed: { apps: 2, apis: 1000 } });
    const listed = async (family: Family) =>
      (
        await call(emu, "GET", paths(emu, family).list, {
          token: emu.seed.credentials.token,
          query: [["app_id", app]],
        })
      ).body.auths as { id: string }[];
    try {
      expect((await listed("roma")).map((a) => a.id)).toEqual([legacy.id]);
      expect(await listed("apig")).toEqual([]);
      const created = await call(emu, "POST", paths(emu, "apig").authorize, {
        token: emu.seed.credentials.token,
        body: { env_id: RELEASE, app_ids: [app], api_ids: [api] },
      });
      expect(created.status).toBe(201);
    } finally {
      await emu.close();
    }
    const again = await startEmulator({ stateFile, seed: { apps: 2, apis: 1000 } });
    try {
      expect(
        again.control
          .bindings()
          .map((b) => [b.apiId, b.instanceId])
          .sort(),
      ).toEqual(
        [
          [older, seed.instanceId],
          [api, seed.apigInstanceId],
        ].sort(),
      );
    } finally {
      await again.close();
    }
  });

  it("batches writes: 10,000 changes in a row make one snapshot", async () => {
    const store = new AuthStore(stateFile, () => 0, "i1");
    for (let i = 0; i < 10_000; i++) {
      store.add({
        id: `r${i}`,
        instanceId: "i1",
        envId: RELEASE,
        appId: "a",
        apiId: `api${i}`,
        authTime: new Date(0).toISOString(),
        authRole: "PROVIDER",
        authTunnel: "NORMAL",
        authWhitelist: [],
        authBlacklist: [],
        visitParam: "",
        createdAt: i,
      });
    }
    expect(store.writes).toBe(0);
    await store.flush();
    expect(store.writes).toBe(1);
    expect(saved()).toHaveLength(10_000);
    expect(SAVE_INTERVAL_MS).toBeLessThanOrEqual(250);
  });

  it.each(["SIGTERM", "SIGINT"] as const)(
    "writes every acknowledged record on %s",
    async (signal) => {
      const local = await seeded();
      try {
        const child = await startChild();
        const emu = asEmulator(child, local);
        const apis = local.seed.apis.map((a) => a.id);
        await authorizeAll(emu, 0, apis.slice(0, 600));
        await authorizeAll(emu, 1, apis.slice(0, 400));
        child.process.kill(signal);
        expect(await child.exited).toBe(0);
        expect(saved()).toHaveLength(1000);
      } finally {
        await local.close();
      }
    },
  );

  it("keeps a whole file through SIGKILL, with every record written before the last snapshot", async () => {
    const local = await seeded();
    try {
      const child = await startChild();
      const emu = asEmulator(child, local);
      const apis = local.seed.apis.map((a) => a.id);
      await authorizeAll(emu, 0, apis.slice(0, 500));
      // Without a flush, acknowledged writes reach the file on their own within the interval.
      await waitFor(() => hasRecords(500));
      // Then a burst, killed part-way, with snapshots being written all along.
      const burst = (async () => {
        for (let i = 0; i < 10; i++) await authorizeAll(emu, 1, apis.slice(i * 100, i * 100 + 100));
      })().catch(() => undefined);
      await waitFor(() => hasRecords(700));
      child.process.kill("SIGKILL");
      await child.exited;
      await burst;
      const after = await startEmulator({ stateFile, seed: { apps: 2, apis: 1000 } });
      try {
        const bindings = after.control.bindings();
        const app0 = bindings.filter((b) => b.appId === local.seed.apps[0].id);
        expect(app0).toHaveLength(500);
        expect(bindings.length).toBeGreaterThanOrEqual(700);
        // Nothing but what was asked for.
        expect(bindings.every((b) => b.envId === RELEASE && apis.includes(b.apiId))).toBe(true);
      } finally {
        await after.close();
      }
    } finally {
      await local.close();
    }
  });

  it("writes on POST /_emulator/flush, for scripts that kill the emulator", async () => {
    const local = await seeded();
    try {
      const child = await startChild();
      const emu = asEmulator(child, local);
      await authorizeAll(emu, 0, [local.seed.apis[0].id]);
      const flushed = await fetch(`${child.url}/_emulator/flush`, {
        method: "POST",
        headers: { "X-Emulator-Key": child.key },
      });
      expect(flushed.status).toBe(200);
      child.process.kill("SIGKILL");
      await child.exited;
      expect(saved()).toHaveLength(1);
    } finally {
      await local.close();
    }
  });

  describe("a file that is not whole", () => {
    it.each([
      ["cut short", '{"records":[\n{"id":"a","envId":"e"'],
      ["without records", '{"recs":[]}'],
      ["with a broken record", '{"records":[{"id":"a"}]}'],
      [
        "with a record whose instance is not a string",
        JSON.stringify({
          records: [
            {
              id: "a",
              instanceId: 7,
              envId: RELEASE,
              appId: "b",
              apiId: "c",
              authTime: "2026-01-02T03:04:05.000Z",
              authRole: "PROVIDER",
              authTunnel: "NORMAL",
              authWhitelist: [],
              authBlacklist: [],
              visitParam: "",
              createdAt: 0,
            },
          ],
        }),
      ],
    ])("fails start-up when %s, naming the file and what to do", async (_what, text) => {
      writeFileSync(stateFile, text);
      // An emulator that starts anyway is closed, so that a failure cannot keep jest running.
      const outcome = await startEmulator({ stateFile }).then(
        (emu) => emu.close().then(() => "started"),
        (error: Error) => error.message,
      );
      expect(outcome).toMatch(
        new RegExp(`state file ${escape(stateFile)} is not a whole emulator state.*move it away`),
      );
    });

    it("stops the command with that message", async () => {
      writeFileSync(stateFile, '{"records":[');
      const child = spawn(process.execPath, [CLI, "--port", "0", "--state-file", stateFile], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      expect(err).toContain(`The state file ${stateFile} is not a whole emulator state`);
    });
  });
});

function hasRecords(n: number): boolean {
  try {
    return saved().length >= n;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 20_000) throw new Error("condition never held");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
