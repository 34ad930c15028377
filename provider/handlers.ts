/**
 * The bodies of the dynamic provider's methods: Pulumi's inputs and outputs in, calls to the pure
 * planning and to the operations out. `provider.ts` only forwards here, so that a program importing
 * the package from `node_modules` serializes `__provider` as a `require` of this module.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { randomBytes } from "node:crypto";
import { decideDiff } from "./diff";
import { BIND_FIELDS, pick, type Gateway } from "./fields";
import { debug, timed } from "./log";
import { Journal, type JournalWrite } from "./journal";
import {
  Bindings,
  describeFailures,
  existedBefore,
  type PairFailure,
  type PairToBind,
  type WriteLog,
} from "./operations";
import { pairKey, planUpdate, productPairs, sortRecords } from "./plan";
import { RomaApi, type Target } from "./roma-api";
import { configureRuntime, processRuntime } from "./runtime";
import { resolveSettings } from "./settings";
import { readInputs, readOutputs, storeInputs, storeOutputs } from "./state";
import type {
  AuthorizationInputs,
  AuthorizationOutputs,
  AuthorizationRecord,
  StoredOutputs,
  UnconfirmedPair,
} from "./types";
import { checkInputs } from "./validate";
import type { BindOptions } from "./wire";

type Props = Record<string, unknown>;

/** Reads the settings from the stack config (and the environment) once per provider process. */
export async function configure(req: dynamic.ConfigureRequest): Promise<void> {
  configureRuntime(resolveSettings(req.config, process.env));
}

export async function check(_olds: Props, news: Props): Promise<dynamic.CheckResult> {
  // The resource class adds journalKey; the user never gives it, so checkInputs does not know it.
  const { journalKey, ...given } = news;
  const { inputs, failures } = checkInputs(given, {
    settingsRegion: processRuntime().settings.region,
  });
  if (typeof journalKey === "string" && journalKey.length <= 1024) inputs.journalKey = journalKey;
  return { inputs, failures };
}

export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
  const { settings } = processRuntime();
  const decision = decideDiff(olds, news, settings);
  return {
    changes: decision.changes,
    replaces: decision.replaces,
    deleteBeforeReplace: decision.deleteBeforeReplace,
  };
}

export const create = timed(
  "create",
  async function create(props: Props): Promise<dynamic.CreateResult> {
    const inputs = readInputs(props);
    const { bindings, target, journal } = await session(inputs);
    const journalled = journal.evidence([]);
    const id = `${target.instanceId}/${target.envId}/${randomBytes(4).toString("hex")}`;
    const pairs = productPairs(inputs.appIds, inputs.apiIds);
    // After an interrupted run, the journal tells which records its writes may have made.
    const wanted = new Set(pairs.map(pairKey));
    const strays = await bindings.settle(journalled.filter((p) => !wanted.has(pairKey(p))));
    const byPair = new Map(journalled.map((p) => [pairKey(p), p]));
    const outcome = await bindings.bind(
      pairs.map((p) => byPair.get(pairKey(p)) ?? p),
      bindOptions(inputs),
      adopting(inputs),
    );
    // Records of pairs no longer wanted are kept in the state: the next `up` unbinds them.
    const records = [...outcome.records, ...strays.ours];
    const open = [...outcome.unconfirmed, ...strays.open.map((p) => ({ ...p, ...STILL_OPEN }))];
    const outs = outputs(inputs, target, records, open);
    journal.settle(records);
    const failed = [...outcome.failed, ...open];
    if (failed.length > 0) {
      // Nothing made and nothing that may have been made: a plain error leaves nothing behind.
      if (records.length === 0 && open.length === 0) {
        throw new Error(describeFailures("authorized", failed, remedy(inputs, failed)).message);
      }
      throw partialFailure("authorized", id, outs, props, failed, remedy(inputs, failed));
    }
    return { id, outs };
  },
);

/**
 * Settles pairs left unconfirmed, binds what is missing, then unbinds what is no longer wanted,
 * touching nothing else. Records whose options changed are unbound and bound again (the API cannot
 * modify a record).
 */
