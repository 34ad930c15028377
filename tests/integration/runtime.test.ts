/**
 * provider/runtime.ts in this process, fast enough for mutation testing: where the process keeps
 * its runtime, what `target` resolves and the messages it fails with, and the two process-wide
 * caches (IAM tokens by scope, project ids by region): one request per key however many resources
 * wait, each resource bounded by its own deadline, and a failure forgotten so the next one tries
 * again. The lifecycle tests reach the same code through the provider, too slowly to run per mutant.
 */
import type { ServerResponse } from "node:http";
import { FAULTS, startEmulator, type Emulator, type EmulatorOptions } from "../../emulator";
import { budgetOf, type Budget } from "../../provider/http/deadline";
import type { Authenticator, PreparedRequest } from "../../provider/http/transport";
import { configureRuntime, processRuntime } from "../../provider/runtime";
import { resolveSettings } from "../../provider/settings";
import { emulatorSettings, forgetRuntime, RUNTIME_KEY, type Settings } from "../support";
import { STUB_INPUTS, stubServer, writeAnswer, type StubServer } from "./stubs";

const slot = globalThis as unknown as Record<string, unknown>;

// Where a resource's records live, without a region or project of its own.
const WHERE = { instanceId: STUB_INPUTS.instanceId, envId: STUB_INPUTS.envId };

// A second project, named like a second region, for the emulator's IAM.
const SOUTH = { id: "5".repeat(32), name: "cn-south-1" };

const PASSWORD = {
  "roma:userName": "alice",
  "roma:password": "correct horse battery staple",
  "roma:domainName": "acme",
};

// The runtime `configure` installs for these settings, with no environment.
function runtimeWith(settings: Settings) {
  return configureRuntime(resolveSettings({ get: (key) => settings[key] }, {}));
}

// The X-Auth-Token an authenticator puts on a request: the token a password login got.
async function tokenOf(auth: Authenticator, budget: Budget): Promise<string> {
  const request = { headers: {} } as PreparedRequest;
  (await auth.credential(budget)).apply(request);
  return request.headers["X-Auth-Token"];
}

// A budget whose deadline the test passes by hand, once what it waits for has started: no race
// between the clock and a request on a loaded machine.
function manualBudget(limitMs: number): { budget: Budget; expire(): void } {
  const controller = new AbortController();
  return {
    budget: { deadline: Infinity, signal: controller.signal, limitMs },
    expire: () => controller.abort(),
  };
}

// The method and URL of each request a stub received, in order.
const seen = (stub: StubServer) => stub.requests.map((r) => `${r.method} ${r.url}`);

// The project scope of each login a stub received, in order.
const loginScopes = (stub: StubServer) =>
  stub.requests
    .filter((r) => r.method === "POST")
    .map((r) => (JSON.parse(r.body) as { auth: { scope: unknown } }).auth.scope);

/**
 * A stub IAM whose requests wait until the test answers them (a slow IAM, on the test's cue), but
 * those `atOnce` answers itself.
 */
async function heldServer(atOnce: (body: string, res: ServerResponse) => boolean = () => false) {
  const waiting: ServerResponse[] = [];
  let arrived = () => {};
  const stub = await stubServer((_req, body, res) => {
    if (atOnce(body, res)) return;
    waiting.push(res);
    arrived();
  });
  return {
    stub,
    /** The answer to the `n`th held request (from 0), once that request has arrived. */
    async held(n: number): Promise<ServerResponse> {
      while (waiting.length <= n) await new Promise<void>((resolve) => (arrived = resolve));
      return waiting[n];
    },
  };
}

// The emulator of the test that started one.
let emulator: Emulator | undefined;
async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator(options);
  return emulator;
}

afterEach(async () => {
  // The next test's runtime is the next process's.
  forgetRuntime();
  await emulator?.close();
  emulator = undefined;
});

describe("the process's runtime", () => {
  const settings = { "roma:region": "cn-north-4", "roma:token": "t0ken-one" };

  it("is kept under its versioned global key, where every copy of the module finds it", () => {
    const runtime = runtimeWith(settings);
    expect(slot[RUNTIME_KEY]).toBe(runtime);
    expect(processRuntime()).toBe(runtime);
  });

  it("survives a configure with the same settings (and its caches with it), not a changed secret", () => {
    const runtime = runtimeWith(settings);
    expect(runtimeWith({ ...settings })).toBe(runtime);
    // Secret hides itself from JSON: a fingerprint that did not reveal it would miss this change.
    const changed = runtimeWith({ ...settings, "roma:token": "t0ken-two" });
    expect(changed).not.toBe(runtime);
    expect(slot[RUNTIME_KEY]).toBe(changed);
    expect(processRuntime()).toBe(changed);
  });

  it("without configure, comes from the environment alone, once", () => {
    const saved = process.env;
    process.env = { HW_REGION_NAME: "cn-south-1", HW_AUTH_TOKEN: "t0ken-env" };
    try {
      const runtime = processRuntime();
      expect(runtime.settings.region).toBe("cn-south-1");
      expect(slot[RUNTIME_KEY]).toBe(runtime);
      expect(processRuntime()).toBe(runtime);
    } finally {
      process.env = saved;
    }
  });
});

