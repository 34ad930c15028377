/**
 * provider/operations.ts in this process, against the emulator on loopback, through a forwarding
 * server that can rewrite an answer into one the emulator never gives: what a bind claims, reports
 * and leaves open; what an unbind, a listing and a settle return. The provider-level tests
 * (ownership, reliability) hold the same rules through handlers; these pin each rule where it is
 * decided, fast enough for mutation testing. The emulator's clock runs years ahead of this
 * machine's; where a test asserts a time exactly, `Date` is the test's (so the emulator's is too).
 */
import type { IncomingMessage } from "node:http";
import {
  FAULTS,
  startEmulator,
  type Emulator,
  type Fault,
  type FaultSettings,
  type Route,
  RELEASE,
} from "../../emulator";
import { tokenAuth } from "../../provider/auth/authenticators";
import { budgetOf } from "../../provider/http/deadline";
import { AdaptiveLimiter } from "../../provider/http/limiter";
import {
  Bindings,
  existedBefore,
  type BindOutcome,
  type Evidence,
  type WriteLog,
} from "../../provider/operations";
import { RomaApi, RomaTransport } from "../../provider/roma-api";
import { Secret } from "../../provider/secret";
import type { AuthorizationRecord, Pair } from "../../provider/types";
import { UNEXPECTED_ANSWER } from "../../provider/http/errors";
import { fakeDateOnly } from "../helpers";
import { NO_OPTIONS } from "../support";
import { forwardingServer, type StubServer } from "./stubs";

// The server's clock is this machine's plus a few years: only a Date header tells it.
const OFFSET_MS = Date.UTC(2030, 0, 1) - Date.UTC(2026, 0, 1) + 123;
const serverNow = () => Date.now() + OFFSET_MS;
const EXISTS_REASON =
  "Already authorized before this resource's request (SKIPPED), so not this resource's: if another resource, stack or tool manages it, remove the pair from this resource's appIds/apiIds.";

let emu: Emulator;
let front: StubServer;
let appIds: string[];
let apiIds: string[];
/** Rewrites the JSON answer of a route before it reaches the provider. */
let rewrite: Partial<Record<Route, (body: Record<string, unknown>) => unknown>>;
/** Answers a request in the emulator's stead (its error body) when it returns one. */
let intercept: (url: string) => { status: number; code: string } | undefined;
/** Leave out the Date header, so the server's clock stays unknown. */
let undated: boolean;
let writes: { appIds: string[]; apiIds: string[]; ended?: [number, (true | readonly Pair[])?] }[];

async function startEmulatorWith(apps: number, apis: number) {
  emu = await startEmulator({ seed: { apps, apis }, clock: { now: serverNow } });
  appIds = emu.seed.apps.map((a) => a.id);
  apiIds = emu.seed.apis.map((a) => a.id);
}

/** Another emulator in the place of the one the test began with (the front forwards to it). */
async function restartEmulator(apps: number, apis: number) {
  await emu.close();
  await startEmulatorWith(apps, apis);
}

beforeEach(async () => {
  await startEmulatorWith(3, 4);
  rewrite = {};
  intercept = () => undefined;
  undated = false;
  writes = [];
  const routeOf = (req: IncomingMessage): Route =>
    req.url!.includes("binded-apis") ? "list" : req.method === "POST" ? "authorize" : "cancel";
  front = await forwardingServer(() => emu.url, {
    instead: (req) => {
      const refusal = intercept(req.url!);
      if (!refusal) return undefined;
      const text = JSON.stringify({ error_code: refusal.code, error_msg: "refused here" });
      return { status: refusal.status, contentType: "application/json", text };
    },
    change: (req, answer) => {
      const edit = rewrite[routeOf(req)];
      const ok = answer.status >= 200 && answer.status < 300;
      return {
        ...answer,
        text: edit && ok ? JSON.stringify(edit(JSON.parse(answer.text))) : answer.text,
        date: undated ? undefined : (answer.date ?? ""),
      };
    },
  });
});
afterEach(async () => {
  jest.restoreAllMocks();
  await front.close();
  await emu.close();
});

interface Setup {
  batchSize?: number;
  maxRetries?: number;
  consistencyTimeoutMs?: number;
  limitMs?: number;
}

function bindings(setup: Setup = {}): Bindings {
  const budget = budgetOf(setup.limitMs ?? 20_000);
  const transport = new RomaTransport({
    limiter: new AdaptiveLimiter(4),
    maxRetries: 0,
    requestTimeoutMs: 5000,
  });
  const api = new RomaApi(
    transport,
    {
      gateway: "roma",
      region: emu.seed.region,
      projectId: emu.seed.projectId,
      instanceId: emu.seed.instanceId,
      envId: RELEASE,
      endpoint: front.url,
      auth: tokenAuth(new Secret(emu.seed.credentials.token)),
    },
    budget,
  );
  const writeLog: WriteLog = (appIds, apiIds) => {
    const write: (typeof writes)[number] = { appIds, apiIds };
    writes.push(write);
    return (endedAt, madeNothing) => {
      write.ended = madeNothing === undefined ? [endedAt] : [endedAt, madeNothing];
    };
  };
  return new Bindings(
    api,
    RELEASE,
    {
      batchSize: setup.batchSize ?? 200,
      maxRetries: setup.maxRetries ?? 2,
      consistencyTimeoutMs: setup.consistencyTimeoutMs ?? 300,
    },
    budget,
    writeLog,
  );
}