export const update = timed(
  "update",
  async function update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    const old = readOutputs(olds);
    const inputs = readInputs(news);
    const { bindings, target, journal } = await session({
      ...inputs,
      region: old.region,
      projectId: old.projectId,
    });
    const settled = await settleUnconfirmed(bindings, old, journal);
    const { records, failed, unconfirmed } = await applyUpdate(bindings, old, inputs, settled);
    // Open pairs no longer wanted cannot be cancelled before their records show: kept, and said.
    const wanted = new Set(productPairs(inputs.appIds, inputs.apiIds).map(pairKey));
    const stillOpen = settled.open
      .filter((p) => !wanted.has(pairKey(p)))
      .map((p) => ({ ...p, ...STILL_OPEN }));
    const outs = outputs(inputs, target, records, [...unconfirmed, ...stillOpen]);
    journal.settle(records);
    if (failed.length + stillOpen.length > 0) {
      const all = [...failed, ...stillOpen];
      throw partialFailure("changed", id, outs, news, all, remedy(inputs, all));
    }
    return { outs };
  },
);

/** What an update leaves: the records that exist, what failed, the pairs left unconfirmed. */
interface UpdateOutcome {
  records: AuthorizationRecord[];
  failed: PairFailure[];
  unconfirmed: UnconfirmedPair[];
}

// Rebinds what changed, binds what is missing, and unbinds what is no longer wanted only when
// every bind succeeded (a failed bind leaves the old records in place rather than taking access
// away).
async function applyUpdate(
  bindings: Bindings,
  old: AuthorizationOutputs,
  inputs: AuthorizationInputs,
  settled: Settled,
): Promise<UpdateOutcome> {
  const open = new Map(settled.open.map((p) => [pairKey(p), p]));
  // A record the journal shows a killed rebind made replaces the state's record of its pair,
  // which that rebind had cancelled first: cancelled again (already gone counts), never rebound.
  const fresh = new Map(settled.ours.map((r) => [pairKey(r), r.id]));
  const replaced = old.authorizations.filter((r) => (fresh.get(pairKey(r)) ?? r.id) !== r.id);
  const replacedIds = idsOf(replaced);
  const current = old.authorizations.filter((r) => !replacedIds.has(r.id));
  const plan = planUpdate(uniqueById([...current, ...settled.ours]), inputs);
  const gone = await bindings.unbind(replaced);
  const rebound = await bindings.unbind(plan.rebind);
  const toBind = [...plan.bind, ...rebound.cancelled].map(
    (p) => open.get(pairKey(p)) ?? { appId: p.appId, apiId: p.apiId },
  );
  const bound = await bindings.bind(toBind, bindOptions(inputs), adopting(inputs));
  const boundFailed = [...gone.failed, ...rebound.failed, ...bound.failed, ...bound.unconfirmed];
  const unbound =
    boundFailed.length === 0 ? await bindings.unbind(plan.unbind) : { cancelled: [], failed: [] };
  const remaining = (records: AuthorizationRecord[], cancelled: AuthorizationRecord[]) => {
    const ids = idsOf(cancelled);
    return records.filter((r) => !ids.has(r.id));
  };
  return {
    records: [
      ...remaining(replaced, gone.cancelled),
      ...plan.keep,
      ...remaining(plan.rebind, rebound.cancelled),
      ...bound.records,
      ...remaining(plan.unbind, unbound.cancelled),
    ],
    failed: [...boundFailed, ...unbound.failed],
    unconfirmed: bound.unconfirmed,
  };
}

/** Cancels every record, and the records of unconfirmed pairs that turn out to be ours. */
export const destroy = timed(
  "destroy",
  async function destroy(_id: string, props: Props): Promise<void> {
    const old = readOutputs(props);
    const { bindings, journal } = await session(old);
    const settled = await settleUnconfirmed(bindings, old, journal);
    // After a destroy that failed part-way, only what may still exist is cancelled again.
    const outcome = await bindings.unbind(await bindings.mayExist(withSettled(old, settled)));
    const failed = [...outcome.failed, ...settled.open.map((p) => ({ ...p, ...STILL_OPEN }))];
    if (failed.length > 0) {
      throw new Error(
        `${describeFailures("cancelled", failed).message}\nThe resource stays in the state; run \`pulumi destroy\` again to finish.`,
      );
    }
    journal.clear();
  },
);

