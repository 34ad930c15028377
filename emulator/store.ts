/**
 * The emulator's authorization records: the truth, a view of it that may lag behind (eventual
 * consistency of `binded-apis`), and optional persistence to a JSON file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export interface StoredAuth {
  id: string;
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
  // Deleted records the lagging view still shows.
  private deleted: Deleted[] = [];

  constructor(
    private readonly file: string | undefined,
    private readonly now: () => number,
  ) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, "utf8")) as { records?: StoredAuth[] };
      for (const record of saved.records ?? []) this.index(record);
    }
  }

  /** The record of a pair in an environment, if any. */
  find(envId: string, appId: string, apiId: string): StoredAuth | undefined {
    return this.byPair.get(pairIndex(envId, appId, apiId));
  }

  get(id: string): StoredAuth | undefined {
    return this.live.get(id);
  }

  add(record: StoredAuth): void {
    this.index(record);
    this.save();
  }

  remove(id: string): StoredAuth | undefined {
    const record = this.live.get(id);
    if (!record) return undefined;
    this.live.delete(id);
    this.byPair.delete(pairIndex(record.envId, record.appId, record.apiId));
    this.deleted.push({ record, deletedAt: this.now() });
    this.save();
    return record;
  }

  /** Every record that exists now. */
  all(): StoredAuth[] {
    return [...this.live.values()];
  }

  /** What a reader sees when writes take `lagMs` to show: old deletions and new creations lag. */
  visible(lagMs: number): StoredAuth[] {
    const now = this.now();
    this.deleted = this.deleted.filter((d) => d.deletedAt + lagMs > now);
    return [
      ...this.all().filter((r) => r.createdAt + lagMs <= now),
      ...this.deleted.filter((d) => d.record.createdAt + lagMs <= now).map((d) => d.record),
    ].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Removes every record (control endpoint). */
  clear(): void {
    this.live.clear();
    this.byPair.clear();
    this.deleted = [];
    this.save();
  }

  private index(record: StoredAuth): void {
    this.live.set(record.id, record);
    this.byPair.set(pairIndex(record.envId, record.appId, record.apiId), record);
  }

  private save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ records: this.all() }, null, 2));
    renameSync(tmp, this.file);
  }
}

function pairIndex(envId: string, appId: string, apiId: string): string {
  return `${envId}/${appId}/${apiId}`;
}