const pair = (app: number, api: number): Pair => ({ appId: appIds[app], apiId: apiIds[api] });
const product = (appCount: number, apiCount: number): Pair[] =>
  Array.from({ length: appCount }, (_, a) =>
    Array.from({ length: apiCount }, (_, p) => pair(a, p)),
  ).flat();
const key = (p: Pair) => `${p.appId}/${p.apiId}`;
const sortedKeys = (pairs: readonly Pair[]) => pairs.map(key).sort();
/** The emulator's record of a pair, as the provider reads a listing of it. */
const stored = (p: Pair) => {
  const found = emu.control.bindings().find((b) => b.appId === p.appId && b.apiId === p.apiId);
  if (!found) throw new Error(`no record of ${key(p)}`);
  return found;
};
/** An existing record made at `at` on the server's clock (an hour ago), outside the API. */
const existing = (p: Pair, at = serverNow() - 3_600_000) =>
  emu.control.bind(RELEASE, p.appId, p.apiId, new Date(at));
const setFaults = (faults: FaultSettings) => emu.control.setFaults(faults);
const once = (route: Route, fault: Fault, count = 1) =>
  setFaults({ next: [{ route, count, fault }] });
const routes = () => emu.control.log().map((e) => `${e.route}:${e.status}`);
/** The apps of the listings asked for, in order. */
const listedApps = () =>
  front.requests
    .filter((r) => r.url.includes("binded-apis"))
    .map((r) => new URL(r.url, front.url).searchParams.get("app_id"));
const failed = (p: Pair, code: string, reason: string) => ({ ...p, code, reason });
const exists = (p: Pair) => failed(p, "SKIPPED", EXISTS_REASON);
type Identity = Pick<AuthorizationRecord, "id" | "appId" | "apiId" | "authTime">;
/** A record's identity: what the emulator holds for it. */
const identities = (records: readonly Identity[]) =>
  records
    .map((r) => ({ id: r.id, appId: r.appId, apiId: r.apiId, authTime: r.authTime }))
    .sort((a, b) => key(a).localeCompare(key(b)));
const storedIdentities = (pairs: readonly Pair[]) => identities(pairs.map(stored));
const summary = (outcome: BindOutcome) => ({
  records: sortedKeys(outcome.records),
  failed: outcome.failed.map((f) => `${key(f)} ${f.code}`).sort(),
  unconfirmed: outcome.unconfirmed.map((u) => `${key(u)} ${u.code}`).sort(),
});
const iso = (ms: number) => new Date(ms).toISOString();