describe("target", () => {
  it("without a region anywhere, says where to give one", async () => {
    const runtime = runtimeWith({ "roma:token": "t0ken-value", "roma:projectId": "p1" });
    await expect(runtime.target(WHERE, runtime.budget())).rejects.toThrow(
      new Error(
        "No region: give the resource a region, or set roma:region / huaweicloud:region / HW_REGION_NAME.",
      ),
    );
  });

  it("takes the resource's region and project over the settings', and ROMA Connect by default", async () => {
    const runtime = runtimeWith({
      "roma:region": "cn-north-4",
      "roma:projectId": "p1",
      "roma:token": "t0ken-value",
    });
    const target = await runtime.target(
      { ...WHERE, region: "cn-south-1", projectId: "p2" },
      runtime.budget(),
    );
    expect(target).toStrictEqual({
      gateway: "roma",
      region: "cn-south-1",
      projectId: "p2",
      instanceId: WHERE.instanceId,
      envId: WHERE.envId,
      endpoint: "https://roma.cn-south-1.myhuaweicloud.com",
      auth: expect.any(Object),
    });
  });

  it("names where a URL's region came from: the settings' source, or the resource's own region", async () => {
    const stub = await stubServer((_req, _body, res) =>
      res.writeHead(404, { "Content-Type": "text/html" }).end("<html>Not Found</html>"),
    );
    try {
      const authUrl = `${stub.url}/{region}`;
      const runtime = runtimeWith({
        "roma:authUrl": authUrl,
        "roma:region": "cn-north-4",
        "roma:token": "t0ken-value",
        "roma:maxRetries": "0",
      });
      const failure = (region?: string) =>
        runtime.target({ ...WHERE, region }, runtime.budget()).catch((e: Error) => e.message);
      expect(await failure()).toBe(
        `Could not look up the project of region cn-north-4 in IAM: <html>Not Found</html> (HTTP.404, HTTP 404). The answer has no error code of ROMA Connect or IAM, so the server is likely not the service's API. The URL ${stub.url}/cn-north-4 comes from roma:authUrl ("${authUrl}") with the region "cn-north-4" (from roma:region): check it.`,
      );
      // Another region than the settings' is the resource's own, whatever roma:region says.
      expect(await failure("cn-south-1")).toBe(
        `Could not look up the project of region cn-south-1 in IAM: <html>Not Found</html> (HTTP.404, HTTP 404). The answer has no error code of ROMA Connect or IAM, so the server is likely not the service's API. The URL ${stub.url}/cn-south-1 comes from roma:authUrl ("${authUrl}") with the region "cn-south-1" (from the resource's region input): check it.`,
      );
    } finally {
      await stub.close();
    }
  });
});

