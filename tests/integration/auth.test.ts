/**
 * Authentication as Huawei Cloud users expect it, against the emulator's signature check and IAM
 * endpoints: AK/SK (and temporary credentials), password login with a process-wide token cache,
 * renewal, project discovery, and the errors users meet while setting up.
 */
import {
  FAULTS,
  ManualClock,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  RELEASE,
} from "../../emulator";
import { fakeDateOnly } from "../helpers";
import { checkedInputs, configuredProvider, emulatorSettings, type Settings } from "../support";

describe("authentication", () => {
  let emu: Emulator;
  const start = async (options: EmulatorOptions = {}) => {
    emu = await startEmulator(options);
  };
  afterEach(() => emu.close());

  // Settings without the token: each test adds the credential it is about.
  const settings = (extra: Settings) => emulatorSettings(emu, { "roma:token": "", ...extra });
  const akSk = () => ({
    "roma:accessKey": emu.seed.credentials.accessKey,
    "roma:secretKey": emu.seed.credentials.secretKey,
  });
  const password = () => ({
    "roma:userName": emu.seed.credentials.user.name,
    "roma:password": emu.seed.credentials.user.password,
    "roma:domainName": emu.seed.credentials.user.domainName,
  });

  async function lifecycle(extra: Settings, apiIndex = 0) {
    const provider = await configuredProvider(settings(extra));
    const news = await checkedInputs(provider, {
      instanceId: emu.seed.instanceId,
      envId: RELEASE,
      appIds: [emu.seed.apps[0].id],
      apiIds: [emu.seed.apis[apiIndex].id],
    });
    const created = await provider.create(news);
    const read = await provider.read(created.id, created.outs);
    return { provider, created, read };
  }

  it("signs every request with AK/SK", async () => {
    await start();
    const { provider, created, read } = await lifecycle(akSk());
    expect(read.id).toBe(created.id);
    expect(emu.control.bindings()).toHaveLength(1);
    await provider.delete(created.id, created.outs);
    expect(emu.control.bindings()).toHaveLength(0);
    expect(emu.control.log().every((e) => e.status !== 401)).toBe(true);
  });

  it("sends and signs the security token of temporary credentials", async () => {
    await start();
    const t = () => emu.seed.credentials.temporary;
    await lifecycle({
      "roma:accessKey": t().accessKey,
      "roma:secretKey": t().secretKey,
      "roma:securityToken": t().securityToken,
    });
    expect(emu.control.bindings()).toHaveLength(1);
    await expect(
      lifecycle({ "roma:accessKey": t().accessKey, "roma:secretKey": t().secretKey }, 1),
    ).rejects.toThrow(
      /only with the security token issued with them: set roma:securityToken \/ huaweicloud:securityToken \/ HW_SECURITY_TOKEN/,
    );
  });

  it("says a rejected signature may be a wrong key or clock skew, and shows the skew", async () => {
    await start();
    await expect(lifecycle({ ...akSk(), "roma:secretKey": "not-the-secret-key" })).rejects.toThrow(
      /verify aksk signature fail \(APIG.0301, HTTP 401, request [0-9a-f]+\)\. The request signature was rejected: check the access key and secret key, and this machine's clock/,
    );
    emu.control.setClockSkew(20 * 60000);
    await expect(lifecycle(akSk())).rejects.toThrow(
      /This machine's clock is (1199|1200) s behind the server's/,
    );
  });

  it("logs in once for many resources with a password, and finds the project in the token", async () => {
    await start();
    const provider = await configuredProvider(settings({ ...password(), "roma:projectId": "" }));
    await Promise.all(
      emu.seed.apis.slice(0, 6).map(async (api) =>
        provider.create(
          await checkedInputs(provider, {
            instanceId: emu.seed.instanceId,
            envId: RELEASE,
            appIds: [emu.seed.apps[0].id],
            apiIds: [api.id],
          }),
        ),
      ),
    );
    expect(emu.control.bindings()).toHaveLength(6);
    expect(emu.control.counts()).toEqual({ "iam.token": 1, authorize: 6 });
  });

  it("renews the IAM token at 90% of its lifetime, before it expires", async () => {
    // The provider judges renewal by this machine's clock: freeze it (and the emulator's, which
    // reads it too), so the test, not the machine's load, decides when the renewal point passes.
    fakeDateOnly();
    try {
      await renews();
    } finally {
      jest.useRealTimers();
    }
  });

  async function renews() {
    await start({ tokenTtlMs: 1500 });
    const provider = await configuredProvider(settings(password()));
    const create = async (api: number) =>
      provider.create(
        await checkedInputs(provider, {
          instanceId: emu.seed.instanceId,
          envId: RELEASE,
          appIds: [emu.seed.apps[0].id],
          apiIds: [emu.seed.apis[api].id],
        }),
      );
    const issued = Date.now();
    await create(0);
    jest.setSystemTime(issued + 1349);
    await create(1);
    expect(emu.control.counts()["iam.token"]).toBe(1);
    jest.setSystemTime(issued + 1350);
    await create(2);
    expect(emu.control.counts()["iam.token"]).toBe(2);
    expect(emu.control.log().filter((e) => e.status === 401)).toEqual([]);
  }

  it("renews once when the API says the token expired (401 APIG.1001)", async () => {
    await start();
    const { provider, created } = await lifecycle(password());
    emu.control.expireTokens();
    const read = await provider.read(created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect(emu.control.counts()["iam.token"]).toBe(2);
    expect(
      emu.control
        .log()
        .map((e) => e.code)
        .filter(Boolean),
    ).toEqual(["APIG.1001"]);
  });

  it("finds the project of the region through IAM once, for a token or AK/SK", async () => {
    await start();
    const provider = await configuredProvider(settings({ ...akSk(), "roma:projectId": "" }));
    const news = (api: number) =>
      checkedInputs(provider, {
        instanceId: emu.seed.instanceId,
        envId: RELEASE,
        appIds: [emu.seed.apps[0].id],
        apiIds: [emu.seed.apis[api].id],
      });
    const first = await provider.create(await news(0));
    await provider.create(await news(1));
    expect(first.outs.projectId).toBe(emu.seed.projectId);
    expect(emu.control.counts()).toEqual({ "iam.projects": 1, authorize: 2 });
  });

  it("names the region when IAM has no project, or several, of that name", async () => {
    await start({ extraProjects: [{ id: "f".repeat(32), name: "cn-north-4" }] });
    await expect(
      lifecycle({ "roma:token": emu.seed.credentials.token, "roma:projectId": "" }),
    ).rejects.toThrow(/IAM has 2 projects named cn-north-4: set the project id to use/);
    await expect(
      lifecycle({
        "roma:token": emu.seed.credentials.token,
        "roma:projectId": "",
        "roma:region": "xx-nowhere-1",
      }),
    ).rejects.toThrow(/IAM has no project named xx-nowhere-1: check the region/);
  });

  it("without any credential, says every way to give one, before any request", async () => {
    await start();
    const failure = lifecycle({});
    await expect(failure).rejects.toThrow(/No Huawei Cloud credentials are set/);
    await expect(failure).rejects.toThrow(
      /roma:accessKey \/ huaweicloud:accessKey \/ HW_ACCESS_KEY \/ HUAWEICLOUD_SDK_AK/,
    );
    expect(emu.control.counts()).toEqual({});
  });

  it("says when a token has expired, and when a credential may only read", async () => {
    const clock = new ManualClock(Date.now());
    await start({ tokenTtlMs: 1, clock });
    const issued = await fetch(`${emu.url}/v3/auth/tokens`, {
      method: "POST",
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ["password"],
            password: {
              user: {
                name: emu.seed.credentials.user.name,
                password: emu.seed.credentials.user.password,
                domain: { name: emu.seed.credentials.user.domainName },
              },
            },
          },
          scope: { project: { name: emu.seed.region } },
        },
      }),
    });
    const expired = issued.headers.get("x-subject-token")!;
    clock.advance(1);
    await expect(lifecycle({ "roma:token": expired })).rejects.toThrow(
      /APIG.1001, HTTP 401.*The token has expired: get a new one/,
    );
    await expect(lifecycle({ "roma:token": emu.seed.credentials.readOnlyToken })).rejects.toThrow(
      /No permissions to request this method \(APIG.1005, HTTP 403.*needs write permission/,
    );
  });

  it("passes on an IAM policy denial's encoded_authorization_message, with how to decode it", async () => {
    await start();
    const denied = lifecycle({ "roma:token": emu.seed.credentials.readOnlyToken });
    const message = await denied.then(
      () => "",
      (e: Error) => e.message,
    );
    const encoded =
      /decode-authorization-message API \(or give it to your IAM administrator\): ([A-Za-z0-9+/=]+)/.exec(
        message,
      )?.[1];
    expect(JSON.parse(Buffer.from(encoded!, "base64").toString("utf8"))).toMatchObject({
      decision: "deny",
    });
  });

  it("scrubs a credential the API echoes in an error message", async () => {
    await start();
    const token = emu.seed.credentials.token;
    emu.control.setFaults({
      next: [{ count: 1, fault: FAULTS.invalidParameter(`bad request from token ${token}`) }],
    });
    const failure = lifecycle({ "roma:token": token });
    await expect(failure).rejects.toThrow(/bad request from token \[redacted\]/);
    await expect(failure).rejects.not.toThrow(token);
  });
});
