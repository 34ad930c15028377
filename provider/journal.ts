/**
 * A small write-ahead journal of this machine's authorize requests, one file per resource (keyed
 * by project, stack and resource name) where Pulumi keeps per-user data: `$PULUMI_HOME` or
 * `~/.pulumi`. Each request is written down before it is sent, with this machine's clock times it
 * was in flight. When the process is killed before the engine stores what the request made, the
 * next command reads the journal and judges those records exactly as a lost answer's: a record of
 * a journalled pair is the resource's only if made within the request's flight (README,
 * "Interrupted runs"). A pair reported as existing before the write is never claimed by it.
 *
 * Once an operation returns, each of its writes notes the record id the operation returned for
 * each of its pairs. A later operation then sets a write aside for a pair only when the state holds
 * that very record: a state record of the same pair made before the write (a rebind's cancelled
 * record, when the engine never stored the rebind) explains nothing.
 *
 * A write's answer is noted as it arrives, before the operation goes on: the pairs the API answered
 * SKIPPED or FAILED, of which that write made nothing, are never claimed through it, even when
 * someone else's record of the pair was made during its flight. Only the API's word counts: a
 * failure the operation infers from a listing (which may lag while the write made its record)
 * leaves the write as evidence.
 *
 * Best effort: a journal that cannot be written is reported in the debug log, never a failure.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { debug } from "./log";
import { pairKey, productPairs } from "./plan";
import type { AuthorizationRecord, Pair } from "./types";

/** One authorize request, on this machine's clock. */
export interface JournalWrite {
  instanceId: string;
  envId: string;
  appIds: string[];
  apiIds: string[];
  /** Epoch ms just before it was sent. */
  sentAt: number;
  /** Epoch ms by which it surely ended: its end, or the latest it could end if never seen to. */
  until: number;
  /** Set when the operation returned: by pair key, the record id it returned for the pair. */
  made?: Record<string, string>;
  /** Keys of the pairs the API answered SKIPPED or FAILED to this write: it made none of them. */
  none?: string[];
}

/** A pair earlier writes may have made, with the flights of those writes (this machine's clock). */
export interface JournalledPair extends Pair {
  windows: { sentAt: number; endedAt: number }[];
}

interface JournalFile {
  key: string;
  writes: JournalWrite[];
}

export class Journal {
  /** Writes of earlier processes, read once. */
  readonly earlier: JournalWrite[];
  private readonly own: JournalWrite[] = [];
  private keep = false;
  /** Which earlier writes this operation settles; the others (another environment) are kept. */
  private mine: (write: JournalWrite) => boolean = () => true;

  constructor(private readonly key: string | undefined) {
    // A write never seen to end was cut off with its process, which has stopped by the time this
    // command runs (the backend's stack lock keeps commands of a stack apart): it ended by now, as
    // a live request ends when its process gives up on it. Left at its process's deadline instead,
    // a listing could not rule out its record for up to roma:operationTimeout.
    const now = Date.now();
    this.earlier = this.load().map((w) => ({ ...w, until: Math.min(w.until, now) }));
  }

  /**
   * Notes a request about to be sent; returns the function that notes its end, with what the API
   * said it made nothing of: all of it (refused), or some pairs.
   */
  begin(write: JournalWrite): (endedAt: number, madeNothing?: true | readonly Pair[]) => void {
    this.own.push(write);
    this.save([...this.earlier, ...this.own]);
    return (endedAt, madeNothing) => {
      write.until = endedAt;
      if (madeNothing === true) this.own.splice(this.own.indexOf(write), 1);
      else if (madeNothing?.length) write.none = madeNothing.map(pairKey);
      this.save([...this.earlier, ...this.own]);
    };
  }

  /**
   * The pairs the earlier writes in scope may have made: all their pairs but those the API
   * answered SKIPPED or FAILED, and those `recorded` (the state's records) shows what a write
   * made of: the pair's record is the one the write's operation returned.
   */
  evidence(recorded: readonly AuthorizationRecord[]): JournalledPair[] {
    const inState = new Map(recorded.map((r) => [pairKey(r), r.id]));
    const pairs = new Map<string, JournalledPair>();
    for (const w of this.earlier.filter((e) => this.mine(e))) {
      const none = new Set(w.none);
      for (const pair of productPairs(w.appIds, w.apiIds)) {
        const key = pairKey(pair);
        if (none.has(key)) continue;
        if (w.made?.[key] !== undefined && w.made[key] === inState.get(key)) continue;
        const held = pairs.get(key) ?? { ...pair, windows: [] };
        held.windows.push({ sentAt: w.sentAt, endedAt: w.until });
        pairs.set(key, held);
      }
    }
    return [...pairs.values()];
  }

  /**
   * The earlier writes are settled into what this operation returns (records or unconfirmed
   * pairs): only this operation's writes are kept, noting the `records` it returns of their pairs,
   * until the next operation finds them in the state.
   */
  settle(records: readonly AuthorizationRecord[] = []): void {
    const ids = new Map(records.map((r) => [pairKey(r), r.id]));
    for (const w of this.own) {
      w.made = {};
      for (const key of productPairs(w.appIds, w.apiIds).map(pairKey)) {
        const id = ids.get(key);
        if (id !== undefined) w.made[key] = id;
      }
    }
    this.save([...this.kept(), ...this.own]);
  }

  /**
   * Limits what `settle` and `clear` drop to the earlier writes `mine` accepts: a replacement's
   * writes (another environment or instance, same resource name) are not this operation's to
   * settle, and must survive it for the replacement's next create.
   */
  scope(mine: (write: JournalWrite) => boolean): void {
    this.mine = mine;
  }

  /** The earlier writes could not be settled: `settle` keeps them for a later operation. */
  keepEarlier(): void {
    this.keep = true;
  }

  /** Removes the journal (the resource is gone), unless earlier writes could not be settled. */
  clear(): void {
    this.save(this.kept());
  }

  // The earlier writes this operation does not settle.
  private kept(): JournalWrite[] {
    return this.keep ? this.earlier : this.earlier.filter((w) => !this.mine(w));
  }

  private file(): string | undefined {
    if (!this.key) return undefined;
    const home = process.env.PULUMI_HOME || join(homedir(), ".pulumi");
    const name = createHash("sha256").update(this.key).digest("hex").slice(0, 32);
    return join(home, "roma-appauth", "journal", `${name}.json`);
  }

  private load(): JournalWrite[] {
    const file = this.file();
    if (!file) return [];
    try {
      const saved = JSON.parse(readFileSync(file, "utf8")) as JournalFile;
      return saved.key === this.key && Array.isArray(saved.writes) ? saved.writes : [];
    } catch {
      return [];
    }
  }

  private save(writes: JournalWrite[]): void {
    const file = this.file();
    if (!file) return;
    try {
      if (writes.length === 0) return rmSync(file, { force: true });
      mkdirSync(join(file, ".."), { recursive: true });
      const body: JournalFile = { key: this.key!, writes };
      writeFileSync(`${file}.tmp`, JSON.stringify(body));
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      debug(`could not write the journal ${file}: ${(error as Error).message}`);
    }
  }
}