/**
 * `pulumi refresh`: lists the environment's bindings of the resource's apps. Managed pairs removed
 * outside Pulumi drop out of the outputs and inputs (so the next `up` binds them again); bindings
 * the resource does not manage are left alone; nothing left means the resource is gone.
 */
export const read = timed(
  "read",
  async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
    const old = readOutputs(props);
    const { bindings, target, journal } = await session(old);
    const records = old.authorizations;
    // An update that failed part-way keeps records of apps its appIds no longer name.
    const listed = await bindings.list([...old.appIds, ...records.map((r) => r.appId)]);
    const shown = new Set([...listed.values()].flat().map((r) => `${pairKey(r)}/${r.id}`));
    const isShown = (r: AuthorizationRecord) => shown.has(`${pairKey(r)}/${r.id}`);
    // A record written moments ago may not show yet: wait for it (bounded) before calling it gone.
    const lagging = records.filter((r) => !isShown(r) && bindings.mayBeLagging(r));
    const waited = await bindings.settle(
      lagging.map((r) => ({
        appId: r.appId,
        apiId: r.apiId,
        windows: [{ from: r.authTime, to: r.authTime }],
      })),
    );
    const found = new Set(waited.ours.map((w) => w.id));
    const present = records.filter((r) => isShown(r) || found.has(r.id));
    const settled = await settleUnconfirmed(bindings, old, journal);
    // The engine runs read in refresh's preview too and drops that result: the journal's evidence
    // must outlive it, so read never trims it (the next create, update or delete does).
    journal.keepEarlier();
    journal.settle();
    const live = uniqueById([...present, ...settled.ours]);
    if (live.length === 0 && settled.open.length === 0) return { id: "" };

    const appIds = [...new Set(live.map((r) => r.appId))].sort();
    const apiIds = [...new Set(live.map((r) => r.apiId))].sort();
    const [apps, apis] = [new Set(appIds), new Set(apiIds)];
    const inputs: AuthorizationInputs = {
      ...readInputs(old),
      appIds: appIds.length > 0 ? appIds : old.appIds,
      apiIds: apiIds.length > 0 ? apiIds : old.apiIds,
      visitParams: old.visitParams.filter(
        (v) => apis.has(v.apiId) && (v.appId === undefined || apps.has(v.appId)),
      ),
    };
    const outs = outputs(inputs, target, live, settled.open);
    debug(`refresh ${id}: ${live.length} of ${records.length} records present`);
    return { id, props: outs, inputs: storeInputs(outs) };
  },
);

/** Names the resources (`project/stack/name`, comma-separated) that adopt existing pairs this run. */
export const ADOPT_ENV = "ROMA_ADOPT_EXISTING";

// adoptExisting, or this run's one-off request to adopt (an environment variable: never stored).
function adopting(inputs: AuthorizationInputs): boolean {
  const once = (process.env[ADOPT_ENV] ?? "").split(",").map((k) => k.trim());
  return (
    inputs.adoptExisting || (inputs.journalKey !== undefined && once.includes(inputs.journalKey))
  );
}

// For pairs that existed before the write: what to do when no journal on this machine tells
// whether an interrupted run of this resource made them.
function remedy(inputs: AuthorizationInputs, failed: PairFailure[]): string | undefined {
  if (!failed.some(existedBefore)) return undefined;
  const once = inputs.journalKey
    ? `run once \`${ADOPT_ENV}=${inputs.journalKey} pulumi up\``
    : "set adoptExisting: true";
  return `If an interrupted \`pulumi up\` of this resource made them (on another machine, or without its journal) and nothing else manages them, ${once} to take them over.`;
}

interface Session {
  bindings: Bindings;
  target: Target;
  journal: Journal;
}

async function session(where: {
  gateway?: Gateway;
  instanceId: string;
  envId: string;
  region?: string;
  projectId?: string;
  journalKey?: string;
}): Promise<Session> {
  const runtime = processRuntime();
  const budget = runtime.budget();
  const target = await runtime.target(where, budget);
  const api = new RomaApi(runtime.transport, target, budget);
  const journal = new Journal(where.journalKey);
  const here = (w: JournalWrite) => w.instanceId === target.instanceId && w.envId === target.envId;
  journal.scope(here);
  // A request may be in flight until the operation's deadline plus one request's timeout.
  const writeLog: WriteLog = (appIds, apiIds, sentAt) =>
    journal.begin({
      instanceId: target.instanceId,
      envId: target.envId,
      appIds,
      apiIds,
      sentAt,
      until: budget.deadline + runtime.settings.requestTimeoutMs,
    });
  return {
    bindings: new Bindings(api, target.envId, runtime.settings, budget, writeLog),
    target,
    journal,
  };
}

