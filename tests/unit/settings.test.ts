import { inspect } from "node:util";
import { budgetOf } from "../../provider/http/deadline";
import { ProcessRuntime } from "../../provider/runtime";
import {
  ENDPOINT_SETTINGS,
  forRegion,
  isLoopback,
  missingCredentialsMessage,
  resolveSettings,
  SettingsError,
  urlOrigin,
  type ProviderSettings,
} from "../../provider/settings";

const config = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
const none = config({});

describe("settings", () => {
  it("has defaults for everything but credentials, region and project", () => {
    const s = resolveSettings(none, {});
    expect(s).toMatchObject({
      endpoint: "https://roma.{region}.myhuaweicloud.com",
      authUrl: "https://iam.{region}.myhuaweicloud.com",
      credentials: { kind: "none" },
      maxRetries: 5,
      maxConcurrency: 10,
      batchSize: 200,
      requestTimeoutMs: 30000,
      operationTimeoutMs: 1200000,
    });
    expect(s.region).toBeUndefined();
  });

  it("takes the first found: roma: config, then huaweicloud: config, then the environment", () => {
    expect(
      resolveSettings(config({ "roma:region": "a-b-1", "huaweicloud:region": "c-d-2" }), {
        HW_REGION_NAME: "e-f-3",
      }).region,
    ).toBe("a-b-1");
    expect(
      resolveSettings(config({ "huaweicloud:region": "c-d-2" }), { HW_REGION_NAME: "e-f-3" })
        .region,
    ).toBe("c-d-2");
    expect(resolveSettings(none, { HW_REGION_NAME: "e-f-3" }).region).toBe("e-f-3");
    expect(resolveSettings(none, { HUAWEICLOUD_SDK_PROJECT_ID: "p" }).projectId).toBe("p");
    expect(
      resolveSettings(none, { HW_PROJECT_ID: "q", HUAWEICLOUD_SDK_PROJECT_ID: "p" }).projectId,
    ).toBe("q");
  });

  it("chooses credentials in a fixed order: token, then AK/SK, then password", () => {
    const all = {
      HW_AUTH_TOKEN: "t",
      HW_ACCESS_KEY: "ak",
      HW_SECRET_KEY: "sk",
      HW_USER_NAME: "u",
      HW_USER_PASSWORD: "pw",
      HW_DOMAIN_NAME: "d",
    };
    expect(resolveSettings(none, all).credentials.kind).toBe("token");
    const { HW_AUTH_TOKEN: _t, ...noToken } = all;
    expect(resolveSettings(none, noToken).credentials.kind).toBe("aksk");
    const { HW_ACCESS_KEY: _a, HW_SECRET_KEY: _s, ...password } = noToken;
    expect(resolveSettings(none, password).credentials).toMatchObject({
      kind: "password",
      userName: "u",
      domainName: "d",
    });
    const sdk = resolveSettings(none, {
      HUAWEICLOUD_SDK_AK: "ak2",
      HUAWEICLOUD_SDK_SK: "sk2",
      HUAWEICLOUD_SDK_SECURITY_TOKEN: "sts",
    });
    expect(sdk.credentials.kind === "aksk" && sdk.credentials.securityToken?.reveal()).toBe("sts");
  });

  it("never shows a credential when printed or serialized", () => {
    const s = resolveSettings(
      config({ "roma:accessKey": "AKVISIBLE", "roma:secretKey": "SKVISIBLE" }),
      {},
    );
    const shown = `${JSON.stringify(s)} ${inspect(s, { depth: 9 })} ${String(s.credentials.kind === "aksk" && s.credentials.secretKey)}`;
    expect(shown).not.toMatch(/AKVISIBLE|SKVISIBLE/);
    expect(shown).toContain("[redacted]");
  });

  it.each([
    [
      { HW_ACCESS_KEY: "ak" },
      /An access key is set \(HW_ACCESS_KEY\) but no secret key: set roma:secretKey/,
    ],
    [
      { HW_SECRET_KEY: "sk" },
      /A secret key is set \(HW_SECRET_KEY\) but no access key: set roma:accessKey/,
    ],
    [
      { HW_USER_NAME: "u" },
      /password login needs a user name, a password and a domain name; missing: roma:password \/ HW_USER_PASSWORD; roma:domainName/,
    ],
    [
      { HW_MAX_RETRIES: "lots" },
      /HW_MAX_RETRIES is "lots"; it must be a whole number from 0 to 20/,
    ],
    [{ ROMA_MAX_CONCURRENCY: "0" }, /from 1 to 64/],
    [{ ROMA_ENDPOINT: "not a url" }, /not a URL/],
    [
      { ROMA_ENDPOINT: "http://roma.example.com" },
      /plain HTTP is refused for roma.example.com because credentials and signed requests would cross the network unencrypted/,
    ],
    [{ HW_AUTH_URL: "http://10.0.0.1/v3" }, /plain HTTP is refused/],
    [{ ROMA_ENDPOINT: "ftp://x" }, /must be an https:\/\/ URL/],
    [
      { ROMA_ENDPOINT: "https://roma.example.com@evil.example.net" },
      /ROMA_ENDPOINT is https:\/\/\[redacted\]@evil.example.net: a base URL must not carry user info/,
    ],
    [{ ROMA_ENDPOINT: "https://user:pw@roma.example.com" }, /must not carry user info/],
    [{ ROMA_ENDPOINT: "https://@roma.example.com" }, /must not carry user info/],
    [{ HW_AUTH_URL: "https://iam.example.com/v3?x=1" }, /HW_AUTH_URL .*must not carry a query/],
    [
      { ROMA_ENDPOINT: "https://roma.example.com/#frag" },
      /must not carry a query .* or a fragment/,
    ],
    [{ ROMA_ENDPOINT: "https://roma.example.com?" }, /must not carry a query/],
    [{ ROMA_ENDPOINT: "http://[::ffff:10.0.0.1]:80" }, /plain HTTP is refused/],
    [{ ROMA_ENDPOINT: "http://127.0.0.1.nip.io" }, /plain HTTP is refused/],
    [{ HW_REGION_NAME: "x@127.0.0.2:9/#" }, /HW_REGION_NAME is "x@127.0.0.2:9\/#": a region is/],
    [{ HW_REGION_NAME: "cn-north-4.evil.com" }, /a region is lowercase letters and digits/],
    [{ HW_REGION_NAME: "CN-NORTH-4" }, /a region is lowercase/],
    [
      { HW_PROJECT_ID: "../../v3/projects?name=x" },
      /HW_PROJECT_ID is "..\/..\/v3\/projects\?name=x": an id is 1 to 64 letters/,
    ],
  ])("refuses %p with a clear message", (env, message) => {
    expect(() => resolveSettings(none, env)).toThrow(SettingsError);
    expect(() => resolveSettings(none, env)).toThrow(message);
  });

  it("allows plain HTTP to loopback, and accepts an auth URL ending in /v3", () => {
    expect(resolveSettings(none, { ROMA_ENDPOINT: "http://127.0.0.1:8780/" }).endpoint).toBe(
      "http://127.0.0.1:8780",
    );
    expect(resolveSettings(none, { ROMA_ENDPOINT: "http://localhost:1" }).endpoint).toBe(
      "http://localhost:1",
    );
    expect(
      resolveSettings(none, { HW_AUTH_URL: "https://iam.{region}.example.com/v3" }).authUrl,
    ).toBe("https://iam.{region}.example.com");
  });

  it("counts every loopback form as loopback, and nothing else", () => {
    for (const url of [
      "http://[::ffff:127.0.0.1]:8780",
      "http://[::1]:1",
      "http://127.5.6.7",
      "http://localhost:1",
      "http://LOCALHOST",
      "http://[0:0:0:0:0:0:0:1]",
    ]) {
      expect(() => resolveSettings(none, { ROMA_ENDPOINT: url })).not.toThrow();
    }
    for (const host of [
      "10.0.0.1",
      "[::2]",
      "[::ffff:7f00:1]",
      "localhost.evil.com",
      "128.0.0.1",
    ]) {
      expect(isLoopback(host)).toBe(host === "[::ffff:7f00:1]");
    }
  });

  it("fills in the region and keeps the template's scheme and host", () => {
    const s = resolveSettings(none, {});
    expect(forRegion(s.endpoint, "cn-north-4")).toBe("https://roma.cn-north-4.myhuaweicloud.com");
    expect(forRegion(s.authUrl, "ap-southeast-1")).toBe(
      "https://iam.ap-southeast-1.myhuaweicloud.com",
    );
    expect(forRegion("https://gw.example.com/{region}/roma", "cn-north-4")).toBe(
      "https://gw.example.com/cn-north-4/roma",
    );
    for (const region of ["x@127.0.0.2:1/#", "a-b/../c", "cn-north-4.evil.com:443", "a-b?x"]) {
      expect(() => forRegion(s.endpoint, region)).toThrow(/The region is .*: a region is/);
    }
  });

  it("lists every way to give credentials when none is given", () => {
    const message = missingCredentialsMessage();
    for (const name of [
      "roma:token",
      "HW_AUTH_TOKEN",
      "HW_ACCESS_KEY",
      "HUAWEICLOUD_SDK_SK",
      "HW_SECURITY_TOKEN",
      "roma:userName",
      "HW_USER_PASSWORD",
      "HW_DOMAIN_NAME",
    ]) {
      expect(message).toContain(name);
    }
  });
});

