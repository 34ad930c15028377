/**
 * The bodies of the dynamic provider's methods: Pulumi's inputs and outputs in, calls to the pure
 * planning and to the operations out. `provider.ts` only forwards here, so that a program importing
 * the package from `node_modules` serializes `__provider` as a `require` of this module.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { randomBytes } from "node:crypto";
import { decideDiff } from "./diff";
import { debug, timed } from "./log";
import {
  Bindings,
  claimUnconfirmed,
  describeFailures,
  isOurs,
  type BindOutcome,
  type PairFailure,
} from "./operations";
import { pairKey, planUpdate, productPairs, sortRecords } from "./plan";
import { RomaApi } from "./roma-api";
import { configureRuntime, processRuntime, type Target } from "./runtime";
import { resolveSettings } from "./settings";
import type {
  AuthorizationInputs,
  AuthorizationOutputs,
  AuthorizationRecord,
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
  const { inputs, failures } = checkInputs(news, {
    settingsRegion: processRuntime().settings.region,
  });
  return { inputs, failures };
}

export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
  const { settings } = processRuntime();
  const decision = decideDiff(olds as Partial<AuthorizationOutputs>, news, settings);
  return {
    changes: decision.changes,
    replaces: decision.replaces,
    deleteBeforeReplace: decision.deleteBeforeReplace,
  };
}

export const create = timed(
  "create",
  async function create(props: Props): Promise<dynamic.CreateResult> {
    const started = new Date().toISOString();
    const inputs = props as unknown as AuthorizationInputs;
    const { bindings, target } = await session(inputs);
    const id = `${target.instanceId}/${target.envId}/${randomBytes(4).toString("hex")}`;
    const pairs = productPairs(inputs.appIds, inputs.apiIds);
    const outcome = await bindings.bind(pairs, bindOptions(inputs), inputs.adoptExisting);
    const outs = outputs(inputs, target, outcome.records, outcome.unconfirmed);
    const failed = bindFailures(outcome, target.envId);
    if (failed.length > 0) {
      const message = describeFailures("authorized", failed);
      if (outcome.records.length === 0 && outcome.unconfirmed.length === 0)
        throw new Error(message);
      throw partialFailure(message, id, outs, props, failed, started);
    }
    return { id, outs };
  },
);

/**
 * Binds what is missing first, then unbinds what is no longer wanted, touching nothing else.
 * Records whose options changed are unbound and bound again (the API cannot modify a record).
 */
export const update = timed(
  "update",
  async function update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
    const started = new Date().toISOString();
    const old = olds as unknown as AuthorizationOutputs;
    const inputs = news as unknown as AuthorizationInputs;
    const { bindings, target } = await session({
      ...inputs,
      region: old.region,
      projectId: old.projectId,
    });
    const wanted = new Set(productPairs(inputs.appIds, inputs.apiIds).map(pairKey));
    const unconfirmed = old.unconfirmed ?? [];
    const strays = await oursAmong(
      bindings,
      unconfirmed.filter((p) => !wanted.has(pairKey(p))),
    );

    const plan = planUpdate(await knownRecords(bindings, old), inputs);
    const rebound = await bindings.unbind(plan.rebind);
    const stillUnconfirmed = unconfirmed.filter((p) => wanted.has(pairKey(p)));
    const bound = await bindings.bind(
      [...plan.bind, ...rebound.cancelled, ...stillUnconfirmed],
      bindOptions(inputs),
      inputs.adoptExisting,
    );
    // A failed bind leaves the old records in place rather than taking access away.
    const boundFailed = [...rebound.failed, ...bindFailures(bound, target.envId)];
    const unbound =
      boundFailed.length === 0
        ? await bindings.unbind([...plan.unbind, ...strays])
        : { cancelled: [], failed: [] };

    const cancelledIds = new Set(unbound.cancelled.map((r) => r.id));
    const records = [
      ...plan.keep,
      ...plan.rebind.filter((r) => !rebound.cancelled.includes(r)),
      ...bound.records,
      ...[...plan.unbind, ...strays].filter((r) => !cancelledIds.has(r.id)),
    ];
    const outs = outputs(inputs, target, records, bound.unconfirmed);
    const failed = [...boundFailed, ...unbound.failed];
    if (failed.length > 0) {
      throw partialFailure(describeFailures("changed", failed), id, outs, news, failed, started);
    }
    return { outs };
  },
);