// Settles the state's unconfirmed pairs (the journal's evidence for them added) and the pairs only
// the journal names: those whose journalled writes the state's records do not explain (a pair the
// state records may have been rebound by a killed update). The journal's own pairs are settled
// apart: a listing they need that fails (an app deleted since) must not stop the operation, and
// their entries are then kept for a later one.
async function settleUnconfirmed(
  bindings: Bindings,
  old: AuthorizationOutputs,
  journal: Journal,
): Promise<Settled> {
  const fromState = new Map<string, PairToBind>(
    old.unconfirmed.map((p) => [pairKey(p), { ...p, windows: [...p.windows] }]),
  );
  const journalOnly: PairToBind[] = [];
  for (const p of journal.evidence(old.authorizations)) {
    const held = fromState.get(pairKey(p));
    if (held) held.windows!.push(...p.windows);
    else journalOnly.push(p);
  }
  const state = await bindings.settle([...fromState.values()]);
  try {
    const more = await bindings.settle(journalOnly);
    return { ours: [...state.ours, ...more.ours], open: [...state.open, ...more.open] };
  } catch (error) {
    debug(`the journal's pairs could not be looked up: ${(error as Error).message}`);
    journal.keepEarlier();
    return state;
  }
}

/** Unconfirmed pairs settled: the records that proved the resource's, the pairs still open. */
interface Settled {
  ours: AuthorizationRecord[];
  open: UnconfirmedPair[];
}

// The state's records and those its unconfirmed pairs turned out to be, each once.
function withSettled(old: AuthorizationOutputs, settled: Settled): AuthorizationRecord[] {
  return uniqueById([...old.authorizations, ...settled.ours]);
}

const STILL_OPEN = {
  code: "UNCONFIRMED",
  reason:
    "A write of this resource whose outcome is unknown may have authorized the pair, and its record has not shown in binded-apis yet; it is kept as unconfirmed and looked for again by the next `pulumi up`, refresh or destroy.",
};

// The inputs every record carries (see `BIND_FIELDS`).
function bindOptions(inputs: AuthorizationInputs): BindOptions {
  return pick(inputs, BIND_FIELDS);
}

// The outputs as the engine stores them.
function outputs(
  inputs: AuthorizationInputs,
  target: Target,
  records: AuthorizationRecord[],
  unconfirmed: UnconfirmedPair[],
): StoredOutputs {
  return storeOutputs({
    // Only the resource's own fields (see `fields.ts`): never `__provider`.
    ...readInputs(inputs),
    region: target.region,
    projectId: target.projectId,
    authorizations: sortRecords(uniqueById(records)),
    unconfirmed: unconfirmed.map((p) => ({ appId: p.appId, apiId: p.apiId, windows: p.windows })),
  });
}

function uniqueById(records: AuthorizationRecord[]): AuthorizationRecord[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

function idsOf(records: readonly AuthorizationRecord[]): Set<string> {
  return new Set(records.map((r) => r.id));
}

/**
 * The error shape Pulumi's dynamic-provider host turns into a partial success: the engine records
 * the resource with these properties (every record made and every unconfirmed pair, so nothing
 * made is forgotten) and an init error, and the next `up` calls `update` to finish the job. They
 * travel in one gRPC trailer, which the engine's client (grpc-go) takes up to 16 MiB; at ~70 B a
 * stored record, 10,000 records come to well under 1 MB. The host adds `__provider` to a success's
 * outputs but not to an error's properties, so it is added here, once: delete and read need it.
 */
function partialFailure(
  what: string,
  id: string,
  outs: StoredOutputs,
  props: Props,
  failed: PairFailure[],
  remedy?: string,
): Error {
  const { message, reasons } = describeFailures(what, failed, remedy);
  const properties: Props = { ...outs, __provider: props.__provider };
  return Object.assign(new Error(message), { id, properties, reasons });
}
