/**
 * Binding, unbinding and listing the records of one environment, with everything a half-answered
 * network makes necessary: bounded requests run side by side, lost answers reconciled by listing
 * before anything is resent, existing pairs adopted or reported, and writes that are slow to show in
 * `binded-apis` waited for with bounded polling.
 */
import { isApiError, isRequestError } from "./http/errors";
import { backoffMs, sleep, verdict } from "./http/retry";
import type { Budget } from "./http/transport";
import { batchPairs, pairKey, productPairs, type Batch } from "./plan";
import { list, MAX_PAGE, type RomaApi } from "./roma-api";
import type { AuthorizationRecord, Pair, UnconfirmedPair } from "./types";
import {
  recordFromInfo,
  recordFromRelation,
  type ApiAuthRelationWire,
  type BindOptions,
} from "./wire";

/** A pair to bind; `since` marks one that an earlier write, sent at that time, may have created. */
export type PairToBind = Pair & { since?: string };

/** A pair that could not be bound or unbound, and why. */
export interface PairFailure extends Pair {
  code: string;
  message: string;
}

/** What a bind achieved: records it holds ids for, pairs that failed, pairs it cannot tell about. */
export interface BindOutcome {
  records: AuthorizationRecord[];
  failed: PairFailure[];
  unconfirmed: UnconfirmedPair[];
}

/** What an unbind achieved. */
export interface UnbindOutcome {
  /** Records that are gone, whether this call or someone else removed them. */
  cancelled: AuthorizationRecord[];
  failed: PairFailure[];
}

// The API's auth_time and this machine's clock may differ by as much as a signature tolerates.
const CLOCK_TOLERANCE_MS = 15 * 60000;

interface BindContext {
  options: BindOptions;
  adopt: boolean;
}

export class Bindings {
  constructor(
    private readonly api: RomaApi,
    private readonly envId: string,
    private readonly settings: {
      batchSize: number;
      maxRetries: number;
      /** How long a lookup waits for a write to show in `binded-apis`. */
      consistencyTimeoutMs: number;
    },
    private readonly budget: Budget,
    /**
     * Ids of records this provider process cancelled, shared by every resource: a lagging listing
     * still shows them for a while, and a pair bound again (by this resource or another one in the
     * same run) must not be mistaken for its old record.
     */
    private readonly cancelled: Set<string>,
  ) {}

  /** Binds `pairs` in bounded requests that run side by side. */
  bind(pairs: PairToBind[], options: BindOptions, adopt: boolean): Promise<BindOutcome> {
    return this.bindRound(pairs, { options, adopt }, 1);
  }

  /** Cancels `records` side by side; a record already gone counts as cancelled. */
  async unbind(records: AuthorizationRecord[]): Promise<UnbindOutcome> {
    const results = await Promise.allSettled(records.map((r) => this.api.cancel(r)));
    const outcome: UnbindOutcome = { cancelled: [], failed: [] };
    results.forEach((result, i) => {
      if (result.status === "fulfilled") {
        outcome.cancelled.push(records[i]);
        this.cancelled.add(records[i].id);
      } else outcome.failed.push(failure(records[i], result.reason));
    });
    return outcome;
  }

  /**
   * Every record of the environment for these apps, keyed by pair (all pages, side by side), leaving
   * out the records this process cancelled.
   */
  async list(appIds: readonly string[]): Promise<Map<string, AuthorizationRecord>> {
    const perApp = await Promise.all([...new Set(appIds)].map((appId) => this.listApp(appId)));
    return new Map(perApp.flat().map((record) => [pairKey(record), record]));
  }

  /**
   * Finds the records of pairs that may exist. Writes can take a moment to appear in `binded-apis`,
   * so it polls with backoff until `until` pairs show (every one, any one, or just one listing) or
   * the visibility bound passes.
   */
  async lookup(
    pairs: readonly Pair[],
    until: "all" | "any" | "once",
  ): Promise<Map<string, AuthorizationRecord>> {
    const wanted = new Set(pairs.map(pairKey));
    const found = new Map<string, AuthorizationRecord>();
    const giveUpAt = Math.min(
      this.budget.deadline,
      Date.now() + this.settings.consistencyTimeoutMs,
    );
    for (let round = 1; ; round++) {
      const missing = pairs.filter((p) => !found.has(pairKey(p)));
      const listed = await this.list(missing.map((p) => p.appId));
      for (const [key, record] of listed) if (wanted.has(key)) found.set(key, record);
      const done =
        until === "once" || found.size === wanted.size || (until === "any" && found.size > 0);
      if (done || Date.now() >= giveUpAt) return found;
      // The last look comes when the window closes, not one backoff before it.
      await sleepUntil(Math.min(Date.now() + backoffMs(round, Math.random), giveUpAt));
    }
  }

  /**
   * True when `record` was written recently enough that a listing may not show it yet: within the
   * consistency timeout of the server's clock, as the answers' Date headers tell it; before any
   * answer, give or take the clock difference a signature tolerates.
   */
  mayBeLagging(record: AuthorizationRecord): boolean {
    const serverNow = this.api.serverNow() ?? Date.now() - CLOCK_TOLERANCE_MS;
    return !(Date.parse(record.authTime) < serverNow - this.settings.consistencyTimeoutMs);
  }

