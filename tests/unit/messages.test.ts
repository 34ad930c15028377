import fc from "fast-check";
import { describeFailures, type PairFailure } from "../../provider/operations";

const SCREEN = 2000;
const hex = (prefix: string, i: number) =>
  `${prefix}${i.toString(16).padStart(32 - prefix.length, "0")}`;

// `count` failed pairs of 10 apps, spread over `distinct` reasons of `length` characters, each
// reason naming its own request id (as the service's answers do).
function failures(count: number, distinct: number, length: number): PairFailure[] {
  return Array.from({ length: count }, (_, i) => ({
    appId: hex("a", i % 10),
    apiId: hex("b", Math.floor(i / 10)),
    code: `APIG.${i % distinct}`,
    reason: `${`cause ${i % distinct} `.padEnd(length, "x")} (APIG.${i % distinct}, request r${i})`,
  }));
}

describe("what a user reads of up to 10,000 failed pairs", () => {
  it.each([
    ["one reason", 10000, 1, 80],
    ["10,000 distinct reasons", 10000, 10000, 80],
    ["a few reasons of 5,000 characters", 10000, 4, 5000],
  ])("%s: the message and the reasons fit a screen", (_name, count, distinct, length) => {
    for (const remedy of [undefined, "r".repeat(400)]) {
      const { message, reasons } = describeFailures(
        "authorized",
        failures(count, distinct, length),
        remedy,
      );
      expect(message.length).toBeLessThanOrEqual(SCREEN);
      expect(reasons.join("\n").length).toBeLessThanOrEqual(SCREEN);
      expect(new Set(reasons).size).toBe(reasons.length);
      expect(message).toContain(`${count} pairs (app x API) could not be authorized`);
    }
  });

  it("names no pair twice, whatever the failures", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 3000 }),
        (count, distinct, length) => {
          const { message, reasons } = describeFailures(
            "cancelled",
            failures(count, Math.min(distinct, count), length),
          );
          expect(message.length).toBeLessThanOrEqual(SCREEN);
          expect(reasons.join("\n").length).toBeLessThanOrEqual(SCREEN);
          for (const pair of message.match(/a0*[0-9a-f] x b[0-9a-f]+/g) ?? []) {
            expect(message.split(pair)).toHaveLength(2);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("the words of a failure summary", () => {
  const fail = (appId: string, apiId: string, reason: string): PairFailure => ({
    appId,
    apiId,
    code: "X",
    reason,
  });

  it("groups one cause met by several requests, largest group first, with the remedy last", () => {
    const { message, reasons } = describeFailures(
      "bound",
      [
        fail("a2", "p1", "cause B"),
        fail("a1", "p1", "cause A (X, request r1)"),
        fail("a1", "p2", "cause A (X, request r22)"),
        fail("a1", "p3", "cause A (X)"),
      ],
      "Do this.",
    );
    expect(reasons).toStrictEqual([
      "cause A (X, request r1) (3 pairs: a1 x p1, a1 x p2, a1 x p3)",
      "cause B (1 pair: a2 x p1)",
      "Do this.",
    ]);
    expect(message).toBe(
      [
        "4 pairs (app x API) could not be bound:",
        "  - cause A (X, request r1) (3 pairs: a1 x p1, a1 x p2, a1 x p3)",
        "  - cause B (1 pair: a2 x p1)",
        "  - Do this.",
      ].join("\n"),
    );
  });

  it("shows three pairs of a reason and counts the rest, and three reasons and counts the rest", () => {
    const many = ["p1", "p2", "p3", "p4", "p5"].map((api) => fail("a1", api, "big"));
    const { reasons } = describeFailures("cancelled", [
      ...many,
      fail("a2", "p1", "two"),
      fail("a2", "p2", "two"),
      fail("a3", "p1", "three"),
      fail("a4", "p1", "four"),
      fail("a5", "p1", "five"),
    ]);
    expect(reasons).toStrictEqual([
      "big (5 pairs: a1 x p1, a1 x p2, a1 x p3 and 2 more)",
      "two (2 pairs: a2 x p1, a2 x p2)",
      "three (1 pair: a3 x p1)",
      "and 2 more reasons (2 pairs)",
    ]);
    const four = describeFailures("cancelled", many.slice(0, 3).concat(fail("a4", "p1", "four")));
    expect(four.reasons[0]).toBe("big (3 pairs: a1 x p1, a1 x p2, a1 x p3)");
    const three = describeFailures("cancelled", [
      fail("a1", "p1", "x"),
      fail("a2", "p1", "y"),
      fail("a3", "p1", "z"),
    ]);
    expect(three.reasons).toStrictEqual([
      "x (1 pair: a1 x p1)",
      "y (1 pair: a2 x p1)",
      "z (1 pair: a3 x p1)",
    ]);
    const one = describeFailures("cancelled", [
      fail("a1", "p1", "w"),
      fail("a2", "p1", "x"),
      fail("a3", "p1", "y"),
      fail("a4", "p1", "z"),
    ]);
    expect(one.reasons.at(-1)).toBe("and 1 more reason (1 pair)");
  });

  it("gives one reason the screen less 200 characters and the remedy's share", () => {
    const tail = " (1 pair: a x p)";
    const fits = "r".repeat(1700 - tail.length);
    expect(describeFailures("bound", [fail("a", "p", fits)]).reasons).toStrictEqual([fits + tail]);
    const long = "r".repeat(3000);
    expect(describeFailures("bound", [fail("a", "p", long)]).reasons[0]).toBe(
      `${"r".repeat(1700 - tail.length - 3)}...${tail}`,
    );
    const remedy = "m".repeat(10);
    expect(describeFailures("bound", [fail("a", "p", long)], remedy).reasons[0]).toBe(
      `${"r".repeat(1700 - 16 - tail.length - 3)}...${tail}`,
    );
  });

  it("keeps 120 characters of each reason however long the remedy, then clips the message", () => {
    const remedy = "m".repeat(1500);
    const { message, reasons } = describeFailures(
      "bound",
      ["a", "b", "c"].map((app) => fail(app, "p", app.repeat(500))),
      remedy,
    );
    expect(reasons.slice(0, 3)).toStrictEqual(
      ["a", "b", "c"].map((app) => `${app.repeat(117)}... (1 pair: ${app} x p)`),
    );
    expect(message).toHaveLength(1900);
    expect(message.endsWith("m...")).toBe(true);
  });
});
