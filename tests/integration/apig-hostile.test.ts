/**
 * A hostile network and a mixed stack against the gateway split, over HTTP on loopback: each
 * gateway's requests (and the token they carry) go to its own endpoint setting only, and APIG's
 * lost or strange answers are judged on APIG's paths and named by `apig:endpoint`.
 */
import { FAULTS, startEmulator, type Emulator, RELEASE } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import { GATEWAYS, type Gateway } from "../../provider/fields";
import { paths } from "../helpers";
import { silentListener, type Listener } from "./stubs";
import {
  bound,
  checkedInputs,
  configuredProvider,
  emulatorSettings,
  pairsOf,
  product,
} from "../support";

const SETTING: Record<Gateway, string> = { roma: "roma:endpoint", apig: "apig:endpoint" };
const other = (gateway: Gateway): Gateway => (gateway === "roma" ? "apig" : "roma");

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ seed: { apps: 1, apis: 2 } });
});
afterEach(() => emu.close());

const inputs = (provider: AppAuthorizationProvider, gateway: Gateway) =>
  checkedInputs(provider, {
    ...(gateway === "apig" ? { gateway } : {}),
    instanceId: paths(emu, gateway).instanceId,
    envId: RELEASE,
    appIds: [emu.seed.apps[0].id],
    apiIds: emu.seed.apis.map((a) => a.id),
  });

describe.each(GATEWAYS)("a %s resource", (gateway) => {
  let listener: Listener;
  afterEach(() => listener.close());

  it("never reaches the other gateway's endpoint, token and all", async () => {
    // It answers at once, so a request that strays fails fast rather than waiting out a timeout.
    listener = await silentListener("127.0.0.1", "HTTP/1.1 500 Stray\r\nContent-Length: 0\r\n\r\n");
    const provider = await configuredProvider(
      emulatorSettings(emu, {
        [SETTING[gateway]]: emu.url,
        [SETTING[other(gateway)]]: listener.url,
      }),
    );
    const { id, outs } = await provider.create(await inputs(provider, gateway));
    expect(pairsOf(outs)).toStrictEqual(bound(emu));
    await provider.read(id, outs);
    await provider.delete(id, outs);
    expect(bound(emu)).toStrictEqual([]);
    expect(listener.connections()).toBe(0);
  });
});

describe("APIG's strange answers", () => {
  let provider: AppAuthorizationProvider;
  beforeEach(async () => {
    provider = await configuredProvider(
      emulatorSettings(emu, { "apig:endpoint": emu.url, "roma:maxRetries": "0" }),
    );
  });
  const apiRequests = () =>
    emu.control.log().filter((e) => e.route !== "control" && !e.route.startsWith("iam"));

  it("a lost create answer is reconciled by listing on APIG's paths", async () => {
    // A retry is what looks for the lost write.
    provider = await configuredProvider(emulatorSettings(emu, { "apig:endpoint": emu.url }));
    emu.control.setFaults({ next: [{ route: "authorize", count: 1, fault: FAULTS.drop(true) }] });
    const { outs } = await provider.create(await inputs(provider, "apig"));
    const apis = emu.seed.apis.map((a) => a.id);
    expect(pairsOf(outs)).toStrictEqual(product([emu.seed.apps[0].id], apis));
    expect(bound(emu)).toStrictEqual(pairsOf(outs));
    const { list } = paths(emu, "apig");
    expect(apiRequests().some((e) => e.path === list)).toBe(true);
    expect(apiRequests().filter((e) => e.path.includes("/apic/"))).toStrictEqual([]);
  });

  it("a refresh gives back inputs without ROMA Connect's, as check made them (and the place)", async () => {
    const news = await inputs(provider, "apig");
    const { id, outs } = await provider.create(news);
    const { journalKey: _key, ...checked } = news;
    const { region, projectId } = outs as Record<string, unknown>;
    expect((await provider.read(id, outs)).inputs).toStrictEqual({ ...checked, region, projectId });
  });

  it("a redirect on APIG's paths is an error naming apig:endpoint and where it pointed", async () => {
    emu.control.setFaults({
      next: [
        {
          route: "authorize",
          count: 10,
          fault: FAULTS.redirect(302, "https://login.example.com/portal"),
        },
      ],
    });
    const error = await provider.create(await inputs(provider, "apig")).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/apig:endpoint/);
    expect(error?.message).toMatch(/login\.example\.com/);
    expect(bound(emu)).toStrictEqual([]);
  });
});

describe("a ROMA Connect state written before APIG existed", () => {
  // The keys of an AppAuthorization's inputs and outputs before this change: no gateway among them.
  const INPUT_KEYS = [
    "adoptExisting",
    "apiIds",
    "appIds",
    "authBlacklist",
    "authTunnel",
    "authWhitelist",
    "envId",
    "instanceId",
    "visitParams",
  ];
  const OUTPUT_KEYS = [
    ...INPUT_KEYS,
    "authorizations",
    "projectId",
    "region",
    "unconfirmed",
  ].sort();

  it("keeps its keys, has no diff, and refreshes and destroys on ROMA Connect's paths", async () => {
    const provider = await configuredProvider(emulatorSettings(emu, { "apig:endpoint": emu.url }));
    const news = await inputs(provider, "roma");
    expect(Object.keys(news).sort()).toStrictEqual(INPUT_KEYS);
    const { id, outs } = await provider.create(news);
    expect(Object.keys(outs).sort()).toStrictEqual(OUTPUT_KEYS);
    // The state as the engine keeps it: the keys above, read back through a diff and a refresh.
    const stored = JSON.parse(JSON.stringify(outs)) as Record<string, unknown>;
    expect(await provider.diff(id, stored, await inputs(provider, "roma"))).toStrictEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const read = await provider.read(id, stored);
    expect(read.props).toStrictEqual(outs);
    await provider.delete(id, stored);
    expect(bound(emu)).toStrictEqual([]);
    const api = emu.control
      .log()
      .filter((e) => e.route !== "control" && !e.route.startsWith("iam"));
    expect(api.filter((e) => e.path.includes("/apigw/"))).toStrictEqual([]);
  });
});

describe("both classes in one provider process", () => {
  it("share one project discovery, each on its own paths", async () => {
    const settings = emulatorSettings(emu, { "apig:endpoint": emu.url });
    delete settings["roma:projectId"];
    const provider = await configuredProvider(settings);
    for (const gateway of GATEWAYS) {
      const { id, outs } = await provider.create(await inputs(provider, gateway));
      expect((outs as Record<string, unknown>).projectId).toBe(emu.seed.projectId);
      await provider.delete(id, outs);
    }
    const log = emu.control.log();
    expect(log.filter((e) => e.route === "iam.projects")).toHaveLength(1);
    const families = log
      .filter((e) => e.route === "authorize")
      .map((e) => (e.path.includes("/apigw/") ? "apig" : "roma"));
    expect(families).toStrictEqual(["roma", "apig"]);
  });
});
