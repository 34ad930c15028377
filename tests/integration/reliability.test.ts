/**
 * Reliability under the faults the emulator injects: retries, lost answers reconciled by listing,
 * partial failures kept as partial state, lagging reads, and adopting existing bindings.
 */
import {
  FAULTS,
  ManualClock,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type Fault,
  RELEASE,
} from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import {
  bound,
  boundIds,
  checkedInputs,
  configuredProvider,
  emulatorSettings,
  failureOf,
  pairsOf,
  recordIds,
  recordsOf,
  product,
  type Settings,
} from "../support";
import { advance, freshProcess } from "./ownership-support";

type Props = Record<string, unknown>;

/**
 * Server time that moves only when the test moves it, `offsetMs` away from this machine's and on a
 * whole second, so a Date header (whole seconds) tells it exactly.
 */
const serverClock = (offsetMs = 0) =>
  new ManualClock(Math.floor((Date.now() + offsetMs) / 1000) * 1000);

describe("reliability", () => {
  let emu: Emulator;
  let provider: AppAuthorizationProvider;
  let apps: string[];
  let apis: string[];

  async function start(options: EmulatorOptions = {}, settings: Settings = {}) {
    emu = await startEmulator({ seed: { apps: 3, apis: 12 }, ...options });
    provider = await configuredProvider(emulatorSettings(emu, settings));
    apps = emu.seed.apps.map((a) => a.id);
    apis = emu.seed.apis.map((a) => a.id);
  }
  afterEach(() => emu.close());

  const inputs = (change: Props = {}) =>
    checkedInputs(provider, {
      instanceId: emu.seed.instanceId,
      envId: RELEASE,
      appIds: [apps[0]],
      apiIds: apis.slice(0, 4),
      ...change,
    });
  const create = async (change: Props = {}) => provider.create(await inputs(change));
  const once = (route: "authorize" | "cancel" | "list", fault: Fault, count = 1) =>
    emu.control.setFaults({ ...emu.control.faults(), next: [{ route, count, fault }] });
  const routes = () => emu.control.log().map((e) => `${e.route}:${e.status}`);

  describe("retries", () => {
    it("waits as long as Retry-After asks on a throttled request", async () => {
      await start();
      once("authorize", FAULTS.throttled(1), 2);
      await create();
      expect(routes()).toEqual(["authorize:429", "authorize:429", "authorize:201"]);
      const at = emu.control.log().map((e) => e.at);
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(950);
      expect(at[2] - at[1]).toBeGreaterThanOrEqual(950);
    });

    it.each([
      ["a system error on a read", "list", FAULTS.systemError()],
      ["too many requests on a delete", "cancel", FAULTS.tooManyRequests()],
      ["a sync conflict on a delete", "cancel", FAULTS.syncConflict()],
      ["a dropped connection on a read", "list", FAULTS.drop()],
    ] as const)("retries %s", async (_what, route, fault) => {
      await start();
      const { id, outs } = await create({ apiIds: [apis[0]] });
      emu.control.resetLog();
      once(route, fault);
      if (route === "list") expect((await provider.read(id, outs)).id).toBe(id);
      else await provider.delete(id, outs);
      expect(emu.control.counts()[route]).toBe(2);
    });

    it("never retries a 4xx that describes the request", async () => {
      await start();
      await expect(create({ appIds: ["0".repeat(32)] })).rejects.toThrow(/APIG.3004/);
      expect(emu.control.counts()).toEqual({ authorize: 1 });
    });

    // Throttling answers are resent until the deadline instead (tests/integration/throttle.test.ts).
    it("stops after roma:maxRetries and says so", async () => {
      await start({}, { "roma:maxRetries": "1" });
      once("authorize", FAULTS.syncConflict(), 5);
      await expect(create()).rejects.toThrow(
        /Synchronization conflict, please try again later \(APIG.3500, HTTP 500.*Gave up after 2 attempts/,
      );
      expect(emu.control.counts()).toEqual({ authorize: 2 });
      expect(bound(emu)).toEqual([]);
    });
  });

  describe("a POST whose answer is lost", () => {
    it.each([
      ["a dropped connection after the write", FAULTS.drop(true)],
      ["a 500 after the write", FAULTS.systemError(true)],
    ])("is reconciled by listing, not sent twice: %s", async (_what, fault) => {
      await start();
      once("authorize", fault);
      const { outs } = await create();
      expect(routes()).toEqual([
        `authorize:${fault.kind === "drop" ? "dropped" : 500}`,
        "list:200",
      ]);
      expect(bound(emu)).toEqual(product([apps[0]], apis.slice(0, 4)));
      const ids = new Set(emu.control.bindings().map((b) => b.id));
      expect(recordsOf(outs).every((r) => ids.has(r.id))).toBe(true);
    });

    it("is sent again when the listing shows it never took effect", async () => {
      await start();
      once("authorize", FAULTS.drop(false));
      await create();
      expect(routes()).toEqual(["authorize:dropped", "list:200", "authorize:201"]);
      expect(bound(emu)).toHaveLength(4);
    });

    it.each(["skip", "error"] as const)(
      "finds its own records when they show late (duplicates answered %s)",
      async (duplicates) => {
        await start({ faults: { visibilityLagMs: 400, duplicates } });
        once("authorize", FAULTS.drop(true));
        const { outs } = await create();
        expect(bound(emu)).toEqual(product([apps[0]], apis.slice(0, 4)));
        expect(recordIds(outs)).toEqual(boundIds(emu));
        expect(emu.control.counts().authorize).toBe(2);
      },
    );

    // Each command runs in a fresh provider process (nothing remembered), seconds apart.
    it("does not take a rebound pair's old record, still listed by a lagging read, for the new one", async () => {
      await start({ faults: { visibilityLagMs: 400 } });
      const { id, outs } = await create({ apiIds: [apis[0]] });
      advance(emu, 5000);
      provider = await freshProcess(emu);
      once("authorize", FAULTS.drop(true));
      const news = await inputs({
        apiIds: [apis[0]],
        visitParams: [{ apiId: apis[0], visitParam: "tenant" }],
      });
      const { outs: updated } = await provider.update(id, outs, news);
      const [record] = recordsOf(updated);
      expect(record.id).toBe(emu.control.bindings()[0].id);
      expect(emu.control.bindings()).toHaveLength(1);
    });

    it("does not take the old record of a pair another resource just unbound for its new one", async () => {
      await start({ faults: { visibilityLagMs: 1500 } });
      const old = await create({ apiIds: [apis[0]] });
      advance(emu, 5000);
      provider = await freshProcess(emu);
      await provider.delete(old.id, old.outs);
      advance(emu, 1000); // the next command: the listing still shows the cancelled record
      provider = await freshProcess(emu, { "roma:consistencyTimeout": "3" });
      once("authorize", FAULTS.drop(true));
      const { outs } = await create({ apiIds: [apis[0]] });
      const [record] = recordsOf(outs);
      expect(emu.control.bindings()).toHaveLength(1);
      expect(record.id).toBe(emu.control.bindings()[0].id);
      await provider.delete("id", outs);
      expect(bound(emu)).toEqual([]);
    });

    it("keeps pairs it cannot confirm, tells the user, and settles them on destroy", async () => {
      await start({ faults: { visibilityLagMs: 2500 } });
      once("authorize", FAULTS.drop(true));
      const error = await failureOf(create({ apiIds: [apis[0]] }));
      expect(error.message).toMatch(
        /outcome is unknown and no record made while it was in flight showed in binded-apis/,
      );
      expect(error.properties.unconfirmed).toEqual([
        expect.objectContaining({ appId: apps[0], apiId: apis[0] }),
      ]);
      expect(bound(emu)).toHaveLength(1);
      advance(emu, 3000); // the record shows by now
      provider = await freshProcess(emu);
      await provider.delete(error.id, error.properties);
      expect(bound(emu)).toEqual([]);
    });
  });

  describe("refresh after a lagging read", () => {
    const MINUTES_10 = 10 * 60000;

    // The server's clock is 10 minutes away from this machine's, so only a rule that reads the
    // server's Date header gets "moments ago" right.
    it("waits for a record written moments ago that the listing does not show yet", async () => {
      const clock = serverClock(-MINUTES_10);
      await start({ clock, faults: { visibilityLagMs: 400 } });
      const { id, outs } = await create();
      emu.control.resetLog();
      // The first listing, at the second of the write, misses the records; the next ones show them.
      void emu.control.answered("list", 1).then(() => clock.advance(400));
      const read = await provider.read(id, outs);
      expect(read.id).toBe(id);
      expect(pairsOf(read.props)).toEqual(product([apps[0]], apis.slice(0, 4)));
      expect(emu.control.counts().list).toBe(2);
    });

    it("keeps looking for a lagging record until roma:consistencyTimeout (1 s) has passed", async () => {
      // Server time runs (the ownership rule needs the listing to catch up with the record's
      // time), but the records take a minute to show: the read looks until the window has passed.
      await start({ faults: { visibilityLagMs: 60_000 } });
      const { id, outs } = await create();
      const madeAt = Math.max(...recordsOf(outs).map((r) => Date.parse(r.authTime)));
      emu.control.resetLog();
      expect((await provider.read(id, outs)).id).toBe("");
      // The emulator's clock is this machine's here: the read returns only once the window after
      // the record's time has passed on it. (The span between the first and the last listing is
      // no measure: the window opened before the first, by the create's time and its latency.)
      expect(Date.now()).toBeGreaterThanOrEqual(madeAt + 1000);
      expect(emu.control.counts().list).toBeGreaterThan(1);
    });

    it("judges 'moments ago' by the server's clock: an older record removed outside is gone at once", async () => {
      const clock = serverClock(MINUTES_10);
      await start({ clock });
      const { id, outs } = await create({ apiIds: [apis[0]] });
      // A second past roma:consistencyTimeout (1 s): the whole-second Date header tells it exactly.
      clock.advance(2000);
      emu.control.unbind(RELEASE, apps[0], apis[0]);
      emu.control.resetLog();
      expect((await provider.read(id, outs)).id).toBe("");
      expect(emu.control.counts()).toEqual({ list: 1 });
    });
  });

  describe("partial failure", () => {
    it("keeps every record that exists and lists each failed pair; the next update finishes", async () => {
      await start();
      emu.control.setFaults({
        failingPairs: [
          { apiId: apis[1], code: "APIG.3002", message: "API not published", times: 1 },
          { apiId: apis[2], code: "APIG.9999", message: "System error", times: 1 },
        ],
      });
      const news = await inputs();
      const error = await failureOf(provider.create(news));
      expect(error.message).toMatch(/^2 pairs \(app x API\) could not be authorized/);
      expect(error.message).toContain(`API not published (APIG.3002)`);
      expect(error.message).toContain(`${apps[0]} x ${apis[2]}`);
      expect(error.reasons).toHaveLength(2);
      expect(pairsOf(error.properties)).toEqual(product([apps[0]], [apis[0], apis[3]]));
      expect(bound(emu)).toEqual(pairsOf(error.properties));
      const { outs } = await provider.update(error.id, error.properties, news);
      expect(pairsOf(outs)).toEqual(product([apps[0]], apis.slice(0, 4)));
      await provider.delete(error.id, outs);
      expect(bound(emu)).toEqual([]);
    });

    it("keeps what the other requests did when one request fails midway", async () => {
      await start({}, { "roma:batchSize": "1" });
      once("authorize", FAULTS.invalidParameter());
      const error = await failureOf(create());
      expect(error.properties.authorizations).toHaveLength(3);
      expect(bound(emu)).toHaveLength(3);
      await provider.delete(error.id, error.properties);
      expect(bound(emu)).toEqual([]);
    });

    it("does not unbind removed pairs when binding the added ones failed", async () => {
      await start();
      const { id, outs } = await create({ apiIds: [apis[0], apis[1]] });
      emu.control.setFaults({ failingPairs: [{ apiId: apis[2] }] });
      const error = await failureOf(
        provider.update(id, outs, await inputs({ apiIds: [apis[1], apis[2]] })),
      );
      expect(error.message).toContain(apis[2]);
      expect(bound(emu)).toEqual(product([apps[0]], [apis[0], apis[1]]));
      expect(pairsOf(error.properties)).toEqual(bound(emu));
    });
  });

  describe("adopting existing bindings", () => {
    const longAgo = new Date(Date.now() - 24 * 3600_000);

    it.each([
      ["SKIPPED without an id", { duplicates: "skip" as const }],
      ["SKIPPED with an id", { duplicates: "skip" as const, skippedCarriesId: true }],
      ["400 APIG.3316", { duplicates: "error" as const }],
    ])(
      "when the pair exists (%s): refuses without the flag, adopts with it",
      async (_what, faults) => {
        await start({ faults });
        const existing = emu.control.bind(RELEASE, apps[0], apis[1], longAgo);
        const refused = await failureOf(create({ apiIds: [apis[0], apis[1]] }));
        expect(refused.message).toMatch(
          new RegExp(
            `Already authorized before this resource's request .*remove the pair.*\\(1 pair: ${apps[0]} x ${apis[1]}\\)\n.*nothing else manages them, set adoptExisting: true`,
          ),
        );
        expect(pairsOf(refused.properties)).toEqual([`${apps[0]}/${apis[0]}`]);
        await provider.delete(refused.id, refused.properties);
        expect(bound(emu)).toEqual([`${apps[0]}/${apis[1]}`]);

        const { id, outs } = await create({ apiIds: [apis[0], apis[1]], adoptExisting: true });
        const adopted = recordsOf(outs).find((r) => r.apiId === apis[1]);
        expect(adopted?.id).toBe(existing.id);
        await provider.delete(id, outs);
        expect(bound(emu)).toEqual([]);
      },
    );
  });
});
