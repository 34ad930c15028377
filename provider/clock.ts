/**
 * The server's clock as this machine can know it: every answer's `Date` header bounds the
 * difference between the two clocks, and a write whose answer was lost is placed on the server's
 * clock within those bounds. Ownership of a record whose write had an unknown outcome is judged
 * against that window (see README, "Ownership"), so the window must contain every moment the
 * server may have made the record, and no more than the evidence forces.
 */

/** An interval of server time, epoch ms. */
export interface ServerWindow {
  from: number;
  to: number;
}

/** A `Date` header has one-second resolution: the server's time was in [date, date + 1 s). */
const DATE_RESOLUTION_MS = 1000;

export class ServerClock {
  // Bounds on (server clock - this machine's clock), tightened by every answer.
  private low = -Infinity;
  private high = Infinity;

  /**
   * Takes one answer's `Date` header: the server wrote it at some moment between `sentAt` and
   * `receivedAt` (this machine's clock), at a time in [date, date + 1 s).
   */
  observe(sentAt: number, receivedAt: number, date: number): void {
    const low = date - receivedAt;
    const high = date + DATE_RESOLUTION_MS - sentAt;
    if (low > this.high || high < this.low) {
      // The clocks moved against each other (a clock step): only the new evidence holds.
      this.low = low;
      this.high = high;
      return;
    }
    this.low = Math.max(this.low, low);
    this.high = Math.min(this.high, high);
  }

  /** True once some answer has told the server's time. */
  get known(): boolean {
    return Number.isFinite(this.low) && Number.isFinite(this.high);
  }

  /**
   * The server-time window a request in flight between `sentAt` and `endedAt` (this machine's
   * clock) may have acted in; undefined while no answer has told the server's time.
   */
  window(sentAt: number, endedAt: number): ServerWindow | undefined {
    if (!this.known) return undefined;
    return { from: sentAt + this.low, to: endedAt + this.high };
  }

  /** This machine's time by which the server's clock has surely passed `serverTime`. */
  surelyPast(serverTime: number): number | undefined {
    return this.known ? serverTime - this.low + 1 : undefined;
  }

  /** The earliest and latest the server's clock may read now. */
  now(): ServerWindow | undefined {
    return this.window(Date.now(), Date.now());
  }
}

/**
 * True when a record whose `auth_time` is `authTime` may have been made within `window`. An
 * auth_time written to the second (no fraction) covers the whole second, hence that allowance.
 */
export function madeWithin(authTime: string, window: ServerWindow): boolean {
  // An unreadable auth_time parses to NaN, which no comparison below holds for.
  const at = Date.parse(authTime);
  const resolution = /[.,]\d+/.test(authTime) ? 0 : DATE_RESOLUTION_MS;
  return at >= window.from - resolution && at <= window.to;
}
