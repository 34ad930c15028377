/**
 * The emulator's authorization records: the truth, a view of it that may lag behind (eventual
 * consistency of `binded-apis`), and optional persistence to a JSON file. Every record belongs to
 * one gateway instance, and every read and write names the instance it is made on.
 */
import { StateFile } from "./state-file";

export interface StoredAuth {
  id: string;
  /** The gateway instance (ROMA Connect's or APIG's) the record exists on. */
  instanceId: string;
  envId: string;
  appId: string;
  apiId: string;
  authTime: string;
  authRole: string;
  authTunnel: string;
  authWhitelist: string[];
  authBlacklist: string[];
  visitParam: string;
  /** Epoch ms of creation, for the lagging view. */
  createdAt: number;
}

interface Deleted {
  record: StoredAuth;
  deletedAt: number;
}

export class AuthStore {
  private readonly live = new Map<string, StoredAuth>();
  private readonly byPair = new Map<string, StoredAuth>();
  // Live records in listing order (creation time, then id), kept sorted as they are written so
  // that answering a page never sorts the whole store.
  private readonly ordered: StoredAuth[] = [];
  // Deleted records the lagging view still shows.
  private deleted: Deleted[] = [];
  private readonly state?: StateFile;

  /**
   * Loads `file` when given (throwing when it is not whole) and keeps it up to date. Its records
   * that name no instance were written before the emulator served APIG: they belong to
   * `formerInstanceId` (ROMA Connect's instance).
   */
  constructor(
    file: string | undefined,
    private readonly now: () => number,
    formerInstanceId: string,
  ) {
    if (file) {
      for (const record of StateFile.load(file, formerInstanceId)) this.index(record);
      this.state = new StateFile(file, () => this.all());
    }
  }

  /** Snapshots written to the state file so far. */
  get writes(): number {
    return this.state?.writes ?? 0;
  }

  /** Resolves once every write so far is in the state file. */
  flush(): Promise<void> {
    return this.state?.flush() ?? Promise.resolve();
  }

  /** The record of a pair in an environment of an instance, if any. */
  find(instanceId: string, envId: string, appId: string, apiId: string): StoredAuth | undefined {
    return this.byPair.get(pairIndex(instanceId, envId, appId, apiId));
  }

  add(record: StoredAuth): void {
    this.index(record);
    this.state?.changed();
  }

  /** Removes the record `id` if it exists on `instanceId`. */
  remove(instanceId: string, id: string): StoredAuth | undefined {
    const record = this.live.get(id);
    if (record?.instanceId !== instanceId) return undefined;
    this.live.delete(id);
    this.byPair.delete(pairKey(record));
    this.ordered.splice(position(this.ordered, record), 1);
    this.deleted.push({ record, deletedAt: this.now() });
    this.state?.changed();
    return record;
  }

  /** Every record that exists now. */
  all(): StoredAuth[] {
    return [...this.live.values()];
  }

  /**
   * The records of `instanceId` matching `where` that a reader sees when writes take `lagMs` to
   * show (old deletions and new creations lag), in listing order.
   */
  visible(instanceId: string, lagMs: number, where: (r: StoredAuth) => boolean): StoredAuth[] {
    const now = this.now();
    this.deleted = this.deleted.filter((d) => d.deletedAt + lagMs > now);
    const shown = (r: StoredAuth) =>
      r.instanceId === instanceId && r.createdAt + lagMs <= now && where(r);
    const live = this.ordered.filter(shown);
    // Deleted records still shown are few (those of the last lagMs): only they are sorted.
    const ghosts = this.deleted
      .map((d) => d.record)
      .filter(shown)
      .sort((a, b) => (before(a, b) ? -1 : 1));
    return ghosts.length === 0 ? live : merge(live, ghosts);
  }

  /** Removes every record (control endpoint). */
  clear(): void {
    this.live.clear();
    this.byPair.clear();
    this.ordered.length = 0;
    this.deleted = [];
    this.state?.changed();
  }

  private index(record: StoredAuth): void {
    this.live.set(record.id, record);
    this.byPair.set(pairKey(record), record);
    this.ordered.splice(position(this.ordered, record), 0, record);
  }
}

function before(a: StoredAuth, b: StoredAuth): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
}

// Where `record` is or belongs in a list in listing order (records are written in time order
// mostly, so this is usually the end).
function position(list: StoredAuth[], record: StoredAuth): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid], record)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function merge(a: StoredAuth[], b: StoredAuth[]): StoredAuth[] {
  const out: StoredAuth[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    out.push(j >= b.length || (i < a.length && before(a[i], b[j])) ? a[i++] : b[j++]);
  }
  return out;
}

function pairIndex(instanceId: string, envId: string, appId: string, apiId: string): string {
  return `${instanceId}/${envId}/${appId}/${apiId}`;
}

function pairKey(r: StoredAuth): string {
  return pairIndex(r.instanceId, r.envId, r.appId, r.apiId);
}
