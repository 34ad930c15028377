/**
 * Binding, unbinding and listing the records of one environment, with everything a half-answered
 * network makes necessary: bounded requests run side by side, lost answers reconciled by listing
 * before anything is resent, existing pairs reported (or adopted when asked), and writes that are
 * slow to show in `binded-apis` waited for with bounded polling.
 *
 * Ownership (README, "Ownership"): a record is this resource's only when the API answered it to
 * this resource's write, or when its `auth_time` falls in the server-clock window of a write of
 * this resource whose outcome is unknown. Nothing else, and nothing remembered between commands.
 */
import { madeWithin, type ServerWindow } from "./clock";
import { pause, pauseUntil } from "./http/deadline";
import { isApiError, isRequestError, UNEXPECTED_ANSWER } from "./http/errors";
import { backoffMs, verdict } from "./http/retry";
import type { Budget } from "./http/transport";
import { batchPairs, pairKey, productPairs, type Batch } from "./plan";
import { MAX_PAGE, type RomaApi } from "./roma-api";
import { ALREADY_AUTHORIZED, meansAuthorized } from "./roma-errors";
import type { AuthorizationRecord, Pair, UnconfirmedPair, WriteWindow } from "./types";
import {
  recordFromInfo,
  recordFromRelation,
  type ApiAuthRelationWire,
  type BindOptions,
} from "./wire";

/** A write whose outcome is unknown: from the state (server clock), or on this machine's clock. */
export type Evidence = WriteWindow | { sentAt: number; endedAt: number };

/**
 * Told before each authorize request is sent; the function it returns, when it has ended, with
 * what the API said the request made nothing of: all of it (`true`: refused, so it is no evidence
 * of anything), or the pairs it answered SKIPPED or FAILED. Only the API's word: a failure inferred
 * from a listing says nothing of what the request made.
 */
export type WriteLog = (
  appIds: string[],
  apiIds: string[],
  sentAt: number,
) => (endedAt: number, madeNothing?: true | readonly Pair[]) => void;

/** A pair to bind, with the windows of earlier writes of this resource that may have made it. */
export type PairToBind = Pair & { windows?: Evidence[] };

/** A pair that could not be bound or unbound, and why (the reason never names the pair). */
export interface PairFailure extends Pair {
  code: string;
  reason: string;
}

/** A pair that may exist without the provider knowing its record, and why it is not known. */
export type OpenPair = UnconfirmedPair & { code: string; reason: string };

/** What a bind achieved: records it holds ids for, pairs that failed, pairs it cannot tell about. */
export interface BindOutcome {
  records: AuthorizationRecord[];
  failed: PairFailure[];
  unconfirmed: OpenPair[];
}

/** What an unbind achieved. */
export interface UnbindOutcome {
  /** Records that are gone, whether this call or someone else removed them. */
  cancelled: AuthorizationRecord[];
  failed: PairFailure[];
}

/** Every record the listing shows, by pair (a lagging listing may show two for one pair). */
export type Listing = Map<string, AuthorizationRecord[]>;

// Without any answer's Date header, a window can only be placed within what a signature tolerates.
const UNKNOWN_CLOCK_MS = 15 * 60000;

/** What a lookup waits for (see `lookup`). */
type Until = "all" | "any" | "once";

/** What a lookup found: records accepted, the last listing's records, pairs caught up with. */
interface Found {
  accepted: Map<string, AuthorizationRecord>;
  seen: Listing;
  caughtUp: Set<string>;
}

interface BindContext {
  options: BindOptions;
  adopt: boolean;
}