describe("bind", () => {
  it("binds every pair in requests of at most batchSize pairs, and holds each record made", async () => {
    const pairs = product(2, 3);
    const outcome = await bindings({ batchSize: 2 }).bind(pairs, NO_OPTIONS, false);
    expect(identities(outcome.records)).toStrictEqual(storedIdentities(pairs));
    expect(outcome.failed).toStrictEqual([]);
    expect(outcome.unconfirmed).toStrictEqual([]);
    expect(emu.control.counts()).toStrictEqual({ authorize: 3 });
    // Each request was told to the write log, and ended saying it made nothing of none of them.
    expect(writes.map((w) => w.appIds.length * w.apiIds.length)).toStrictEqual([2, 2, 2]);
    expect(writes.map((w) => w.ended?.[1])).toStrictEqual([[], [], []]);
  });

  it("keeps the record's options and names as the answer gives them", async () => {
    const [record] = (await bindings().bind([pair(0, 0)], NO_OPTIONS, false)).records;
    expect(record).toStrictEqual({
      id: stored(pair(0, 0)).id,
      ...pair(0, 0),
      authTime: stored(pair(0, 0)).authTime,
      authRole: "PROVIDER",
      authTunnel: "NORMAL",
      authWhitelist: [],
      authBlacklist: [],
      visitParam: "",
      appName: emu.seed.apps[0].name,
      apiName: emu.seed.apis[0].name,
    });
  });

  it("never claims a pair that existed before its write (SKIPPED without an id)", async () => {
    const before = existing(pair(0, 1));
    const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
    expect(summary(outcome)).toStrictEqual({
      records: [key(pair(0, 0))],
      failed: [`${key(pair(0, 1))} SKIPPED`],
      unconfirmed: [],
    });
    expect(outcome.failed).toStrictEqual([exists(pair(0, 1))]);
    expect(existedBefore(outcome.failed[0])).toBe(true);
    // No listing was needed: SKIPPED to a write with no unknown outcome says enough.
    expect(emu.control.counts()).toStrictEqual({ authorize: 1 });
    expect(stored(pair(0, 1)).id).toBe(before.id);
    expect(writes[0].ended?.[1]).toStrictEqual([pair(0, 1)]);
  });

  it("never claims a pair that existed before its write (SKIPPED with the record's id)", async () => {
    existing(pair(0, 0));
    setFaults({ skippedCarriesId: true });
    const outcome = await bindings().bind([pair(0, 0)], NO_OPTIONS, false);
    expect(outcome).toStrictEqual({ records: [], failed: [exists(pair(0, 0))], unconfirmed: [] });
    expect(emu.control.counts()).toStrictEqual({ authorize: 1 });
  });

  it("adopts an existing record when asked, by its id in the answer", async () => {
    existing(pair(0, 0));
    setFaults({ skippedCarriesId: true });
    const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, true);
    expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 2)));
    expect(outcome.failed).toStrictEqual([]);
    expect(emu.control.counts()).toStrictEqual({ authorize: 1 });
  });

  it("adopts an existing record when asked, through the listing when the answer has no id", async () => {
    existing(pair(0, 0));
    const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, true);
    expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 2)));
    expect(outcome.failed).toStrictEqual([]);
    expect(routes()).toStrictEqual(["authorize:201", "list:200"]);
  });

  it.each([
    [
      "FAILED",
      "APIG.1005",
      "Permission denied",
      "The API answered FAILED: Permission denied (APIG.1005).",
    ],
    ["FILAED", "APIG.3004", "App gone", "The API answered FILAED: App gone (APIG.3004)."],
  ])("reports a pair answered %s in the service's words", async (status, code, message, reason) => {
    setFaults({ failingPairs: [{ apiId: apiIds[1], status, code, message }] });
    const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
    expect(outcome.failed).toStrictEqual([failed(pair(0, 1), code, reason)]);
    expect(sortedKeys(outcome.records)).toStrictEqual([key(pair(0, 0))]);
    expect(existedBefore(outcome.failed[0])).toBe(false);
    expect(writes[0].ended?.[1]).toStrictEqual([pair(0, 1)]);
  });

  it("reports a failed item without a code or message as the API left it", async () => {
    rewrite.authorize = () => ({
      auths: [{ app_id: appIds[0], api_id: apiIds[0], auth_result: { status: "FAILED" } }],
    });
    const outcome = await bindings().bind([pair(0, 0)], NO_OPTIONS, false);
    expect(outcome.failed).toStrictEqual([
      failed(pair(0, 0), "FAILED", "The API answered FAILED: no error message (no error code)."),
    ]);
  });

  it("reports every pair of a refused request with the API's code, and does not resend it", async () => {
    once("authorize", FAULTS.invalidParameter("Invalid parameter value,parameterName:api_ids"));
    const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
    expect(outcome.records).toStrictEqual([]);
    expect(outcome.unconfirmed).toStrictEqual([]);
    expect(outcome.failed.map((f) => [key(f), f.code])).toStrictEqual([
      [key(pair(0, 0)), "APIG.2011"],
      [key(pair(0, 1)), "APIG.2011"],
    ]);
    // The reason is the API's, without what the request was doing (the summary names pairs once).
    expect(outcome.failed[0].reason).toMatch(/^Invalid parameter value,parameterName:api_ids \(/);
    expect(outcome.failed[0].reason).not.toMatch(/Could not/);
    expect(emu.control.counts()).toStrictEqual({ authorize: 1 });
    expect(writes[0].ended?.[1]).toBe(true);
  });

  describe("a write whose answer was lost", () => {
    it("is looked up before it is resent: a write that did not land is sent again", async () => {
      once("authorize", FAULTS.drop(false));
      const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
      expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 2)));
      expect(routes()).toStrictEqual(["authorize:dropped", "list:200", "authorize:201"]);
      // The lost write ended with nothing said of what it made; the second made everything.
      expect(writes.map((w) => w.ended?.slice(1))).toStrictEqual([[], [[]]]);
    });

    it("is looked up before it is resent: what it made is its own, and not sent twice", async () => {
      once("authorize", FAULTS.drop(true));
      const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
      expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 2)));
      expect(outcome.failed).toStrictEqual([]);
      expect(routes()).toStrictEqual(["authorize:dropped", "list:200"]);
    });

    it("an unreadable answer (an HTML page) counts as lost", async () => {
      once("authorize", FAULTS.html());
      const outcome = await bindings().bind([pair(0, 0)], NO_OPTIONS, false);
      expect(sortedKeys(outcome.records)).toStrictEqual([key(pair(0, 0))]);
      expect(routes()).toStrictEqual(["authorize:200", "list:200", "authorize:201"]);
    });

    it("never claims a record older than the write, and does not take it on the resend", async () => {
      const before = existing(pair(0, 1));
      once("authorize", FAULTS.drop(true));
      const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
      expect(sortedKeys(outcome.records)).toStrictEqual([key(pair(0, 0))]);
      expect(outcome.failed).toStrictEqual([exists(pair(0, 1))]);
      expect(outcome.unconfirmed).toStrictEqual([]);
      expect(stored(pair(0, 1)).id).toBe(before.id);
      // The resent pair keeps the lost write's window, so its SKIPPED is looked up, not taken as is.
      expect(routes().slice(0, 4)).toStrictEqual([
        "authorize:dropped",
        "list:200",
        "authorize:201",
        "list:200",
      ]);
    });

    it("is resent at most roma:maxRetries times", async () => {
      once("authorize", FAULTS.drop(false), 5);
      const outcome = await bindings({ maxRetries: 2 }).bind([pair(0, 0)], NO_OPTIONS, false);
      expect(routes().filter((r) => r.startsWith("authorize"))).toStrictEqual([
        "authorize:dropped",
        "authorize:dropped",
        "authorize:dropped",
      ]);
      expect(outcome.unconfirmed.map(key)).toStrictEqual([key(pair(0, 0))]);
      // Each lost write is a window of its own.
      expect(outcome.unconfirmed[0].windows).toHaveLength(3);
      once("authorize", FAULTS.drop(false));
      const again = await bindings({ maxRetries: 1 }).bind([pair(0, 1)], NO_OPTIONS, false);
      expect(again.records.map(key)).toStrictEqual([key(pair(0, 1))]);
    });

    it("stays open, with a window a signature's tolerance wide, when no retry is left", async () => {
      once("authorize", FAULTS.drop(true));
      const outcome = await bindings({ maxRetries: 0 }).bind(product(1, 2), NO_OPTIONS, false);
      expect(outcome.records).toStrictEqual([]);
      expect(outcome.failed).toStrictEqual([]);
      expect(sortedKeys(outcome.unconfirmed)).toStrictEqual(sortedKeys(product(1, 2)));
      const [open] = outcome.unconfirmed;
      expect(open.reason).toMatch(
        /^Outcome unknown \(the answer was lost or unreadable: .+\); the next `pulumi up`, refresh or destroy looks again\.$/,
      );
      // Nothing ever answered: the window is 15 minutes either side of the flight, this machine's.
      expect(open.windows).toHaveLength(1);
      const width = Date.parse(open.windows[0].to) - Date.parse(open.windows[0].from);
      expect(width).toBeGreaterThanOrEqual(30 * 60000);
      expect(width).toBeLessThan(30 * 60000 + 5000);
    });

    it("stays open when an unreadable answer leaves no retry", async () => {
      rewrite.authorize = () => ({ auths: [{ app_id: 7 }] });
      const outcome = await bindings({ maxRetries: 0 }).bind([pair(0, 0)], NO_OPTIONS, false);
      expect(outcome.records).toStrictEqual([]);
      expect(outcome.unconfirmed.map((u) => [key(u), u.code])).toStrictEqual([
        [key(pair(0, 0)), UNEXPECTED_ANSWER],
      ]);
    });

    it("stays open when the deadline comes in the pause before a lookup, and says so", async () => {
      // Pauses of 200, 400, 800, 1600 and 3200 ms: the deadline falls in the fifth (3000 to 6200 ms
      // of pauses), with 2.5 s to spare for the nine requests on a loaded machine.
      jest.spyOn(Math, "random").mockReturnValue(1);
      once("authorize", FAULTS.drop(false), 5);
      const outcome = await bindings({ maxRetries: 5, limitMs: 5500 }).bind(
        [pair(0, 0)],
        NO_OPTIONS,
        false,
      );
      expect(routes()).toStrictEqual([
        ...Array.from({ length: 4 }, () => ["authorize:dropped", "list:200"]).flat(),
        "authorize:dropped",
      ]);
      expect(outcome.unconfirmed.map((u) => [key(u), u.code, u.windows.length])).toStrictEqual([
        [key(pair(0, 0)), "OPERATION_TIMEOUT", 5],
      ]);
      expect(outcome.unconfirmed[0].reason).toBe(
        "Outcome unknown (looking it up failed: roma:operationTimeout (5.5 s) passed while waiting for binded-apis to show it.); the next `pulumi up`, refresh or destroy looks again.",
      );
    });

    it("stays open when looking it up fails", async () => {
      setFaults({
        next: [
          { route: "authorize", count: 1, fault: FAULTS.drop(true) },
          { route: "list", count: 1, fault: FAULTS.invalidParameter("no listing") },
        ],
      });
      const outcome = await bindings().bind([pair(0, 0)], NO_OPTIONS, false);
      expect(outcome.records).toStrictEqual([]);
      expect(outcome.unconfirmed.map((u) => [key(u), u.code])).toStrictEqual([
        [key(pair(0, 0)), "APIG.2011"],
      ]);
      expect(outcome.unconfirmed[0].reason).toMatch(
        /^Outcome unknown \(looking it up failed: no listing \(.*; the next `pulumi up`/,
      );
    });
  });

  describe("an already-authorized refusal (APIG.3316)", () => {
    it("finds the pair that exists, reports it, and binds the rest", async () => {
      const before = existing(pair(0, 1));
      setFaults({ duplicates: "error" });
      const outcome = await bindings().bind(product(1, 3), NO_OPTIONS, false);
      expect(outcome.failed).toStrictEqual([exists(pair(0, 1))]);
      expect(sortedKeys(outcome.records)).toStrictEqual(sortedKeys([pair(0, 0), pair(0, 2)]));
      expect(routes()).toStrictEqual(["authorize:400", "list:200", "authorize:201"]);
      expect(stored(pair(0, 1)).id).toBe(before.id);
    });

    it("waits for the existing record to show, polling", async () => {
      existing(pair(0, 1), serverNow());
      setFaults({ duplicates: "error", visibilityLagMs: 1500 });
      const outcome = await bindings({ consistencyTimeoutMs: 5000 }).bind(
        product(1, 3),
        NO_OPTIONS,
        false,
      );
      expect(outcome.failed).toStrictEqual([exists(pair(0, 1))]);
      expect(outcome.records).toHaveLength(2);
      // Listed again and again (pauses of 100 ms and more, growing), until it showed.
      const lists = routes().filter((r) => r === "list:200").length;
      expect(lists).toBeGreaterThanOrEqual(3);
      expect(lists).toBeLessThan(15);
    });

    it("adopts the existing record when asked, and binds the rest", async () => {
      existing(pair(0, 1));
      setFaults({ duplicates: "error" });
      const outcome = await bindings().bind(product(1, 3), NO_OPTIONS, true);
      expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 3)));
      expect(outcome.failed).toStrictEqual([]);
    });

    it("with nothing listed, reports the refusal for every pair", async () => {
      once("authorize", {
        kind: "error",
        status: 400,
        code: "APIG.3316",
        message: "The api auth relation already exists",
      });
      const outcome = await bindings({ consistencyTimeoutMs: 100 }).bind(
        product(1, 2),
        NO_OPTIONS,
        false,
      );
      expect(outcome.records).toStrictEqual([]);
      expect(outcome.failed).toStrictEqual(
        product(1, 2).map((p) =>
          failed(p, "APIG.3316", EXISTS_REASON.replace("(SKIPPED)", "(APIG.3316)")),
        ),
      );
      expect(existedBefore(outcome.failed[0])).toBe(true);
      expect(emu.control.counts().authorize).toBe(1);
    });

    it("met again after a lookup, is looked up again only while retries are left", async () => {
      existing(pair(0, 1));
      existing(pair(0, 2), serverNow());
      setFaults({ duplicates: "error", visibilityLagMs: 60_000 });
      const outcome = await bindings({ maxRetries: 1 }).bind(product(1, 3), NO_OPTIONS, false);
      // The first lookup shows the older record; the resend meets the other one and stops there.
      expect(summary(outcome).failed).toStrictEqual(
        [
          `${key(pair(0, 1))} SKIPPED`,
          `${key(pair(0, 0))} APIG.3316`,
          `${key(pair(0, 2))} APIG.3316`,
        ].sort(),
      );
      expect(outcome.failed.find((f) => f.apiId === apiIds[0])?.reason).toMatch(
        /^The api auth relation already exists \(APIG\.3316/,
      );
      expect(routes()).toStrictEqual(["authorize:400", "list:200", "authorize:400"]);
    });

    it("is not looked up when no retry is left", async () => {
      existing(pair(0, 1));
      setFaults({ duplicates: "error" });
      const outcome = await bindings({ maxRetries: 0 }).bind(product(1, 2), NO_OPTIONS, false);
      expect(outcome.failed.map((f) => [key(f), f.code])).toStrictEqual([
        [key(pair(0, 0)), "APIG.3316"],
        [key(pair(0, 1)), "APIG.3316"],
      ]);
      expect(routes()).toStrictEqual(["authorize:400"]);
    });
  });

  describe("an answer that leaves a pair to the listing", () => {
    const withoutIds = () =>
      (rewrite.authorize = (body) => ({
        auths: (body.auths as Record<string, unknown>[]).map((item) => ({
          app_id: item.app_id,
          api_id: item.api_id,
          auth_result: item.auth_result,
        })),
      }));

    it("an item with an id and no result is a record made", async () => {
      rewrite.authorize = (body) => ({
        auths: (body.auths as Record<string, unknown>[]).map(
          ({ auth_result: _result, ...item }) => item,
        ),
      });
      const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
      expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 2)));
      expect(routes()).toStrictEqual(["authorize:201"]);
    });

    it("SUCCESS without an id: the record made in the write's window is its own", async () => {
      withoutIds();
      const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
      expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 2)));
      expect(routes()).toStrictEqual(["authorize:201", "list:200"]);
    });

    it("a pair missing from the answer: the record made in the write's window is its own", async () => {
      rewrite.authorize = (body) => ({ auths: (body.auths as unknown[]).slice(0, 1) });
      const outcome = await bindings().bind(product(1, 2), NO_OPTIONS, false);
      expect(identities(outcome.records)).toStrictEqual(storedIdentities(product(1, 2)));
    });

    it("an older record is not its own: SKIPPED once the listing has caught up", async () => {
      existing(pair(0, 0));
      rewrite.authorize = () => ({ auths: [] });
      const outcome = await bindings().bind([pair(0, 0)], NO_OPTIONS, false);
      expect(outcome).toStrictEqual({ records: [], failed: [exists(pair(0, 0))], unconfirmed: [] });
    });

    it("stays open when the record does not show within the consistency timeout", async () => {
      withoutIds();
      setFaults({ visibilityLagMs: 60_000 });
      const outcome = await bindings({ consistencyTimeoutMs: 100 }).bind(
        [pair(0, 0)],
        NO_OPTIONS,
        false,
      );
      expect(outcome.records).toStrictEqual([]);
      expect(outcome.unconfirmed.map((u) => [key(u), u.code, u.reason])).toStrictEqual([
        [
          key(pair(0, 0)),
          "UNCONFIRMED",
          "The request's outcome is unknown and no record made while it was in flight showed in binded-apis within roma:consistencyTimeout; the next `pulumi up`, refresh or destroy looks again.",
        ],
      ]);
    });

    it("stays open when the deadline passes while it waits, and says so", async () => {
      withoutIds();
      setFaults({ visibilityLagMs: 60_000 });
      const outcome = await bindings({ consistencyTimeoutMs: 5000, limitMs: 2000 }).bind(
        [pair(0, 0)],
        NO_OPTIONS,
        false,
      );
      expect(outcome.unconfirmed.map((u) => [key(u), u.code])).toStrictEqual([
        [key(pair(0, 0)), "OPERATION_TIMEOUT"],
      ]);
      // The deadline meets it in a pause between listings, or (on a busy machine) in a listing.
      expect(outcome.unconfirmed[0].reason).toMatch(
        /^Outcome unknown \(looking it up failed: roma:operationTimeout \(2 s\) passed while waiting for (binded-apis to show it|an answer from http:\/\/127\.0\.0\.1:\d+)\.\); the next `pulumi up`, refresh or destroy looks again\.$/,
      );
    });

    it("stays open when the listing fails", async () => {
      withoutIds();
      once("list", FAULTS.invalidParameter("no listing"));
      const outcome = await bindings().bind([pair(0, 0)], NO_OPTIONS, false);
      expect(outcome.unconfirmed.map((u) => [key(u), u.code])).toStrictEqual([
        [key(pair(0, 0)), "APIG.2011"],
      ]);
      expect(outcome.unconfirmed[0].reason).toMatch(/^Outcome unknown \(looking it up failed: /);
    });
  });
});