describe("the project id of a region", () => {
  it("is looked up once per region, however many resources ask, and each region on its own", async () => {
    const emu = await start({ extraProjects: [SOUTH] });
    const runtime = runtimeWith(emulatorSettings(emu, { "roma:projectId": "" }));
    const projectOf = async (region: string) =>
      (await runtime.target({ ...WHERE, region }, runtime.budget())).projectId;
    expect(
      await Promise.all(["cn-north-4", "cn-south-1", "cn-north-4"].map(projectOf)),
    ).toStrictEqual([emu.seed.projectId, SOUTH.id, emu.seed.projectId]);
    expect(await projectOf("cn-south-1")).toBe(SOUTH.id);
    expect(emu.control.counts()).toStrictEqual({ "iam.projects": 2 });
  });

  it("is not kept when the lookup failed: the next resource asks again", async () => {
    const emu = await start({
      faults: { next: [{ route: "iam.projects", count: 1, fault: FAULTS.systemError() }] },
    });
    const runtime = runtimeWith(
      emulatorSettings(emu, { "roma:projectId": "", "roma:maxRetries": "0" }),
    );
    await expect(runtime.target(WHERE, runtime.budget())).rejects.toThrow(
      /^Could not look up the project of region cn-north-4 in IAM: System error \(APIG\.9999, HTTP 500, request [0-9a-f]{32}\)\. Gave up after 1 attempt\.$/,
    );
    expect((await runtime.target(WHERE, runtime.budget())).projectId).toBe(emu.seed.projectId);
    expect(emu.control.counts()).toStrictEqual({ "iam.projects": 2 });
  });

  it("bounds each resource by its own deadline, while the one lookup goes on for the next", async () => {
    const iam = await heldServer();
    try {
      const runtime = runtimeWith({
        "roma:authUrl": iam.stub.url,
        "roma:region": "cn-north-4",
        "roma:token": "t0ken-value",
      });
      const first = manualBudget(250);
      const impatient = runtime.target(WHERE, first.budget);
      const lookup = await iam.held(0);
      first.expire();
      await expect(impatient).rejects.toThrow(
        new Error(
          "Could not find the project of region cn-north-4: roma:operationTimeout (0.25 s) passed while waiting for the project id from IAM.",
        ),
      );
      const patient = runtime.target(WHERE, runtime.budget());
      writeAnswer(lookup, { status: 200, body: { projects: [{ id: "p1", name: "cn-north-4" }] } });
      expect((await patient).projectId).toBe("p1");
      expect(seen(iam.stub)).toStrictEqual(["GET /v3/projects?name=cn-north-4"]);
    } finally {
      await iam.stub.close();
    }
  });
});

