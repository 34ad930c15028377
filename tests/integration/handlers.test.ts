/**
 * provider/handlers.ts in this process, against the emulator: what `check` keeps of the resource
 * class's own input, when a failed create leaves nothing behind, what a refresh makes of the
 * records it finds, the one-run adoption variable's form, the debug lines each method writes, and
 * each rule by which the next command reads the journal of a killed run. The lifecycle tests
 * reach the same code through Pulumi's host, in child processes that mutation testing does not
 * reach; the ownership tests drive whole interrupted and failed runs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FAULTS, startEmulator, type Emulator, RELEASE } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import { readOutputs, storeInputs, storeOutputs } from "../../provider/state";
import type { JournalWrite } from "../../provider/journal";
import type { AuthorizationOutputs } from "../../provider/types";
import {
  boundIds,
  debugLines,
  failureOf,
  pairsOf,
  product,
  recordIds,
  recordsOf,
  type Settings,
  journalHomes,
} from "../support";
import { fakeDateOnly } from "../helpers";
import { advance, freshProcess, interrupted, releaseInputs } from "./ownership-support";
import { forwardingServer } from "./stubs";

const KEY = "proj/dev/orders";
type Props = Record<string, unknown>;

let emu: Emulator;
let apps: string[];
let apis: string[];
const home = journalHomes();

beforeEach(async () => {
  emu = await startEmulator({ seed: { apps: 3, apis: 3 } });
  apps = emu.seed.apps.map((a) => a.id);
  apis = emu.seed.apis.map((a) => a.id);
});
afterEach(async () => {
  jest.restoreAllMocks();
  await emu.close();
});

const command = (settings: Settings = {}): Promise<AppAuthorizationProvider> =>
  freshProcess(emu, settings);
const inputs = (provider: AppAuthorizationProvider, change: Props) =>
  releaseInputs(emu, provider, change);

describe("check", () => {
  it("keeps the resource class's journal key up to 1,024 characters, and drops a longer one", async () => {
    const provider = await command();
    const given = { instanceId: emu.seed.instanceId, envId: RELEASE, appIds: [apps[0]] };
    const withKey = async (journalKey: string) =>
      (await provider.check({}, { ...given, apiIds: [apis[0]], journalKey })).inputs.journalKey;
    expect(await withKey("k".repeat(1024))).toBe("k".repeat(1024));
    expect(await withKey("k".repeat(1025))).toBeUndefined();
  });
});

describe("create", () => {
  it("that made nothing fails with a plain error: nothing for the engine to keep", async () => {
    emu.control.bind(RELEASE, apps[0], apis[0]);
    const provider = await command();
    const error = await failureOf(
      provider.create(await inputs(provider, { appIds: [apps[0]], apiIds: [apis[0]] })),
    );
    expect(error.message).toMatch(/^1 pair \(app x API\) could not be authorized/);
    expect([error.id, error.properties, error.reasons]).toStrictEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("adopts for one run the resources ROMA_ADOPT_EXISTING names, spaces around the commas allowed", async () => {
    emu.control.bind(RELEASE, apps[0], apis[0]);
    const [existing] = emu.control.bindings();
    process.env.ROMA_ADOPT_EXISTING = `proj/dev/other , ${KEY} `;
    const provider = await command();
    const made = await provider.create(
      await inputs(provider, { appIds: [apps[0]], apiIds: [apis[0]], journalKey: KEY }),
    );
    expect(recordIds(made.outs)).toStrictEqual([existing.id]);
  });
});

describe("read (refresh)", () => {
  // A resource of apps 0 and 1 x APIs 0 and 1 with parameters for each API (one per app for API
  // 1), made long enough ago that a listing shows every record it holds.
  async function madeLongAgo(): Promise<{ id: string; outs: Props }> {
    const provider = await command();
    const made = await provider.create(
      await inputs(provider, {
        appIds: [apps[1], apps[0]],
        apiIds: [apis[1], apis[0]],
        visitParams: [
          { apiId: apis[0], visitParam: "all" },
          { apiId: apis[1], appId: apps[0], visitParam: "zero" },
          { apiId: apis[1], appId: apps[1], visitParam: "one" },
        ],
      }),
    );
    advance(emu, 3_600_000);
    return { id: made.id, outs: made.outs as Props };
  }
  const cancelOutside = (app: string, api: string) => emu.control.unbind(RELEASE, app, api);

  it("keeps a resource whose records all show, by one listing of each app", async () => {
    const { id, outs } = await madeLongAgo();
    emu.control.resetLog();
    const read = await (await command()).read(id, outs);
    expect(read.id).toBe(id);
    expect(pairsOf(read.props)).toStrictEqual(pairsOf(outs));
    expect(emu.control.log().map((e) => e.route)).toStrictEqual(["list", "list"]);
  });

  it("drops an app whose records are all gone, and the parameters of that app and API", async () => {
    const { id, outs } = await madeLongAgo();
    cancelOutside(apps[1], apis[0]);
    cancelOutside(apps[1], apis[1]);
    const read = await (await command()).read(id, outs);
    const props = read.props as AuthorizationOutputs;
    expect([props.appIds, props.apiIds]).toStrictEqual([[apps[0]], [apis[0], apis[1]].sort()]);
    expect(props.visitParams).toStrictEqual(
      [
        { apiId: apis[0], visitParam: "all" },
        { apiId: apis[1], appId: apps[0], visitParam: "zero" },
      ].sort((a, b) => a.apiId.localeCompare(b.apiId)),
    );
    expect(read.inputs).toMatchObject({ appIds: [apps[0]] });
  });

  it("drops an API whose records are all gone, and its parameters", async () => {
    const { id, outs } = await madeLongAgo();
    cancelOutside(apps[0], apis[0]);
    cancelOutside(apps[1], apis[0]);
    const read = await (await command()).read(id, outs);
    const props = read.props as AuthorizationOutputs;
    expect([props.appIds, props.apiIds]).toStrictEqual([[apps[0], apps[1]].sort(), [apis[1]]]);
    expect(props.visitParams.map((v) => v.visitParam).sort()).toStrictEqual(["one", "zero"]);
  });

  it("gives its APIs sorted, though the records, sorted by app, name them out of order", async () => {
    const { id, outs } = await madeLongAgo();
    const [first, second] = [apps[0], apps[1]].sort();
    const [low, high] = [apis[0], apis[1]].sort();
    // Left: first x high, second x low, second x high; their APIs in record order: high, low.
    cancelOutside(first, low);
    const read = await (await command()).read(id, outs);
    const props = read.props as AuthorizationOutputs;
    expect([props.appIds, props.apiIds]).toStrictEqual([
      [first, second],
      [low, high],
    ]);
  });

  it("lists the apps of records the state keeps beyond appIds (an update that failed part-way)", async () => {
    const { id, outs } = await madeLongAgo();
    const narrowed = storeOutputs({ ...readOutputs(outs), appIds: [apps[0]], visitParams: [] });
    const read = await (await command()).read(id, narrowed);
    expect(pairsOf(read.props)).toStrictEqual(pairsOf(outs));
  });

  it("keeps the records it holds by id though the listing leaves out their auth_time", async () => {
    const { id, outs } = await madeLongAgo();
    // A listing whose records carry no time: nothing tells when they were made, but their ids are
    // the state's own.
    const undated = await forwardingServer(() => emu.url, {
      change: (_req, answer) => {
        const body = JSON.parse(answer.text) as Record<string, unknown>;
        for (const value of Object.values(body)) {
          if (Array.isArray(value)) for (const item of value) delete item.auth_time;
        }
        return { ...answer, text: JSON.stringify(body) };
      },
    });
    try {
      const provider = await command({
        "roma:endpoint": undated.url,
        "roma:consistencyTimeout": "1",
      });
      emu.control.resetLog();
      const read = await provider.read(id, outs);
      expect([read, emu.control.log().map((e) => e.route)]).toStrictEqual([
        { id, props: outs, inputs: storeInputs(outs) },
        ["list", "list"],
      ]);
    } finally {
      await undated.close();
    }
  });

  it("says the resource is gone when none of its records shows", async () => {
    const { id, outs } = await madeLongAgo();
    for (const b of emu.control.bindings()) emu.control.unbind(RELEASE, b.appId, b.apiId);
    await expect((await command()).read(id, outs)).resolves.toStrictEqual({ id: "" });
  });
});

describe("debug lines (ROMA_DEBUG)", () => {
  it("time each method, and tell how many records a refresh found", async () => {
    const provider = await command();
    const made = await provider.create(
      await inputs(provider, { appIds: [apps[0]], apiIds: [apis[0]] }),
    );
    const lines = debugLines();
    const next = await command();
    const read = await next.read(made.id, made.outs);
    const updated = await next.update(
      made.id,
      read.props,
      await inputs(next, { appIds: [apps[0]], apiIds: [apis[0], apis[1]] }),
    );
    await next.delete(made.id, updated.outs);
    const ours = lines.filter((l) => / took \d+ ms\n$|^\[roma\] refresh /.test(l));
    expect(ours.map((l) => l.replace(/\d+ ms/, "N ms"))).toStrictEqual([
      `[roma] refresh ${made.id}: 1 of 1 records present\n`,
      "[roma] read took N ms\n",
      "[roma] update took N ms\n",
      "[roma] destroy took N ms\n",
    ]);
  });
});

describe("pairs whose writes' outcome stays unknown", () => {
  // A create whose one write of apps[0] x APIs 0 and 1 lost its answer and could not be looked up:
  // both pairs unconfirmed, in partial state.
  async function unconfirmedCreate() {
    const provider = await command({ "roma:maxRetries": "0" });
    emu.control.setFaults({
      next: [
        { route: "authorize", count: 1, fault: FAULTS.drop(false) },
        { route: "list", count: 100, fault: FAULTS.drop() },
      ],
    });
    const failed = await failureOf(
      provider.create(await inputs(provider, { appIds: [apps[0]], apiIds: [apis[0], apis[1]] })),
    );
    emu.control.setFaults({});
    expect(pairsOf(failed.properties)).toStrictEqual([]);
    return failed;
  }
  // The next command through a server that drops every answer's Date header: the server's clock
  // stays unknown, so no listing can tell that a write made nothing, and its pairs stay open.
  async function undatedCommand() {
    const front = await forwardingServer(() => emu.url, {
      change: (_req, answer) => ({ ...answer, date: undefined }),
    });
    fronts.push(front);
    return command({ "roma:endpoint": front.url });
  }
  const fronts: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(fronts.splice(0).map((f) => f.close()));
  });
  const unconfirmedOf = (props: unknown) =>
    (props as { unconfirmed: { appId: string; apiId: string }[] }).unconfirmed.map(
      (u) => `${u.appId}/${u.apiId}`,
    );

  it("an update keeps a pair no longer wanted while it is open, and says so", async () => {
    const failed = await unconfirmedCreate();
    const provider = await undatedCommand();
    const error = await failureOf(
      provider.update(
        failed.id,
        failed.properties,
        await inputs(provider, { appIds: [apps[0]], apiIds: [apis[0]] }),
      ),
    );
    expect(pairsOf(error.properties)).toStrictEqual([`${apps[0]}/${apis[0]}`]);
    expect(unconfirmedOf(error.properties)).toStrictEqual([`${apps[0]}/${apis[1]}`]);
    expect(error.id).toBe(failed.id);
    expect(error.message).toBe(
      `1 pair (app x API) could not be changed:\n  - A write of this resource whose outcome is unknown may have authorized the pair, and its record has not shown in binded-apis yet; it is kept as unconfirmed and looked for again by the next \`pulumi up\`, refresh or destroy. (1 pair: ${apps[0]} x ${apis[1]})`,
    );
  });

  it("a refresh keeps a resource whose only pairs are open, with its apps and APIs", async () => {
    const failed = await unconfirmedCreate();
    const provider = await undatedCommand();
    const read = await provider.read(failed.id, failed.properties);
    expect(read.id).toBe(failed.id);
    const props = read.props as AuthorizationOutputs;
    expect([props.appIds, props.apiIds]).toStrictEqual([[apps[0]], [apis[0], apis[1]]]);
    expect(unconfirmedOf(props).sort()).toStrictEqual(product([apps[0]], [apis[0], apis[1]]));
  });
});

describe("the journal", () => {
  const journalled = () => {
    const dir = join(home(), "roma-appauth", "journal");
    return readdirSync(dir).flatMap(
      (f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as { writes: JournalWrite[] }).writes,
    );
  };
  const created = async (change: Props) => {
    const provider = await command();
    return provider.create(await inputs(provider, { journalKey: KEY, ...change }));
  };

  it("notes a write in flight until the operation's deadline and one request's timeout", async () => {
    const provider = await command({ "roma:operationTimeout": "60", "roma:requestTimeout": "30" });
    const news = await inputs(provider, { appIds: [apps[0]], apiIds: [apis[0]], journalKey: KEY });
    // This machine's clock stands still (timers run as ever): the operation begins at the instant
    // the write is sent, however slowly this machine gets there.
    fakeDateOnly();
    try {
      const done = provider.create(news);
      // Answered, and the answer not yet read: a process killed now leaves the write as it began.
      await emu.control.answered("authorize", 1);
      const [write] = journalled();
      await done;
      expect(write.until - write.sentAt).toBe(60_000 + 30_000);
    } finally {
      jest.useRealTimers();
    }
  });

  it("a create after a killed one looks for the journal's wanted pairs only as it binds them", async () => {
    const news = { appIds: [apps[0]], apiIds: [apis[0], apis[1]] };
    await interrupted(emu, async (p) => p.create(await inputs(p, { ...news, journalKey: KEY })));
    emu.control.resetLog();
    const { outs } = await created(news);
    expect(recordIds(outs)).toStrictEqual(boundIds(emu));
    // The write finds both pairs authorized; one listing shows they are the killed run's.
    expect(emu.control.counts()).toStrictEqual({ authorize: 1, list: 1 });
  });

  it("an update after a killed rebind cancels the records it replaced, and only once", async () => {
    const first = await created({
      appIds: [apps[0]],
      apiIds: [apis[0], apis[1]],
      visitParams: [{ apiId: apis[0], visitParam: "old" }],
    });
    const replaced = recordIds(first.outs);
    const news = {
      journalKey: KEY,
      appIds: [apps[0]],
      apiIds: [apis[0], apis[1]],
      visitParams: [{ apiId: apis[0], visitParam: "new" }],
    };
    // The rebind cancels the record of apps[0] x apis[0], and its write of the new one lands.
    await interrupted(emu, async (p) => p.update(first.id, first.outs, await inputs(p, news)));
    const made = boundIds(emu).filter((id) => !replaced.includes(id));
    expect(made).toHaveLength(1);

    // The next up, from the old state, with an app the service does not know (refused).
    const unknown = "0".repeat(32);
    const provider = await command();
    emu.control.resetLog();
    const error = await failureOf(
      provider.update(
        first.id,
        first.outs,
        await inputs(provider, { ...news, appIds: [apps[0], unknown] }),
      ),
    );
    // Only the unknown app's pairs failed: no pair was met again as authorized before the write.
    const [low, high] = [apis[0], apis[1]].sort();
    expect(error.message.replace(/request [0-9a-f]+/, "request ID")).toBe(
      `2 pairs (app x API) could not be changed:\n  - App ${unknown} does not exist (APIG.3004, HTTP 404, request ID). (2 pairs: ${unknown} x ${low}, ${unknown} x ${high})`,
    );
    const untouched = recordsOf(first.outs).find((r) => r.apiId === apis[1])!.id;
    expect(boundIds(emu)).toStrictEqual([...made, untouched].sort());
    expect(recordIds(error.properties)).toStrictEqual(boundIds(emu));
    expect(emu.control.counts().cancel).toBe(1);
  });

  it("a refresh gives apps and APIs sorted when the journal's records sort before the state's", async () => {
    const [low, high] = [apis[0], apis[1]].sort();
    const [firstApp, secondApp] = [apps[0], apps[1]].sort();
    const first = await created({ appIds: [secondApp], apiIds: [high] });
    const wider = { journalKey: KEY, appIds: [firstApp, secondApp], apiIds: [low, high] };
    await interrupted(emu, async (p) => p.update(first.id, first.outs, await inputs(p, wider)));
    const read = await (await command()).read(first.id, first.outs);
    const props = read.props as AuthorizationOutputs;
    expect([props.appIds, props.apiIds]).toStrictEqual([
      [firstApp, secondApp],
      [low, high],
    ]);
    expect(pairsOf(props)).toStrictEqual(product([firstApp, secondApp], [low, high]));
  });

  it("keeps a write of another instance (a replacement's on APIG) for the resource there", async () => {
    const news = { appIds: [apps[0]], apiIds: [apis[0]], journalKey: KEY };
    await interrupted(emu, async (p) => p.create(await inputs(p, news)));
    const provider = await command({ "apig:endpoint": emu.url });
    const apig = { ...news, gateway: "apig", instanceId: emu.seed.apigInstanceId };
    await provider.create(await inputs(provider, apig));
    expect(
      journalled()
        .map((w) => w.instanceId)
        .sort(),
    ).toStrictEqual([emu.seed.instanceId, emu.seed.apigInstanceId].sort());
  });

  it("keeps the writes whose pairs cannot be looked up for a later operation, and says so", async () => {
    const first = await created({ appIds: [apps[0]], apiIds: [apis[0]] });
    const wider = { journalKey: KEY, appIds: [apps[0], apps[1]], apiIds: [apis[0]] };
    await interrupted(emu, async (p) => p.update(first.id, first.outs, await inputs(p, wider)));
    const [write] = journalled();

    // The next up, unchanged, cannot list the journal's app: it goes on, and keeps the write.
    const lines = debugLines();
    let provider = await command();
    emu.control.setFaults({
      next: [{ route: "list", count: 1, fault: FAULTS.invalidParameter() }],
    });
    const same = await inputs(provider, { journalKey: KEY, appIds: [apps[0]], apiIds: [apis[0]] });
    const { outs } = await provider.update(first.id, first.outs, same);
    const said = lines.filter((l) => l.includes("journal"));
    expect(said.map((l) => l.replace(/request [0-9a-f]+/, "request ID"))).toStrictEqual([
      `[roma] the journal's pairs could not be looked up: Could not list the APIs app ${apps[1]} is authorized for in environment ${RELEASE}: Invalid parameter value,parameterName:api_ids (APIG.2011, HTTP 400, request ID).\n`,
    ]);
    expect(journalled()).toContainEqual(write);

    // The up after it finds the record the killed update made.
    provider = await command();
    const { outs: widened } = await provider.update(first.id, outs, await inputs(provider, wider));
    expect(recordIds(widened)).toStrictEqual(boundIds(emu));
    expect(pairsOf(widened)).toStrictEqual(product([apps[0], apps[1]], [apis[0]]));
  });

  it("keeps a write of another environment (a replacement's) for the resource there", async () => {
    // A create in RELEASE whose write landed and whose answer was lost, with no listing to find it.
    let provider = await command({ "roma:maxRetries": "0" });
    emu.control.setFaults({
      next: [
        { route: "authorize", count: 1, fault: FAULTS.drop(true) },
        { route: "list", count: 100, fault: FAULTS.drop() },
      ],
    });
    const news = { appIds: [apps[0]], apiIds: [apis[0]], journalKey: KEY };
    await failureOf(provider.create(await inputs(provider, news)));
    emu.control.setFaults({});
    // The same resource replaced into TEST (same name, so the same journal).
    const test = emu.seed.environments[1].id;
    provider = await command();
    await provider.create(await inputs(provider, { ...news, envId: test }));
    expect(
      journalled()
        .map((w) => w.envId)
        .sort(),
    ).toStrictEqual([RELEASE, test].sort());
  });
});