// Each gateway's base URL: its own setting, with the same checks, named in the messages it causes.
describe.each([
  ["roma", "roma:endpoint", "ROMA_ENDPOINT", "https://roma.cn-north-4.myhuaweicloud.com"],
  ["apig", "apig:endpoint", "APIG_ENDPOINT", "https://apig.cn-north-4.myhuaweicloud.com"],
] as const)("the %s endpoint", (gateway, key, envName, byDefault) => {
  const target = async (settings: ProviderSettings) =>
    new ProcessRuntime(settings, "test").target(
      { gateway, instanceId: "i", envId: "E", region: "cn-north-4", projectId: "p" },
      budgetOf(1000),
    );
  const token = { HW_AUTH_TOKEN: "t" };

  it("defaults from the region, and is set by its config key, then its environment variable", async () => {
    expect((await target(resolveSettings(none, token))).endpoint).toBe(byDefault);
    const env = { ...token, [envName]: "https://env.example.com/{region}" };
    expect((await target(resolveSettings(none, env))).endpoint).toBe(
      "https://env.example.com/cn-north-4",
    );
    const both = resolveSettings(config({ [key]: "http://127.0.0.1:8780/" }), env);
    expect((await target(both)).endpoint).toBe("http://127.0.0.1:8780");
  });

  it.each([
    ["http://gw.example.com", /plain HTTP is refused for gw.example.com/],
    ["https://u:pw@gw.example.com", /must not carry user info/],
    ["https://gw.example.com?x=1", /must not carry a query/],
    ["not a url", /not a URL/],
  ])("refuses %p, naming the setting", (url, message) => {
    for (const [source, env] of [
      [key, {}],
      [envName, { [envName]: url }],
    ] as const) {
      const given = source === key ? config({ [key]: url }) : none;
      expect(() => resolveSettings(given, env)).toThrow(new RegExp(`^${source} is `));
      expect(() => resolveSettings(given, env)).toThrow(message);
    }
  });

  it("names the setting that made a URL, set or by default", () => {
    const set = resolveSettings(none, { [envName]: "https://gw.example.com" });
    expect(urlOrigin(set, ENDPOINT_SETTINGS[gateway], "cn-north-4", "HW_REGION_NAME")).toBe(
      `The URL https://gw.example.com comes from ${envName} ("https://gw.example.com"): check it.`,
    );
    expect(
      urlOrigin(
        resolveSettings(none, {}),
        ENDPOINT_SETTINGS[gateway],
        "cn-north-4",
        "HW_REGION_NAME",
      ),
    ).toBe(
      `The URL ${byDefault} is ${key}'s default with the region "cn-north-4" (from HW_REGION_NAME); set ${key} if the service is reached elsewhere.`,
    );
  });
});