export class Bindings {
  /**
   * Records this operation cancelled: a lagging listing may still show them, and a pair rebound
   * within the same second cannot be told from them by time alone. Only this operation's: across
   * commands the write's window tells (a command takes longer than the Date header's second).
   */
  private readonly cancelled = new Set<string>();

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
    private readonly writeLog: WriteLog = () => () => undefined,
  ) {}

  /** Binds `pairs` in bounded requests that run side by side. Never throws. */
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
   * Of `records`, those that may still exist: when listing their apps costs at most a tenth of the
   * deletes it may save, the ones the listing shows plus any too recent for its absence to count
   * (a lagging read); otherwise, or when the listing fails, all of them. A destroy or update that
   * failed part-way thus resends only what is left, not every record (issue 19). Only ids of
   * `records` come back, so nothing the resource does not own is ever named.
   */
  async mayExist(records: AuthorizationRecord[]): Promise<AuthorizationRecord[]> {
    const perApp = new Map<string, number>();
    for (const r of records) perApp.set(r.appId, (perApp.get(r.appId) ?? 0) + 1);
    const pages = [...perApp.values()].reduce((n, count) => n + Math.ceil(count / MAX_PAGE), 0);
    if (pages * 10 > records.length) return records;
    const listing = await this.list([...perApp.keys()]).catch(() => undefined);
    if (!listing) return records;
    const listed = new Set([...listing.values()].flat().map((r) => r.id));
    return records.filter((r) => listed.has(r.id) || this.mayBeLagging(r));
  }

  /** Every record of the environment for these apps, by pair (all pages, side by side). */
  async list(appIds: readonly string[]): Promise<Listing> {
    const perApp = await Promise.all([...new Set(appIds)].map((appId) => this.listApp(appId)));
    const listing: Listing = new Map();
    for (const record of perApp.flat()) {
      listing.set(pairKey(record), [...(listing.get(pairKey(record)) ?? []), record]);
    }
    return listing;
  }

  /**
   * Settles pairs whose writes had unknown outcomes: the records made in their windows are ours;
   * a pair whose windows the listing has caught up with, showing no such record, was never made;
   * the rest stay open. Polls (bounded) while a window is too recent for the listing to be sure.
   * Throws when the listing fails.
   */
  async settle(
    pairs: readonly PairToBind[],
  ): Promise<{ ours: AuthorizationRecord[]; open: UnconfirmedPair[] }> {
    const { accepted, caughtUp } = await this.lookup(pairs, "all", (p, r) => this.madeBy(p, r));
    const open = pairs.filter((p) => !accepted.has(pairKey(p)) && !caughtUp.has(pairKey(p)));
    return {
      ours: [...accepted.values()],
      open: open.map((p) => ({ appId: p.appId, apiId: p.apiId, windows: this.windowsOf(p) })),
    };
  }

  /**
   * True when `record` was written recently enough that a listing may not show it yet: within the
   * consistency timeout of the earliest the server's clock may read (unknown clock: always). The
   * earliest, because calling a lagging record gone drops it from the state while it lives on.
   */
  mayBeLagging(record: AuthorizationRecord): boolean {
    const now = this.api.clock.now();
    return !now || !(Date.parse(record.authTime) < now.from - this.settings.consistencyTimeoutMs);
  }

  /** The server-clock windows of a pair's unknown writes, as the state keeps them. */
  windowsOf(pair: PairToBind): WriteWindow[] {
    return (pair.windows ?? []).map((w) => {
      if ("from" in w) return w;
      const placed = this.api.clock.window(w.sentAt, w.endedAt) ?? {
        from: w.sentAt - UNKNOWN_CLOCK_MS,
        to: w.endedAt + UNKNOWN_CLOCK_MS,
      };
      return { from: new Date(placed.from).toISOString(), to: new Date(placed.to).toISOString() };
    });
  }

  // A record is the pair's own when one of the pair's unknown writes may have made it.
  private madeBy(pair: PairToBind, record: AuthorizationRecord): boolean {
    if (this.cancelled.has(record.id)) return false;
    return this.windowsOf(pair).some((w) => madeWithin(record.authTime, parsed(w)));
  }

  // True when every window of the pair is older than what a listing made at `listedAt` (the
  // earliest the server's clock may have read then) may still be missing.
  private caughtUp(pair: PairToBind, listedAt: number | undefined): boolean {
    if (listedAt === undefined) return false;
    return this.windowsOf(pair).every(
      (w) => parsed(w).to + this.settings.consistencyTimeoutMs < listedAt,
    );
  }

  /**
   * Lists until `until` is met: every pair has an accepted record or has been caught up with
   * ("all"), some pair shows any record ("any"), or one listing ("once"), within the visibility
   * bound. `seen` holds, for every pair, the records of the last listing that looked for it.
   */
  private async lookup(
    pairs: readonly PairToBind[],
    until: Until,
    accept: (pair: PairToBind, record: AuthorizationRecord) => boolean,
  ): Promise<Found> {
    const found: Found = { accepted: new Map(), seen: new Map(), caughtUp: new Set() };
    const started = Date.now();
    for (let round = 1; ; round++) {
      const missing = pairs.filter((p) => !found.accepted.has(pairKey(p)));
      const before = Date.now();
      await this.listInto(found, missing, before, accept);
      // Poll for the visibility bound, and for "all" until a listing has caught up with every
      // window, so that a record missing then was never made.
      const open = until === "all" ? missing.filter((p) => !found.accepted.has(pairKey(p))) : [];
      const catchUp = this.caughtUpBy(open);
      const limit = Math.min(
        this.budget.deadline,
        Math.max(started + this.settings.consistencyTimeoutMs, catchUp),
      );
      const now = Date.now();
      // A listing asked for before the catch-up point cannot tell: one more, asked for after it.
      const oneMore = before < catchUp && catchUp < this.budget.deadline;
      if (lookedUp(until, pairs, found) || (now >= limit && !oneMore)) return found;
      await pauseUntil(
        Math.min(now + backoffMs(round, Math.random), limit),
        this.budget,
        ...LOOKUP,
      );
    }
  }

  // One listing of `missing`, asked for at `before` (this machine's clock), read into `found`.
  private async listInto(
    found: Found,
    missing: readonly PairToBind[],
    before: number,
    accept: (pair: PairToBind, record: AuthorizationRecord) => boolean,
  ): Promise<void> {
    const listed = await this.list(missing.map((p) => p.appId));
    // The earliest the server's clock may have read when the listing was asked for.
    const listedAt = this.api.clock.window(before, before)?.from;
    for (const pair of missing) {
      const records = listed.get(pairKey(pair)) ?? [];
      found.seen.set(pairKey(pair), records);
      const mine = records.find((r) => accept(pair, r));
      if (mine) found.accepted.set(pairKey(pair), mine);
      else if (this.caughtUp(pair, listedAt)) found.caughtUp.add(pairKey(pair));
    }
  }

  // This machine's time by which a listing will have caught up with every window of `pairs`.
  private caughtUpBy(pairs: readonly PairToBind[]): number {
    const ends = pairs.flatMap((p) => this.windowsOf(p).map((w) => parsed(w).to));
    if (ends.length === 0) return 0;
    const local = this.api.clock.surelyPast(Math.max(...ends) + this.settings.consistencyTimeoutMs);
    return local ?? 0;
  }

  private async listApp(appId: string): Promise<AuthorizationRecord[]> {
    const first = await this.api.listPage(appId, 0, MAX_PAGE);
    const offsets: number[] = [];
    for (let offset = MAX_PAGE; offset < first.total; offset += MAX_PAGE) offsets.push(offset);
    const rest = await Promise.all(offsets.map((o) => this.api.listPage(appId, o, MAX_PAGE)));
    return [first, ...rest]
      .flatMap((page) => page.auths)
      .filter((item) => item.app_id === appId && (!item.env_id || item.env_id === this.envId))
      .map((item) => recordFromInfo(item, this.api.target.gateway));
  }

  private async bindRound(
    pairs: PairToBind[],
    ctx: BindContext,
    round: number,
  ): Promise<BindOutcome> {
    const windows = new Map(pairs.map((p) => [pairKey(p), p.windows]));
    const batches = batchPairs(pairs, this.settings.batchSize).map((batch) =>
      productPairs(batch.appIds, batch.apiIds).map((p) => withWindows(p, windows.get(pairKey(p)))),
    );
    return merge(await Promise.all(batches.map((b) => this.bindBatch(b, ctx, round))));
  }

  // Whatever happens, the batch's pairs end as records, failures or open pairs: never thrown.
  private async bindBatch(
    pairs: PairToBind[],
    ctx: BindContext,
    round: number,
  ): Promise<BindOutcome> {
    const batch: Batch = {
      appIds: [...new Set(pairs.map((p) => p.appId))],
      apiIds: [...new Set(pairs.map((p) => p.apiId))],
    };
    const sentAt = Date.now();
    const ended = this.writeLog(batch.appIds, batch.apiIds, sentAt);
    let items: ApiAuthRelationWire[];
    try {
      items = await this.api.authorize(batch.appIds, batch.apiIds, ctx.options);
    } catch (error) {
      // A request refused made nothing; one whose outcome is unknown may have made anything.
      ended(Date.now(), outcomeUnknown(error) ? undefined : true);
      const flight = { sentAt, endedAt: Date.now() };
      return this.afterFailedBind(pairs, error, flight, ctx, round).catch((e: unknown) =>
        this.unsettled(withFlight(pairs, flight), e, "looking it up failed"),
      );
    }
    const answered = new Map(items.map((i) => [pairKey({ appId: i.app_id, apiId: i.api_id }), i]));
    // Noted before anything else is asked: a process killed from here on leaves the next command
    // the API's word that this write made nothing of these pairs.
    ended(
      Date.now(),
      pairs.filter((p) => madeNothing(statusOf(answered.get(pairKey(p))))),
    );
    const flight = { sentAt, endedAt: Date.now() };
    return this.readAnswer(pairs, answered, flight, ctx).catch((e: unknown) =>
      this.unsettled(withFlight(pairs, flight), e, "reading the answer failed"),
    );
  }

  private async afterFailedBind(
    pairs: PairToBind[],
    error: unknown,
    flight: Evidence,
    ctx: BindContext,
    round: number,
  ): Promise<BindOutcome> {
    const canRetry = round <= this.settings.maxRetries && Date.now() < this.budget.deadline;
    if (outcomeUnknown(error)) {
      const maybeOurs = withFlight(pairs, flight);
      if (!canRetry) return this.unsettled(maybeOurs, error, "the answer was lost or unreadable");
      // The answer was lost: whatever this write made is ours. List first, resend only the rest.
      await pause(backoffMs(round, Math.random), this.budget, ...LOOKUP);
      return this.settleThenBind(maybeOurs, ctx, round + 1, "once");
    }
    if (canRetry && isApiError(error) && meansAuthorized(error.code)) {
      // Some pair of the request exists already: find which (waiting for it to show), bind the rest.
      return this.settleThenBind(pairs, ctx, round + 1, "any");
    }
    return this.lose(pairs, failure(pairs[0], error));
  }

  // Looks up pairs that may exist, keeps what is ours, reports what is not, binds the rest again.
  private async settleThenBind(
    pairs: PairToBind[],
    ctx: BindContext,
    round: number,
    until: "once" | "any",
  ): Promise<BindOutcome> {
    let seen: Listing;
    let accepted: Map<string, AuthorizationRecord>;
    try {
      ({ seen, accepted } = await this.lookup(pairs, until, (p, r) => this.claims(p, r, ctx)));
    } catch (error) {
      return this.unsettled(pairs, error, "looking it up failed");
    }
    const outcome = empty();
    const rest: PairToBind[] = [];
    for (const pair of pairs) {
      const mine = accepted.get(pairKey(pair));
      const others = seen.get(pairKey(pair))!;
      if (mine) outcome.records.push(mine);
      // With an unknown write of ours, a record outside its window may be a cancelled one that a
      // lagging listing still shows: resending tells (SKIPPED, then our record is looked for).
      else if (others.length > 0 && !pair.windows?.length) {
        outcome.failed.push(existsFailure(pair, "SKIPPED"));
      } else rest.push(pair);
    }
    if (until === "any" && outcome.records.length === 0 && outcome.failed.length === 0) {
      return merge([outcome, this.lose(rest, existsFailure(rest[0], ALREADY_AUTHORIZED))]);
    }
    return merge([outcome, await this.bindRound(rest, ctx, round)]);
  }

  private async readAnswer(
    pairs: PairToBind[],
    answered: Map<string, ApiAuthRelationWire>,
    flight: Evidence,
    ctx: BindContext,
  ): Promise<BindOutcome> {
    const outcome = empty();
    const toLookUp: PairToBind[] = [];
    for (const pair of pairs) {
      const read = this.readItem(pair, answered.get(pairKey(pair)), flight, ctx);
      if ("records" in read) merge([read], outcome);
      else toLookUp.push(read);
    }
    return merge([outcome, await this.lookUpAnswered(toLookUp, ctx)]);
  }

  // What one pair's item tells: its outcome, or the pair to look for in the listing.
  private readItem(
    pair: PairToBind,
    item: ApiAuthRelationWire | undefined,
    flight: Evidence,
    ctx: BindContext,
  ): BindOutcome | PairToBind {
    const status = statusOf(item);
    if (status === "SUCCESS" && item?.id) {
      return {
        ...empty(),
        records: [recordFromRelation({ ...item, id: item.id }, this.api.target.gateway)],
      };
    }
    if (status === "SKIPPED") return this.readSkipped(pair, item!, ctx);
    if (madeNothing(status)) return this.lose([pair], serviceFailure(status!, item!.auth_result!));
    // Made by this write (SUCCESS without an id) or missing from the answer: the listing knows.
    return withFlight([pair], flight)[0];
  }

  // The pair existed before this write: ours only if an earlier unknown write made it.
  private readSkipped(
    pair: PairToBind,
    item: ApiAuthRelationWire,
    ctx: BindContext,
  ): BindOutcome | PairToBind {
    const existing =
      item.id && item.auth_time
        ? recordFromRelation({ ...item, id: item.id }, this.api.target.gateway)
        : undefined;
    if (existing && this.claims(pair, existing, ctx)) return { ...empty(), records: [existing] };
    if (existing || (!ctx.adopt && !pair.windows?.length)) {
      return { ...empty(), failed: [existsFailure(pair, "SKIPPED")] };
    }
    return pair;
  }

  // Pairs the answer left to the listing: ours when a record shows in their windows (or adopted).
  private async lookUpAnswered(pairs: PairToBind[], ctx: BindContext): Promise<BindOutcome> {
    let found: Found;
    try {
      found = await this.lookup(pairs, "all", (p, r) => this.claims(p, r, ctx));
    } catch (error) {
      return this.unsettled(pairs, error, "looking it up failed");
    }
    const outcome = empty();
    for (const pair of pairs) {
      const mine = found.accepted.get(pairKey(pair));
      // A record outside our windows, listed once the listing has caught up with them, is not
      // ours; nothing listed means ours may still be on its way (SKIPPED said a record exists).
      const foreign =
        found.seen.get(pairKey(pair))!.length > 0 && found.caughtUp.has(pairKey(pair));
      if (mine) outcome.records.push(mine);
      else if (pair.windows?.length && !foreign) {
        outcome.unconfirmed.push(this.open(pair, NOT_SHOWN));
      } else outcome.failed.push(existsFailure(pair, "SKIPPED"));
    }
    return outcome;
  }

  // A record found for a pair being bound is claimed on evidence, or when adopting is asked for.
  private claims(pair: PairToBind, record: AuthorizationRecord, ctx: BindContext): boolean {
    return (ctx.adopt && !this.cancelled.has(record.id)) || this.madeBy(pair, record);
  }

  // Pairs a write of ours may have made but no record is known for: open, never dropped.
  private unsettled(pairs: PairToBind[], error: unknown, when: string): BindOutcome {
    const cause = failure(pairs[0], error);
    return this.lose(pairs, {
      code: cause.code,
      reason: `Outcome unknown (${when}: ${cause.reason}); the next \`pulumi up\`, refresh or destroy looks again.`,
    });
  }

  // A failed pair; one with an unknown write of ours stays open, since that write may have landed.
  private lose(pairs: PairToBind[], cause: { code: string; reason: string }): BindOutcome {
    const why = { code: cause.code, reason: cause.reason };
    const outcome = empty();
    for (const pair of pairs) {
      if (pair.windows?.length) outcome.unconfirmed.push(this.open(pair, why));
      else outcome.failed.push({ appId: pair.appId, apiId: pair.apiId, ...why });
    }
    return outcome;
  }

  private open(pair: PairToBind, why: { code: string; reason: string }): OpenPair {
    return { appId: pair.appId, apiId: pair.apiId, windows: this.windowsOf(pair), ...why };
  }
}

