import { networkError, retryAfterMs } from "../../provider/http/errors";
import { getEventListeners } from "node:events";
import { AdaptiveLimiter } from "../../provider/http/limiter";
import { budgetOf } from "../../provider/http/deadline";
import { backoffMs, retrying, verdict } from "../../provider/http/retry";
import {
  romaApiError as apiError,
  romaErrorFields as errorFields,
} from "../../provider/roma-errors";
import { apiAnswer as api, retryOptions } from "../support";

describe("retry verdicts", () => {
  it.each([
    ["429 throttled", api(429, "APIG.0308"), "retry", "retry"],
    ["500 APIG.9008", api(500, "APIG.9008"), "retry", "retry"],
    ["APIG.3500 sync conflict", api(409, "APIG.3500"), "retry", "retry"],
    ["500 system error", api(500, "APIG.9999"), "retry", "unknown"],
    ["503", api(503, "HTTP.503"), "retry", "unknown"],
    [
      "connection reset",
      networkError("ECONNRESET", true, "x", "socket hang up"),
      "retry",
      "unknown",
    ],
    ["connection refused", networkError("ECONNREFUSED", false, "x", "refused"), "retry", "retry"],
    ["unknown host name", networkError("ENOTFOUND", false, "x", "getaddrinfo"), "fail", "fail"],
    ["400 bad parameter", api(400, "APIG.2011"), "fail", "fail"],
    ["401 bad token", api(401, "APIG.1002"), "fail", "fail"],
    ["404 unknown app", api(404, "APIG.3004"), "fail", "fail"],
    ["a plain bug", new Error("boom"), "fail", "fail"],
  ])("%s: idempotent %s, write %s", (_what, error, idempotent, write) => {
    expect(verdict(error, true)).toBe(idempotent);
    expect(verdict(error, false)).toBe(write);
  });
});

