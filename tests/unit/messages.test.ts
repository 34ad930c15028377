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