const NOT_SHOWN = {
  code: "UNCONFIRMED",
  reason:
    "The request's outcome is unknown and no record made while it was in flight showed in binded-apis within roma:consistencyTimeout; the next `pulumi up`, refresh or destroy looks again.",
};

/** True for a failure that says the pair existed before this resource's write. */
export function existedBefore(failure: PairFailure): boolean {
  return failure.code === "SKIPPED" || meansAuthorized(failure.code);
}

/**
 * One message for failed pairs, and the distinct reasons the CLI lists: both fit a screen.
 * `remedy`, when given, ends the message and the reasons.
 */
export function describeFailures(
  what: string,
  failures: readonly PairFailure[],
  remedy?: string,
): { message: string; reasons: string[] } {
  // One cause met by many requests is one reason: grouped without request ids, shown with one.
  const byReason = new Map<string, PairFailure[]>();
  for (const f of failures) {
    const key = f.reason.replace(/, request [^)]*\)/, ")");
    byReason.set(key, [...(byReason.get(key) ?? []), f]);
  }
  const groups = [...byReason.values()]
    .sort((a, b) => b.length - a.length)
    .map((pairs) => [pairs[0].reason, pairs] as const);
  // Each shown reason gets an equal share of the screen, its example pairs first.
  const shown = groups.slice(0, MAX_REASONS);
  const extra = remedy ? remedy.length + 6 : 0;
  const share = Math.floor((MAX_MESSAGE_CHARS - 200 - extra) / shown.length);
  const reasons = shown.map(([reason, pairs]) => {
    const examples = pairs.slice(0, MAX_EXAMPLES).map((p) => `${p.appId} x ${p.apiId}`);
    const more = pairs.length > MAX_EXAMPLES ? ` and ${pairs.length - MAX_EXAMPLES} more` : "";
    const tail = ` (${count(pairs.length, "pair")}: ${examples.join(", ")}${more})`;
    return `${clip(reason, Math.max(MIN_REASON_CHARS, share - tail.length))}${tail}`;
  });
  if (groups.length > MAX_REASONS) {
    const left = groups.slice(MAX_REASONS).reduce((n, [, pairs]) => n + pairs.length, 0);
    reasons.push(
      `and ${count(groups.length - MAX_REASONS, "more reason")} (${count(left, "pair")})`,
    );
  }
  if (remedy) reasons.push(remedy);
  const head = `${count(failures.length, "pair")} (app x API) could not be ${what}:`;
  const message = [head, ...reasons.map((r) => `  - ${r}`)].join("\n");
  return { message: clip(message, MAX_MESSAGE_CHARS), reasons };
}

