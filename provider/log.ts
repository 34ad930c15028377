/**
 * Debug lines on stderr, which the provider host passes through to the engine (`pulumi.log` does
 * not reach the engine from there). Off unless `ROMA_DEBUG` is set. Callers pass only what is safe
 * to print: methods, paths, codes, timings; never headers or bodies. Known credentials are scrubbed
 * all the same.
 */
import { scrub } from "./secret";

export function debug(message: string): void {
  if (process.env.ROMA_DEBUG) process.stderr.write(`[roma] ${scrub(message)}\n`);
}

/** `fn`, logging how long each call took (the provider's own time, without the engine's). */
export function timed<A extends unknown[], R>(
  operation: string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const started = Date.now();
    try {
      return await fn(...args);
    } finally {
      debug(`${operation} took ${Date.now() - started} ms`);
    }
  };
}
