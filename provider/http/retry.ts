/**
 * Which failures are retried, how long to wait, and the retry loop itself. What a service's error
 * code means (throttled? refused before it took effect?) comes tagged on the error by the service's
 * `ServiceErrors`; this module reads the tag, never a code.
 *
 * A write whose outcome is unknown is not retried here: `operations.ts` reconciles it by listing and
 * then sends only what is still missing, which is a different request.
 *
 * Hand-written rather than p-retry or async-retry: the delay depends on each failure (`Retry-After`)
 * and the loop stops at an operation-wide deadline; the CommonJS-compatible libraries take neither,
 * and the ESM-only p-retry cannot be loaded by the provider host's CommonJS loader.
 */
import { OPERATION_TIMEOUT, pause, type Budget } from "./deadline";
import {
  ANSWER_TOO_LARGE,
  CERTIFICATE_REFUSED,
  isRequestError,
  means,
  type RequestError,
} from "./errors";

/** What to do after a failed attempt. */
export type Verdict =
  /** Safe to send again as is. */
  | "retry"
  /** A write that may have taken effect: reconcile (list) before sending anything again. */
  | "unknown"
  /** The request itself is wrong, or the failure is not transient. */
  | "fail";

/**
 * Network failures a retry cannot mend: a host name that does not exist, a certificate refused, a
 * TLS handshake with something that does not speak TLS (plain HTTP on the port), the deadline.
 */
export const PERMANENT_NETWORK: readonly string[] = [
  "ENOTFOUND",
  "EPROTO",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  OPERATION_TIMEOUT,
  "ERR_INVALID_URL",
  ...CERTIFICATE_REFUSED,
];
/** True for an answer that says the tenant is sending too fast: a 429, or a code that means it. */
export function isThrottling(error: RequestError): boolean {
  return error.kind === "api" && (error.status === 429 || error.meaning === "throttled");
}

/** Classifies a failed attempt. `idempotent`: sending the request twice does no harm. */
export function verdict(error: unknown, idempotent: boolean): Verdict {
  if (!isRequestError(error)) return "fail";
  if (error.kind === "network") {
    if (PERMANENT_NETWORK.includes(error.code)) return "fail";
    // The same server would send it again; a write may have landed all the same.
    if (error.code === ANSWER_TOO_LARGE) return idempotent ? "fail" : "unknown";
    if (!error.mayHaveArrived || idempotent) return "retry";
    return "unknown";
  }
  // Refused before it took effect, so even a write may be resent.
  if (isThrottling(error) || means(error, "not-applied")) return "retry";
  if (error.status >= 500) return idempotent ? "retry" : "unknown";
  return "fail";
}

/**
 * Exponential backoff with equal jitter (half fixed, half random), and never less than `atLeastMs`
 * (what a `Retry-After` asked for). `attempt` counts from 1.
 */
export function backoffMs(attempt: number, random: () => number, atLeastMs = 0): number {
  const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(jittered, atLeastMs));
}

const BASE_DELAY_MS = 200;
const MAX_DELAY_MS = 20000;

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The operation's deadline: no attempt starts after it, and a sleep ends at it. */
  budget: Budget;
  idempotent: boolean;
  /** What the request does, for the message when the deadline ends a sleep. */
  doing: string;
  /** Told of each retry, for debug logging. */
  onRetry?: (error: RequestError, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of retries or passes the deadline.
 *
 * Throttling answers do not count against `maxRetries`: they say the service is busy, not that the
 * request is wrong, and under a tenant limit some request is always throttled while the others go
 * through. A fixed count per request would fail a large operation by chance alone (10,000 records
 * with a fifth of requests throttled: 10,000 x 0.2^6 of them meet six in a row), so a throttled
 * request waits and resends until the operation's deadline. Their backoff grows with the run of
 * throttling answers, and other failures keep their own count.
 */
export async function retrying<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  let failures = 0;
  let throttled = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (verdict(error, options.idempotent) !== "retry") throw error;
      const failure = error as RequestError;
      const isThrottled = isThrottling(failure);
      if (isThrottled) throttled++;
      else failures++;
      const asked = failure.kind === "api" ? failure.retryAfterMs : undefined;
      const delay = backoffMs(
        isThrottled ? throttled : failures,
        options.random ?? Math.random,
        asked,
      );
      const outOfRetries = failures > options.maxRetries;
      if (outOfRetries || Date.now() + delay > options.budget.deadline) {
        throw gaveUp(failure, n, outOfRetries);
      }
      options.onRetry?.(failure, n, delay);
      await pause(
        delay,
        options.budget,
        options.doing,
        `the next attempt, ${delay} ms after: ${failure.message}`,
      );
    }
  }
}

// The last failure, telling how many attempts were made and, unless retries ran out, that the
// deadline stopped them. Never a timeout: that is not retried (PERMANENT_NETWORK).
function gaveUp(failure: RequestError, attempts: number, outOfRetries: boolean): RequestError {
  failure.message += ` Gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}${outOfRetries ? "" : " (roma:operationTimeout)"}.`;
  return failure;
}
