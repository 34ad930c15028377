/**
 * A small write-ahead journal of this machine's authorize requests, one file per resource (keyed
 * by project, stack and resource name) where Pulumi keeps per-user data: `$PULUMI_HOME` or
 * `~/.pulumi`. Each request is written down before it is sent, with this machine's clock times it
 * was in flight. When the process is killed before the engine stores what the request made, the
 * next command reads the journal and judges those records exactly as a lost answer's: a record of
 * a journalled pair is the resource's only if made within the request's flight (README,
 * "Interrupted runs"). A pair reported as existing before the write is never claimed by it.
 *
 * Best effort: a journal that cannot be written is reported in the debug log, never a failure.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { debug } from "./log";

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
    this.earlier = this.load();
  }

  /** Notes a request about to be sent; returns the function that notes its end. */
  begin(write: JournalWrite): (endedAt: number, madeNothing?: boolean) => void {
    this.own.push(write);
    this.save([...this.earlier, ...this.own]);
    return (endedAt, madeNothing) => {
      write.until = endedAt;
      if (madeNothing) this.own.splice(this.own.indexOf(write), 1);
      this.save([...this.earlier, ...this.own]);
    };
  }

  /**
   * The earlier writes are settled into what this operation returns (records or unconfirmed
   * pairs): only this operation's writes are kept, until the next operation finds them in the state.
   */
  settle(): void {
    const kept = this.keep ? this.earlier : this.earlier.filter((w) => !this.mine(w));
    this.save([...kept, ...this.own]);
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
    const file = this.file();
    const kept = this.keep ? this.earlier : this.earlier.filter((w) => !this.mine(w));
    if (kept.length > 0) this.save(kept);
    else if (file) rmSync(file, { force: true });
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