// The rules of each setting at their edges, one failure each where a careless edit would land.
describe("settings at their edges", () => {
  const refusal = (env: Record<string, string>) => {
    try {
      resolveSettings(none, env);
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as Error).name).toBe("SettingsError");
      return (error as Error).message;
    }
    throw new Error(`${JSON.stringify(env)} was accepted`);
  };

  it("has every default, in milliseconds where it says so, and names no source", () => {
    const s = resolveSettings(none, {});
    expect(s).toStrictEqual({
      endpoint: "https://roma.{region}.myhuaweicloud.com",
      apigEndpoint: "https://apig.{region}.myhuaweicloud.com",
      authUrl: "https://iam.{region}.myhuaweicloud.com",
      region: undefined,
      sources: {},
      projectId: undefined,
      credentials: { kind: "none" },
      maxRetries: 5,
      maxConcurrency: 10,
      batchSize: 200,
      requestTimeoutMs: 30_000,
      consistencyTimeoutMs: 10_000,
      operationTimeoutMs: 1_200_000,
    });
  });

  it("names only the sources that were set", () => {
    const s = resolveSettings(config({ "roma:endpoint": "https://a.example.com" }), {
      HW_REGION_NAME: "cn-north-4",
    });
    expect(s.sources).toStrictEqual({ endpoint: "roma:endpoint", region: "HW_REGION_NAME" });
  });

  it("skips an empty value, in the config and in the environment", () => {
    const s = resolveSettings(config({ "roma:region": "", "huaweicloud:region": "a-b-1" }), {
      HW_PROJECT_ID: "",
      HUAWEICLOUD_SDK_PROJECT_ID: "p1",
    });
    expect([s.region, s.projectId]).toStrictEqual(["a-b-1", "p1"]);
  });

  it.each([
    ["HW_MAX_RETRIES", 0, 20, "maxRetries", 1],
    ["ROMA_MAX_CONCURRENCY", 1, 64, "maxConcurrency", 1],
    ["ROMA_BATCH_SIZE", 1, 1000, "batchSize", 1],
    ["ROMA_REQUEST_TIMEOUT", 1, 600, "requestTimeoutMs", 1000],
    ["ROMA_CONSISTENCY_TIMEOUT", 1, 600, "consistencyTimeoutMs", 1000],
    ["ROMA_OPERATION_TIMEOUT", 1, 86400, "operationTimeoutMs", 1000],
  ] as const)("%s takes %p to %p, and nothing past either end", (name, min, max, field, unit) => {
    for (const n of [min, max]) {
      expect(resolveSettings(none, { [name]: String(n) })[field]).toBe(n * unit);
    }
    for (const n of [String(min - 1), String(max + 1), "2.5"]) {
      expect(refusal({ [name]: n })).toBe(
        `${name} is "${n}"; it must be a whole number from ${min} to ${max}.`,
      );
    }
  });

  it("accepts a region of 32 characters and refuses one of 33, showing a long value by its length", () => {
    const region = (n: number) => `a-${"b".repeat(n - 2)}`;
    expect(resolveSettings(none, { HW_REGION_NAME: region(32) }).region).toBe(region(32));
    expect(refusal({ HW_REGION_NAME: region(33) })).toMatch(/^HW_REGION_NAME is "a-b+": /);
    expect(refusal({ HW_REGION_NAME: "A".repeat(80) })).toMatch(/^HW_REGION_NAME is "A{80}": /);
    expect(refusal({ HW_REGION_NAME: "A".repeat(81) })).toMatch(
      /^HW_REGION_NAME is a string of 81 characters: /,
    );
  });

  it("strips only a trailing /v3 from the auth URL, and every trailing slash from a URL", () => {
    const s = resolveSettings(none, {
      HW_AUTH_URL: "https://iam.example.com/v3/x",
      ROMA_ENDPOINT: "https://roma.example.com/base//",
    });
    expect([s.authUrl, s.endpoint]).toStrictEqual([
      "https://iam.example.com/v3/x",
      "https://roma.example.com/base",
    ]);
    expect(resolveSettings(none, { HW_AUTH_URL: "https://iam.example.com/v3/" }).authUrl).toBe(
      "https://iam.example.com",
    );
  });

  it.each([
    ["a user name alone", "https://user@example.com"],
    ["a password alone", "https://:secret@example.com"],
    ["an empty user info", "https://:@example.com"],
    ["a user name without the slashes", "https:user@example.com"],
  ])("refuses %s in a URL", (_what, url) => {
    expect(refusal({ ROMA_ENDPOINT: url })).toMatch(/a base URL must not carry user info/);
  });

  it("accepts an @ in a URL's path: it is not user info", () => {
    const url = "https://example.com/v1/https://x@y";
    expect(resolveSettings(none, { ROMA_ENDPOINT: url }).endpoint).toBe(url);
  });

  it.each([
    ["without a scheme", "user:secret@example.com"],
    ["with a space in it", "https://us er:secret@example.com"],
  ])("never shows what stands before an @ (%s)", (_what, url) => {
    const message = refusal({ ROMA_ENDPOINT: url });
    expect(message).toMatch(/\[redacted\]@example\.com/);
    expect(message).not.toContain("secret");
  });

  it("counts only whole loopback names and addresses as loopback", () => {
    expect(["127.0.0.10", "127.255.255.255", "[::ffff:7f00:100]"].map(isLoopback)).toStrictEqual([
      true,
      true,
      true,
    ]);
    expect(
      ["notlocalhost", "localhost.example.com", "[::ffff:7f00:10000]"].map(isLoopback),
    ).toStrictEqual([false, false, false]);
  });

  it("lists every way to give credentials in one message", () => {
    expect(missingCredentialsMessage()).toBe(
      [
        "No Huawei Cloud credentials are set. Give one of these, in the stack config (pulumi config set --secret ...) or the environment:",
        "  - an IAM token: roma:token / HW_AUTH_TOKEN",
        "  - an access key pair: roma:accessKey / huaweicloud:accessKey / HW_ACCESS_KEY / HUAWEICLOUD_SDK_AK + roma:secretKey / huaweicloud:secretKey / HW_SECRET_KEY / HUAWEICLOUD_SDK_SK (with roma:securityToken / huaweicloud:securityToken / HW_SECURITY_TOKEN / HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials)",
        "  - an IAM password login: roma:userName / HW_USER_NAME + roma:password / HW_USER_PASSWORD + roma:domainName / HW_DOMAIN_NAME",
      ].join("\n"),
    );
  });

  it("names the region input when no setting gave the region", () => {
    expect(urlOrigin(resolveSettings(none, {}), "authUrl", "cn-north-4", undefined)).toBe(
      `The URL https://iam.cn-north-4.myhuaweicloud.com is roma:authUrl's default with the region "cn-north-4" (from the resource's region input); set roma:authUrl if the service is reached elsewhere.`,
    );
  });

  // Checked templates cannot reach these (the region rule keeps a region to a host label); a
  // template that would let one through is refused all the same.
  it.each([
    ["the scheme", "{region}://example.com"],
    ["the user name", "https://{region}@example.com"],
    ["the password", "https://:{region}@example.com"],
    ["the query", "https://example.com/?{region}"],
    ["the fragment", "https://example.com/#{region}"],
  ])("refuses a region that would land in %s", (_where, template) => {
    expect(() => forRegion(template, "cn-north-4")).toThrow(
      new RegExp(`^The region "cn-north-4" turns .* into .*, whose host is not .*; refused\\.$`),
    );
  });
});
