/**
 * `--state-file`: the emulator's records on disk. Writes are batched (at most one every
 * {@link SAVE_INTERVAL_MS}) and atomic (a temporary file renamed over the old one), so the file is
 * always one whole snapshot; {@link StateFile.flush} writes what is pending, for a clean shutdown.
 */
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import type { StoredAuth } from "./store";

/** Longest time an acknowledged write waits before it is on disk (while the process lives). */
export const SAVE_INTERVAL_MS = 200;

export class StateFile {
  /** Snapshots written so far. */
  writes = 0;
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private dirty = false;

  constructor(
    readonly path: string,
    private readonly snapshot: () => StoredAuth[],
  ) {}

  /**
   * The records saved in `path` (none when it does not exist); throws when it is not whole. A
   * record without `instanceId` (written before the emulator served APIG) gets `formerInstanceId`.
   */
  static load(path: string, formerInstanceId: string): StoredAuth[] {
    if (!existsSync(path)) return [];
    const text = readFileSync(path, "utf8");
    let records: unknown;
    try {
      records = (JSON.parse(text) as { records?: unknown } | null)?.records;
    } catch (error) {
      throw corrupt(path, (error as Error).message);
    }
    if (!Array.isArray(records)) throw corrupt(path, "it has no list of records");
    const bad = records.findIndex((r) => !isStoredAuth(r));
    if (bad >= 0) throw corrupt(path, `record ${bad} lacks a field`);
    return (records as Partial<StoredAuth>[]).map(
      (r) => ({ instanceId: formerInstanceId, ...r }) as StoredAuth,
    );
  }

  /** Notes a change: a snapshot follows within {@link SAVE_INTERVAL_MS}. */
  changed(): void {
    this.dirty = true;
    // A write under way schedules the next one when it ends.
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save().catch((error: unknown) => {
        console.error(`emulator: could not save ${this.path}: ${String(error)}`);
      });
    }, SAVE_INTERVAL_MS);
  }

  /** Resolves once every change noted so far is on disk. */
  async flush(): Promise<void> {
    for (;;) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.writing) await this.writing.catch(() => undefined);
      else if (this.dirty) await this.save();
      else return;
    }
  }

  private save(): Promise<void> {
    this.dirty = false;
    const records = this.snapshot();
    // One record a line: readable, and much smaller than indented JSON.
    const text = `{"records":[\n${records.map((r) => JSON.stringify(r)).join(",\n")}\n]}\n`;
    const tmp = `${this.path}.tmp`;
    this.writing = writeFile(tmp, text)
      .then(() => rename(tmp, this.path))
      .then(
        () => {
          this.writes++;
        },
        (error: unknown) => {
          this.dirty = true;
          throw error;
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (this.dirty) this.changed();
      });
    return this.writing;
  }
}

function corrupt(path: string, why: string): Error {
  return new Error(
    `The state file ${path} is not a whole emulator state (${why}). The emulator never leaves a ` +
      `half-written file (it writes a temporary file and renames it), so it was cut short or ` +
      `edited elsewhere. Restore a good copy, or move it away (or delete it) to start with no ` +
      `authorizations.`,
  );
}

function isStoredAuth(value: unknown): boolean {
  const r = value as Partial<StoredAuth> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    [r.id, r.envId, r.appId, r.apiId, r.authTime, r.authRole, r.authTunnel, r.visitParam].every(
      (f) => typeof f === "string",
    ) &&
    (r.instanceId === undefined || typeof r.instanceId === "string") &&
    Array.isArray(r.authWhitelist) &&
    Array.isArray(r.authBlacklist) &&
    typeof r.createdAt === "number"
  );
}
