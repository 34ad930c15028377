/**
 * What the emulator knows before any request: one project and instance, environments, apps, APIs
 * and the credentials it accepts. Ids are derived from names, so every start (and every machine)
 * sees the same ids.
 */
import { createHash } from "node:crypto";

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

export interface EmulatorSeed {
  region: string;
  projectId: string;
  instanceId: string;
  environments: Named[];
  apps: Named[];
  apis: Named[];
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

export function makeSeed(options: SeedOptions = {}): EmulatorSeed {
  const region = options.region ?? "cn-north-4";
  const count = (n: number | undefined, fallback: number) => n ?? fallback;
  return {
    region,
    projectId: stableId(`project:${region}`),
    instanceId: stableId("instance:1"),
    environments: [
      { id: "DEFAULT_ENVIRONMENT_RELEASE_ID", name: "RELEASE" },
      { id: stableId("env:TEST"), name: "TEST" },
      { id: stableId("env:STAGING"), name: "STAGING" },
    ],
    apps: Array.from({ length: count(options.apps, 4) }, (_, i) => ({
      id: stableId(`app:${i + 1}`),
      name: `app_${i + 1}`,
    })),
    apis: Array.from({ length: count(options.apis, 8) }, (_, i) => ({
      id: stableId(`api:${i + 1}`),
      name: `api_${i + 1}`,
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
