/**
 * The bodies of the dynamic provider's methods: Pulumi's inputs and outputs in, calls to the pure
 * planning and to the operations out. `provider.ts` only forwards here, so that a program importing
 * the package from `node_modules` serializes `__provider` as a `require` of this module.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { randomBytes } from "node:crypto";
import { decideDiff } from "./diff";
import { debug, timed } from "./log";
import { Bindings, describeFailures, type PairFailure } from "./operations";
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
    const inputs = props as unknown as AuthorizationInputs;
    const { bindings, target } = await session(inputs);
    const id = `${target.instanceId}/${target.envId}/${randomBytes(4).toString("hex")}`;
    const pairs = productPairs(inputs.appIds, inputs.apiIds);
    const outcome = await bindings.bind(pairs, bindOptions(inputs), inputs.adoptExisting);
    const outs = outputs(inputs, target, outcome.records, outcome.unconfirmed);
    const failed = [...outcome.failed, ...outcome.unconfirmed];
    if (failed.length > 0) {
      // Nothing made and nothing that may have been made: a plain error leaves nothing behind.
      if (outcome.records.length === 0 && outcome.unconfirmed.length === 0) {
        throw new Error(describeFailures("authorized", failed).message);
      }
      throw partialFailure("authorized", id, outs, props, failed);
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
    const old = olds as unknown as AuthorizationOutputs;
    const inputs = news as unknown as AuthorizationInputs;
    const { bindings, target } = await session({
      ...inputs,
      region: old.region,
      projectId: old.projectId,
    });
    const wanted = new Set(productPairs(inputs.appIds, inputs.apiIds).map(pairKey));
    const settled = await bindings.settle(old.unconfirmed ?? []);
    const open = new Map(settled.open.map((p) => [pairKey(p), p]));
    const plan = planUpdate([...(old.authorizations ?? []), ...settled.ours], inputs);
    const rebound = await bindings.unbind(plan.rebind);
    const toBind = [...plan.bind, ...rebound.cancelled].map(
      (p) => open.get(pairKey(p)) ?? { appId: p.appId, apiId: p.apiId },
    );
    const bound = await bindings.bind(toBind, bindOptions(inputs), inputs.adoptExisting);
    // A failed bind leaves the old records in place rather than taking access away.
    const boundFailed = [...rebound.failed, ...bound.failed, ...bound.unconfirmed];
    const unbound =
      boundFailed.length === 0 ? await bindings.unbind(plan.unbind) : { cancelled: [], failed: [] };

    const cancelledIds = new Set(unbound.cancelled.map((r) => r.id));
    const records = [
      ...plan.keep,
      ...plan.rebind.filter((r) => !rebound.cancelled.includes(r)),
      ...bound.records,
      ...plan.unbind.filter((r) => !cancelledIds.has(r.id)),
    ];
    // Open pairs no longer wanted cannot be cancelled before their records show: kept, and said.
    const stillOpen = settled.open
      .filter((p) => !wanted.has(pairKey(p)))
      .map((p) => ({ ...p, ...STILL_OPEN }));
    const outs = outputs(inputs, target, records, [...bound.unconfirmed, ...stillOpen]);
    const failed = [...boundFailed, ...unbound.failed, ...stillOpen];
    if (failed.length > 0) throw partialFailure("changed", id, outs, news, failed);
    return { outs };
  },
);

/** Cancels every record, and the records of unconfirmed pairs that turn out to be ours. */
export const destroy = timed(
  "destroy",
  async function destroy(_id: string, props: Props): Promise<void> {
    const old = props as unknown as AuthorizationOutputs;
    const { bindings } = await session(old);
    const settled = await bindings.settle(old.unconfirmed ?? []);
    const outcome = await bindings.unbind([...(old.authorizations ?? []), ...settled.ours]);
    const failed = [...outcome.failed, ...settled.open.map((p) => ({ ...p, ...STILL_OPEN }))];
    if (failed.length > 0) {
      throw new Error(
        `${describeFailures("cancelled", failed).message}\nThe resource stays in the state; run \`pulumi destroy\` again to finish.`,
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
    const records = old.authorizations ?? [];
    const listed = await bindings.list([...(old.appIds ?? []), ...records.map((r) => r.appId)]);
    const ids = (key: string) => new Set((listed.get(key) ?? []).map((r) => r.id));
    // A record written moments ago may not show yet: wait for it (bounded) before calling it gone.
    const lagging = records.filter((r) => !ids(pairKey(r)).has(r.id) && bindings.mayBeLagging(r));
    const waited = await bindings.settle(
      lagging.map((r) => ({
        appId: r.appId,
        apiId: r.apiId,
        windows: [{ from: r.authTime, to: r.authTime }],
      })),
    );
    const present = records.filter(
      (r) => ids(pairKey(r)).has(r.id) || waited.ours.some((w) => w.id === r.id),
    );
    const settled = await bindings.settle(old.unconfirmed ?? []);
    const live = uniqueById([...present, ...settled.ours]);
    if (live.length === 0 && settled.open.length === 0) return { id: "" };

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
    const outs = outputs(inputs, target, live, settled.open);
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
  return { bindings: new Bindings(api, target.envId, runtime.settings, budget), target };
}

const STILL_OPEN = {
  code: "UNCONFIRMED",
  reason:
    "A write of this resource whose outcome is unknown may have authorized the pair, and its record has not shown in binded-apis yet; it is kept as unconfirmed and looked for again by the next `pulumi up`, refresh or destroy.",
};

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
    unconfirmed: unconfirmed.map((p) => ({ appId: p.appId, apiId: p.apiId, windows: p.windows })),
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

/**
 * The error shape Pulumi's dynamic-provider host turns into a partial success: the engine records
 * the resource with these properties (every record made and every unconfirmed pair, so nothing
 * made is forgotten) and an init error, and the next `up` calls `update` to finish the job. The
 * engine's gRPC client takes 16 MiB of headers; the properties hold full evidence (~300 B a record).
 */
function partialFailure(
  what: string,
  id: string,
  outs: AuthorizationOutputs,
  props: Props,
  failed: PairFailure[],
): Error {
  const { message, reasons } = describeFailures(what, failed);
  const properties: Props = { ...outs, __provider: props.__provider };
  return Object.assign(new Error(message), { id, properties, reasons });
}
