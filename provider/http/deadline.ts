/**
 * One operation's deadline as a cancellation signal: every wait of the operation (a request slot,
 * the IAM login, a retry's sleep, an answer) listens to the same signal, so `roma:operationTimeout`
 * ends the operation whatever it is waiting on.
 */
import { setMaxListeners } from "node:events";
import { networkError, type RomaNetworkError } from "./errors";

/** Limits every request of one operation (one resource's create, update, read or delete). */
export interface Budget {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /** Aborted at the deadline. */
  signal: AbortSignal;
  /** The operation's whole allowance, for messages. */
  limitMs: number;
}

/** The code of the error an operation ends with at its deadline. */
export const OPERATION_TIMEOUT = "OPERATION_TIMEOUT";

/** A budget of `limitMs` from now; its timer never keeps the process alive. */
export function budgetOf(limitMs: number): Budget {
  const controller = new AbortController();
  // Every request of the operation waits on this one signal, hundreds at once in a large destroy:
  // that is the design, not a leak, so Node's warning (printed on the user's screen) is off.
  setMaxListeners(0, controller.signal);
  setTimeout(() => controller.abort(), limitMs).unref();
  return { deadline: Date.now() + limitMs, signal: controller.signal, limitMs };
}

/**
 * The error an operation ends with at its deadline, naming what it was waiting for.
 * `mayHaveArrived`: the request was on the wire, so a write may have taken effect.
 */
export function timedOut(
  budget: Budget,
  doing: string,
  waitingFor: string,
  mayHaveArrived = false,
): RomaNetworkError {
  const error = networkError(OPERATION_TIMEOUT, mayHaveArrived, doing, "");
  error.message = `Could not ${doing}: roma:operationTimeout (${budget.limitMs / 1000} s) passed while waiting for ${waitingFor}.`;
  return error;
}

/**
 * `promise`, or the deadline's error if the budget runs out first. What `promise` stands for is
 * not cancelled (it may be shared with other operations, as one IAM login is).
 */
export function untilDeadline<T>(
  promise: Promise<T>,
  budget: Budget,
  doing: string,
  waitingFor: string,
): Promise<T> {
  const { signal } = budget;
  if (signal.aborted) return Promise.reject(timedOut(budget, doing, waitingFor));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timedOut(budget, doing, waitingFor));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as it came
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with `signal`'s abort as soon as it comes. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("aborted"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits `ms`, or rejects with the deadline's error, naming what the pause waited for. */
export async function pause(
  ms: number,
  budget: Budget,
  doing: string,
  waitingFor: string,
): Promise<void> {
  try {
    await sleep(ms, budget.signal);
  } catch {
    throw timedOut(budget, doing, waitingFor);
  }
}

/** Pauses until `time` (this machine's clock), or the deadline's error as `pause` gives it. */
export async function pauseUntil(
  time: number,
  budget: Budget,
  doing: string,
  waitingFor: string,
): Promise<void> {
  // A timer counts from the event loop's last tick, so on a busy loop it fires early: wait again.
  while (Date.now() < time) await pause(time - Date.now(), budget, doing, waitingFor);
}
