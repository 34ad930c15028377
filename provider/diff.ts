/**
 * `diff`: decides between no change, an in-place update and a replacement. Pure and offline: it
 * compares the old outputs with the new (checked) inputs and the provider settings, nothing else.
 */
import { fieldsThat, readFields } from "./fields";
import { planUpdate } from "./plan";
import { readOutputs } from "./state";
import type { AuthorizationOutputs } from "./types";

/** What `diff` tells the engine. */
export interface DiffDecision {
  changes: boolean;
  /** Inputs whose change replaces the resource. */
  replaces: string[];
  /** Always false: a replacement never collides with the records it replaces (see README). */
  deleteBeforeReplace: boolean;
}

/** Inputs that name where the records live: changing one replaces the resource. */
export const REPLACING_INPUTS = fieldsThat("replaces");

/** Inputs changed in place: pairs are bound and unbound, records with other options rebound. */
export const UPDATING_INPUTS = fieldsThat("updates");

/**
 * Compares old outputs (as the engine stores them, any version) with new inputs. A region or project left to the provider settings is
 * compared as the settings resolve it now; a project still to be looked up follows its region.
 */
export function decideDiff(
  stored: Readonly<Record<string, unknown>> | Partial<AuthorizationOutputs>,
  news: Record<string, unknown>,
  settings: { region?: string; projectId?: string },
): DiffDecision {
  const olds = readOutputs(stored);
  // An APIG resource's checked inputs lack the ROMA-only ones, which its outputs read as defaults.
  const next: Record<string, unknown> = { ...news, ...readFields(news) };
  const effective: Record<string, unknown> = {
    ...next,
    region: news.region ?? settings.region,
    projectId: news.projectId ?? settings.projectId ?? olds.projectId,
  };
  const replaces = REPLACING_INPUTS.filter((key) => differs(olds[key], effective[key]));
  // An unknown input always differs (state never holds the sentinel), so drift is only planned
  // from inputs that are all known.
  const changes =
    replaces.length > 0 ||
    UPDATING_INPUTS.some((key) => differs(olds[key], next[key])) ||
    recordsDrifted(olds, news);
  return { changes, replaces, deleteBeforeReplace: false };
}

// Records removed or changed outside Pulumi (seen by a refresh) or left unconfirmed by a lost
// answer: an update puts them right even though no input changed.
function recordsDrifted(olds: AuthorizationOutputs, news: Record<string, unknown>): boolean {
  if (olds.unconfirmed.length > 0) return true;
  const plan = planUpdate(olds.authorizations, readFields(news));
  return plan.bind.length + plan.rebind.length + plan.unbind.length > 0;
}

function differs(old: unknown, next: unknown): boolean {
  return canonical(old) !== canonical(next);
}

// Lists compare as sets (the inputs are already sorted by check; old state may not be), objects by
// their sorted keys, and absent equals empty so older states without a field compare cleanly.
function canonical(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) {
    const items = [...new Set(value.map(canonical))].sort();
    return items.length === 0 ? "" : JSON.stringify(items);
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, canonical(v)]);
    return JSON.stringify(entries);
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects returned above
  return String(value);
}
