/**
 * Throttling never fails an operation while the service makes progress: a destroy of a few hundred
 * records succeeds while a quarter of all requests answer 429, even with roma:maxRetries at 1 (the
 * old rule, a fixed count per record, failed such a destroy every time). Also the emulator's tenant
 * throttle, a token bucket on the emulator's clock.
 */
import { FAULTS, ManualClock, startEmulator, type Emulator, RELEASE } from "../../emulator";
import { bound, checkedInputs, configuredProvider, emulatorSettings } from "../support";

/** A provider for `emu` that has created one resource of all its APIs for its first `apps` apps. */
async function createAll(emu: Emulator, settings: Record<string, string> = {}, apps?: number) {
  const provider = await configuredProvider(emulatorSettings(emu, settings));
  const inputs = await checkedInputs(provider, {
    instanceId: emu.seed.instanceId,
    envId: RELEASE,
    appIds: emu.seed.apps.slice(0, apps).map((a) => a.id),
    apiIds: emu.seed.apis.map((a) => a.id),
  });
  return { provider, ...(await provider.create(inputs)) };
}

describe("throttling", () => {
  let emu: Emulator;
  afterEach(() => emu.close());

  it.each([
    ["with Retry-After", 1],
    ["without Retry-After", undefined],
  ])(
    "a destroy of 300 records succeeds while a quarter of requests answer 429 (%s)",
    async (_, retryAfterSeconds) => {
      emu = await startEmulator({ seed: { apps: 2, apis: 150 } });
      const { provider, id, outs } = await createAll(emu, { "roma:maxRetries": "1" });
      expect(bound(emu, RELEASE)).toHaveLength(300);
      emu.control.resetLog();
      emu.control.setFaults({
        seed: 7,
        random: [{ rate: 0.25, fault: { ...FAULTS.throttled(), retryAfterSeconds } }],
      });

      await provider.delete(id, outs);

      expect(bound(emu, RELEASE)).toEqual([]);
      const throttled = emu.control.injected()["429 APIG.0308"] ?? 0;
      const cancels = emu.control.log().filter((e) => e.route === "cancel");
      const answered = cancels.filter((e) => e.status === 204 || e.status === 200);
      // Every record was cancelled exactly once, and the rest of the cancels were throttled.
      expect(answered).toHaveLength(300);
      expect(cancels.filter((e) => e.fault === "429 APIG.0308").length).toBe(cancels.length - 300);
      const requests = Object.values(emu.control.counts()).reduce((a, b) => a + (b ?? 0), 0);
      expect(throttled / requests).toBeGreaterThanOrEqual(0.2);
    },
  );

  it("the emulator's tenant throttle admits R a second after a burst of B, on its own clock", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 10));
    emu = await startEmulator({
      clock,
      faults: { throttle: { perSecond: 10, burst: 3, retryAfterSeconds: 2 } },
    });
    const list = () =>
      fetch(
        `${emu.url}/v2/${emu.seed.projectId}/apic/instances/${emu.seed.instanceId}/app-auths/binded-apis`,
        { headers: { "X-Auth-Token": emu.seed.credentials.token } },
      );
    const statuses = async (n: number) => {
      // 0: admitted (answered by the route, whatever it said); 429: throttled.
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await list()).status === 429 ? 429 : 0);
      return out;
    };
    expect(await statuses(4)).toEqual([0, 0, 0, 429]);
    const refused = await list();
    expect([
      refused.headers.get("retry-after"),
      ((await refused.json()) as { error_code: string }).error_code,
    ]).toEqual(["2", "APIG.0308"]);
    clock.advance(100); // one token
    expect(await statuses(2)).toEqual([0, 429]);
    clock.advance(10_000); // refills to the burst, no more
    expect(await statuses(4)).toEqual([0, 0, 0, 429]);
  });
});

describe("a destroy that failed part-way", () => {
  let emu: Emulator;
  afterEach(() => emu.close());

  it("is finished by a retry that cancels only what may still exist", async () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    emu = await startEmulator({ clock, seed: { apps: 3, apis: 1000 } });
    const { provider, id, outs } = await createAll(emu);
    expect(bound(emu, RELEASE)).toHaveLength(3000);
    // Past the consistency timeout (1 s in these settings): a listing's absence now counts.
    clock.advance(5000);
    // Two cancels are refused for good (a 400 is never retried).
    emu.control.setFaults({
      next: [{ route: "cancel", count: 2, fault: FAULTS.invalidParameter() }],
    });
    await expect(provider.delete(id, outs)).rejects.toThrow(/2 .*cancel/i);
    expect(bound(emu, RELEASE)).toHaveLength(2);

    // Pulumi keeps the resource with every record; the next destroy gets the same properties.
    emu.control.resetLog();
    await provider.delete(id, outs);
    expect(bound(emu, RELEASE)).toEqual([]);
    expect(emu.control.counts().cancel).toBe(2);
    // One page per app: the listing shows only what is left.
    expect(emu.control.counts().list).toBe(3);
  });

  it("still cancels records too recent for a listing's absence to count", async () => {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    emu = await startEmulator({ clock, seed: { apps: 1, apis: 20 } });
    const { provider, id, outs } = await createAll(emu, {}, 1);
    emu.control.setFaults({
      next: [{ route: "cancel", count: 2, fault: FAULTS.invalidParameter() }],
    });
    await expect(provider.delete(id, outs)).rejects.toThrow(/cancel/i);
    emu.control.resetLog();
    // Server time has not moved: every record is within the consistency timeout, so a listing
    // that lacks one may only be lagging, and every record is cancelled again.
    await provider.delete(id, outs);
    expect(bound(emu, RELEASE)).toEqual([]);
    expect(emu.control.counts().cancel).toBe(20);
  });
});
