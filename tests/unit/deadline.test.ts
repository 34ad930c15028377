import { budgetOf, pauseUntil, sleep, timedOut, untilDeadline } from "../../provider/http/deadline";

// Node keeps an AbortSignal's listeners and their limit under internal symbols; events'
// getMaxListeners refuses a signal made in jest's realm.
function internal(signal: AbortSignal, description: string): unknown {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === description);
  return (signal as unknown as Record<symbol, unknown>)[key!];
}
const listeners = (signal: AbortSignal) =>
  (internal(signal, "kEvents") as Map<string, { size?: number }>).get("abort")?.size ?? 0;

describe("budgetOf", () => {
  it("gives a deadline limitMs from now, a signal without a listener limit, aborted then", () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const budget = budgetOf(5000);
      expect([budget.deadline, budget.limitMs, budget.signal.aborted]).toStrictEqual([
        1_005_000,
        5000,
        false,
      ]);
      expect(internal(budget.signal, "events.maxEventTargetListeners")).toBe(0);
      jest.advanceTimersByTime(4999);
      expect(budget.signal.aborted).toBe(false);
      jest.advanceTimersByTime(1);
      expect(budget.signal.aborted).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("timedOut", () => {
  it("names the setting, its value in seconds and what the operation waited for", () => {
    const budget = { deadline: 0, signal: new AbortController().signal, limitMs: 1500 };
    const error = timedOut(budget, "list records", "an answer");
    expect(error.message).toBe(
      "Could not list records: roma:operationTimeout (1.5 s) passed while waiting for an answer.",
    );
    // The code programs match on, so spelled out rather than read from the module.
    expect([error.code, error.mayHaveArrived, error.kind]).toStrictEqual([
      "OPERATION_TIMEOUT",
      false,
      "network",
    ]);
    expect(timedOut(budget, "x", "y", true).mayHaveArrived).toBe(true);
  });
});

describe("untilDeadline", () => {
  it("passes a value or an error through and leaves no listener behind", async () => {
    const controller = new AbortController();
    const budget = { deadline: Infinity, signal: controller.signal, limitMs: 1000 };
    await expect(untilDeadline(Promise.resolve(7), budget, "d", "w")).resolves.toBe(7);
    const boom = new Error("boom");
    await expect(untilDeadline(Promise.reject(boom), budget, "d", "w")).rejects.toBe(boom);
    expect(listeners(controller.signal)).toBe(0);
  });

  it("rejects at the deadline, or at once when it has passed", async () => {
    const controller = new AbortController();
    const budget = { deadline: Infinity, signal: controller.signal, limitMs: 2000 };
    const waiting = untilDeadline(new Promise(() => {}), budget, "log in", "the IAM login");
    controller.abort();
    await expect(waiting).rejects.toThrow(
      "Could not log in: roma:operationTimeout (2 s) passed while waiting for the IAM login.",
    );
    // The abort took its listener with it: a large operation's signal does not collect them.
    expect(listeners(controller.signal)).toBe(0);
    await expect(
      untilDeadline(Promise.resolve(1), budget, "log in", "the IAM login"),
    ).rejects.toThrow(/passed while waiting for the IAM login/);
  });
});

describe("sleep", () => {
  it("waits, and leaves no listener behind", async () => {
    const controller = new AbortController();
    await expect(sleep(1, controller.signal)).resolves.toBeUndefined();
    expect(listeners(controller.signal)).toBe(0);
    await expect(sleep(1)).resolves.toBeUndefined();
  });

  it("ends at an abort, or at once when already aborted", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow("aborted");
    expect(listeners(controller.signal)).toBe(0);
    await expect(sleep(60_000, controller.signal)).rejects.toThrow("aborted");
  });
});

describe("pauseUntil", () => {
  const budgetWith = (controller: AbortController) => ({
    deadline: Infinity,
    signal: controller.signal,
    limitMs: 3000,
  });
  const settled = async (promise: Promise<void>) => {
    let done = false;
    void promise.then(() => (done = true));
    await jest.advanceTimersByTimeAsync(0);
    return done;
  };

  it("waits again when its timer fires before the time (a busy loop's early timer)", async () => {
    jest.useFakeTimers({ now: 10_000 });
    try {
      const pause = pauseUntil(10_100, budgetWith(new AbortController()), "bind", "a slot");
      // The clock is set back as if the timer were counted from an earlier tick.
      jest.setSystemTime(9_950);
      await jest.advanceTimersByTimeAsync(100);
      expect(await settled(pause)).toBe(false);
      await jest.advanceTimersByTimeAsync(50);
      expect(await settled(pause)).toBe(true);
      expect(Date.now()).toBe(10_100);
    } finally {
      jest.useRealTimers();
    }
  });

  it("ends at once for a time already past, even with the deadline passed", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      pauseUntil(Date.now() - 1, budgetWith(controller), "bind", "a slot"),
    ).resolves.toBeUndefined();
  });

  it("ends at the deadline with its error, naming what it waited for", async () => {
    const controller = new AbortController();
    const pause = pauseUntil(Date.now() + 60_000, budgetWith(controller), "bind", "a slot");
    controller.abort();
    await expect(pause).rejects.toThrow(
      new Error("Could not bind: roma:operationTimeout (3 s) passed while waiting for a slot."),
    );
    await expect(pause).rejects.toMatchObject({ code: "OPERATION_TIMEOUT", mayHaveArrived: false });
    expect(listeners(controller.signal)).toBe(0);
  });
});