/** Cancels every record, and any unconfirmed pair that turns out to exist and be ours. */
export const destroy = timed(
  "destroy",
  async function destroy(_id: string, props: Props): Promise<void> {
    const old = props as unknown as AuthorizationOutputs;
    const { bindings } = await session(old);
    const strays = await oursAmong(bindings, old.unconfirmed ?? []);
    const outcome = await bindings.unbind([...(await knownRecords(bindings, old)), ...strays]);
    if (outcome.failed.length > 0) {
      throw new Error(
        `${describeFailures("cancelled", outcome.failed)}\nThe resource stays in the state; run the command again to finish.`,
      );
    }
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
    const old = props as unknown as AuthorizationOutputs;
    const { bindings, target } = await session(old);
    const unconfirmed = old.unconfirmed ?? [];
    const listed = await bindings.list([
      ...(old.appIds ?? []),
      ...(old.authorizations ?? []).map((r) => r.appId),
      ...unconfirmed.map((p) => p.appId),
    ]);
    const records = recordsAmong(old, listed);
    // Managed means recorded: a wanted pair that was never bound here may be someone else's binding.
    const managed = new Set(records.map(pairKey));
    // A record written moments ago may not show yet: wait for it (bounded) before calling it gone.
    const lagging = records.filter((r) => !listed.has(pairKey(r)) && bindings.mayBeLagging(r));
    if (lagging.length > 0) {
      for (const [key, record] of await bindings.lookup(lagging, "all")) listed.set(key, record);
    }
    const claimed = claimUnconfirmed(unconfirmed, listed);
    const present = [...listed.values()].filter((r) => managed.has(pairKey(r)));
    const live = uniqueById([...present, ...claimed.ours]);
    if (live.length === 0 && claimed.unseen.length === 0) return { id: "" };

    const appIds = [...new Set(live.map((r) => r.appId))].sort();
    const apiIds = [...new Set(live.map((r) => r.apiId))].sort();
    const inputs: AuthorizationInputs = {
      ...pickInputs(old),
      appIds: appIds.length > 0 ? appIds : old.appIds,
      apiIds: apiIds.length > 0 ? apiIds : old.apiIds,
      visitParams: (old.visitParams ?? []).filter(
        (v) => apiIds.includes(v.apiId) && (v.appId === undefined || appIds.includes(v.appId)),
      ),
    };
    const outs = outputs(inputs, target, live, claimed.unseen);
    debug(`refresh ${id}: ${live.length} of ${records.length} records present`);
    return { id, props: outs, inputs: pickInputs(outs) };
  },
);

async function session(where: {
  instanceId: string;
  envId: string;
  region?: string;
  projectId?: string;
}): Promise<{ bindings: Bindings; target: Target }> {
  const runtime = processRuntime();
  const budget = runtime.budget();
  const target = await runtime.target(where, budget);
  const api = new RomaApi(runtime.transport, target, budget);
  return {
    bindings: new Bindings(api, target.envId, runtime.settings, budget, runtime.cancelled),
    target,
  };
}

// Unconfirmed pairs no longer wanted: the records that show up and are ours, to be cancelled. A pair
// that never shows within the visibility bound is taken to have never been created.
async function oursAmong(
  bindings: Bindings,
  pairs: UnconfirmedPair[],
): Promise<AuthorizationRecord[]> {
  if (pairs.length === 0) return [];
  return claimUnconfirmed(pairs, await bindings.lookup(pairs, "all")).ours;
}

// The records a resource holds: those in its outputs and, after a partial failure too large to
// report record by record, those of its pairs written since `lookupSince`.
async function knownRecords(
  bindings: Bindings,
  old: AuthorizationOutputs,
): Promise<AuthorizationRecord[]> {
  if (!old.lookupSince) return old.authorizations ?? [];
  return recordsAmong(old, await bindings.list(old.appIds ?? []));
}

// knownRecords, from a listing of (at least) the resource's apps.
function recordsAmong(
  old: AuthorizationOutputs,
  listed: Map<string, AuthorizationRecord>,
): AuthorizationRecord[] {
  const records = old.authorizations ?? [];
  if (!old.lookupSince) return records;
  const product = new Set(productPairs(old.appIds ?? [], old.apiIds ?? []).map(pairKey));
  const claimed = [...listed.values()].filter(
    (r) => product.has(pairKey(r)) && isOurs(r, old.lookupSince),
  );
  return uniqueById([...records, ...claimed]);
}

