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
