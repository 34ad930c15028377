/**
 * Credentials given as Pulumi config secrets and as environment variables, through the real
 * dynamic-provider host: none may appear in the state (the serialized `__provider` included), the
 * program's outputs, anything the host printed (debug logging on), or any error.
 */
import { FAULTS, startEmulator, type Emulator } from "../../emulator";
import type { RunResult } from "../harness/program-runner";
import { basicConfig, EXAMPLES, emulatorConfig, PROGRAM, Stack } from "../harness/lifecycle";
import { recordsOf } from "../support";

describe("credentials stay out of state, outputs, logs and errors", () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(() => emu.close());

  const where = () => ({
    "roma:endpoint": emu.url,
    "roma:authUrl": emu.url,
    "roma:region": emu.seed.region,
  });

  function expectNoneLeaked(stack: Stack, results: RunResult[], secrets: string[]) {
    const seen = [
      JSON.stringify(stack.state),
      ...results.map((r) => JSON.stringify(r.outputs)),
      ...results.map((r) => r.hostOutput),
      ...results.map((r) => r.error ?? ""),
      ...results.flatMap((r) => r.steps.map((s) => s.error ?? "")),
    ].join("\n");
    for (const secret of secrets) expect(seen).not.toContain(secret);
    return seen;
  }

  it("keeps AK/SK given as config secrets out of everything", async () => {
    const c = emu.seed.credentials;
    const stack = new Stack({
      program: EXAMPLES.basic,
      config: {
        ...where(),
        ...basicConfig(emu),
        "roma:accessKey": { secret: c.accessKey },
        "roma:secretKey": { secret: c.secretKey },
      },
      env: { ROMA_DEBUG: "1" },
    });
    const results = [await stack.up()];
    expect(results[0].error).toBeUndefined();
    expect(stack.state.resources[0].inputs.__provider).toEqual(expect.any(String));
    // A failing run too: an app that does not exist.
    stack.set({ "roma-appauth:appId": "0".repeat(32) });
    results.push(await stack.up());
    expect(results[1].error).toMatch(/APIG.3004/);
    stack.set(basicConfig(emu));
    results.push(await stack.refresh(), await stack.destroy());
    const seen = expectNoneLeaked(stack, results, [c.accessKey, c.secretKey]);
    expect(seen).toContain("[roma] POST"); // the debug log did run
    expect(emu.control.bindings()).toEqual([]);
  });

  it("keeps a password login and a token given as environment variables out of everything", async () => {
    const c = emu.seed.credentials;
    const stack = new Stack({
      program: EXAMPLES.basic,
      config: { ...where(), ...basicConfig(emu) },
      env: {
        ROMA_DEBUG: "1",
        HW_USER_NAME: c.user.name,
        HW_USER_PASSWORD: c.user.password,
        HW_DOMAIN_NAME: c.user.domainName,
      },
    });
    const results = [await stack.up()];
    expect(results[0].error).toBeUndefined();
    expect(emu.control.counts()["iam.token"]).toBe(1);
    // The API echoes the credential in an error: the provider scrubs it.
    const tokenRun = new Stack({
      program: EXAMPLES.basic,
      config: { ...where(), ...basicConfig(emu, 4), "roma:projectId": emu.seed.projectId },
      env: { HW_AUTH_TOKEN: c.token },
    });
    tokenRun.state = stack.state;
    emu.control.setFaults({
      next: [
        {
          route: "authorize",
          count: 1,
          fault: FAULTS.invalidParameter(`invalid token ${c.token}`),
        },
      ],
    });
    results.push(await tokenRun.up());
    expect(results[1].error).toMatch(/invalid token \[redacted\]/);
    results.push(await stack.destroy());
    expectNoneLeaked(stack, results, [c.user.password, c.token]);
    expectNoneLeaked(tokenRun, results, [c.user.password, c.token]);
  });

  it("refuses plain HTTP to a host that is not loopback, saying why", async () => {
    const stack = new Stack({
      program: EXAMPLES.basic,
      config: {
        ...where(),
        ...basicConfig(emu),
        "roma:endpoint": "http://roma.example.com",
        "roma:token": { secret: "t0ken-value" },
      },
    });
    const result = await stack.up();
    expect(result.error).toMatch(
      /roma:endpoint is http:\/\/roma.example.com: plain HTTP is refused for roma.example.com because credentials and signed requests would cross the network unencrypted/,
    );
    expect(emu.control.counts()).toEqual({});
    expectNoneLeaked(stack, [result], ["t0ken-value"]);
  });

  it.each(["appIds", "instanceId"])(
    "refuses a secret %s (the engine would store it in plain text in records and id), before any call",
    async (input) => {
      const args = {
        instanceId: emu.seed.instanceId,
        envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
        appIds: [emu.seed.apps[0].id],
        apiIds: [emu.seed.apis[0].id],
      };
      const stack = new Stack({
        program: PROGRAM,
        config: {
          ...emulatorConfig(emu),
          "roma-appauth:resources": JSON.stringify([{ name: "o", args, secret: [input] }]),
        },
      });
      const result = await stack.up();
      expect(result.error).toContain(
        `AppAuthorization ${input} is a secret, but it would be stored in plain text`,
      );
      expect(stack.state.resources).toEqual([]);
      expect(emu.control.counts()).toEqual({});
    },
  );

  it("marks secret only the outputs named like a secret input, as the engine does", async () => {
    const args = {
      instanceId: emu.seed.instanceId,
      envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
      appIds: [emu.seed.apps[0].id],
      apiIds: [emu.seed.apis[0].id],
      authTunnel: "NORMAL",
    };
    const stack = new Stack({
      program: PROGRAM,
      config: {
        ...emulatorConfig(emu),
        "roma-appauth:resources": JSON.stringify([{ name: "o", args, secret: ["authTunnel"] }]),
      },
    });
    expect((await stack.up()).error).toBeUndefined();
    expect(stack.state.resources[0].secretOutputs).toEqual(["authTunnel"]);
    // The stored records repeat no input (a secret tunnel is not copied into plain records).
    const { outputs } = stack.state.resources[0];
    expect(recordsOf(outputs)).toMatchObject([{ authTunnel: "NORMAL" }]);
    expect(JSON.stringify(outputs.authorizations)).not.toContain("NORMAL");
    await stack.destroy();
  });
});
