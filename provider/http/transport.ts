/**
 * Sends one logical request: builds the URL, gets the credential (outside any concurrency slot, so
 * an IAM login never waits behind the requests that wait for it), holds a slot per attempt,
 * retries what is safe to retry, and turns every failure into a `RequestError`. Every wait ends at
 * the operation's deadline.
 */
import axios, { type AxiosInstance } from "axios";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { debug } from "../log";
import { timedOut, untilDeadline, type Budget } from "./deadline";
import {
  ANSWER_TOO_LARGE,
  apiError,
  CERTIFICATE_REFUSED,
  describeBody,
  errorFields,
  means,
  networkError,
  UNEXPECTED_ANSWER,
  type RequestError,
  type ServiceErrors,
} from "./errors";
import type { AdaptiveLimiter } from "./limiter";
import { isThrottling, retrying } from "./retry";
import { encodeRfc3986 } from "./rfc3986";

export type { Budget } from "./deadline";

/** A request just before it is sent; a `Credential` adds its headers here. */
export interface PreparedRequest {
  method: string;
  url: URL;
  /** Decoded path, as the signature covers it. */
  path: string;
  query: [string, string][];
  /** Headers to send; all of them are signed under AK/SK. */
  headers: Record<string, string>;
  body: string;
}

/** What goes on requests: the settings' credential, or an IAM token got with it. */
export interface Authenticator {
  /**
   * The credential for the next attempt. May log in to IAM (once for every waiting request), so it
   * is called before a concurrency slot is taken.
   */
  credential(budget: Budget): Promise<Credential>;
}

/** A credential ready to put on a request. */
export interface Credential {
  /** Adds its headers; called inside the slot, just before sending (a signature is dated). */
  apply(request: PreparedRequest): void;
  /** After an expired-token answer: forget this token and get a fresh one. Absent: cannot. */
  renew?(budget: Budget): Promise<void>;
}

/** One logical request. */
export interface Request {
  method: "GET" | "POST" | "DELETE";
  baseUrl: string;
  /** Path segments, each checked and encoded on its own when the URL is built. */
  segments: string[];
  query?: [string, string][];
  body?: unknown;
  headers?: Record<string, string>;
  auth?: Authenticator;
  /** What the provider is doing, for error messages: "authorize app A for API B". */
  doing: string;
  /** Sending it twice does no harm (GET, DELETE). A write that is not fails with its unknown outcome. */
  idempotent: boolean;
}

/** An answer with a status below 400. */
export interface Response {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface TransportOptions {
  limiter: AdaptiveLimiter;
  maxRetries: number;
  requestTimeoutMs: number;
  /** What the service's error answers say: their codes, what each means, the remedies. */
  errors: ServiceErrors;
}

// The largest answer taken: a page of the list endpoint is a few hundred kilobytes.
const MAX_ANSWER_MB = 64;

export class Transport {
  private readonly http: AxiosInstance;
  // Which settings produced each base URL, for the messages of answers from the wrong server.
  private readonly origins = new Map<string, string>();
  // Server clock minus this machine's, from the last answer's Date header; see serverNow().
  private serverOffsetMs: number | undefined;

  constructor(private readonly options: TransportOptions) {
    this.http = axios.create({
      timeout: options.requestTimeoutMs,
      // A redirect could carry a token or a signed request to another host: never follow one.
      maxRedirects: 0,
      maxContentLength: MAX_ANSWER_MB * 1024 * 1024,
      responseType: "text",
      // No transforms: a body goes out as the JSON text `prepare` wrote, and comes back as text
      // that `parseBody` reads, so a page that is not JSON is seen as such.
      transformRequest: [],
      transformResponse: [],
      validateStatus: () => true,
      httpAgent: new HttpAgent({ keepAlive: true }),
      // Through the proxy HTTPS_PROXY names (unless NO_PROXY exempts the host), axios tunnels
      // HTTPS with CONNECT, so TLS runs end to end and the proxy sees only host and port.
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    });
  }