describe("unbind", () => {
  it("cancels each record; one already gone counts as cancelled; a refusal is reported", async () => {
    const b = bindings();
    const { records } = await b.bind(product(1, 3), NO_OPTIONS, false);
    const [gone, kept, refused] = records;
    emu.control.unbind(RELEASE, gone.appId, gone.apiId);
    intercept = (url) =>
      url.endsWith(refused.id) ? { status: 400, code: "APIG.2011" } : undefined;
    const outcome = await b.unbind([refused, gone, kept]);
    expect(outcome.cancelled).toStrictEqual([gone, kept]);
    expect(outcome.failed.map((f) => [key(f), f.code])).toStrictEqual([
      [key(refused), "APIG.2011"],
    ]);
    expect(emu.control.bindings().map((r) => r.id)).toStrictEqual([refused.id]);
  });

  it("a record it cancelled is not taken again by a lookup in its window", async () => {
    const b = bindings();
    const { records } = await b.bind([pair(0, 0)], NO_OPTIONS, false);
    const made = Date.parse(records[0].authTime);
    await b.unbind(records);
    // The listing still shows the cancelled record (it lags), inside the window of a lost write.
    rewrite.list = (body) => ({ ...body, auths: [listed(records[0])], total: 1 });
    const windows = [{ from: iso(made - 1000), to: iso(made + 1000) }];
    const settled = await b.settle([{ ...pair(0, 0), windows }]);
    expect(settled.ours).toStrictEqual([]);
  });
});

