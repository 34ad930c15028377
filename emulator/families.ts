/**
 * The gateways whose app-authorization API the emulator serves. ROMA Connect and the dedicated API
 * Gateway (APIG) expose the same API under another path segment, each on its own instance of the
 * seed; APIG's create body (`ApiAuthCreate`) takes only `env_id`, `app_ids` and `api_ids`.
 */
import type { EmulatorSeed } from "./seed";

/** One gateway's path family. */
export interface Family {
  /** As the tests and the seed's documentation name it. */
  name: "roma" | "apig";
  /** The path segment after the project id: `/{version}/{project_id}/{segment}/instances/...`. */
  segment: string;
  /** Whether DELETE and the listings also answer under `/v1/` (ROMA Connect keeps those forms). */
  v1: boolean;
  /** The seed's field holding this family's instance: its paths answer on that instance only. */
  instance: "instanceId" | "apigInstanceId";
  /**
   * Fields this gateway does not take: a create body carrying one answers 400 APIG.2012 naming
   * it, and answers leave them out (so a client that sends or relies on them is caught).
   */
  unsupported: readonly string[];
}

export const ROMA: Family = {
  name: "roma",
  segment: "apic",
  v1: true,
  instance: "instanceId",
  unsupported: [],
};

// APIG's official models list these fields, but describe the green channel and the ROMA app type
// as not supported; access parameters are a ROMA Connect feature.
export const APIG: Family = {
  name: "apig",
  segment: "apigw",
  v1: false,
  instance: "apigInstanceId",
  unsupported: [
    "auth_tunnel",
    "auth_whitelist",
    "auth_blacklist",
    "visit_params",
    "visit_param",
    "roma_app_type",
  ],
};

export const FAMILIES: readonly Family[] = [ROMA, APIG];

/** The instance whose records a family's paths read and write. */
export function instanceOf(seed: EmulatorSeed, family: Family): string {
  return seed[family.instance];
}

/** `record` without the fields `family` does not answer. */
export function answered(family: Family, record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).filter(([name]) => !family.unsupported.includes(name)),
  );
}
