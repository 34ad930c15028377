/** Small helpers shared by the tests: raw HTTP calls to the emulator, signed or with a token. */
import { authorizationHeader, formatSdkDate } from "../provider/auth/signer";
import type { Emulator } from "../emulator";

export interface Call {
  token?: string;
  /** Sign with this key pair (and security token) instead of sending a token. */
  sign?: { ak: string; sk: string; securityToken?: string; date?: Date };
  body?: unknown;
  query?: [string, string][];
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error_code?: string; error_msg?: string };
}

/** Sends one request to the emulator; `path` is already encoded. */
export async function call(
  emulator: Emulator,
  method: string,
  path: string,
  options: Call = {},
): Promise<Answer> {
  const url = new URL(emulator.url + path);
  for (const [k, v] of options.query ?? []) url.searchParams.append(k, v);
  const body =
    options.body === undefined
      ? ""
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body) headers["Content-Type"] = "application/json";
  if (options.token) headers["X-Auth-Token"] = options.token;
  if (options.sign) {
    const signed: Record<string, string> = {
      ...headers,
      host: url.host,
      "X-Sdk-Date": formatSdkDate(options.sign.date ?? new Date()),
    };
    if (options.sign.securityToken) signed["X-Security-Token"] = options.sign.securityToken;
    const query = [...url.searchParams.entries()];
    signed.Authorization = authorizationHeader(
      {
        method,
        path: decodeURIComponent(url.pathname),
        query,
        headers: withoutAuthorization(signed),
        body,
      },
      options.sign.ak,
      options.sign.sk,
    );
    delete signed.host;
    Object.assign(headers, signed);
  }
  const response = await fetch(url, { method, headers, body: body || undefined });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const { Authorization: _a, ...rest } = headers;
  return rest;
}

/**
 * The gateways whose app-auth paths the emulator serves: ROMA Connect (`apic`, on the seed's
 * `instanceId`) and the dedicated API Gateway (`apigw`, on its `apigInstanceId`).
 */
export type Family = "roma" | "apig";
export const FAMILIES: readonly Family[] = ["roma", "apig"];

/**
 * The app-auth paths of an emulator's instance of `family`, written out here rather than taken
 * from the emulator (the paths are what the tests check). DELETE uses `/v1/` on ROMA Connect (the
 * seed's form) and `/v2/` on APIG, which has no `/v1/` form.
 */
export function paths(emulator: Emulator, family: Family = "roma") {
  const { projectId, instanceId, apigInstanceId } = emulator.seed;
  const [segment, instance] = family === "roma" ? ["apic", instanceId] : ["apigw", apigInstanceId];
  const base = `/${projectId}/${segment}/instances/${instance}/app-auths`;
  return {
    instanceId: instance,
    authorize: `/v2${base}`,
    cancel: (id: string) => `/${family === "roma" ? "v1" : "v2"}${base}/${id}`,
    list: `/v2${base}/binded-apis`,
    apps: `/v2${base}/binded-apps`,
    unbound: `/v2${base}/unbinded-apis`,
  };
}

/**
 * Fake timers for `Date` alone, starting at `now` (this machine's time if absent): sockets,
 * timeouts and retries keep running on real time, so only what reads the clock is the test's.
 */
export function fakeDateOnly(now?: number): void {
  jest.useFakeTimers({
    ...(now === undefined ? {} : { now }),
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
  });
}