describe("mayExist", () => {
  it("returns every record, without a listing, when listing costs more than a tenth", async () => {
    const many = await restartWith(9);
    emu.control.clearBindings();
    expect(await bindings().mayExist(many)).toStrictEqual(many);
    expect(emu.control.counts()).toStrictEqual({});
  });

  it("lists when that is cheap, and keeps what is listed or too recent to be missing", async () => {
    const many = await restartWith(20);
    const b = bindings({ consistencyTimeoutMs: 60_000 });
    const old = many.slice(0, 10).map((r) => ({ ...r, authTime: iso(serverNow() - 120_000) }));
    const recent = many.slice(10);
    for (const r of [...many.slice(0, 5), ...many.slice(10, 15)]) {
      emu.control.unbind(RELEASE, r.appId, r.apiId);
    }
    // Old and listed stay; old and gone go; recent stay whether listed or not.
    expect(await b.mayExist([...old, ...recent])).toStrictEqual([...old.slice(5), ...recent]);
    expect(emu.control.counts()).toStrictEqual({ list: 1 });
  });

  it("lists at exactly a tenth", async () => {
    const many = await restartWith(10);
    const old = many.map((r) => ({ ...r, authTime: iso(serverNow() - 60_000) }));
    emu.control.clearBindings();
    expect(await bindings({ consistencyTimeoutMs: 1 }).mayExist(old)).toStrictEqual([]);
  });

  it("returns every record when the listing fails", async () => {
    const many = await restartWith(10);
    emu.control.clearBindings();
    once("list", FAULTS.invalidParameter("no listing"));
    expect(await bindings({ consistencyTimeoutMs: 1 }).mayExist(many)).toStrictEqual(many);
  });
});

