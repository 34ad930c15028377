/**
 * Interrupted runs, in-process: a write lands and the provider process ends before the engine
 * stores anything (the engine then calls create again, or update with the old state). A fresh
 * provider process with a fresh runtime takes the next command. The journal lives under a
 * temporary PULUMI_HOME.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import {
  bound,
  failureOf,
  pairsOf,
  product,
  recordsOf,
  type Settings,
  journalHomes,
} from "../support";
import { freshProcess, interrupted, releaseInputs } from "./ownership-support";

const KEY = "proj/dev/orders";
type Props = Record<string, unknown>;

describe("interrupted runs", () => {
  let emu: Emulator;
  let apps: string[];
  let apis: string[];
  const home = journalHomes();

  beforeEach(async () => {
    emu = await startEmulator({ seed: { apps: 2, apis: 300 } });
    apps = emu.seed.apps.map((a) => a.id);
    apis = emu.seed.apis.map((a) => a.id);
  });
  afterEach(() => emu.close());

  // The journal keeps this machine's clock, so the server's clock is not moved here: it keeps
  // its offset to this machine from one command to the next, as real clocks do.
  const command = (settings: Settings = {}): Promise<AppAuthorizationProvider> =>
    freshProcess(emu, settings);
  const inputs = (provider: AppAuthorizationProvider, change: Props) =>
    releaseInputs(emu, provider, { journalKey: KEY, ...change });
  const journals = () => {
    try {
      return readdirSync(join(home(), "roma-appauth", "journal"));
    } catch {
      return [];
    }
  };

  const interruptedCreate = (change: Props) =>
    interrupted(emu, async (p) => p.create(await inputs(p, change)));

  it("a create killed after its writes landed: the next up finds its records by the journal", async () => {
    await interruptedCreate({ appIds: [apps[0]], apiIds: apis.slice(0, 250) });
    expect(bound(emu)).toHaveLength(250);
    expect(journals()).toHaveLength(1);

    let provider = await command();
    emu.control.resetLog();
    const { id, outs } = await provider.create(
      await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 250) }),
    );
    expect(pairsOf(outs)).toEqual(bound(emu));
    const ids = emu.control.bindings().map((b) => b.id);
    expect(
      recordsOf(outs)
        .map((r) => r.id)
        .sort(),
    ).toEqual(ids.sort());

    provider = await command();
    await provider.delete(id, outs);
    expect(bound(emu)).toEqual([]);
    expect(journals()).toEqual([]);
  });

  it("a create killed, then asked for fewer pairs: the records no longer wanted are kept, then unbound", async () => {
    await interruptedCreate({ appIds: [apps[0]], apiIds: apis.slice(0, 4) });
    let provider = await command();
    const news = await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 2) });
    const { id, outs } = await provider.create(news);
    expect(pairsOf(outs)).toEqual(product([apps[0]], apis.slice(0, 4)));
    provider = await command();
    const diff = await provider.diff(id, outs, news);
    expect(diff.changes).toBe(true);
    const { outs: updated } = await provider.update(id, outs, news);
    expect(pairsOf(updated)).toEqual(product([apps[0]], apis.slice(0, 2)));
    expect(bound(emu)).toEqual(product([apps[0]], apis.slice(0, 2)));
  });

  it("the journal never claims a pair that existed before the write", async () => {
    const foreign = emu.control.bind(RELEASE, apps[0], apis[1], new Date(Date.now() - 10_000));
    await interruptedCreate({ appIds: [apps[0]], apiIds: apis.slice(0, 3) });
    const provider = await command();
    const failed = await failureOf(
      provider.create(await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 3) })),
    );
    expect(failed.message).toMatch(/Already authorized before this resource's request/);
    expect(pairsOf(failed.properties)).toEqual(product([apps[0]], [apis[0], apis[2]]));
    await (await command()).delete(failed.id, failed.properties);
    expect(emu.control.bindings().map((b) => b.id)).toEqual([foreign.id]);
  });

  it("without the journal (another machine), a message that fits a screen and a one-run remedy", async () => {
    await interruptedCreate({ appIds: apps, apiIds: apis });
    rmSync(join(home(), "roma-appauth"), { recursive: true, force: true });
    let provider = await command();
    const news = { appIds: apps, apiIds: apis };
    const error = await failureOf(provider.create(await inputs(provider, news)));
    expect(error.message).toMatch(/^600 pairs \(app x API\) could not be authorized/);
    expect(error.message).toMatch(/\(600 pairs: .* and 597 more\)/);
    expect(error.message).toContain(`ROMA_ADOPT_EXISTING=${KEY} pulumi up`);
    expect(error.message.length).toBeLessThanOrEqual(2000);
    expect(bound(emu)).toHaveLength(600);

    process.env.ROMA_ADOPT_EXISTING = KEY;
    provider = await command();
    const { id, outs } = await provider.create(await inputs(provider, news));
    delete process.env.ROMA_ADOPT_EXISTING;
    expect(pairsOf(outs)).toEqual(bound(emu));
    await (await command()).delete(id, outs);
    expect(bound(emu)).toEqual([]);
  });

  it("a refused request leaves no journal entry, so it never stops a later refresh", async () => {
    const provider = await command();
    const unknownApp = "0".repeat(32);
    await expect(
      provider.create(await inputs(provider, { appIds: [unknownApp], apiIds: apis.slice(0, 2) })),
    ).rejects.toThrow(/APIG.3004/);
    expect(journals()).toEqual([]);
  });

  it("an update killed after its writes landed: the next up (old state) finds them", async () => {
    let provider = await command();
    const first = await provider.create(
      await inputs(provider, { appIds: [apps[0]], apiIds: apis.slice(0, 2) }),
    );
    const wider = { appIds: [apps[0]], apiIds: apis.slice(0, 5) };
    await interrupted(emu, async (p) => p.update(first.id, first.outs, await inputs(p, wider)));
    expect(bound(emu)).toHaveLength(5);

    provider = await command();
    emu.control.resetLog();
    const { outs } = await provider.update(first.id, first.outs, await inputs(provider, wider));
    expect(emu.control.counts().authorize ?? 0).toBeLessThanOrEqual(1);
    expect(pairsOf(outs)).toEqual(bound(emu));
    await (await command()).delete(first.id, outs);
    expect(bound(emu)).toEqual([]);
  });
});
