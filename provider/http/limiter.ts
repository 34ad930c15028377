/**
 * Adaptive concurrency shared by every request of the provider process (AIMD, as TCP does): the
 * limit halves when the tenant is throttled and grows by one after a limit's worth of successes.
 */

/** How a request that held a slot ended. */
export type SlotOutcome = "ok" | "throttled" | "failed";

/** A held slot; release it exactly once. */
export interface Slot {
  release(outcome: SlotOutcome): void;
}

export class AdaptiveLimiter {
  private limit: number;
  private inFlight = 0;
  private successes = 0;
  // Requests sent under an older limit report throttling late; one halving per generation is
  // enough. Each halving starts a generation: a token of its own, compared by identity.
  private generation: object = {};
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    this.limit = max;
  }

  /** The current limit. */
  get current(): number {
    return this.limit;
  }

  /** Requests holding a slot now. */
  get busy(): number {
    return this.inFlight;
  }

  /**
   * Waits for a free slot, first come first served. When `signal` aborts first, the wait ends
   * with an error and leaves the queue, so no slot is ever handed to a caller that left.
   */
  async acquire(signal?: AbortSignal): Promise<Slot> {
    if (signal?.aborted) throw new Error("aborted while waiting for a request slot");
    // Freed slots go to waiters at once (`dispatch`), so a free slot means that no one waits.
    if (this.inFlight < this.limit) this.inFlight++;
    else await this.enqueue(signal);
    const generation = this.generation;
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.adapt(outcome, generation);
        this.dispatch();
      },
    };
  }

  private enqueue(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        // Only a waiter still queued listens: `wake` removes the listener as it dequeues.
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        reject(new Error("aborted while waiting for a request slot"));
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.waiting.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private adapt(outcome: SlotOutcome, generation: object): void {
    if (outcome === "throttled") {
      if (generation === this.generation) {
        this.limit = Math.max(1, Math.floor(this.limit / 2));
        this.generation = {};
        this.successes = 0;
      }
    } else if (outcome === "ok" && this.limit < this.max && ++this.successes >= this.limit) {
      this.limit++;
      this.successes = 0;
    }
  }

  // The slot is counted here, not by the woken waiter, which resumes only on a later tick.
  private dispatch(): void {
    while (this.waiting.length > 0 && this.inFlight < this.limit) {
      this.inFlight++;
      this.waiting.shift()!();
    }
  }
}