const MAX_REASONS = 3;
const MAX_MESSAGE_CHARS = 1900;
const MAX_EXAMPLES = 3;
const MIN_REASON_CHARS = 120;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

// True once a lookup has found what `until` waits for.
function lookedUp(until: Until, pairs: readonly PairToBind[], found: Found): boolean {
  if (until === "once") return true;
  if (until === "any") return [...found.seen.values()].some((r) => r.length > 0);
  return pairs.every((p) => found.accepted.has(pairKey(p)) || found.caughtUp.has(pairKey(p)));
}

// True when a failed request may have been applied: its answer was lost or could not be read.
function outcomeUnknown(error: unknown): boolean {
  return verdict(error, false) === "unknown" || isApiError(error, UNEXPECTED_ANSWER);
}

// An item's status; an item with an id and no status is a record made.
function statusOf(item: ApiAuthRelationWire | undefined): string | undefined {
  return item?.auth_result?.status ?? (item?.id ? "SUCCESS" : undefined);
}

// True for a status saying this write made no record of the pair: SKIPPED (it existed before),
// FAILED as the seed spells it, FILAED as the specification does, or any other failure.
function madeNothing(status: string | undefined): boolean {
  return status !== undefined && status !== "SUCCESS";
}

// A failed item, in the service's words.
function serviceFailure(
  status: string,
  result: NonNullable<ApiAuthRelationWire["auth_result"]>,
): { code: string; reason: string } {
  return {
    code: result.error_code ?? status,
    reason: `The API answered ${status}: ${result.error_msg ?? "no error message"} (${result.error_code ?? "no error code"}).`,
  };
}