  private async listApp(appId: string): Promise<AuthorizationRecord[]> {
    const first = await this.api.listPage(appId, 0, MAX_PAGE);
    const offsets: number[] = [];
    for (let offset = MAX_PAGE; offset < first.total; offset += MAX_PAGE) offsets.push(offset);
    const rest = await Promise.all(offsets.map((o) => this.api.listPage(appId, o, MAX_PAGE)));
    return [first, ...rest]
      .flatMap((page) => page.auths)
      .filter((item) => item.app_id === appId && (!item.env_id || item.env_id === this.envId))
      .filter((item) => !this.cancelled.has(item.id))
      .map(recordFromInfo);
  }

  private async bindRound(
    pairs: PairToBind[],
    ctx: BindContext,
    round: number,
  ): Promise<BindOutcome> {
    const since = new Map(pairs.filter((p) => p.since).map((p) => [pairKey(p), p.since!]));
    const batches = batchPairs(pairs, this.settings.batchSize).map((batch) =>
      productPairs(batch.appIds, batch.apiIds).map((p) => withSince(p, since.get(pairKey(p)))),
    );
    return merge(await Promise.all(batches.map((b) => this.bindBatch(b, ctx, round))));
  }

  private async bindBatch(
    pairs: PairToBind[],
    ctx: BindContext,
    round: number,
  ): Promise<BindOutcome> {
    const batch: Batch = {
      appIds: [...new Set(pairs.map((p) => p.appId))],
      apiIds: [...new Set(pairs.map((p) => p.apiId))],
    };
    const sentAt = new Date().toISOString();
    let items: ApiAuthRelationWire[];
    try {
      items = await this.api.authorize(batch.appIds, batch.apiIds, ctx.options);
    } catch (error) {
      return this.afterFailedBind(pairs, error, sentAt, ctx, round);
    }
    return this.readAnswer(pairs, items, sentAt, ctx);
  }

  private async afterFailedBind(
    pairs: PairToBind[],
    error: unknown,
    sentAt: string,
    ctx: BindContext,
    round: number,
  ): Promise<BindOutcome> {
    const canRetry = round <= this.settings.maxRetries && Date.now() < this.budget.deadline;
    if (canRetry && verdict(error, false) === "unknown") {
      // The answer was lost: whatever shows up now may be ours. List first, resend only the rest.
      await sleep(backoffMs(round, Math.random));
      const maybeOurs = pairs.map((p) => withSince(p, p.since ?? sentAt));
      return this.settle(maybeOurs, ctx, round + 1, false);
    }
    if (canRetry && isApiError(error, "APIG.3316")) {
      // Some pair of the request exists already: find which (waiting for it to show), bind the rest.
      return this.settle(pairs, ctx, round + 1, true);
    }
    return { records: [], unconfirmed: [], failed: pairs.map((p) => failure(p, error)) };
  }

  // Looks up pairs that may exist, keeps what it finds, and binds again what it does not.
  private async settle(
    pairs: PairToBind[],
    ctx: BindContext,
    round: number,
    waitForAny: boolean,
  ): Promise<BindOutcome> {
    const found = await this.lookup(pairs, waitForAny ? "any" : "once");
    if (waitForAny && found.size === 0) {
      return {
        records: [],
        unconfirmed: [],
        failed: pairs.map((p) => existsFailure(p, this.envId, "APIG.3316")),
      };
    }
    const known = this.claim(
      pairs.filter((p) => found.has(pairKey(p))),
      found,
      ctx,
    );
    const rest = pairs.filter((p) => !found.has(pairKey(p)));
    const retried = rest.length > 0 ? await this.bindRound(rest, ctx, round) : empty();
    return merge([known, retried]);
  }

  private async readAnswer(
    pairs: PairToBind[],
    items: ApiAuthRelationWire[],
    sentAt: string,
    ctx: BindContext,
  ): Promise<BindOutcome> {
    const answered = new Map(items.map((i) => [pairKey({ appId: i.app_id, apiId: i.api_id }), i]));
    const outcome = empty();
    const toLookUp: PairToBind[] = [];
    for (const pair of pairs) {
      const item = answered.get(pairKey(pair));
      const status = item?.auth_result?.status ?? (item?.id ? "SUCCESS" : undefined);
      if (status === "SUCCESS" && item?.id) {
        outcome.records.push(recordFromRelation({ ...item, id: item.id }));
      } else if (status === "FAILED") {
        const result = item!.auth_result!;
        const code = result.error_code ?? "FAILED";
        outcome.failed.push({
          ...pair,
          code,
          message: `Could not authorize app ${pair.appId} for API ${pair.apiId} in environment ${this.envId}: ${result.error_msg ?? "the API answered FAILED"} (${code}).`,
        });
      } else if (status === "SKIPPED" && !pair.since && !ctx.adopt) {
        outcome.failed.push(existsFailure(pair, this.envId, "SKIPPED"));
      } else if (status === "SKIPPED" && item?.id && item.auth_time) {
        merge([this.claimOne(pair, recordFromRelation({ ...item, id: item.id }), ctx)], outcome);
      } else {
        // Skipped without an id, or missing from the answer: the listing knows the record.
        toLookUp.push(withSince(pair, pair.since ?? (status === "SKIPPED" ? undefined : sentAt)));
      }
    }
    if (toLookUp.length > 0) {
      const found = await this.lookup(toLookUp, "all");
      merge(
        [
          this.claim(
            toLookUp.filter((p) => found.has(pairKey(p))),
            found,
            ctx,
          ),
        ],
        outcome,
      );
      for (const pair of toLookUp.filter((p) => !found.has(pairKey(p)))) {
        outcome.unconfirmed.push({
          appId: pair.appId,
          apiId: pair.apiId,
          since: pair.since ?? sentAt,
        });
      }
    }
    return outcome;
  }

