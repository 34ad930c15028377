/**
 * The emulator's clock. Everything the server dates reads it: the `Date` header, `auth_time`, IAM
 * token lifetimes, the window a signature's date must fall in, and the visibility lag of
 * `binded-apis`. A test that passes a {@link ManualClock} decides exactly when server time moves,
 * so what it asserts cannot depend on how busy the machine is.
 */

/** A source of the server's time. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The real clock (the default). */
export const REAL_CLOCK: Clock = { now: () => Date.now() };

/** A clock that moves only when told. */
export class ManualClock implements Clock {
  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`A clock only moves forward, not by ${ms} ms`);
    this.time += ms;
  }
}
