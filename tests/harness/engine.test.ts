/**
 * The engine stand-in's ordering and printing rules, against a scripted provider host (what the
 * real host answers is pinned in tests/lifecycle/engine.test.ts): these are the engine's own
 * decisions, whatever the provider does.
 */
import { Engine, goValue, initErrorText, type StackState } from "./engine";
import type { ProviderHost, Props } from "./host";

type Call = [string, string];

/** A host whose create/delete/read can be held open and failed, recording the calls it gets. */
function scriptedHost(fail: Set<string> = new Set()) {
  const calls: Call[] = [];
  const waiting: (() => void)[] = [];
  const gate = () => new Promise<void>((resolve) => waiting.push(resolve));
  const host = {
    check: async (_urn: string, _olds: Props, news: Props) => ({ inputs: news, failures: [] }),
    diff: async () => ({ changes: false, replaces: [], deleteBeforeReplace: false }),
    create: async (urn: string, props: Props) => {
      calls.push(["create", name(urn)]);
      await gate();
      if (fail.has(name(urn))) throw new Error(`create of ${name(urn)} failed`);
      return { id: `id-${name(urn)}`, outputs: props };
    },
    delete: async (urn: string) => {
      calls.push(["delete", name(urn)]);
      await gate();
      if (fail.has(name(urn))) throw new Error(`delete of ${name(urn)} failed`);
    },
    read: async (urn: string, id: string, props: Props) => {
      calls.push(["read", name(urn)]);
      await gate();
      return { id, outputs: props, inputs: undefined };
    },
  };
  return {
    host: host as unknown as ProviderHost,
    calls,
    release: () => waiting.splice(0).forEach((r) => r()),
  };
}

const name = (urn: string) => urn.split("::").pop()!;
const urn = (n: string) => `urn:pulumi:dev::p::t::${n}`;
const state = (...names: string[]): StackState => ({
  resources: names.map((n) => ({
    urn: urn(n),
    name: n,
    type: "t",
    id: `id-${n}`,
    inputs: {},
    outputs: {},
  })),
});
// Lets every started step reach the host before the test releases them.
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("engine stand-in: ordering", () => {
  it("a failed step stops the steps not yet started", async () => {
    const { host, calls, release } = scriptedHost(new Set(["a"]));
    const engine = new Engine(host, { resources: [] });
    const a = engine.register(urn("a"), "t", "a", {});
    await settle();
    release();
    await expect(a).rejects.toThrow("create of a failed");
    await expect(engine.register(urn("b"), "t", "b", {})).rejects.toThrow(/cancelled/);
    expect(calls).toEqual([["create", "a"]]);
  });

  it("with --continue-on-error the next steps still run", async () => {
    const { host, calls, release } = scriptedHost(new Set(["a"]));
    const engine = new Engine(host, { resources: [] }, { continueOnError: true });
    const a = engine.register(urn("a"), "t", "a", {});
    await settle();
    release();
    await expect(a).rejects.toThrow();
    const b = engine.register(urn("b"), "t", "b", {});
    await settle();
    release();
    await b;
    expect(calls).toEqual([
      ["create", "a"],
      ["create", "b"],
    ]);
  });

  it("destroy deletes independent resources at once, and a failure leaves only that resource", async () => {
    const { host, calls, release } = scriptedHost(new Set(["b"]));
    const engine = new Engine(host, state("a", "b", "c"));
    const done = engine.destroy();
    await settle();
    // All three are in flight before any answers.
    expect(calls.map((c) => c[1]).sort()).toEqual(["a", "b", "c"]);
    release();
    await expect(done).rejects.toThrow("delete of b failed");
    expect(engine.snapshot().resources.map((r) => r.name)).toEqual(["b"]);
  });

  it("refresh previews, then applies: every read runs twice, each pass all at once", async () => {
    const { host, calls, release } = scriptedHost();
    const engine = new Engine(host, state("a", "b"));
    const done = engine.refresh();
    await settle();
    expect(calls).toHaveLength(2);
    release();
    await settle();
    await settle();
    expect(calls).toHaveLength(4);
    release();
    await done;
    expect(calls.map((c) => c[0])).toEqual(["read", "read", "read", "read"]);
    const skipped = scriptedHost();
    const once = new Engine(skipped.host, state("a")).refresh({ skipPreview: true });
    await settle();
    skipped.release();
    await once;
    expect(skipped.calls).toEqual([["read", "a"]]);
  });

  it("checkpoints a pending operation before the provider is called and clears it after", async () => {
    const { host, release } = scriptedHost();
    const written: StackState[] = [];
    const engine = new Engine(host, { resources: [] }, { checkpoint: (s) => written.push(s) });
    const created = engine.register(urn("a"), "t", "a", {});
    await settle();
    expect(written.at(-1)).toMatchObject({
      resources: [],
      pendingOperations: [{ type: "creating", resource: { urn: urn("a") } }],
    });
    release();
    await created;
    expect(written.at(-1)!.pendingOperations).toBeUndefined();
    expect(written.at(-1)!.resources.map((r) => r.name)).toEqual(["a"]);
  });

  it("carries an old pending CREATE (only that kind) until refresh --clear-pending-creates", async () => {
    const old: StackState = {
      resources: [],
      pendingOperations: [
        { type: "creating", resource: state("a").resources[0] },
        { type: "updating", resource: state("b").resources[0] },
      ],
    };
    const { host } = scriptedHost();
    expect(new Engine(host, old).snapshot().pendingOperations).toEqual([old.pendingOperations![0]]);
    const refreshing = new Engine(host, old);
    await refreshing.refresh({ clearPendingCreates: true });
    expect(refreshing.snapshot().pendingOperations).toBeUndefined();
  });
});

describe("engine stand-in: what the CLI prints", () => {
  it("prints init errors as go-multierror lists them", () => {
    expect(initErrorText(["x"])).toBe("1 error occurred:\n\t* x\n\n");
    expect(initErrorText(["x", "y"])).toBe("2 errors occurred:\n\t* x\n\t* y\n\n");
    expect(initErrorText([])).toBe("resource init failed");
  });

  it("prints property values as Go's %v prints a PropertyValue", () => {
    expect(goValue("a")).toBe("{a}");
    expect(goValue(["a", "b"])).toBe("{[{a} {b}]}");
    expect(goValue({ b: 1, a: true })).toBe("{map[a:{true} b:{1}]}");
    expect(goValue(undefined)).toBe("{<nil>}");
  });
});