  private claim(
    pairs: PairToBind[],
    found: Map<string, AuthorizationRecord>,
    ctx: BindContext,
  ): BindOutcome {
    return merge(pairs.map((p) => this.claimOne(p, found.get(pairKey(p))!, ctx)));
  }

  // A record that exists for a pair we bind is ours when an earlier write of ours may have made it;
  // otherwise it is someone else's, adopted only if asked.
  private claimOne(pair: PairToBind, record: AuthorizationRecord, ctx: BindContext): BindOutcome {
    if (isOurs(record, pair.since) || ctx.adopt)
      return { records: [record], failed: [], unconfirmed: [] };
    return { records: [], unconfirmed: [], failed: [existsFailure(pair, this.envId, "SKIPPED")] };
  }
}

/**
 * True when a write of ours sent at `since` may have made `record`: its auth_time is not before
 * that write, give or take the clock difference a signature tolerates.
 */
export function isOurs(record: AuthorizationRecord, since: string | undefined): boolean {
  if (since === undefined) return false;
  const madeAt = Date.parse(record.authTime);
  return Number.isNaN(madeAt) || madeAt >= Date.parse(since) - CLOCK_TOLERANCE_MS;
}

/** Sorts unconfirmed pairs by what a listing found: records that are ours, and pairs unseen. */
export function claimUnconfirmed(
  unconfirmed: readonly UnconfirmedPair[],
  found: Map<string, AuthorizationRecord>,
): { ours: AuthorizationRecord[]; unseen: UnconfirmedPair[] } {
  const ours = unconfirmed
    .map((pair) => found.get(pairKey(pair)))
    .filter(
      (record, i): record is AuthorizationRecord =>
        record !== undefined && isOurs(record, unconfirmed[i].since),
    );
  return { ours, unseen: unconfirmed.filter((pair) => !found.has(pairKey(pair))) };
}

/**
 * One readable message for failed pairs: a single reason as it is (it names its pairs), several as
 * a list of reasons, each with the pairs it hit.
 */
export function describeFailures(what: string, failures: readonly PairFailure[]): string {
  const byMessage = new Map<string, PairFailure[]>();
  for (const f of failures) byMessage.set(f.message, [...(byMessage.get(f.message) ?? []), f]);
  if (byMessage.size === 1) return failures[0].message;
  const lines = [...byMessage].map(([message, pairs]) => {
    const apps = [...new Set(pairs.map((p) => p.appId))];
    const apis = [...new Set(pairs.map((p) => p.apiId))];
    return `  - ${message}\n    (${pairs.length} pair${pairs.length === 1 ? "" : "s"}: ${list("app", apps)} with ${list("API", apis)})`;
  });
  return `${failures.length} pairs could not be ${what}:\n${lines.join("\n")}`;
}

function existsFailure(pair: Pair, envId: string, code: string): PairFailure {
  return {
    ...pair,
    code,
    message: `App ${pair.appId} is already authorized for API ${pair.apiId} in environment ${envId} outside this resource (${code}). Set adoptExisting: true to manage that authorization from this resource, or remove the pair from appIds/apiIds.`,
  };
}

function failure(pair: Pair, error: unknown): PairFailure {
  const code = isRequestError(error) ? error.code : "ERROR";
  return { appId: pair.appId, apiId: pair.apiId, code, message: (error as Error).message };
}

// A timer counts from the event loop's last tick, so on a busy loop it fires early: wait again.
async function sleepUntil(time: number): Promise<void> {
  while (Date.now() < time) await sleep(time - Date.now());
}

function withSince(pair: Pair, since: string | undefined): PairToBind {
  return since
    ? { appId: pair.appId, apiId: pair.apiId, since }
    : { appId: pair.appId, apiId: pair.apiId };
}

function empty(): BindOutcome {
  return { records: [], failed: [], unconfirmed: [] };
}

// Concatenates outcomes; with `into`, appends to it.
function merge(outcomes: BindOutcome[], into: BindOutcome = empty()): BindOutcome {
  for (const o of outcomes) {
    into.records.push(...o.records);
    into.failed.push(...o.failed);
    into.unconfirmed.push(...o.unconfirmed);
  }
  return into;
}
