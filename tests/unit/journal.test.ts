/**
 * The write-ahead journal on its own: where it lives, what each write notes and when, which pairs
 * a later command takes as evidence, and what an operation keeps or drops when it returns. Time is
 * this test's: `Date.now` is set for each step.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { Journal, type JournalWrite } from "../../provider/journal";
import type { AuthorizationRecord } from "../../provider/types";
import { journalHomes } from "../support";

const KEY = "proj/dev/orders";
const homeOfTest = journalHomes();
let home: string;
let now: number;

beforeEach(() => {
  home = homeOfTest();
  now = 1_000_000;
  jest.spyOn(Date, "now").mockImplementation(() => now);
});
afterEach(() => {
  jest.restoreAllMocks();
});

const fileOf = (key: string, base = home) =>
  join(
    base,
    "roma-appauth",
    "journal",
    `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`,
  );
const onDisk = (key = KEY): { key: string; writes: JournalWrite[] } =>
  JSON.parse(readFileSync(fileOf(key), "utf8"));
const write = (apiIds: string[], extra: Partial<JournalWrite> = {}): JournalWrite => ({
  instanceId: "i1",
  envId: "e1",
  appIds: ["a1"],
  apiIds,
  sentAt: now,
  until: now + 60_000,
  ...extra,
});
const record = (apiId: string, id: string): AuthorizationRecord =>
  ({ id, appId: "a1", apiId, authTime: "2026-01-01T00:00:00Z" }) as AuthorizationRecord;
const pair = (apiId: string) => ({ appId: "a1", apiId });

describe("the journal's file", () => {
  it("is written before the request, under PULUMI_HOME, named by a hash of the key", () => {
    const journal = new Journal(KEY);
    expect(existsSync(fileOf(KEY))).toBe(false);
    journal.begin(write(["p1"]));
    expect(onDisk()).toEqual({ key: KEY, writes: [write(["p1"])] });
    // No temporary file is left behind.
    expect(existsSync(`${fileOf(KEY)}.tmp`)).toBe(false);
  });

  it("is under ~/.pulumi when PULUMI_HOME is unset or empty", () => {
    jest.spyOn(os, "homedir").mockReturnValue(home);
    for (const value of [undefined, ""]) {
      if (value === undefined) delete process.env.PULUMI_HOME;
      else process.env.PULUMI_HOME = value;
      new Journal(KEY).begin(write(["p1"]));
      expect(existsSync(fileOf(KEY, join(home, ".pulumi")))).toBe(true);
      rmSync(join(home, ".pulumi"), { recursive: true });
    }
  });

  it("is never written without a key", () => {
    const journal = new Journal(undefined);
    journal.begin(write(["p1"]))(now + 10);
    journal.settle([]);
    journal.clear();
    expect(existsSync(join(home, "roma-appauth"))).toBe(false);
    expect(new Journal(undefined).evidence([])).toEqual([]);
  });

  it("reads only a file of its own key, and takes a damaged file as empty", () => {
    mkdirSync(join(fileOf(KEY), ".."), { recursive: true });
    writeFileSync(fileOf(KEY), JSON.stringify({ key: "other/dev/x", writes: [write(["p1"])] }));
    expect(new Journal(KEY).earlier).toEqual([]);
    writeFileSync(fileOf(KEY), JSON.stringify({ key: KEY, writes: {} }));
    expect(new Journal(KEY).earlier).toEqual([]);
    writeFileSync(fileOf(KEY), "{ not json");
    expect(new Journal(KEY).earlier).toEqual([]);
    writeFileSync(fileOf(KEY), JSON.stringify({ key: KEY, writes: [write(["p1"])] }));
    expect(new Journal(KEY).earlier).toEqual([write(["p1"], { until: now })]);
  });

  it("that cannot be written is said in the debug log, never thrown", () => {
    process.env.ROMA_DEBUG = "1";
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    // PULUMI_HOME is a file: no folder can be made under it.
    process.env.PULUMI_HOME = join(home, "a-file");
    writeFileSync(process.env.PULUMI_HOME, "");
    expect(() => new Journal(KEY).begin(write(["p1"]))).not.toThrow();
    expect(stderr).toHaveBeenCalledWith(
      expect.stringMatching(/^\[roma\] could not write the journal .*a-file/),
    );
  });

  it("that is not there is cleared without a word", () => {
    process.env.ROMA_DEBUG = "1";
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const journal = new Journal(KEY);
    journal.clear();
    journal.settle();
    expect(existsSync(fileOf(KEY))).toBe(false);
    expect(stderr).not.toHaveBeenCalled();
  });
});

describe("a write's entry", () => {
  it("notes when the request ended", () => {
    const ended = new Journal(KEY).begin(write(["p1"]));
    ended(now + 500);
    expect(onDisk().writes).toEqual([write(["p1"], { until: now + 500 })]);
  });

  it("of a refused request is dropped, and with it the file when nothing is left", () => {
    const journal = new Journal(KEY);
    const first = journal.begin(write(["p1"]));
    journal.begin(write(["p2"]))(now + 5, true);
    expect(onDisk().writes.map((w) => w.apiIds)).toEqual([["p1"]]);
    first(now + 5, true);
    expect(existsSync(fileOf(KEY))).toBe(false);
  });

  it("notes at once the pairs the API said it made nothing of, and a later command never takes them", () => {
    new Journal(KEY).begin(write(["p1", "p2", "p3"]))(now + 500, [pair("p2")]);
    expect(onDisk().writes[0].none).toEqual(["a1/p2"]);
    // The process is killed here: the next command sees p1 and p3 only.
    const next = new Journal(KEY);
    expect(next.evidence([]).map((p) => p.apiId)).toEqual(["p1", "p3"]);
  });

  it("notes nothing of an answer that made every pair", () => {
    new Journal(KEY).begin(write(["p1"]))(now + 500, []);
    expect(onDisk().writes[0]).not.toHaveProperty("none");
  });
});

describe("the evidence a later command reads", () => {
  it("gives each pair the flights of the earlier writes that named it", () => {
    const journal = new Journal(KEY);
    journal.begin(write(["p1", "p2"], { sentAt: 10 }))(20);
    journal.begin(write(["p2"], { sentAt: 30 }))(40, [pair("p2")]);
    journal.begin(write(["p2"], { sentAt: 50 }))(60);
    expect(new Journal(KEY).evidence([])).toEqual([
      { ...pair("p1"), windows: [{ sentAt: 10, endedAt: 20 }] },
      {
        ...pair("p2"),
        windows: [
          { sentAt: 10, endedAt: 20 },
          { sentAt: 50, endedAt: 60 },
        ],
      },
    ]);
  });

  it("ends a write never seen to end by the time it is read", () => {
    new Journal(KEY).begin(write(["p1"], { until: now + 3_600_000 }));
    now += 2_000;
    const [p1] = new Journal(KEY).evidence([]);
    expect(p1.windows).toEqual([{ sentAt: now - 2_000, endedAt: now }]);
  });

  it("sets a write aside for a pair only when the state holds the record it made", () => {
    const journal = new Journal(KEY);
    journal.begin(write(["p1", "p2", "p3"]))(now + 5);
    journal.settle([record("p1", "r1"), record("p2", "r2")]);
    expect(onDisk().writes[0].made).toEqual({ "a1/p1": "r1", "a1/p2": "r2" });
    // p1's record is in the state; p2's is not (the state holds an older one); p3 made none known.
    const evidence = new Journal(KEY).evidence([record("p1", "r1"), record("p2", "old")]);
    expect(evidence.map((p) => p.apiId)).toEqual(["p2", "p3"]);
  });

  it("is only the writes in scope", () => {
    const journal = new Journal(KEY);
    journal.begin(write(["p1"]));
    journal.begin(write(["p2"], { envId: "e2" }));
    const next = new Journal(KEY);
    next.scope((w) => w.envId === "e2");
    expect(next.evidence([]).map((p) => p.apiId)).toEqual(["p2"]);
  });
});

describe("when an operation returns", () => {
  function earlierInTwoEnvironments(): Journal {
    const journal = new Journal(KEY);
    journal.begin(write(["old"]))(now + 5);
    journal.begin(write(["other"], { envId: "e2" }))(now + 5);
    const next = new Journal(KEY);
    next.scope((w) => w.envId === "e1");
    next.begin(write(["new"]))(now + 10);
    return next;
  }

  it("settle keeps its own writes and the earlier ones out of scope", () => {
    earlierInTwoEnvironments().settle([record("new", "r9")]);
    expect(onDisk().writes.map((w) => [w.apiIds[0], w.made])).toEqual([
      ["other", undefined],
      ["new", { "a1/new": "r9" }],
    ]);
  });

  it("settle keeps every earlier write when they could not be settled", () => {
    const journal = earlierInTwoEnvironments();
    journal.keepEarlier();
    journal.settle();
    expect(onDisk().writes.map((w) => w.apiIds[0])).toEqual(["old", "other", "new"]);
  });

  it("clear removes the file, or keeps what is not its own to clear", () => {
    const journal = earlierInTwoEnvironments();
    journal.clear();
    expect(onDisk().writes.map((w) => w.apiIds[0])).toEqual(["other"]);
    const last = new Journal(KEY);
    last.clear();
    expect(existsSync(fileOf(KEY))).toBe(false);
  });

  it("clear keeps every earlier write when they could not be settled", () => {
    const journal = earlierInTwoEnvironments();
    journal.keepEarlier();
    journal.clear();
    expect(onDisk().writes.map((w) => w.apiIds[0])).toEqual(["old", "other"]);
  });
});
