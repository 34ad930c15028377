import { madeWithin, ServerClock } from "../../provider/clock";

describe("the server's clock from Date headers", () => {
  it("bounds the offset by each answer's flight and the header's one-second resolution", () => {
    const clock = new ServerClock();
    expect(clock.window(0, 0)).toBeUndefined();
    // Sent at 1000, answered at 1100 (local); the server wrote "10 s" while it read 10.0-11.0 s.
    clock.observe(1000, 1100, 10_000);
    expect(clock.window(2000, 2000)).toEqual({ from: 2000 + 8900, to: 2000 + 10_000 });
    // Later answers tighten the bounds, each what its own flight allows.
    clock.observe(5000, 5050, 14_000);
    expect(clock.window(0, 0)).toEqual({ from: 8950, to: 10_000 });
    clock.observe(6000, 6010, 14_000);
    expect(clock.window(0, 0)).toEqual({ from: 8950, to: 9000 });
  });

  it("starts over when the clocks stepped against each other", () => {
    const clock = new ServerClock();
    clock.observe(0, 10, 0);
    clock.observe(100, 110, 60_000);
    expect(clock.window(0, 0)).toEqual({ from: 59_890, to: 60_900 });
  });

  it("judges auth_time within a window, allowing a second only for a time without a fraction", () => {
    const window = {
      from: Date.parse("2026-01-01T00:00:10.500Z"),
      to: Date.parse("2026-01-01T00:00:12Z"),
    };
    expect(madeWithin("2026-01-01T00:00:11.000Z", window)).toBe(true);
    expect(madeWithin("2026-01-01T00:00:10.400Z", window)).toBe(false);
    expect(madeWithin("2026-01-01T00:00:10Z", window)).toBe(true);
    expect(madeWithin("2026-01-01T00:00:09Z", window)).toBe(false);
    expect(madeWithin("2026-01-01T00:00:12.001Z", window)).toBe(false);
    expect(madeWithin("", window)).toBe(false);
  });
});

describe("the server's clock: edges", () => {
  it("is unknown until an answer, then gives the earliest local time the server is surely past", () => {
    const clock = new ServerClock();
    expect([clock.known, clock.surelyPast(5000), clock.now()]).toStrictEqual([
      false,
      undefined,
      undefined,
    ]);
    clock.observe(1000, 1100, 10_000);
    expect(clock.known).toBe(true);
    // The server reads at least local + 8,900: it is past 20,000 by local 11,101.
    expect(clock.surelyPast(20_000)).toBe(11_101);
    jest.useFakeTimers({ now: 50_000 });
    try {
      expect(clock.now()).toStrictEqual({ from: 58_900, to: 60_000 });
    } finally {
      jest.useRealTimers();
    }
  });

  it("starts over when the server's clock stepped back, too", () => {
    const clock = new ServerClock();
    clock.observe(0, 10, 60_000);
    clock.observe(100, 110, 0);
    expect(clock.window(0, 0)).toStrictEqual({ from: -110, to: 900 });
  });

  it("keeps bounds that touch the new evidence's edge", () => {
    const clock = new ServerClock();
    clock.observe(0, 0, 0); // offset in [0, 1000]
    clock.observe(0, 0, 1000); // offset in [1000, 2000]: touches, no step
    expect(clock.window(0, 0)).toStrictEqual({ from: 1000, to: 1000 });
    const other = new ServerClock();
    other.observe(0, 0, 1000); // [1000, 2000]
    other.observe(0, 0, 0); // [0, 1000]: touches from below
    expect(other.window(0, 0)).toStrictEqual({ from: 1000, to: 1000 });
  });

  it("counts the window's own edges in", () => {
    const window = { from: 10_500, to: 12_000 };
    const at = (ms: number, fraction: boolean) => {
      const iso = new Date(ms).toISOString();
      return fraction ? iso : iso.replace(/\.\d+Z$/, "Z");
    };
    expect(madeWithin(at(10_500, true), window)).toBe(true);
    expect(madeWithin(at(12_000, true), window)).toBe(true);
    expect(madeWithin(at(9_000, false), window)).toBe(false);
    expect(madeWithin(at(10_000, false), window)).toBe(true);
  });
});
