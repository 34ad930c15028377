/**
 * Pure planning: which pairs a resource wants, which records satisfy them, what an update binds and
 * unbinds, and how pairs are grouped into bounded requests. No I/O here.
 */
import type { AuthorizationInputs, AuthorizationRecord, Pair, VisitParam } from "./types";

/** A stable key for a pair; ids never contain `/` (see `validate.ts`). */
export function pairKey(pair: Pair): string {
  return `${pair.appId}/${pair.apiId}`;
}

/** Every pair of `appIds x apiIds`, sorted by app then API. */
export function productPairs(appIds: readonly string[], apiIds: readonly string[]): Pair[] {
  return [...appIds]
    .sort()
    .flatMap((appId) => [...apiIds].sort().map((apiId) => ({ appId, apiId })));
}

/** The access parameters a pair gets: the app's own entry wins over the API-wide one. */
export function visitParamFor(pair: Pair, visitParams: readonly VisitParam[]): string {
  const own = visitParams.find((v) => v.apiId === pair.apiId && v.appId === pair.appId);
  const apiWide = visitParams.find((v) => v.apiId === pair.apiId && v.appId === undefined);
  return (own ?? apiWide)?.visitParam ?? "";
}

/** True when an existing record already carries what the inputs ask for its pair. */
export function recordSatisfies(record: AuthorizationRecord, inputs: AuthorizationInputs): boolean {
  return (
    record.authTunnel === inputs.authTunnel &&
    sameSet(record.authWhitelist, inputs.authWhitelist) &&
    sameSet(record.authBlacklist, inputs.authBlacklist) &&
    sameSet(splitParams(record.visitParam), splitParams(visitParamFor(record, inputs.visitParams)))
  );
}

/** What an update must do to turn `records` into what `inputs` ask for. */
export interface UpdatePlan {
  /** Records that already satisfy the inputs: left alone. */
  keep: AuthorizationRecord[];
  /** Records whose options differ from the inputs: unbound, then bound again. */
  rebind: AuthorizationRecord[];
  /** Wanted pairs with no record. */
  bind: Pair[];
  /** Records of pairs no longer wanted (or duplicates of a kept pair). */
  unbind: AuthorizationRecord[];
}

/** Plans an update: the records it keeps, rebinds, binds and unbinds. */
export function planUpdate(
  records: readonly AuthorizationRecord[],
  inputs: AuthorizationInputs,
): UpdatePlan {
  const wanted = new Set(productPairs(inputs.appIds, inputs.apiIds).map(pairKey));
  const plan: UpdatePlan = { keep: [], rebind: [], bind: [], unbind: [] };
  const seen = new Set<string>();
  for (const record of sortRecords(records)) {
    const key = pairKey(record);
    if (!wanted.has(key) || seen.has(key)) plan.unbind.push(record);
    else if (recordSatisfies(record, inputs)) plan.keep.push(record);
    else plan.rebind.push(record);
    seen.add(key);
  }
  plan.bind = productPairs(inputs.appIds, inputs.apiIds).filter((p) => !seen.has(pairKey(p)));
  return plan;
}

/** One bind request's worth of pairs: the product `appIds x apiIds`. */
export interface Batch {
  appIds: string[];
  apiIds: string[];
}

/**
 * Groups pairs into products of at most `maxPairs` pairs each. Apps wanting the same APIs share
 * requests; a product larger than `maxPairs` is cut into the grid of blocks that needs the fewest
 * requests, so `n x m` pairs take `ceil(n * m / maxPairs)` requests whenever a grid allows it.
 */
export function batchPairs(pairs: readonly Pair[], maxPairs: number): Batch[] {
  const apisByApp = new Map<string, Set<string>>();
  for (const { appId, apiId } of pairs) {
    const apis = apisByApp.get(appId) ?? new Set<string>();
    apis.add(apiId);
    apisByApp.set(appId, apis);
  }
  const appsByApiSet = new Map<string, { appIds: string[]; apiIds: string[] }>();
  for (const [appId, apis] of [...apisByApp].sort(([a], [b]) => compare(a, b))) {
    const apiIds = [...apis].sort();
    const signature = apiIds.join(",");
    const group = appsByApiSet.get(signature) ?? { appIds: [], apiIds };
    group.appIds.push(appId);
    appsByApiSet.set(signature, group);
  }
  return [...appsByApiSet.values()].flatMap((group) => gridBlocks(group, maxPairs));
}

function gridBlocks({ appIds, apiIds }: Batch, maxPairs: number): Batch[] {
  let best = { apps: 1, apis: 1, requests: Infinity };
  for (let apis = Math.min(apiIds.length, maxPairs); apis >= 1; apis--) {
    const apps = Math.min(appIds.length, Math.floor(maxPairs / apis));
    const requests = Math.ceil(appIds.length / apps) * Math.ceil(apiIds.length / apis);
    if (requests < best.requests) best = { apps, apis, requests };
  }
  const blocks: Batch[] = [];
  for (const appChunk of chunk(appIds, best.apps)) {
    for (const apiChunk of chunk(apiIds, best.apis)) {
      blocks.push({ appIds: appChunk, apiIds: apiChunk });
    }
  }
  return blocks;
}

/** Splits a list into consecutive slices of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Records sorted by app then API then id, the order outputs show them in. */
export function sortRecords<T extends AuthorizationRecord>(records: readonly T[]): T[] {
  return [...records].sort(
    (a, b) => compare(a.appId, b.appId) || compare(a.apiId, b.apiId) || compare(a.id, b.id),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function splitParams(value: string): string[] {
  return value
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}