describe("list", () => {
  it("reads every page of each app once", async () => {
    await restartEmulator(2, 501);
    for (const api of apiIds) emu.control.bind(RELEASE, appIds[0], api);
    emu.control.bind(RELEASE, appIds[1], apiIds[0]);
    const listing = await bindings().list([appIds[0], appIds[1], appIds[0]]);
    expect(listing.size).toBe(502);
    expect([...listing.values()].every((records) => records.length === 1)).toBe(true);
    expect(listing.get(key(pair(1, 0)))?.map((r) => r.id)).toStrictEqual([stored(pair(1, 0)).id]);
    expect(routes()).toStrictEqual(["list:200", "list:200", "list:200"]);
  });

  it("asks for no second page when the first holds all 500", async () => {
    await restartEmulator(1, 500);
    for (const api of apiIds) emu.control.bind(RELEASE, appIds[0], api);
    expect((await bindings().list([appIds[0]])).size).toBe(500);
    expect(routes()).toStrictEqual(["list:200"]);
  });

  it("keeps every record a listing shows for one pair, and drops another app's", async () => {
    const { records } = await bindings().bind([pair(0, 0)], NO_OPTIONS, false);
    const twin = { ...listed(records[0]), id: "f".repeat(32) };
    const stranger = { ...listed(records[0]), id: "e".repeat(32), app_id: appIds[1] };
    rewrite.list = (body) => ({
      ...body,
      auths: [...(body.auths as unknown[]), twin, stranger],
      total: 3,
    });
    const listing = await bindings().list([appIds[0]]);
    expect([...listing.keys()]).toStrictEqual([key(pair(0, 0))]);
    expect(listing.get(key(pair(0, 0)))?.map((r) => r.id)).toStrictEqual([records[0].id, twin.id]);
  });

  it("drops a record of another environment and keeps one that names none", async () => {
    const { records } = await bindings().bind(product(1, 2), NO_OPTIONS, false);
    rewrite.list = (body) => ({
      ...body,
      auths: (body.auths as Record<string, unknown>[]).map((item) =>
        item.api_id === apiIds[0] ? { ...item, env_id: "another" } : { ...item, env_id: undefined },
      ),
    });
    const listing = await bindings().list([appIds[0]]);
    expect([...listing.values()].flat().map((r) => r.id)).toStrictEqual([records[1].id]);
  });
});

