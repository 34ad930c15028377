/**
 * What the emulator knows before any request: one project with two gateway instances (ROMA
 * Connect's and a dedicated API Gateway's), environments, apps, APIs and the credentials it accepts. Ids are derived from names, so every start (and every machine)
 * sees the same ids.
 */
import { createHash } from "node:crypto";

/** The id of the RELEASE environment, the one every instance has (the same on every instance). */
export const RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID";

export interface Named {
  id: string;
  name: string;
}

export interface EmulatorCredentials {
  /** An IAM token with write permission on the project. */
  token: string;
  /** An IAM token that may only read (writes answer 403 APIG.1005). */
  readOnlyToken: string;
  accessKey: string;
  secretKey: string;
  readOnlyAccessKey: string;
  readOnlySecretKey: string;
  /** Temporary AK/SK, valid only with its security token. */
  temporary: { accessKey: string; secretKey: string; securityToken: string };
  /** An IAM user for password login. */
  user: { name: string; password: string; domainName: string };
}

/** An integration app, with the fields the official `ApiAuthInfo` reports about it. */
export interface SeededApp extends Named {
  remark: string;
  /** `apig` (an APIC client of old) or `roma` (a ROMA integration client). */
  type: "apig" | "roma";
  /** `USER` (made by the tenant) or `MARKET`. */
  creator: "USER" | "MARKET";
  /** `subscription` or `integration`. */
  romaAppType: "subscription" | "integration";
}

/** An API, with its group and what the official `ApiAuthInfo` and `ApiOutline` report about it. */
export interface SeededApi extends Named {
  groupId: string;
  groupName: string;
  /** 1 (public) or 2 (private), as `ApiAuthInfo.api_type` is an integer. */
  type: number;
  remark: string;
  /** The API's request path. */
  reqUri: string;
  /** `APP`, `IAM` or `NONE`. */
  authType: string;
}

/**
 * The emulated project. It holds two instances: {@link EmulatorSeed.instanceId} is a ROMA Connect
 * instance (served under `/apic/`), {@link EmulatorSeed.apigInstanceId} a dedicated API Gateway
 * (APIG) instance (served under `/apigw/`). The same environments, apps and APIs exist on both;
 * authorization records belong to one instance (a binding on one is not seen on the other).
 */
export interface EmulatorSeed {
  region: string;
  projectId: string;
  /** The ROMA Connect instance: its app-auth paths are `/v1|v2/{project}/apic/instances/{id}/...`. */
  instanceId: string;
  /** The dedicated API Gateway (APIG) instance: its paths are `/v2/{project}/apigw/instances/{id}/...`. */
  apigInstanceId: string;
  environments: Named[];
  groups: Named[];
  apps: SeededApp[];
  /** Every API is published in every environment (see {@link publishId}). */
  apis: SeededApi[];
  credentials: EmulatorCredentials;
}

export interface SeedOptions {
  region?: string;
  /** How many apps and APIs to create (default 4 and 8). */
  apps?: number;
  apis?: number;
}

/** The id Huawei Cloud would give a thing: 32 lower-case hex characters, here stable per name. */
export function stableId(name: string): string {
  return createHash("sha256").update(`roma-emulator:${name}`).digest("hex").slice(0, 32);
}

/** The id of an API's publication in an environment (`publish_id`). */
export function publishId(apiId: string, envId: string): string {
  return stableId(`publish:${apiId}:${envId}`);
}

const GROUPS = 2;

export function makeSeed(options: SeedOptions = {}): EmulatorSeed {
  const region = options.region ?? "cn-north-4";
  const count = (n: number | undefined, fallback: number) => n ?? fallback;
  const groups = Array.from({ length: GROUPS }, (_, i) => ({
    id: stableId(`group:${i + 1}`),
    name: `group_${i + 1}`,
  }));
  return {
    region,
    projectId: stableId(`project:${region}`),
    instanceId: stableId("instance:1"),
    apigInstanceId: stableId("instance:apig:1"),
    environments: [
      { id: RELEASE, name: "RELEASE" },
      { id: stableId("env:TEST"), name: "TEST" },
      { id: stableId("env:STAGING"), name: "STAGING" },
    ],
    groups,
    apps: Array.from({ length: count(options.apps, 4) }, (_, i) => ({
      id: stableId(`app:${i + 1}`),
      name: `app_${i + 1}`,
      remark: `Emulated integration app ${i + 1}`,
      type: "roma",
      creator: "USER",
      romaAppType: i % 2 === 0 ? "integration" : "subscription",
    })),
    // APIs alternate between the groups, so a group filter selects every other one.
    apis: Array.from({ length: count(options.apis, 8) }, (_, i) => ({
      id: stableId(`api:${i + 1}`),
      name: `api_${i + 1}`,
      groupId: groups[i % GROUPS].id,
      groupName: groups[i % GROUPS].name,
      type: 1,
      remark: `Emulated API ${i + 1}`,
      reqUri: `/emulated/api-${i + 1}`,
      authType: "APP",
    })),
    credentials: {
      token: "emulator-token-rw-" + stableId("token:rw"),
      readOnlyToken: "emulator-token-ro-" + stableId("token:ro"),
      accessKey: "EMULATORAKRW0000001",
      secretKey: "emulator-sk-rw-" + stableId("sk:rw"),
      readOnlyAccessKey: "EMULATORAKRO0000001",
      readOnlySecretKey: "emulator-sk-ro-" + stableId("sk:ro"),
      temporary: {
        accessKey: "EMULATORAKTMP000001",
        secretKey: "emulator-sk-tmp-" + stableId("sk:tmp"),
        securityToken: "emulator-security-token-" + stableId("sts"),
      },
      user: {
        name: "emulator-user",
        password: "emulator-password-1!",
        domainName: "emulator-domain",
      },
    },
  };
}
