/**
 * Sends one logical request: builds the URL, authenticates, holds a concurrency slot per attempt,
 * retries what is safe to retry, and turns every failure into a `RequestError`.
 */
import axios, { type AxiosInstance } from "axios";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { encodeRfc3986 } from "../auth/signer";
import { debug } from "../log";
import { apiError, errorFields, isApiError, networkError, type RequestError } from "./errors";
import { describeBody, UNEXPECTED_ANSWER } from "../wire";
import type { AdaptiveLimiter } from "./limiter";
import { isThrottling, retrying } from "./retry";

/** A request just before it is sent; an `Authenticator` adds its headers here. */
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

/** Adds credentials to requests. */
export interface Authenticator {
  authenticate(request: PreparedRequest): Promise<void>;
  /** After an expired-token answer: get a fresh token. False when this credential cannot. */
  renew(): Promise<boolean>;
}

/** One logical request. */
export interface Request {
  method: "GET" | "POST" | "DELETE";
  baseUrl: string;
  /** Path segments, each encoded when the URL is built. */
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

/** Limits every request of one operation (one resource's create, update, read or delete). */
export interface Budget {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
}

export interface TransportOptions {
  limiter: AdaptiveLimiter;
  maxRetries: number;
  requestTimeoutMs: number;
}

const NOT_SENT = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ERR_INVALID_URL", "CERT_HAS_EXPIRED"];

export class Transport {
  private readonly http: AxiosInstance;
  // Server clock minus this machine's, from the last answer's Date header; see serverNow().
  private serverOffsetMs: number | undefined;

  constructor(private readonly options: TransportOptions) {
    this.http = axios.create({
      timeout: options.requestTimeoutMs,
      maxRedirects: 0,
      responseType: "text",
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    });
  }

  /** The concurrency limiter every request of this process shares. */
  get limiter(): AdaptiveLimiter {
    return this.options.limiter;
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

  /** Sends `request`, retrying as its kind allows, within the operation's budget. */
  send(request: Request, budget: Budget): Promise<Response> {
    return retrying((attempt) => this.attempt(request, attempt), {
      maxRetries: this.options.maxRetries,
      deadline: budget.deadline,
      idempotent: request.idempotent,
      onRetry: (error, n, delay) =>
        debug(
          `retrying ${request.method} ${request.segments.join("/")} in ${delay} ms after attempt ${n}: ${error.message}`,
        ),
    });
  }

  private async attempt(request: Request, attempt: number): Promise<Response> {
    let renewed = false;
    for (;;) {
      const slot = await this.options.limiter.acquire();
      try {
        const response = await this.once(request, attempt);
        slot.release("ok");
        return response;
      } catch (error) {
        const failure = error as RequestError;
        slot.release(isThrottling(failure) ? "throttled" : "failed");
        // An IAM token may expire mid-operation; renew it once and resend at once.
        if (!renewed && isApiError(failure, "APIG.1001") && (await request.auth?.renew())) {
          renewed = true;
          continue;
        }
        throw failure;
      }
    }
  }

  private async once(request: Request, attempt: number): Promise<Response> {
    const prepared = prepare(request);
    await request.auth?.authenticate(prepared);
    const started = Date.now();
    let answer;
    try {
      answer = await this.http.request({
        method: request.method,
        url: prepared.url.toString(),
        headers: { Accept: "application/json", ...prepared.headers },
        data: prepared.body === "" ? undefined : prepared.body,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "ERR_NETWORK";
      const detail = (error as Error).message;
      debug(`${request.method} ${prepared.url.pathname} failed: ${code} (attempt ${attempt})`);
      throw networkError(code, !NOT_SENT.includes(code), request.doing, detail);
    }
    const headers = Object.fromEntries(
      Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    const serverDate = Date.parse(headers.date ?? "");
    if (!Number.isNaN(serverDate)) this.serverOffsetMs = serverDate - Date.now();
    const body = parseBody(answer.data);
    debug(
      `${request.method} ${prepared.url.pathname} -> ${answer.status} in ${Date.now() - started} ms (attempt ${attempt})`,
    );
    if (answer.status >= 400) {
      throw apiError(errorFields(answer.status, headers, body, Date.now()), request.doing);
    }
    // Distrust the answer: a redirect (never followed) or a page that is not JSON is never data.
    if (answer.status >= 300 || answer.status < 200 || (typeof body === "string" && body !== "")) {
      const endpoint = `${request.method} ${prepared.url.origin}${prepared.url.pathname}`;
      const what =
        answer.status >= 300
          ? `a redirect to ${headers.location ?? "no Location"}, which is never followed`
          : `Content-Type ${headers["content-type"] ?? "none"} and ${describeBody(body)}, where JSON was expected`;
      throw apiError(
        {
          ...errorFields(answer.status, headers, {}, Date.now()),
          code: UNEXPECTED_ANSWER,
          apiMessage: `${endpoint} answered ${what}; check roma:endpoint and roma:region`,
        },
        request.doing,
      );
    }
    return { status: answer.status, headers, body };
  }
}

function prepare(request: Request): PreparedRequest {
  const base = new URL(request.baseUrl);
  const path = `${decodeURIComponent(base.pathname).replace(/\/$/, "")}/${request.segments.join("/")}`;
  const query = request.query ?? [];
  const encodedPath = path.split("/").map(encodeRfc3986).join("/");
  const search = query.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join("&");
  const url = new URL(`${base.origin}${encodedPath}${search ? `?${search}` : ""}`);
  const headers: Record<string, string> = { Host: url.host, ...request.headers };
  const body = request.body === undefined ? "" : JSON.stringify(request.body);
  if (body !== "") headers["Content-Type"] = "application/json";
  return { method: request.method, url, path, query, headers, body };
}

function parseBody(data: unknown): unknown {
  if (typeof data !== "string" || data === "") return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
