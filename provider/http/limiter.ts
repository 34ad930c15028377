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
  // Requests sent under an older limit report throttling late; one halving per generation is enough.
  private generation = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    this.limit = max;
  }

  /** The current limit. */
  get current(): number {
    return this.limit;
  }

  /** Waits for a free slot, first come first served. */
  async acquire(): Promise<Slot> {
    if (this.inFlight < this.limit && this.waiting.length === 0) this.inFlight++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
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

  private adapt(outcome: SlotOutcome, generation: number): void {
    if (outcome === "throttled") {
      if (generation === this.generation) {
        this.limit = Math.max(1, Math.floor(this.limit / 2));
        this.generation++;
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