  /**
   * The server's time now, as last measured from an answer's `Date` header, or undefined before
   * any answer. A Date header is truncated to the second and was written before the answer
   * arrived, so this never runs ahead of the server's clock, and lags it by at most a second
   * plus a round trip.
   */
  serverNow(): number | undefined {
    return this.serverOffsetMs === undefined ? undefined : Date.now() + this.serverOffsetMs;
  }

  /** Records which settings produced `baseUrl`, a sentence for error messages (`urlOrigin`). */
  nameBase(baseUrl: string, origin: string): void {
    this.origins.set(baseUrl, origin);
  }

  /** Sends `request`, retrying as its kind allows, within the operation's budget. */
  send(request: Request, budget: Budget): Promise<Response> {
    return retrying((attempt) => this.attempt(request, attempt, budget), {
      maxRetries: this.options.maxRetries,
      budget,
      idempotent: request.idempotent,
      doing: request.doing,
      onRetry: (error, n, delay) =>
        debug(
          `retrying ${request.method} ${request.segments.join("/")} in ${delay} ms after attempt ${n}: ${error.message}`,
        ),
    });
  }

  private async attempt(request: Request, attempt: number, budget: Budget): Promise<Response> {
    let renewed = false;
    for (;;) {
      const prepared = prepare(request);
      const credential = await credentialFor(request, budget);
      const slot = await this.slot(request.doing, budget);
      try {
        credential?.apply(prepared);
        const response = await this.once(prepared, request, attempt, budget);
        slot.release("ok");
        return response;
      } catch (error) {
        const failure = error as RequestError;
        slot.release(isThrottling(failure) ? "throttled" : "failed");
        // An IAM token may expire mid-operation; renew it once (outside the slot) and resend.
        if (!renewed && means(failure, "token-expired") && credential?.renew) {
          renewed = true;
          await untilDeadline(
            credential.renew(budget),
            budget,
            request.doing,
            "a fresh IAM token (the IAM login)",
          );
          continue;
        }
        throw failure;
      }
    }
  }

  private slot(doing: string, budget: Budget) {
    const { limiter } = this.options;
    return limiter.acquire(budget.signal).catch(() => {
      throw timedOut(
        budget,
        doing,
        `a free request slot (roma:maxConcurrency: ${limiter.busy} requests in flight, limit ${limiter.current})`,
      );
    });
  }

