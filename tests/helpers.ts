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

/** The app-auth paths of an emulator's instance. */
export function paths(emulator: Emulator) {
  const base = `/${emulator.seed.projectId}/apic/instances/${emulator.seed.instanceId}/app-auths`;
  return {
    authorize: `/v2${base}`,
    cancel: (id: string) => `/v1${base}/${id}`,
    list: `/v2${base}/binded-apis`,
  };
}