function existsFailure(pair: Pair, code: string): PairFailure {
  return {
    appId: pair.appId,
    apiId: pair.apiId,
    code,
    reason: `Already authorized before this resource's request (${code}), so not this resource's: if another resource, stack or tool manages it, remove the pair from this resource's appIds/apiIds.`,
  };
}

// Why one request failed, without what it was doing (which names pairs: the summary names each
// pair once). Its request id stays: the summary groups reasons without it and shows one.
function failure(pair: Pair, error: unknown): PairFailure {
  const message = (error as Error).message;
  if (!isRequestError(error)) return { ...pairOf(pair), code: "ERROR", reason: message };
  return {
    ...pairOf(pair),
    code: error.code,
    reason: message.replace(`Could not ${error.doing}: `, ""),
  };
}

// A pause before looking up what a write made, as the deadline's error names it if it cuts one.
const LOOKUP = ["look up what a write made", "binded-apis to show it"] as const;

function pairOf(pair: Pair): Pair {
  return { appId: pair.appId, apiId: pair.apiId };
}

function parsed(w: WriteWindow): ServerWindow {
  return { from: Date.parse(w.from), to: Date.parse(w.to) };
}

function withWindows(pair: Pair, windows: Evidence[] | undefined): PairToBind {
  return windows?.length
    ? { appId: pair.appId, apiId: pair.apiId, windows }
    : { appId: pair.appId, apiId: pair.apiId };
}

function withFlight(pairs: PairToBind[], flight: Evidence): PairToBind[] {
  return pairs.map((p) => ({
    appId: p.appId,
    apiId: p.apiId,
    windows: [...(p.windows ?? []), flight],
  }));
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
