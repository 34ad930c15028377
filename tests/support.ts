/** Test support: a configured provider talking to an emulator, and helpers on what it returns. */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "../emulator";
import { AppAuthorizationProvider } from "../provider";
import { ADOPT_ENV } from "../provider/handlers";
import { budgetOf } from "../provider/http/deadline";
import type { ApiErrorFields } from "../provider/http/errors";
import type { RetryOptions } from "../provider/http/retry";
import { romaApiError } from "../provider/roma-errors";
import { readFields } from "../provider/fields";
import { readOutputs } from "../provider/state";
import type { AuthorizationOutputs, AuthorizationRecord } from "../provider/types";
import type { BindOptions } from "../provider/wire";

export type Settings = Record<string, string>;

/**
 * Where provider/runtime.ts keeps the process's runtime. Written out rather than imported: every
 * copy of the module must find it under this very name, so the tests pin the name itself.
 */
export const RUNTIME_KEY = "__pulumiRomaAppAuthRuntime_v1";

/** Drops the process's runtime: the next operation starts as a new provider process would. */
export function forgetRuntime(): void {
  delete (globalThis as Record<string, unknown>)[RUNTIME_KEY];
}

/** The options of a record with no access limits and no parameters. */
export const NO_OPTIONS: BindOptions = {
  authTunnel: "NORMAL",
  authWhitelist: [],
  authBlacklist: [],
  visitParams: [],
};

/**
 * Turns the debug log on and collects what it writes, until the test's mocks are restored
 * (`jest.restoreAllMocks`) and ROMA_DEBUG is put back.
 */
export function debugLines(): string[] {
  const lines: string[] = [];
  process.env.ROMA_DEBUG = "1";
  jest.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

/** Provider settings for an emulator: endpoint, region, project and its read-write token. */
export function emulatorSettings(emu: Emulator, extra: Settings = {}): Settings {
  return {
    "roma:endpoint": emu.url,
    "roma:authUrl": emu.url,
    "roma:region": emu.seed.region,
    "roma:projectId": emu.seed.projectId,
    "roma:token": emu.seed.credentials.token,
    "roma:consistencyTimeout": "1",
    ...extra,
  };
}

/** A provider configured as the host would configure it, with these settings and no environment. */
export async function configuredProvider(settings: Settings): Promise<AppAuthorizationProvider> {
  const provider = new AppAuthorizationProvider();
  const saved = process.env;
  process.env = {};
  try {
    await provider.configure({
      config: { get: (key: string) => settings[key] },
    } as unknown as dynamic.ConfigureRequest);
  } finally {
    process.env = saved;
  }
  return provider;
}

/** Inputs as `check` returns them, for `emu`'s first app and the first `apis` APIs. */
export async function checkedInputs(
  provider: AppAuthorizationProvider,
  news: Record<string, unknown>,
) {
  const { inputs, failures } = await provider.check({}, news);
  if (failures && failures.length > 0) throw new Error(JSON.stringify(failures));
  return inputs as Record<string, unknown>;
}

/** The whole records of outputs (or a partial failure's properties) as the provider stores them. */
export function recordsOf(outs: unknown): AuthorizationRecord[] {
  return readOutputs(outs as Record<string, unknown>).authorizations ?? [];
}

/** `app/api` keys of an output's records, sorted. */
export function pairsOf(outs: unknown): string[] {
  return recordsOf(outs)
    .map((r) => `${r.appId}/${r.apiId}`)
    .sort();
}

/** The ids of an output's records, sorted. */
export function recordIds(outs: unknown): string[] {
  return recordsOf(outs)
    .map((r) => r.id)
    .sort();
}

/** The ids of every record that exists in the emulator, sorted. */
export function boundIds(emu: Emulator): string[] {
  return emu.control
    .bindings()
    .map((b) => b.id)
    .sort();
}

/** `app/api` keys of what exists in the emulator (in one environment), sorted. */
export function bound(emu: Emulator, envId?: string): string[] {
  return emu.control
    .bindings()
    .filter((b) => !envId || b.envId === envId)
    .map((b) => `${b.appId}/${b.apiId}`)
    .sort();
}

/** Every `app/api` key of a product. */
export function product(apps: string[], apis: string[]): string[] {
  return apps.flatMap((a) => apis.map((p) => `${a}/${p}`)).sort();
}

/** What a provider call that must fail throws: a partial failure carries `id`, `properties`, `reasons`. */
export type PartialFailure = Error & {
  id: string;
  properties: AuthorizationOutputs & Record<string, unknown>;
  reasons: string[];
};

/**
 * The error `promise` rejects with (a provider call's, unless `E` says what else); the test fails
 * if it resolves or rejects with a non-Error.
 */
export async function failureOf<E extends Error = PartialFailure>(
  promise: Promise<unknown>,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as E;
}

/** `retrying`'s options for unit tests: three retries within a minute, no jitter. */
export function retryOptions(): RetryOptions {
  return {
    maxRetries: 3,
    budget: budgetOf(60000),
    idempotent: true,
    doing: "do something",
    random: () => 0,
  };
}

/** The error of an API answer with `status` and `code`, as the transport makes it. */
export function apiAnswer(status: number, code: string, extra: Partial<ApiErrorFields> = {}) {
  return romaApiError({ status, code, apiMessage: "m", ...extra }, "do something");
}

/**
 * Whole outputs for unit tests of pure code: instance `inst`, environment `ENV`, region
 * `cn-north-4`, project `proj`, every other input at its default (see `FIELDS`), no records and no
 * unconfirmed pairs, each overridden by `fields`.
 */
export function outputsFixture(
  fields: Partial<AuthorizationOutputs> & Pick<AuthorizationOutputs, "appIds" | "apiIds">,
): AuthorizationOutputs {
  return {
    ...readFields(fields),
    instanceId: "inst",
    envId: "ENV",
    region: "cn-north-4",
    projectId: "proj",
    authorizations: [],
    unconfirmed: [],
    ...fields,
  };
}

/**
 * Gives each test of the calling block a PULUMI_HOME of its own (where the journal lives), and
 * puts back after it the variables a test sets for one run. Returns the running test's home.
 */
export function journalHomes(): () => string {
  const names = ["PULUMI_HOME", ADOPT_ENV, "ROMA_DEBUG"];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  let home = "";
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "roma-journal-"));
    process.env.PULUMI_HOME = home;
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  return () => home;
}
