/**
 * Bad inputs and partial failures as the engine sees them, through the real dynamic-provider host.
 */
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import { ProviderHost } from "../harness/host";
import {
  basicConfig,
  EXAMPLES,
  emulatorConfig,
  ROOT,
  serializedProvider,
  Stack,
} from "../harness/lifecycle";
import { bound, boundIds, product, recordIds } from "../support";

describe("bad inputs, through the provider host", () => {
  let emu: Emulator;
  let host: ProviderHost;
  let provider: string;

  beforeAll(async () => {
    emu = await startEmulator();
    provider = serializedProvider(ROOT);
    host = await ProviderHost.start({ cwd: ROOT });
    const config = Object.fromEntries(
      Object.entries(emulatorConfig(emu)).map(([k, v]) => [
        k,
        typeof v === "string" ? v : v.secret,
      ]),
    );
    await host.configure(config);
  });
  afterAll(async () => {
    await host.close();
    await emu.close();
  });

  const valid = () => ({
    __provider: provider,
    instanceId: emu.seed.instanceId,
    envId: RELEASE,
    appIds: [emu.seed.apps[0].id],
    apiIds: [emu.seed.apis[0].id, emu.seed.apis[1].id],
  });

  it.each([
    ["empty appIds", { appIds: [] }, "appIds", /appIds must hold at least one app id/],
    ["empty apiIds", { apiIds: [] }, "apiIds", /apiIds must hold at least one API id/],
    [
      "an envId with a space",
      { envId: "RELEASE ENV" },
      "envId",
      /envId must be 1 to 64 characters, each a letter, digit, '-' or '_'/,
    ],
    [
      "an envId of 65 characters",
      { envId: "E".repeat(65) },
      "envId",
      /envId must be 1 to 64 characters/,
    ],
    [
      "a visit_param ending in '-'",
      { visitParams: [{ apiId: "API", visitParam: "tenant-" }] },
      "visitParams[0].visitParam",
      /ending in a letter or digit/,
    ],
    [
      "an overlong visit_param",
      { visitParams: [{ apiId: "API", visitParam: `a,${"b".repeat(256)}` }] },
      "visitParams[0].visitParam",
      /256 characters; each may have at most 255/,
    ],
    [
      "a whitelist without GREEN",
      { authWhitelist: ["10.0.0.1"] },
      "authWhitelist",
      /only applies to the green channel/,
    ],
    [
      "duplicate visit parameters for one API",
      {
        visitParams: [
          { apiId: "API", visitParam: "a" },
          { apiId: "API", visitParam: "b" },
        ],
      },
      "visitParams[1]",
      /a second time/,
    ],
    [
      "a repeated parameter",
      { visitParams: [{ apiId: "API", visitParam: "a,a" }] },
      "visitParams[0].visitParam",
      /repeats the parameter "a"/,
    ],
    [
      "a non-string app id",
      { appIds: [42] },
      "appIds[0]",
      /appIds\[0\] must be a string; got number 42/,
    ],
    [
      "visitParams for an API not in apiIds",
      { visitParams: [{ apiId: "f".repeat(32), visitParam: "a" }] },
      "visitParams[0].apiId",
      /which is not in apiIds/,
    ],
    [
      "an unknown tunnel",
      { authTunnel: "FAST" },
      "authTunnel",
      /authTunnel must be "NORMAL" or "GREEN"/,
    ],
    ["appIds as one string", { appIds: "abc" }, "appIds", /not a single string; write \["abc"\]/],
    [
      "adoptExisting as a string",
      { adoptExisting: "true" },
      "adoptExisting",
      /adoptExisting must be true or false/,
    ],
    [
      "a credential as an input",
      { accessKey: "AK" },
      "accessKey",
      /credentials must never be resource inputs/,
    ],
  ])("%s fails check naming %s", async (_what, change, property, reason) => {
    const news: Record<string, unknown> = { ...valid(), ...change };
    // "API" stands for the resource's first API.
    news.visitParams = (news.visitParams as { apiId: string }[] | undefined)?.map((v) => ({
      ...v,
      apiId: v.apiId === "API" ? emu.seed.apis[0].id : v.apiId,
    }));
    if (news.visitParams === undefined) delete news.visitParams;
    const { failures } = await host.check(
      "urn:pulumi:dev::p::pulumi-nodejs:dynamic/roma:AppAuthorization::x",
      {},
      news,
    );
    expect(failures).toContainEqual({ property, reason: expect.stringMatching(reason) });
  });

  it("made no API call for any of them", () => {
    expect(emu.control.counts()).toEqual({});
  });
});

describe("a partial failure, through the engine", () => {
  it("prints the service's reason; the state keeps what exists; the next up finishes it; destroy leaves nothing", async () => {
    const emu = await startEmulator();
    const stack = new Stack({ program: EXAMPLES.basic, config: {} });
    try {
      const app = emu.seed.apps[0].id;
      const apis = emu.seed.apis.slice(0, 3).map((a) => a.id);
      emu.control.setFaults({
        failingPairs: [{ apiId: apis[1], code: "APIG.9999", message: "System error", times: 1 }],
      });
      stack.set({ ...emulatorConfig(emu), ...basicConfig(emu, 3) });
      const failed = await stack.up();
      // What `pulumi up` prints for the step (the reasons list, go-multierror's format).
      expect(failed.error).toBe(
        `1 error occurred:\n\t* The API answered FAILED: System error (APIG.9999). (1 pair: ${app} x ${apis[1]})\n\n`,
      );
      const [resource] = stack.state.resources;
      expect(resource.initErrors).toHaveLength(1);
      expect(bound(emu)).toEqual(product([app], [apis[0], apis[2]]));
      expect(recordIds(resource.outputs)).toEqual(boundIds(emu));
      emu.control.resetLog();
      const finished = await stack.up();
      expect(finished.error).toBeUndefined();
      expect(finished.steps).toEqual([
        { name: "orders-app", op: "update", added: [`${app}/${apis[1]}`], removed: [] },
      ]);
      expect(emu.control.counts()).toMatchObject({ authorize: 1 });
      expect(emu.control.counts().cancel).toBeUndefined();
      expect(stack.state.resources[0].initErrors).toBeUndefined();
      expect(recordIds(stack.state.resources[0].outputs)).toHaveLength(3);
      expect((await stack.destroy()).error).toBeUndefined();
      expect(emu.control.bindings()).toEqual([]);
    } finally {
      stack.dispose();
      await emu.close();
    }
  });
});