describe("settle", () => {
  const windowAround = (at: number) => ({ from: iso(at - 1000), to: iso(at + 1000) });

  it("asks nothing for no pairs", async () => {
    expect(await bindings().settle([])).toStrictEqual({ ours: [], open: [] });
    expect(emu.control.counts()).toStrictEqual({});
  });

  it("takes the record made in a window, and drops a pair the listing has caught up with", async () => {
    const at = serverNow() - 60_000;
    const made = existing(pair(0, 0), at);
    existing(pair(0, 1), at - 600_000);
    const result = await bindings({ consistencyTimeoutMs: 1000 }).settle([
      { ...pair(0, 0), windows: [windowAround(at)] },
      { ...pair(0, 1), windows: [windowAround(at)] },
      { ...pair(0, 2), windows: [windowAround(at)] },
    ]);
    expect(result.ours.map((r) => r.id)).toStrictEqual([made.id]);
    expect(result.open).toStrictEqual([]);
    // One listing told everything: nothing is asked again.
    expect(listedApps()).toStrictEqual([appIds[0]]);
  });

  it("waits for a pair's latest window, listing only the apps still waited for", async () => {
    const old = serverNow() - 60_000;
    const made = existing(pair(0, 0), old);
    const recent = serverNow();
    const result = await bindings({ consistencyTimeoutMs: 600 }).settle([
      { ...pair(0, 0), windows: [windowAround(old)] },
      { ...pair(1, 0), windows: [windowAround(old), windowAround(recent)] },
    ]);
    expect(result.ours.map((r) => r.id)).toStrictEqual([made.id]);
    expect(result.open).toStrictEqual([]);
    const lists = emu.control.log().filter((e) => e.route === "list");
    expect(lists.at(-1)!.at + OFFSET_MS).toBeGreaterThan(recent + 1000 + 600);
    // Polled, not spun: a few listings, and app 0's only once.
    expect(lists.length).toBeLessThan(15);
    expect(listedApps().filter((app) => app === appIds[0])).toHaveLength(1);
  });

  it("waits for a recent window until the listing has caught up with it", async () => {
    const at = serverNow();
    const result = await bindings({ consistencyTimeoutMs: 100 }).settle([
      { ...pair(0, 0), windows: [windowAround(at)] },
    ]);
    expect(result).toStrictEqual({ ours: [], open: [] });
    // Only a listing asked for after the window's end (plus the timeout) can tell.
    const lastList = emu.control
      .log()
      .filter((e) => e.route === "list")
      .at(-1)!;
    expect(lastList.at + OFFSET_MS).toBeGreaterThan(at + 1000 + 100);
  });

  it("lists once more when the catch-up point passed during a slow listing", async () => {
    setFaults({ latencyMs: { list: 3000 } });
    const result = await bindings({ consistencyTimeoutMs: 100 }).settle([
      { ...pair(0, 0), windows: [windowAround(serverNow())] },
    ]);
    expect(result).toStrictEqual({ ours: [], open: [] });
    expect(routes()).toStrictEqual(["list:200", "list:200"]);
  });

  it("leaves a pair open while the server's clock is unknown", async () => {
    undated = true;
    const windows = [windowAround(serverNow() - 600_000)];
    const result = await bindings({ consistencyTimeoutMs: 100 }).settle([
      { ...pair(0, 0), windows },
    ]);
    expect(result).toStrictEqual({ ours: [], open: [{ ...pair(0, 0), windows }] });
  });

  it("ends at the deadline, naming what it waited for", async () => {
    const waiting = bindings({ consistencyTimeoutMs: 100, limitMs: 150 }).settle([
      { ...pair(0, 0), windows: [windowAround(serverNow())] },
    ]);
    // The deadline meets it in a pause between listings, or (on a slow machine) in a listing.
    await expect(waiting).rejects.toThrow(
      /^Could not look up what a write made: roma:operationTimeout \(0\.15 s\) passed while waiting for binded-apis to show it\.$|^Could not list the APIs /,
    );
  });

  it("throws when the listing fails", async () => {
    once("list", FAULTS.invalidParameter("no listing"));
    await expect(
      bindings().settle([{ ...pair(0, 0), windows: [windowAround(serverNow())] }]),
    ).rejects.toThrow(/no listing/);
  });
});

