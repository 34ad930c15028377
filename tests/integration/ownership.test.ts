/**
 * The ownership model (README, "Ownership") against the emulator: a record is a resource's only on
 * evidence, a binding that existed before the resource's write is never claimed, every path on
 * which a write may have landed ends in partial state, and odd answers are never "no records".
 * Every command runs in a fresh provider process, as under the Pulumi CLI.
 */
import { FAULTS, startEmulator, type Emulator, type Fault, RELEASE } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import {
  bound,
  boundIds,
  failureOf,
  pairsOf,
  product,
  recordIds,
  recordsOf,
  type PartialFailure,
  type Settings,
} from "../support";
import { advance, freshProcess, releaseInputs } from "./ownership-support";

type Props = Record<string, unknown>;

describe("ownership", () => {
  let emu: Emulator;
  let apps: string[];
  let apis: string[];

  async function start(apiCount = 12) {
    emu = await startEmulator({ seed: { apps: 3, apis: apiCount } });
    apps = emu.seed.apps.map((a) => a.id);
    apis = emu.seed.apis.map((a) => a.id);
  }
  afterEach(() => emu.close());

  // The next `pulumi` command: seconds later, a new provider process.
  async function command(settings: Settings = {}): Promise<AppAuthorizationProvider> {
    advance(emu, 3000);
    return freshProcess(emu, settings);
  }
  const inputs = (provider: AppAuthorizationProvider, change: Props) =>
    releaseInputs(emu, provider, change);
  const setFault = (route: "authorize" | "list", fault: Fault, count = 1) =>
    emu.control.setFaults({ next: [{ route, count, fault }] });
  // What the user reads fits a screen and names no pair twice.
  const expectReadable = (error: PartialFailure, pair: string) => {
    expect(error.message.length).toBeLessThanOrEqual(2000);
    expect(error.message.split(pair)).toHaveLength(2);
    if (error.reasons) {
      expect(new Set(error.reasons).size).toBe(error.reasons.length);
      expect(error.reasons.join("\n").length).toBeLessThanOrEqual(2000);
    }
  };

  describe("a binding another resource manages (B: a1 x p1) survives resource A", () => {
    async function withB() {
      const provider = await command();
      const b = await provider.create(
        await inputs(provider, { appIds: [apps[0]], apiIds: [apis[0]] }),
      );
      const [record] = recordsOf(b.outs);
      return record.id;
    }
    const stillB = (id: string) =>
      expect(
        emu.control
          .bindings()
          .filter((r) => r.apiId === apis[0])
          .map((r) => r.id),
      ).toEqual([id]);

    it("through A's failed create, update and destroy of 300 pairs (full evidence, no time rule)", async () => {
      await start(300);
      const bId = await withB();
      let provider = await command();
      const failed = await failureOf(
        provider.create(await inputs(provider, { appIds: [apps[0]], apiIds: apis })),
      );
      expect(failed.message).toMatch(/^1 pair \(app x API\) could not be authorized/);
      expect(failed.message).toMatch(
        /Already authorized before this resource's request \(SKIPPED\)/,
      );
      expect(failed.message).not.toMatch(/Set adoptExisting: true to manage/);
      expectReadable(failed, `${apps[0]} x ${apis[0]}`);
      expect(failed.properties.authorizations).toHaveLength(299);
      expect(failed.properties.unconfirmed).toEqual([]);

      provider = await command();
      const updated = await failureOf(
        provider.update(
          failed.id,
          failed.properties,
          await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 200) }),
        ),
      );
      stillB(bId);
      expect(pairsOf(updated.properties)).not.toContain(`${apps[0]}/${apis[0]}`);

      provider = await command();
      await provider.delete(updated.id, updated.properties);
      stillB(bId);
      expect(emu.control.bindings()).toHaveLength(1);
    });

    it.each([false, true])(
      "when A's answer is lost after the write (SKIPPED carries the id: %s)",
      async (skippedCarriesId) => {
        await start();
        const bId = await withB();
        let provider = await command();
        emu.control.setFaults({
          skippedCarriesId,
          next: [{ route: "authorize", count: 1, fault: FAULTS.drop(true) }],
        });
        const failed = await failureOf(
          provider.create(await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 3) })),
        );
        expect(failed.message).toMatch(/Already authorized before this resource's request/);
        expect(pairsOf(failed.properties)).toEqual(product([apps[0]], apis.slice(1, 3)));
        expect(failed.properties.unconfirmed).toEqual([]);
        provider = await command();
        await provider.delete(failed.id, failed.properties);
        stillB(bId);
        expect(emu.control.bindings()).toHaveLength(1);
      },
    );
  });

  it("a lost answer followed by a failing listing ends in partial state, and nothing leaks", async () => {
    await start();
    let provider = await command({ "roma:maxRetries": "1" });
    emu.control.setFaults({
      next: [
        { route: "authorize", count: 1, fault: FAULTS.drop(true) },
        { route: "list", count: 100, fault: FAULTS.systemError() },
      ],
    });
    const news = await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 4) });
    const failed = await failureOf(provider.create(news));
    expect(failed.message).toMatch(/Outcome unknown \(looking it up failed/);
    expect(failed.message).toMatch(/System error \(APIG.9999, HTTP 500, request \w+\)/);
    expect(failed.properties.unconfirmed.map((p) => p.apiId).sort()).toEqual(
      apis.slice(0, 4).sort(),
    );
    expect(failed.properties.unconfirmed[0].windows).toHaveLength(1);
    expect(bound(emu)).toHaveLength(4);

    emu.control.setFaults({});
    provider = await command();
    emu.control.resetLog();
    const { outs } = await provider.update(failed.id, failed.properties, news);
    expect(emu.control.counts().authorize).toBeUndefined(); // found by listing, not sent again
    expect(recordIds(outs)).toEqual(boundIds(emu));
    provider = await command();
    await provider.delete(failed.id, outs);
    expect(bound(emu)).toEqual([]);
  });

  describe("odd answers are errors that say what came back, never 'no records'", () => {
    const odd: [string, Fault, RegExp][] = [
      [
        "a 301",
        FAULTS.redirect(301),
        /answered a redirect to https:\/\/login.example.com\/portal, which is never followed/,
      ],
      ["a 302", FAULTS.redirect(302), /answered a redirect to https:\/\/login.example.com\/portal/],
      ["a 307", FAULTS.redirect(307), /answered a redirect to https:\/\/login.example.com\/portal/],
      [
        "an HTML 200",
        FAULTS.html(),
        /answered Content-Type text\/html; charset=utf-8 and a non-JSON body starting "<!DOCTYPE html>/,
      ],
    ];

    it.each(odd)("%s in place of a listing fails the refresh", async (_what, fault, said) => {
      await start();
      let provider = await command();
      const { id, outs } = await provider.create(
        await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 2) }),
      );
      provider = await command();
      setFault("list", fault, 100);
      const read = provider.read(id, outs);
      await expect(read).rejects.toThrow(said);
      await expect(read).rejects.toThrow(
        /GET http:\/\/127.0.0.1:\d+\/v2\/.*\/binded-apis answered/,
      );
      // and which settings made that URL, so the user knows what to fix
      await expect(read).rejects.toThrow(
        /\. The URL http:\/\/127.0.0.1:\d+ comes from roma:endpoint/,
      );
      expect(bound(emu)).toHaveLength(2);
    });

    it.each(odd)(
      "%s in place of a create answer is an unknown outcome: partial state, then nothing leaks",
      async (_what, fault, said) => {
        await start();
        let provider = await command({ "roma:maxRetries": "1" });
        setFault("authorize", fault, 100);
        const failed = await failureOf(
          provider.create(await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 2) })),
        );
        expect(failed.message).toMatch(said);
        expect(failed.message).toMatch(/POST http:\/\/127.0.0.1:\d+\/v2\/.*\/app-auths answered/);
        expect(failed.properties.unconfirmed).toHaveLength(2);
        emu.control.setFaults({});
        provider = await command();
        await provider.delete(failed.id, failed.properties);
        expect(bound(emu)).toEqual([]);
      },
    );

    it.each([
      ["an HTML 200", { kind: "html", afterApplying: true } satisfies Fault],
      [
        "a 302",
        { kind: "redirect", status: 302, location: "/x", afterApplying: true } satisfies Fault,
      ],
    ])(
      "%s after the write took effect: the records are found, not sent twice",
      async (_what, fault) => {
        await start();
        const provider = await command();
        setFault("authorize", fault);
        const { outs } = await provider.create(
          await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 3) }),
        );
        expect(emu.control.counts().authorize).toBe(1);
        expect(pairsOf(outs)).toEqual(bound(emu));
      },
    );
  });

  it("an item answered FILAED (the specification's spelling) fails in the service's words", async () => {
    await start();
    const provider = await command();
    emu.control.setFaults({
      failingPairs: [
        {
          apiId: apis[1],
          status: "FILAED",
          code: "APIG.3002",
          message: "The API is not published",
        },
      ],
    });
    emu.control.resetLog();
    const failed = await failureOf(
      provider.create(await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 3) })),
    );
    expect(failed.message).toContain(
      "The API answered FILAED: The API is not published (APIG.3002).",
    );
    expect(failed.properties.unconfirmed).toEqual([]);
    expect(pairsOf(failed.properties)).toEqual(product([apps[0]], [apis[0], apis[2]]));
    expect(emu.control.counts()).toEqual({ authorize: 1 }); // no lookup for a failure
  });

  it("1,000 failing pairs, of 3 causes, read as 3 reasons that fit a screen", async () => {
    await start(500);
    const provider = await command({ "roma:batchSize": "100" });
    emu.control.setFaults({
      failingPairs: [
        { appId: apps[0], code: "APIG.3002", message: "The API is not published" },
        { appId: apps[1], status: "FILAED", code: "APIG.9999", message: "System error" },
      ],
    });
    for (const api of apis.slice(0, 100)) emu.control.bind(RELEASE, apps[2], api);
    const failed = await failureOf(
      provider.create(await inputs(provider, { appIds: apps, apiIds: apis })),
    );
    expect(failed.message).toMatch(/^1100 pairs \(app x API\) could not be authorized:/);
    expect(failed.reasons).toHaveLength(4); // 3 causes, then the remedy for existing pairs
    expect(failed.reasons[0]).toMatch(/\(500 pairs: .* and 497 more\)$/);
    expect(failed.reasons[3]).toMatch(/^If an interrupted `pulumi up`/);
    expect(failed.message.length).toBeLessThanOrEqual(2000);
    expect(failed.reasons.join("\n").length).toBeLessThanOrEqual(2000);
  });
});
