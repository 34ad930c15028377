import { ANSWER_TOO_LARGE, CERTIFICATE_REFUSED, networkError } from "../../provider/http/errors";
import { budgetOf, timedOut } from "../../provider/http/deadline";
import {
  backoffMs,
  isThrottling,
  PERMANENT_NETWORK,
  retrying,
  verdict,
} from "../../provider/http/retry";
import { apiAnswer as api, retryOptions } from "../support";

const net = (code: string, mayHaveArrived = false) => networkError(code, mayHaveArrived, "x", "d");

describe("verdict: every listed rule", () => {
  it.each([...PERMANENT_NETWORK])("never retries %s, a failure no retry mends", (code) => {
    expect(code).toMatch(/^[A-Z][A-Z_]+$/);
    expect([verdict(net(code), true), verdict(net(code, true), false)]).toStrictEqual([
      "fail",
      "fail",
    ]);
  });

  it.each([...CERTIFICATE_REFUSED])("never retries a certificate refused for %s", (code) => {
    expect([verdict(net(code), true), verdict(net(code), false)]).toStrictEqual(["fail", "fail"]);
  });

  it("retries a 429 whatever its code, and a refusal that leaves a write untouched", () => {
    for (const error of [
      api(429, "APIG.0000"),
      api(429, "HTTP.429"),
      api(400, "APIG.0308"),
      api(400, "APIGW.0308"),
      api(400, "APIG.9008"),
      api(409, "APIG.3500"),
    ]) {
      expect([error.code, verdict(error, true), verdict(error, false)]).toStrictEqual([
        error.code,
        "retry",
        "retry",
      ]);
    }
  });

  it("resends a 5xx only when sending twice does no harm, and fails a 4xx", () => {
    expect([verdict(api(500, "X"), true), verdict(api(500, "X"), false)]).toStrictEqual([
      "retry",
      "unknown",
    ]);
    expect([verdict(api(499, "X"), true), verdict(api(499, "X"), false)]).toStrictEqual([
      "fail",
      "fail",
    ]);
  });

  it("does not resend an oversized answer, and reconciles a write that got one", () => {
    expect(verdict(net(ANSWER_TOO_LARGE, true), true)).toBe("fail");
    expect(verdict(net(ANSWER_TOO_LARGE, true), false)).toBe("unknown");
  });

  it("never resends a request the operation's deadline ended, even one that never arrived", () => {
    const budget = { deadline: 0, signal: new AbortController().signal, limitMs: 1000 };
    expect(verdict(timedOut(budget, "list records", "an answer"), true)).toBe("fail");
  });

  it("resends a request that never arrived, even a write", () => {
    expect(verdict(net("ECONNREFUSED", false), false)).toBe("retry");
    expect(verdict(net("ECONNRESET", true), true)).toBe("retry");
    expect(verdict(net("ECONNRESET", true), false)).toBe("unknown");
  });

  it("reads only API answers as throttling: a 429 of any code, or a throttling code", () => {
    expect(isThrottling(api(429, "APIG.0000"))).toBe(true);
    expect(isThrottling(api(500, "APIG.9008"))).toBe(true);
    expect(isThrottling(api(400, "APIGW.0308"))).toBe(true);
    expect(isThrottling(api(503, "HTTP.503"))).toBe(false);
    expect(isThrottling(api(409, "APIG.3500"))).toBe(false);
    expect(isThrottling(Object.assign(net("ECONNRESET"), { status: 429 }) as never)).toBe(false);
  });
});

describe("backoffMs", () => {
  it("doubles from 200 ms, half of it fixed and half random", () => {
    expect([1, 2, 3, 8, 9].map((n) => backoffMs(n, () => 0))).toStrictEqual([
      100, 200, 400, 10000, 10000,
    ]);
    expect([1, 2, 3, 7, 8].map((n) => backoffMs(n, () => 1))).toStrictEqual([
      200, 400, 800, 12800, 20000,
    ]);
    expect(backoffMs(2, () => 0.5)).toBe(300);
    expect(backoffMs(1, () => 0.333)).toBe(133);
    expect(backoffMs(1, () => 0, 120_000)).toBe(120_000);
    expect(backoffMs(3, () => 1, 100)).toBe(800);
  });
});

describe("retrying: counts and messages", () => {
  const options = retryOptions();

  it("backs off each kind of failure by its own run, and honours Retry-After", async () => {
    const answers = [
      api(503, "HTTP.503"),
      api(429, "APIG.0308"),
      api(429, "APIG.0308"),
      api(503, "HTTP.503"),
      api(503, "HTTP.503", { retryAfterMs: 5 }),
    ];
    const seen: [string, number, number][] = [];
    let n = 0;
    const result = await retrying(
      async () => {
        if (n < answers.length) throw answers[n++];
        return "done";
      },
      { ...options, onRetry: (e, attempt, delay) => seen.push([e.code, attempt, delay]) },
    );
    expect(result).toBe("done");
    expect(seen).toStrictEqual([
      ["HTTP.503", 1, 100],
      ["APIG.0308", 2, 100],
      ["APIG.0308", 3, 200],
      ["HTTP.503", 4, 200],
      ["HTTP.503", 5, 400],
    ]);
  });

  it("says how many attempts it made, in the singular too", async () => {
    const once = retrying(
      async () => {
        throw api(503, "HTTP.503");
      },
      { ...options, maxRetries: 0 },
    );
    await expect(once).rejects.toThrow(/\(HTTP.503, HTTP 503\)\. Gave up after 1 attempt\.$/);
    const network = retrying(
      async () => {
        throw net("ECONNREFUSED");
      },
      { ...options, maxRetries: 1 },
    );
    await expect(network).rejects.toThrow(/Gave up after 2 attempts\.$/);
  });

  it("sleeps until the deadline exactly, and gives up when the wait would end after it", async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      // random 0: the first retry waits 100 ms.
      const budget = (deadline: number) => ({
        deadline,
        signal: new AbortController().signal,
        limitMs: 100,
      });
      const once = (deadline: number) => {
        let n = 0;
        return retrying(
          async () => {
            if (n++ === 0) throw api(503, "HTTP.503");
            return "done";
          },
          { ...options, budget: budget(deadline) },
        );
      };
      const exact = once(1_000_100);
      await jest.advanceTimersByTimeAsync(100);
      await expect(exact).resolves.toBe("done");
      await expect(once(1_000_099)).rejects.toThrow(
        /\(HTTP.503, HTTP 503\)\. Gave up after 1 attempt \(roma:operationTimeout\)\.$/,
      );
    } finally {
      jest.useRealTimers();
    }
  });

  it("throws a failure that is not to be retried as it came", async () => {
    const timeout = timedOut(budgetOf(1000), "do something", "an answer", true);
    const before = timeout.message;
    await expect(
      retrying(async () => {
        throw timeout;
      }, options),
    ).rejects.toBe(timeout);
    expect(timeout.message).toBe(before);
    const bug = new TypeError("boom");
    await expect(
      retrying(async () => {
        throw bug;
      }, options),
    ).rejects.toBe(bug);
  });
});