describe("the server's clock in mayBeLagging and windowsOf", () => {
  const record = (authTime: number): AuthorizationRecord => ({
    id: "a".repeat(32),
    ...pair(0, 0),
    authTime: iso(authTime),
    authTunnel: "NORMAL",
    authWhitelist: [],
    authBlacklist: [],
    visitParam: "",
  });
  afterEach(() => jest.useRealTimers());

  it("while it is unknown: every record may lag, a window is 15 minutes either side", () => {
    const b = bindings({ consistencyTimeoutMs: 1000 });
    expect(b.mayBeLagging(record(0))).toBe(true);
    const evidence: Evidence[] = [{ sentAt: 100_000, endedAt: 200_000 }];
    expect(b.windowsOf({ ...pair(0, 0), windows: evidence })).toStrictEqual([
      { from: iso(100_000 - 900_000), to: iso(200_000 + 900_000) },
    ]);
  });

  it("once an answer told it: lagging within the consistency timeout, windows placed on it", async () => {
    // This machine's time stands still, with the server's on a whole second: the answer's Date
    // tells the server's time exactly.
    fakeDateOnly(Date.UTC(2026, 0, 1, 12) - (OFFSET_MS % 1000));
    const b = bindings({ consistencyTimeoutMs: 10_000 });
    await b.list([appIds[0]]);
    const server = serverNow();
    expect(b.mayBeLagging(record(server - 10_001))).toBe(false);
    expect(b.mayBeLagging(record(server - 10_000))).toBe(true);
    const local = Date.now();
    const evidence: Evidence[] = [{ sentAt: local - 5000, endedAt: local - 4000 }];
    expect(b.windowsOf({ ...pair(0, 0), windows: evidence })).toStrictEqual([
      { from: iso(server - 5000), to: iso(server - 4000 + 1000) },
    ]);
  });

  it("keeps a window already on the server's clock as it is, and gives none for no evidence", () => {
    const given = { from: iso(1000), to: iso(2000) };
    expect(bindings().windowsOf({ ...pair(0, 0), windows: [given] })).toStrictEqual([given]);
    expect(bindings().windowsOf(pair(0, 0))).toStrictEqual([]);
  });
});

// A listing item for a record, as binded-apis writes it.
function listed(r: AuthorizationRecord): Record<string, unknown> {
  return {
    id: r.id,
    app_id: r.appId,
    api_id: r.apiId,
    env_id: RELEASE,
    auth_time: r.authTime,
    auth_role: "PROVIDER",
    auth_tunnel: "NORMAL",
    auth_whitelist: [],
    auth_blacklist: [],
    visit_param: "",
  };
}

// A new emulator whose one app has `count` APIs, each bound: their records, log cleared.
async function restartWith(count: number): Promise<AuthorizationRecord[]> {
  await restartEmulator(1, count);
  const { records } = await bindings().bind(product(1, count), NO_OPTIONS, false);
  emu.control.resetLog();
  return records;
}