  private async once(
    prepared: PreparedRequest,
    request: Request,
    attempt: number,
    budget: Budget,
  ): Promise<Response> {
    const origin = this.origins.get(request.baseUrl);
    const started = Date.now();
    const answer = await this.http
      .request({
        method: prepared.method,
        url: prepared.url.toString(),
        headers: { Accept: "application/json", ...prepared.headers },
        // An empty body ("") is sent as none.
        data: prepared.body,
        signal: budget.signal,
        // Plain HTTP goes only to loopback (the emulator), which no proxy can reach.
        ...(prepared.url.protocol === "http:" ? { proxy: false as const } : {}),
      })
      .catch((error: unknown) => {
        throw noAnswer(error as Error, prepared, request.doing, attempt, budget, origin);
      });
    const headers = Object.fromEntries(
      Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    const serverDate = Date.parse(headers.date ?? "");
    if (!Number.isNaN(serverDate)) this.serverOffsetMs = serverDate - Date.now();
    const response = { status: answer.status, headers, body: parseBody(answer.data) };
    debug(
      `${prepared.method} ${prepared.url.pathname} -> ${answer.status} in ${Date.now() - started} ms (attempt ${attempt})`,
    );
    this.refuseUnlessData(response, prepared, request, origin);
    return response;
  }

  // An error answer, a redirect (never followed) or a page that is not JSON is never data.
  private refuseUnlessData(
    { status, headers, body }: Response,
    prepared: PreparedRequest,
    request: Request,
    origin: string | undefined,
  ): void {
    const { errors } = this.options;
    if (status >= 400) {
      throw apiError(
        errorFields(status, headers, body, Date.now(), errors),
        request.doing,
        errors,
        origin,
      );
    }
    // Below 200 is never a final answer: Node reads informational answers itself.
    if (status < 300 && (typeof body !== "string" || body === "")) return;
    const endpoint = `${request.method} ${prepared.url.origin}${prepared.url.pathname}`;
    const what =
      status >= 300
        ? `a redirect to ${headers.location ?? "no Location"}, which is never followed`
        : `Content-Type ${headers["content-type"] ?? "none"} and ${describeBody(body)}, where JSON was expected`;
    throw apiError(
      {
        ...errorFields(status, headers, {}, Date.now(), errors),
        code: UNEXPECTED_ANSWER,
        // Which settings made the URL is the settings' to say (`nameBase`), not this layer's.
        apiMessage: `${endpoint} answered ${what}. ${origin ?? "Check the endpoint setting."}`,
      },
      request.doing,
      errors,
    );
  }
}

// The credential for the next attempt, got before a slot is taken (see `Authenticator`).
function credentialFor(request: Request, budget: Budget): Promise<Credential | undefined> {
  if (!request.auth) return Promise.resolve(undefined);
  return untilDeadline(
    request.auth.credential(budget),
    budget,
    request.doing,
    "the credential (the IAM login)",
  );
}

// The error for a request that got no answer: the deadline, an oversized answer, or the network.
function noAnswer(
  error: Error,
  prepared: PreparedRequest,
  doing: string,
  attempt: number,
  budget: Budget,
  origin: string | undefined,
): RequestError {
  if (budget.signal.aborted) {
    return timedOut(budget, doing, `an answer from ${prepared.url.origin}`, true);
  }
  const tooLarge = /maxContentLength size of \d+ exceeded/.test(error.message);
  const code = tooLarge ? ANSWER_TOO_LARGE : ((error as { code?: string }).code ?? "ERR_NETWORK");
  const detail = tooLarge
    ? `the answer from ${prepared.url.origin} was larger than ${MAX_ANSWER_MB} MB, far more than any answer of the API; refused`
    : error.message;
  debug(`${prepared.method} ${prepared.url.pathname} failed: ${code} (attempt ${attempt})`);
  return networkError(code, !neverSent(code), doing, detail, origin);
}

// Failures before any byte of the request left (no connection, no name, no valid URL, a refused
// certificate): a write that met one may be sent again.
function neverSent(code: string): boolean {
  return [
    "ECONNREFUSED",
    "ENOTFOUND",
    "EAI_AGAIN",
    "ERR_INVALID_URL",
    ...CERTIFICATE_REFUSED,
  ].includes(code);
}

// Why `segment` cannot go into a request path, or undefined when it can.
function segmentProblem(segment: string): string | undefined {
  if (segment === "" || segment === "." || /[/\\?#]|\.\./.test(segment)) {
    return `${JSON.stringify(segment.slice(0, 80))} cannot be part of a request path: an id never is empty or contains '/', '\\', '?', '#' or '..'`;
  }
  return undefined;
}

// Each segment is checked and encoded on its own; the base URL's own path is kept as parsed.
function prepare(request: Request): PreparedRequest {
  for (const segment of request.segments) {
    const broken = segmentProblem(segment);
    if (broken) {
      throw new Error(
        `Refused to ${request.doing}: ${broken}. The value came from the settings, the state or an answer of the API; nothing was sent.`,
      );
    }
  }
  const base = new URL(request.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const query = request.query ?? [];
  const encodedPath = `${basePath}/${request.segments.map(encodeRfc3986).join("/")}`;
  const search = query.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join("&");
  const url = new URL(`${base.origin}${encodedPath}${search ? `?${search}` : ""}`);
  const path = `${decodeURIComponent(basePath)}/${request.segments.join("/")}`;
  const headers: Record<string, string> = { Host: url.host, ...request.headers };
  const body = request.body === undefined ? "" : JSON.stringify(request.body);
  if (body !== "") headers["Content-Type"] = "application/json";
  return { method: request.method, url, path, query, headers, body };
}

function parseBody(data: unknown): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