describe("the IAM token of a password login", () => {
  const passwordOf = (emu: Emulator): Settings => ({
    "roma:token": "",
    "roma:userName": emu.seed.credentials.user.name,
    "roma:password": emu.seed.credentials.user.password,
    "roma:domainName": emu.seed.credentials.user.domainName,
  });

  it("logs in once: the login that found the project also serves requests scoped by its id", async () => {
    const emu = await start();
    const runtime = runtimeWith(
      emulatorSettings(emu, { ...passwordOf(emu), "roma:projectId": "" }),
    );
    const found = await runtime.target(WHERE, runtime.budget());
    expect(found.projectId).toBe(emu.seed.projectId);
    // A later resource whose state names the project.
    const byId = await runtime.target(
      { ...WHERE, projectId: emu.seed.projectId },
      runtime.budget(),
    );
    const tokens = [
      await tokenOf(found.auth, runtime.budget()),
      await tokenOf(byId.auth, runtime.budget()),
    ];
    expect(tokens[1]).toBe(tokens[0]);
    expect(emu.control.counts()).toStrictEqual({ "iam.token": 1 });
  });

  it("keeps one token per scope: two regions' logins never share one", async () => {
    const emu = await start({ extraProjects: [SOUTH] });
    const runtime = runtimeWith(
      emulatorSettings(emu, { ...passwordOf(emu), "roma:projectId": "" }),
    );
    const [north, south] = await Promise.all(
      ["cn-north-4", "cn-south-1"].map((region) =>
        runtime.target({ ...WHERE, region }, runtime.budget()),
      ),
    );
    expect([north.projectId, south.projectId]).toStrictEqual([emu.seed.projectId, SOUTH.id]);
    const tokens = new Set([
      await tokenOf(north.auth, runtime.budget()),
      await tokenOf(south.auth, runtime.budget()),
    ]);
    expect(tokens.size).toBe(2);
    expect(emu.control.counts()).toStrictEqual({ "iam.token": 2 });
  });

  it("is not kept when the login failed: the next request logs in again", async () => {
    const emu = await start({
      faults: { next: [{ route: "iam.token", count: 1, fault: FAULTS.systemError() }] },
    });
    const runtime = runtimeWith(
      emulatorSettings(emu, { ...passwordOf(emu), "roma:maxRetries": "0" }),
    );
    const target = await runtime.target(WHERE, runtime.budget());
    const user = emu.seed.credentials.user;
    await expect(tokenOf(target.auth, runtime.budget())).rejects.toThrow(
      new RegExp(
        `^Could not log in to IAM as ${user.name} \\(domain ${user.domainName}\\): System error \\(APIG\\.9999, HTTP 500, request [0-9a-f]{32}\\)\\. Gave up after 1 attempt\\.$`,
      ),
    );
    expect(await tokenOf(target.auth, runtime.budget())).toMatch(/./);
    expect(emu.control.counts()).toStrictEqual({ "iam.token": 2 });
  });

  it("bounds each request by its own deadline, while the one login goes on for the next", async () => {
    const iam = await heldServer();
    try {
      const runtime = runtimeWith({
        ...PASSWORD,
        "roma:authUrl": iam.stub.url,
        "roma:region": "cn-north-4",
        "roma:projectId": "p1",
      });
      // The project is the settings': nothing asks IAM until a request needs the token.
      const target = await runtime.target(WHERE, runtime.budget());
      expect(seen(iam.stub)).toStrictEqual([]);
      const first = manualBudget(250);
      const impatient = target.auth.credential(first.budget);
      const login = await iam.held(0);
      first.expire();
      await expect(impatient).rejects.toThrow(
        new Error(
          "Could not log in to IAM as alice (domain acme): roma:operationTimeout (0.25 s) passed while waiting for the IAM login.",
        ),
      );
      const patient = tokenOf(target.auth, runtime.budget());
      writeAnswer(login, {
        status: 201,
        body: { token: { project: { id: "p1" } } },
        headers: { "X-Subject-Token": "tok-1" },
      });
      expect(await patient).toBe("tok-1");
      expect(seen(iam.stub)).toStrictEqual(["POST /v3/auth/tokens"]);
      expect(loginScopes(iam.stub)).toStrictEqual([{ project: { id: "p1" } }]);
    } finally {
      await iam.stub.close();
    }
  });

  it("logs in again by id when IAM's login named no project, and keeps no token under a missing id", async () => {
    const iam = await stubServer((req, _body, res) =>
      req.method === "POST"
        ? writeAnswer(res, {
            status: 201,
            body: { token: {} },
            headers: { "X-Subject-Token": `tok-${iam.requests.length}` },
          })
        : writeAnswer(res, { status: 200, body: { projects: [{ id: "p1", name: "cn-north-4" }] } }),
    );
    try {
      const runtime = runtimeWith({
        ...PASSWORD,
        "roma:authUrl": iam.url,
        "roma:region": "cn-north-4",
      });
      const found = await runtime.target(WHERE, runtime.budget());
      expect(found.projectId).toBe("p1");
      expect(await tokenOf(found.auth, runtime.budget())).toBe("tok-3");
      // The id a careless cache key would write for a login that named no project.
      const odd = await runtime.target({ ...WHERE, projectId: "undefined" }, runtime.budget());
      expect(await tokenOf(odd.auth, runtime.budget())).toBe("tok-4");
      expect(seen(iam)).toStrictEqual([
        "POST /v3/auth/tokens",
        "GET /v3/projects?name=cn-north-4",
        "POST /v3/auth/tokens",
        "POST /v3/auth/tokens",
      ]);
      expect(loginScopes(iam)).toStrictEqual([
        { project: { name: "cn-north-4" } },
        { project: { id: "p1" } },
        { project: { id: "undefined" } },
      ]);
    } finally {
      await iam.close();
    }
  });

  it("a failed login leaves alone the token another login put under its scope meanwhile", async () => {
    // Logins scoped by id wait for the test; the one scoped by the region's name is answered at once.
    const iam = await heldServer((body, res) => {
      if (body.includes('"id":"p1"')) return false;
      writeAnswer(res, {
        status: 201,
        body: { token: { project: { id: "p1" } } },
        headers: { "X-Subject-Token": "by-name" },
      });
      return true;
    });
    try {
      const runtime = runtimeWith({
        ...PASSWORD,
        "roma:authUrl": iam.stub.url,
        "roma:region": "cn-north-4",
        "roma:maxRetries": "0",
      });
      const byId = await runtime.target({ ...WHERE, projectId: "p1" }, runtime.budget());
      const failing = tokenOf(byId.auth, runtime.budget()).catch((e: Error) => e.message);
      const idLogin = await iam.held(0);
      // Meanwhile a resource without a project logs in by name, and the token names p1. A deadline
      // far beyond a loopback answer: were the two logins one, this would wait for the held one.
      const discovering = runtime.target(WHERE, budgetOf(5000));
      expect((await discovering).projectId).toBe("p1");
      writeAnswer(idLogin, {
        status: 401,
        body: {
          error: {
            code: "401",
            message: "The username or password is wrong.",
            title: "Unauthorized",
          },
        },
      });
      expect(await failing).toBe(
        "Could not log in to IAM as alice (domain acme): The username or password is wrong. (IAM.401, HTTP 401).",
      );
      // The token of the login by name still serves p1: no third login (which would be held).
      const next = await Promise.race([
        tokenOf(byId.auth, runtime.budget()),
        iam.held(1).then(() => "another login"),
      ]);
      expect(next).toBe("by-name");
      expect(loginScopes(iam.stub)).toStrictEqual([
        { project: { id: "p1" } },
        { project: { name: "cn-north-4" } },
      ]);
    } finally {
      await iam.stub.close();
    }
  });
});
