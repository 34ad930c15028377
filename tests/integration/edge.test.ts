/**
 * The client edge as an attacker and an unlucky user meet it: settings and ids that try to steer a
 * request (and its credential) elsewhere, and operations that must end by roma:operationTimeout
 * whatever they wait on.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import { AppAuthorizationProvider } from "../../provider";
import { budgetOf, type Budget } from "../../provider/http/deadline";
import { AdaptiveLimiter } from "../../provider/http/limiter";
import { RomaTransport as Transport } from "../../provider/roma-api";
import {
  checkedInputs,
  configuredProvider,
  emulatorSettings,
  forgetRuntime,
  recordsOf,
  type Settings,
} from "../support";
import { STUB_INPUTS, silentListener, stubServer, type Listener } from "./stubs";

// `configure` as the host calls it, with this environment.
async function configureWith(
  provider: AppAuthorizationProvider,
  config: Settings,
  env: Record<string, string> = {},
): Promise<void> {
  const saved = process.env;
  process.env = env;
  try {
    await provider.configure({
      config: { get: (key: string) => config[key] },
    } as unknown as dynamic.ConfigureRequest);
  } finally {
    process.env = saved;
  }
}

const inputs = STUB_INPUTS;

const password = {
  "roma:userName": "alice",
  "roma:password": "correct horse battery staple",
  "roma:domainName": "acme",
};

describe("a setting or an id cannot steer a request to another host or path", () => {
  let elsewhere: Listener;
  beforeEach(async () => {
    forgetRuntime();
    // Loopback, but not the address anything else in these tests uses: whatever reaches it was
    // steered there by a region.
    elsewhere = await silentListener("127.0.0.2");
  });
  afterEach(() => elsewhere.close());

  const attack = () => `x@127.0.0.2:${elsewhere.port}/#`;
  const quick = { "roma:operationTimeout": "2", "roma:requestTimeout": "1" };

  it.each([
    ["roma:region", "password login", "config"],
    ["huaweicloud:region", "token", "config"],
    ["HW_REGION_NAME", "password login", "env"],
    ["HW_REGION_NAME", "token", "env"],
  ])(
    "refuses %s pointing at another host (%s), and that host hears nothing",
    async (source, credential, where) => {
      const provider = new AppAuthorizationProvider();
      const creds: Settings =
        credential === "token" ? { "roma:token": "a-token-for-roma-only" } : password;
      const config = { ...quick, ...creds, "roma:projectId": "p1" };
      const region = { [source]: attack() };
      const refusal = await configureWith(
        provider,
        where === "config" ? { ...config, ...region } : config,
        where === "env" ? region : {},
      ).catch((error: Error) => error);
      // Had configure taken the region, this create would log in (or send the token) there.
      await provider.create(inputs).catch(() => undefined);
      expect(elsewhere.connections()).toBe(0);
      expect(String(refusal)).toContain(
        `${source} is "${attack()}": a region is lowercase letters and digits`,
      );
    },
  );

  it("refuses a resource's region from a state file before any request", async () => {
    const provider = await configuredProvider({
      ...quick,
      ...password,
      "roma:region": "cn-north-4",
    });
    const { failures } = await provider.check({}, { ...inputs, region: attack() });
    expect(failures).toContainEqual({
      property: "region",
      reason: expect.stringMatching(/region must be a Huawei Cloud region name/),
    });
    const refusals: unknown[] = [];
    for (const props of [
      { ...inputs, region: attack(), projectId: "p1" },
      { ...inputs, region: attack() },
    ]) {
      refusals.push(await provider.create(props).catch((error: Error) => error));
      refusals.push(
        await provider
          .delete("id", { ...props, authorizations: [{ id: "r1", appId: "a", apiId: "b" }] })
          .catch((error: Error) => error),
      );
    }
    expect(elsewhere.connections()).toBe(0);
    for (const refusal of refusals) {
      expect(String(refusal)).toContain(`The region is "${attack()}": a region is lowercase`);
    }
  });

  it("refuses an endpoint with user info, a query or a fragment rather than cutting it off", async () => {
    for (const endpoint of [
      `https://roma.example.com@127.0.0.2:${elsewhere.port}`,
      "https://roma.example.com/?next=x",
      "https://roma.example.com/#x",
    ]) {
      await expect(
        configureWith(new AppAuthorizationProvider(), { "roma:endpoint": endpoint }),
      ).rejects.toThrow(/roma:endpoint is .*must not carry (user info|a query)/);
    }
  });
});

describe("ids that would rewrite a request path", () => {
  let emu: Emulator;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(() => emu.close());

  it("are refused before any request, from the settings, a state or an answer", async () => {
    await expect(
      configureWith(new AppAuthorizationProvider(), {
        ...emulatorSettings(emu),
        "roma:projectId": "../../v3/projects?name=x",
      }),
    ).rejects.toThrow(/roma:projectId is "..\/..\/v3\/projects\?name=x": an id is 1 to 64/);

    const provider = await configuredProvider(emulatorSettings(emu));
    const news = await checkedInputs(provider, {
      instanceId: emu.seed.instanceId,
      envId: RELEASE,
      appIds: [emu.seed.apps[0].id],
      apiIds: [emu.seed.apis[0].id],
    });
    // A project id and a record id as an edited state file could hold them.
    await expect(
      provider.create({ ...news, projectId: "../../v3/projects?name=x" }),
    ).rejects.toThrow(/cannot be part of a request path.*nothing was sent/);
    const created = await provider.create(news);
    const before = emu.control.log().length;
    const planted = {
      ...created.outs,
      authorizations: [{ ...recordsOf(created.outs)[0], id: "x/../../../v1/other" }],
    };
    await expect(provider.delete(created.id, planted)).rejects.toThrow(
      /"x\/..\/..\/..\/v1\/other" cannot be part of a request path/,
    );
    await expect(
      provider.delete(created.id, {
        ...planted,
        authorizations: [{ ...recordsOf(created.outs)[0], id: ".." }],
      }),
    ).rejects.toThrow(/cannot be part of a request path/);
    expect(emu.control.log().length).toBe(before);
  });

  it("encodes each path segment on its own", async () => {
    const stub = await stubServer((_req, _body, res) => res.writeHead(200).end("{}"));
    try {
      const transport = new Transport({
        limiter: new AdaptiveLimiter(2),
        maxRetries: 0,
        requestTimeoutMs: 5000,
      });
      await transport.send(
        {
          method: "GET",
          baseUrl: `${stub.url}/base%20path/`,
          segments: ["v1", "a b", "100%", "caf\u00e9", "x;y=z"],
          query: [["name", "a&b=c"]],
          doing: "test",
          idempotent: true,
        },
        budgetOf(5000),
      );
      expect(stub.requests.map((r) => r.url)).toEqual([
        "/base%20path/v1/a%20b/100%25/caf%C3%A9/x%3By%3Dz?name=a%26b%3Dc",
      ]);
    } finally {
      await stub.close();
    }
  });
});

describe("every operation ends by roma:operationTimeout", () => {
  let emu: Emulator;
  afterEach(async () => {
    await emu?.close();
  });

  const many = (provider: AppAuthorizationProvider, count: number) =>
    Promise.all(
      emu.seed.apis.slice(0, count).map(async (api) =>
        checkedInputs(provider, {
          instanceId: emu.seed.instanceId,
          envId: RELEASE,
          appIds: [emu.seed.apps[0].id],
          apiIds: [api.id],
        }),
      ),
    );

  it.each([1, 2])(
    "logs in once with a password and a project id at concurrency %i, however many resources wait",
    async (concurrency) => {
      emu = await startEmulator();
      const provider = await configuredProvider(
        emulatorSettings(emu, {
          "roma:token": "",
          "roma:userName": emu.seed.credentials.user.name,
          "roma:password": emu.seed.credentials.user.password,
          "roma:domainName": emu.seed.credentials.user.domainName,
          "roma:maxConcurrency": String(concurrency),
          "roma:operationTimeout": "5",
        }),
      );
      const news = await many(provider, 5);
      const created = await Promise.all(news.map((n) => provider.create(n)));
      expect(emu.control.bindings()).toHaveLength(5);
      expect(emu.control.counts()).toEqual({ "iam.token": 1, authorize: 5 });

      // Token renewal has the same shape: every request's token expires at once.
      emu.control.expireTokens();
      const read = await Promise.all(created.map((c) => provider.read(c.id, c.outs)));
      expect(read.map((r) => r.id)).toEqual(created.map((c) => c.id));
      expect(emu.control.counts()["iam.token"]).toBe(2);
    },
  );

  describe("against a server that never answers", () => {
    let silent: Listener;
    beforeEach(async () => {
      silent = await silentListener();
    });
    afterEach(() => silent.close());

    const settings = (extra: Settings) => ({
      "roma:endpoint": silent.url,
      "roma:authUrl": silent.url,
      "roma:region": "cn-north-4",
      "roma:projectId": "p1",
      "roma:operationTimeout": "1",
      "roma:requestTimeout": "600",
      ...extra,
    });

    it("waiting for an answer", async () => {
      const provider = await configuredProvider(settings({ "roma:token": "t0ken-value" }));
      await expect(provider.create(inputs)).rejects.toThrow(
        `roma:operationTimeout (1 s) passed while waiting for an answer from ${silent.url}.`,
      );
      await expect(
        provider.delete("id", {
          ...inputs,
          authorizations: [{ id: "r1", appId: "app1", apiId: "api1" }],
        }),
      ).rejects.toThrow(
        /1 pair \(app x API\) could not be cancelled:\n.*passed while waiting for an answer from http/,
      );
      expect(silent.received()).toMatch(/^POST \/v2\/p1\/apic\/instances\//);
    });

    it("waiting for the IAM login, which every waiting request shares", async () => {
      const provider = await configuredProvider(
        settings({ ...password, "roma:maxConcurrency": "1" }),
      );
      const outcomes = await Promise.allSettled(
        ["api1", "api2", "api3"].map((api) => provider.create({ ...inputs, apiIds: [api] })),
      );
      for (const outcome of outcomes) {
        expect(outcome.status).toBe("rejected");
        expect(String((outcome as PromiseRejectedResult).reason)).toMatch(
          /roma:operationTimeout \(1 s\) passed while waiting for .*the IAM login/,
        );
      }
      expect(silent.connections()).toBe(1);
      expect(silent.received()).toMatch(/^POST \/v3\/auth\/tokens /);
    });

    it("waiting for a free request slot", async () => {
      const limiter = new AdaptiveLimiter(1);
      const transport = new Transport({
        limiter,
        maxRetries: 5,
        requestTimeoutMs: 600_000,
      });
      const request = (doing: string) => ({
        method: "GET" as const,
        baseUrl: silent.url,
        segments: ["v1", doing],
        doing,
        idempotent: true,
      });
      const holder = new AbortController();
      const holding: Budget = { deadline: Infinity, signal: holder.signal, limitMs: 60_000 };
      const first = transport.send(request("hold-the-slot"), holding);
      const second = transport.send(request("wait-for-a-slot"), budgetOf(200));
      await expect(second).rejects.toThrow(
        "Could not wait-for-a-slot: roma:operationTimeout (0.2 s) passed while waiting for a free request slot (roma:maxConcurrency: 1 requests in flight, limit 1).",
      );
      holder.abort();
      await expect(first).rejects.toThrow(/while waiting for an answer/);
      // The slot the second request gave up was never handed to it: the limiter is free again.
      const slot = await limiter.acquire();
      slot.release("ok");
      expect(limiter.busy).toBe(0);
    });
  });
});

describe("errors that name the setting to fix", () => {
  it("a server that is not ROMA Connect answering 404 names roma:endpoint and its value", async () => {
    const stub = await stubServer((_req, _body, res) =>
      res.writeHead(404, { "Content-Type": "text/html" }).end("<html>Not Found</html>"),
    );
    try {
      const provider = await configuredProvider({
        "roma:endpoint": stub.url,
        "roma:region": "cn-north-4",
        "roma:projectId": "p1",
        "roma:token": "t0ken-value",
      });
      await expect(provider.create(inputs)).rejects.toThrow(
        `(HTTP.404, HTTP 404). The answer has no error code of ROMA Connect or IAM, so the server is likely not the service's API. The URL ${stub.url} comes from roma:endpoint ("${stub.url}"): check it.`,
      );
    } finally {
      await stub.close();
    }
  });

  it("plain HTTP on an https:// URL names the setting and is not retried", async () => {
    // What a plain-HTTP server answers to a TLS hello.
    const plain = await silentListener("127.0.0.1", "HTTP/1.1 400 Bad Request\r\n\r\n");
    try {
      const endpoint = `https://127.0.0.1:${plain.port}/{region}`;
      const provider = await configuredProvider({
        "roma:endpoint": endpoint,
        "roma:region": "cn-north-4",
        "roma:projectId": "p1",
        "roma:token": "t0ken-value",
        "roma:maxRetries": "5",
      });
      const failure = await provider
        .read("id", {
          ...inputs,
          authorizations: [{ id: "r1", appId: "app1", apiId: "api1", authTime: "" }],
        })
        .catch((e: Error) => e.message);
      expect(failure).toMatch(
        /\((EPROTO|ERR_SSL_WRONG_VERSION_NUMBER); no answer from the server\)\. The server at that address does not speak TLS/,
      );
      expect(failure).toContain(
        `comes from roma:endpoint ("${endpoint}") with the region "cn-north-4" (from roma:region): check it.`,
      );
      expect(plain.connections()).toBe(1);
    } finally {
      await plain.close();
    }
  });

  it("an environment's name where its id belongs gets the id's form", async () => {
    const provider = await configuredProvider({
      "roma:region": "cn-north-4",
      "roma:token": "t0ken-value",
    });
    const { failures } = await provider.check({}, { ...inputs, envId: "RELEASE" });
    expect(failures).toEqual([
      {
        property: "envId",
        reason: expect.stringContaining('envId takes its id, "DEFAULT_ENVIRONMENT_RELEASE_ID"'),
      },
    ]);
    const emu = await startEmulator();
    try {
      const onEmulator = await configuredProvider(emulatorSettings(emu));
      const news = await checkedInputs(onEmulator, {
        instanceId: emu.seed.instanceId,
        envId: "TEST",
        appIds: [emu.seed.apps[0].id],
        apiIds: [emu.seed.apis[0].id],
      });
      await expect(onEmulator.create(news)).rejects.toThrow(
        /\(APIG.3003, HTTP 404, .*envId takes an environment's id, not its name: ids look like DEFAULT_ENVIRONMENT_RELEASE_ID .* or 32 hexadecimal characters/,
      );
    } finally {
      await emu.close();
    }
  });
});