describe("backoff", () => {
  it("grows exponentially with jitter, is capped, and honours Retry-After", () => {
    expect(backoffMs(1, () => 0)).toBe(100);
    expect(backoffMs(1, () => 1)).toBe(200);
    expect(backoffMs(4, () => 0)).toBe(800);
    expect(backoffMs(30, () => 1)).toBe(20000);
    expect(backoffMs(1, () => 0, 3000)).toBe(3000);
  });

  it("reads Retry-After as seconds or as a date", () => {
    const now = Date.parse("2026-11-23T10:00:00Z");
    expect(retryAfterMs("2", now)).toBe(2000);
    expect(retryAfterMs("Mon, 23 Nov 2026 10:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});

describe("retrying", () => {
  const options = retryOptions();

  it("retries what is safe until it succeeds", async () => {
    let n = 0;
    const result = await retrying(async () => {
      if (++n < 3) throw api(429, "APIG.0308", { retryAfterMs: 1 });
      return "done";
    }, options);
    expect([result, n]).toEqual(["done", 3]);
  });

  it("never retries a request the API said is wrong", async () => {
    let n = 0;
    await expect(
      retrying(async () => {
        n++;
        throw api(404, "APIG.3004");
      }, options),
    ).rejects.toThrow(/APIG.3004/);
    expect(n).toBe(1);
  });

  it("gives up after maxRetries and says so", async () => {
    let n = 0;
    const failing = retrying(
      async () => {
        n++;
        throw api(503, "HTTP.503");
      },
      { ...options, maxRetries: 2 },
    );
    await expect(failing).rejects.toThrow(/Gave up after 3 attempts\./);
    expect(n).toBe(3);
  });

  it.each([
    ["429 APIG.0308", 429, "APIG.0308"],
    ["429 APIGW.0308", 429, "APIGW.0308"],
    ["500 APIG.9008", 500, "APIG.9008"],
  ])(
    "resends a request throttled (%s) past maxRetries, until the deadline",
    async (_, status, code) => {
      let n = 0;
      const result = await retrying(
        async () => {
          if (++n <= 4) throw api(status, code, { retryAfterMs: 1 });
          return "done";
        },
        { ...options, maxRetries: 0, budget: budgetOf(60000) },
      );
      expect([result, n]).toEqual(["done", 5]);
    },
  );

  it("keeps counting other failures against maxRetries between throttling answers", async () => {
    let n = 0;
    const failing = retrying(
      async () => {
        n++;
        throw n % 2 ? api(429, "APIG.0308", { retryAfterMs: 1 }) : api(503, "HTTP.503");
      },
      { ...options, maxRetries: 2, budget: budgetOf(60000) },
    );
    await expect(failing).rejects.toThrow(/HTTP.503.*Gave up after 6 attempts\./);
    expect(n).toBe(6);
  });

  it("stops at the operation deadline rather than sleeping past it", async () => {
    const failing = retrying(
      async () => {
        throw api(429, "APIG.0308", { retryAfterMs: 60000 });
      },
      { ...options, budget: budgetOf(1000) },
    );
    await expect(failing).rejects.toThrow(/Gave up after 1 attempt \(roma:operationTimeout\)/);
  });

  it("ends a sleep between attempts at the deadline, naming what it waited for", async () => {
    const controller = new AbortController();
    let n = 0;
    const failing = retrying(
      async () => {
        n++;
        setImmediate(() => controller.abort());
        throw api(429, "APIG.0308", { retryAfterMs: 50_000 });
      },
      {
        ...options,
        budget: { deadline: Infinity, signal: controller.signal, limitMs: 3000 },
      },
    );
    await expect(failing).rejects.toThrow(
      /^Could not do something: roma:operationTimeout \(3 s\) passed while waiting for the next attempt, 50000 ms after: Could not do something: m \(APIG.0308, HTTP 429\)/,
    );
    expect(n).toBe(1);
  });

  it("does not resend a write whose outcome is unknown", async () => {
    let n = 0;
    await expect(
      retrying(
        async () => {
          n++;
          throw api(500, "APIG.9999");
        },
        { ...options, idempotent: false },
      ),
    ).rejects.toThrow(/APIG.9999/);
    expect(n).toBe(1);
  });
});

describe("AdaptiveLimiter", () => {
  it("never runs more than its limit at once, first come first served", async () => {
    const limiter = new AdaptiveLimiter(3);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const slot = await limiter.acquire();
        order.push(i);
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        slot.release("ok");
      }),
    );
    expect(most).toBe(3);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("lets a waiter leave the queue when its operation ends, and hands its turn on", async () => {
    const limiter = new AdaptiveLimiter(1);
    const held = await limiter.acquire();
    const leaving = new AbortController();
    const left = limiter.acquire(leaving.signal);
    const next = limiter.acquire();
    leaving.abort();
    await expect(left).rejects.toThrow(/aborted while waiting for a request slot/);
    held.release("ok");
    const slot = await next;
    expect(limiter.busy).toBe(1);
    slot.release("ok");
    expect(limiter.busy).toBe(0);
    await expect(limiter.acquire(leaving.signal)).rejects.toThrow(/aborted/);
    expect(limiter.busy).toBe(0);
  });

  it("counts a slot released twice once", async () => {
    const limiter = new AdaptiveLimiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    first.release("ok");
    first.release("ok");
    expect(limiter.busy).toBe(1);
    second.release("ok");
    expect(limiter.busy).toBe(0);
  });

  it("leaves no listener on an operation's signal, whether its waiter was served or left", async () => {
    const limiter = new AdaptiveLimiter(1);
    const operation = new AbortController();
    const held = await limiter.acquire();
    const served = limiter.acquire(operation.signal);
    expect(getEventListeners(operation.signal, "abort")).toHaveLength(1);
    held.release("ok");
    (await served).release("ok");
    expect(getEventListeners(operation.signal, "abort")).toHaveLength(0);
    // A signal that outlives its waiter must not reach into the queue when it aborts later.
    const again = await limiter.acquire();
    const other = limiter.acquire();
    const leaving = limiter.acquire(operation.signal);
    operation.abort();
    await expect(leaving).rejects.toThrow(/aborted/);
    expect(getEventListeners(operation.signal, "abort")).toHaveLength(0);
    again.release("ok");
    (await other).release("ok");
    expect(limiter.busy).toBe(0);
  });

  it("grows back only on successes, never on failures of other kinds", async () => {
    const limiter = new AdaptiveLimiter(8);
    (await limiter.acquire()).release("throttled");
    expect(limiter.current).toBe(4);
    for (let i = 0; i < 50; i++) (await limiter.acquire()).release("failed");
    expect(limiter.current).toBe(4);
  });

  it("halves on throttling once per generation and grows back after successes", async () => {
    const limiter = new AdaptiveLimiter(8);
    const slots = await Promise.all(Array.from({ length: 4 }, () => limiter.acquire()));
    slots.forEach((s) => s.release("throttled"));
    expect(limiter.current).toBe(4);
    const next = await limiter.acquire();
    next.release("throttled");
    expect(limiter.current).toBe(2);
    for (let i = 0; i < 2 + 3 + 4 + 5; i++) (await limiter.acquire()).release("ok");
    expect(limiter.current).toBe(6);
    for (let i = 0; i < 100; i++) (await limiter.acquire()).release("ok");
    expect(limiter.current).toBe(8);
  });

  it("recovers from the floor to its maximum once throttling stops, letting waiters in as it grows", async () => {
    const limiter = new AdaptiveLimiter(16);
    for (let i = 0; i < 5; i++) (await limiter.acquire()).release("throttled");
    expect(limiter.current).toBe(1);
    // Throttling has stopped: every request succeeds. Keep 32 requests queued and watch how many
    // run at once as the limit climbs back.
    let running = 0;
    let most = 0;
    let done = 0;
    const worker = async () => {
      while (done < 400) {
        const slot = await limiter.acquire();
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setImmediate(r));
        running--;
        done++;
        slot.release("ok");
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(limiter.current).toBe(16);
    expect(most).toBe(16);
  });
});

describe("error messages", () => {
  it("read like the API's, with the status, code and request id", () => {
    const fields = errorFields(
      404,
      { "x-request-id": "req-1" },
      { error_code: "APIG.3004", error_msg: "App 356de8eb does not exist" },
      Date.now(),
    );
    expect(
      apiError(fields, "authorize app 356de8eb for API 5f91 in environment RELEASE").message,
    ).toBe(
      "Could not authorize app 356de8eb for API 5f91 in environment RELEASE: App 356de8eb does not exist (APIG.3004, HTTP 404, request req-1).",
    );
  });

  it.each([
    ["APIG.1001", 401, /token has expired/],
    ["APIG.1002", 401, /token was not accepted: check roma:token \/ HW_AUTH_TOKEN/],
    ["APIG.1005", 403, /needs write permission/],
    ["APIG.0308", 429, /throttled.*roma:operationTimeout/],
    ["APIG.3030", 404, /Check instanceId/],
  ])("add a remedy for %s", (code, status, hint) => {
    expect(api(status, code).message).toMatch(hint);
  });

  it("explain a rejected signature and the clock skew seen in the answer's Date", () => {
    const now = Date.parse("2026-11-23T10:00:00Z");
    const fields = errorFields(
      401,
      { date: "Mon, 23 Nov 2026 10:20:00 GMT" },
      {
        error_code: "APIG.0301",
        error_msg: "Incorrect IAM authentication information: verify aksk signature fail",
      },
      now,
    );
    const message = apiError(fields, "list").message;
    expect(message).toMatch(
      /signature was rejected: check the access key and secret key, and this machine's clock/,
    );
    expect(message).toMatch(/This machine's clock is 1200 s behind the server's/);
  });

  it("accept IAM's error body and bodies that are not JSON", () => {
    const iam = {
      error: { code: "401", message: "The username or password is wrong.", title: "Unauthorized" },
    };
    expect(errorFields(401, {}, iam, 0)).toMatchObject({
      code: "IAM.401",
      apiMessage: "The username or password is wrong.",
    });
    expect(errorFields(502, {}, "<html>Bad gateway</html>", 0)).toMatchObject({
      code: "HTTP.502",
      apiMessage: "<html>Bad gateway</html>",
    });
  });
});