// Failed pairs, and pairs left unconfirmed: the user hears of both, and the next `up` finishes.
function bindFailures(outcome: BindOutcome, envId: string): PairFailure[] {
  return [
    ...outcome.failed,
    ...outcome.unconfirmed.map((p) => ({
      ...p,
      code: "UNCONFIRMED",
      message: `The request to authorize app ${p.appId} for API ${p.apiId} in environment ${envId} got no answer, and the record did not show in binded-apis within roma:consistencyTimeout. It is kept as unconfirmed; the next \`pulumi up\` or \`pulumi destroy\` looks for it again.`,
    })),
  ];
}

function bindOptions(inputs: AuthorizationInputs): BindOptions {
  return {
    authTunnel: inputs.authTunnel,
    authWhitelist: inputs.authWhitelist,
    authBlacklist: inputs.authBlacklist,
    visitParams: inputs.visitParams,
  };
}

function outputs(
  inputs: AuthorizationInputs,
  target: Target,
  records: AuthorizationRecord[],
  unconfirmed: UnconfirmedPair[],
): AuthorizationOutputs {
  return {
    ...pickInputs(inputs),
    region: target.region,
    projectId: target.projectId,
    authorizations: sortRecords(uniqueById(records)),
    unconfirmed,
    lookupSince: "",
  };
}

// Only the resource's own fields: never `__provider`, never fields of older states.
function pickInputs(from: AuthorizationInputs): AuthorizationInputs {
  const picked: AuthorizationInputs = {
    instanceId: from.instanceId,
    envId: from.envId,
    appIds: from.appIds,
    apiIds: from.apiIds,
    authTunnel: from.authTunnel ?? "NORMAL",
    authWhitelist: from.authWhitelist ?? [],
    authBlacklist: from.authBlacklist ?? [],
    visitParams: from.visitParams ?? [],
    adoptExisting: from.adoptExisting ?? false,
  };
  if (from.region !== undefined) picked.region = from.region;
  if (from.projectId !== undefined) picked.projectId = from.projectId;
  return picked;
}

function uniqueById(records: AuthorizationRecord[]): AuthorizationRecord[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

// The provider host returns a partial failure in one gRPC trailer, which it cannot send past about
// 64 KiB (the answer then never arrives and `pulumi up` hangs): keep well under that.
const PARTIAL_BUDGET = 40 * 1024;
const MAX_REASONS = 20;

/**
 * The error shape Pulumi's dynamic-provider host turns into a partial success: the engine records
 * the resource with these properties (so nothing created is forgotten) and an init error, and the
 * next `up` calls `update` to finish the job. When the records would not fit the host's answer,
 * the properties name the resource's pairs and `lookupSince` instead, and the next operation finds
 * the records by listing.
 */
function partialFailure(
  message: string,
  id: string,
  outs: AuthorizationOutputs,
  props: Props,
  failed: PairFailure[],
  started: string,
): Error {
  let properties: Props = { ...outs, __provider: props.__provider };
  if (JSON.stringify(properties).length > PARTIAL_BUDGET) {
    const pairs = [...outs.authorizations, ...outs.unconfirmed];
    const times = [started, ...outs.authorizations.map((r) => r.authTime)].map(Date.parse);
    const since = new Date(Math.min(...times.filter((t) => !Number.isNaN(t)))).toISOString();
    properties = {
      ...properties,
      appIds: [...new Set([...outs.appIds, ...pairs.map((p) => p.appId)])].sort(),
      apiIds: [...new Set([...outs.apiIds, ...pairs.map((p) => p.apiId)])].sort(),
      authorizations: [],
      unconfirmed: [],
      lookupSince: since,
    };
  }
  const reasons = failed.slice(0, MAX_REASONS).map((f) => f.message.slice(0, 500));
  if (failed.length > MAX_REASONS) reasons.push(`and ${failed.length - MAX_REASONS} more`);
  return Object.assign(new Error(message.slice(0, 8 * 1024)), { id, properties, reasons });
}
