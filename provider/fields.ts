/**
 * The resource's inputs, each declared once: its type, whether it is required or its default,
 * whether a change replaces the resource or updates it in place, its name on the wire and its
 * documentation. `check`'s input names and defaults, `diff`'s categories, the inputs the handlers
 * copy into the outputs, the bind options, the typed reader of checked inputs and stored states,
 * the `AppAuthorizationArgs` interface (`provider/args.ts`, generated) and the README's inputs
 * table all follow from {@link FIELDS}.
 */
import type { AuthTunnel, VisitParam } from "./types";

/**
 * The gateways whose app authorizations the package manages: ROMA Connect's API management
 * (`AppAuthorization`) and Huawei Cloud's dedicated API Gateway, APIG (`ApigAppAuthorization`).
 * Both serve the same API under another path; APIG's takes fewer inputs (see {@link FieldSpec.romaOnly}).
 */
export const GATEWAYS = ["roma", "apig"] as const;

/** A gateway (see {@link GATEWAYS}); a resource without one is ROMA Connect's. */
export type Gateway = (typeof GATEWAYS)[number];

/** What a field holds, by name (the TypeScript type of each is {@link FieldTypes}). */
export interface FieldTypes {
  string: string;
  "string[]": string[];
  boolean: boolean;
  AuthTunnel: AuthTunnel;
  "VisitParam[]": VisitParam[];
  Gateway: Gateway;
}

/** One input of `AppAuthorization`. */
export interface FieldSpec {
  /** What it holds. */
  type: keyof FieldTypes;
  /** Whether the user must give it (a field with a default never is). */
  required: boolean;
  /** What `check` fills in when it is absent (or null), and what an older state without it reads as. */
  default?: FieldTypes[keyof FieldTypes];
  /** What a change of it does: replace the resource, or update it in place. */
  change: "replaces" | "updates";
  /** Whether every record carries it, so every bind request sends it (see `BindOptions`). */
  bind?: true;
  /** Its name in the API's request body, where it goes there as it is. */
  wire?: string;
  /**
   * Whether it names what the records are for: every record repeats it and the resource id holds
   * it, so it may not be a secret (Pulumi keeps neither secret).
   */
  id?: true;
  /**
   * Whether only ROMA Connect takes it: APIG's create body (`ApiAuthCreate`) has `env_id`, `app_ids`
   * and `api_ids` only, so `check` refuses it on APIG and fills no default for it there.
   */
  romaOnly?: true;
  /**
   * Whether the resource class sets it, not the user: it is no member of the Args interface, no
   * row of the README's inputs table and no name `check` offers.
   */
  hidden?: true;
  /**
   * Its documentation: the Args interface's TSDoc and the README's inputs table, where
   * {@link fieldDoc} adds what a change of it does.
   */
  doc: string;
}

/** The inputs, in the order `check` judges them (later rules read earlier fields). */
export const FIELDS = {
  gateway: {
    type: "Gateway",
    required: false,
    change: "replaces",
    hidden: true,
    doc: "The gateway, set by the resource class: absent for ROMA Connect, `apig` for `ApigAppAuthorization`.",
  },
  instanceId: {
    type: "string",
    required: true,
    change: "replaces",
    id: true,
    doc: "The ROMA Connect instance.",
  },
  envId: {
    type: "string",
    required: true,
    change: "replaces",
    wire: "env_id",
    id: true,
    doc: "The environment the apps may call the APIs in: 1 to 64 letters, digits, `-` or `_` (for example `DEFAULT_ENVIRONMENT_RELEASE_ID`).",
  },
  appIds: {
    type: "string[]",
    required: true,
    change: "updates",
    wire: "app_ids",
    id: true,
    doc: "The apps to authorize; order and duplicates do not matter. A change binds only the added pairs and unbinds only the removed ones.",
  },
  apiIds: {
    type: "string[]",
    required: true,
    change: "updates",
    wire: "api_ids",
    id: true,
    doc: "The APIs each app may call; order and duplicates do not matter. A change binds only the added pairs and unbinds only the removed ones.",
  },
  authTunnel: {
    type: "AuthTunnel",
    required: false,
    default: "NORMAL",
    change: "updates",
    bind: true,
    romaOnly: true,
    wire: "auth_tunnel",
    doc: "`NORMAL` (default) or `GREEN`, the green channel that lets whitelisted addresses call without authentication. A change rebinds every pair.",
  },
  authWhitelist: {
    type: "string[]",
    required: false,
    default: [],
    change: "updates",
    bind: true,
    romaOnly: true,
    wire: "auth_whitelist",
    doc: 'Green-channel whitelist: IP addresses or ranges. Only with `authTunnel: "GREEN"`.',
  },
  authBlacklist: {
    type: "string[]",
    required: false,
    default: [],
    change: "updates",
    bind: true,
    romaOnly: true,
    wire: "auth_blacklist",
    doc: 'Green-channel blacklist: IP addresses or ranges. Only with `authTunnel: "GREEN"`.',
  },
  visitParams: {
    type: "VisitParam[]",
    required: false,
    default: [],
    change: "updates",
    bind: true,
    romaOnly: true,
    doc: "Access parameters per API (and optionally per app). A change rebinds only the pairs whose parameters changed.",
  },
  adoptExisting: {
    type: "boolean",
    required: false,
    default: false,
    change: "updates",
    doc: "Manage pairs that are already authorized (outside this resource) instead of failing on them. Dynamic providers cannot `pulumi import`; this is the way to take existing bindings over. Default false.",
  },
  region: {
    type: "string",
    required: false,
    change: "replaces",
    doc: "Region of the instance; overrides the provider's `roma:region`.",
  },
  projectId: {
    type: "string",
    required: false,
    change: "replaces",
    doc: "Project of the instance; overrides the provider's `roma:projectId`.",
  },
} as const satisfies Record<string, FieldSpec>;

/** The name of an input. */
export type FieldName = keyof typeof FIELDS;

type Spec<K extends FieldName> = (typeof FIELDS)[K];
type ValueOf<K extends FieldName> = FieldTypes[Spec<K>["type"]];
// Required inputs and inputs with a default are always present once checked.
type Present = {
  [K in FieldName]: Spec<K> extends { required: true } | { default: unknown } ? K : never;
}[FieldName];

/** The inputs once checked: every field with a value or a default present, the rest optional. */
export type FieldValues = { [K in Present]: ValueOf<K> } & {
  [K in Exclude<FieldName, Present>]?: ValueOf<K>;
};

/** Every input name, in the table's order. */
export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

/** The input names whose change does `change`. */
export function fieldsThat(change: FieldSpec["change"]): FieldName[] {
  return FIELD_NAMES.filter((name) => FIELDS[name].change === change);
}

/** The inputs the user gives (every field but the {@link FieldSpec.hidden} ones), in order. */
export const USER_FIELDS = FIELD_NAMES.filter(
  (name): name is UserFieldName => !("hidden" in FIELDS[name]),
);

/** The name of an input the user gives. */
export type UserFieldName = {
  [K in FieldName]: Spec<K> extends { hidden: true } ? never : K;
}[FieldName];

/** The inputs only ROMA Connect takes (see {@link FieldSpec.romaOnly}). */
export const ROMA_ONLY_FIELDS = FIELD_NAMES.filter(
  (name): name is RomaOnlyField => "romaOnly" in FIELDS[name],
);

/** The name of an input only ROMA Connect takes. */
export type RomaOnlyField = {
  [K in FieldName]: Spec<K> extends { romaOnly: true } ? K : never;
}[FieldName];

/** Whether `name` is an input only ROMA Connect takes. */
export function isRomaOnly(name: string): name is RomaOnlyField {
  return (ROMA_ONLY_FIELDS as readonly string[]).includes(name);
}

/** The inputs a gateway's resource takes from the user: APIG's lack the ROMA-only ones. */
export function inputsOf(gateway: Gateway): UserFieldName[] {
  return USER_FIELDS.filter((name) => gateway === "roma" || !isRomaOnly(name));
}

/** The gateway a resource's properties name: ROMA Connect's unless they say `apig`. */
export function gatewayOf(props: object): Gateway {
  return (props as { gateway?: unknown }).gateway === "apig" ? "apig" : "roma";
}

/** The inputs that name what the records are for (see {@link FieldSpec.id}). */
export const ID_FIELDS = USER_FIELDS.filter((name) => "id" in FIELDS[name]);

const CHANGE_DOC: Record<FieldSpec["change"], string> = {
  replaces: "Changing it replaces the resource.",
  updates: "Changing it updates the resource in place.",
};

/** A field's documentation, with what a change of it does (from its `change`). */
export function fieldDoc(name: FieldName): string {
  const spec: FieldSpec = FIELDS[name];
  return `${spec.doc} ${CHANGE_DOC[spec.change]}`;
}

/** The inputs every record carries: what one bind request sends for all its pairs. */
export const BIND_FIELDS = FIELD_NAMES.filter((name): name is BindField => "bind" in FIELDS[name]);

/** The name of an input every record carries. */
export type BindField = {
  [K in FieldName]: Spec<K> extends { bind: true } ? K : never;
}[FieldName];

/** The default of a field, a fresh copy (lists are never shared between states). */
export function defaultOf(name: FieldName): unknown {
  const spec: FieldSpec = FIELDS[name];
  return Array.isArray(spec.default) ? [...spec.default] : spec.default;
}

/**
 * The inputs of `props`, typed: only the table's fields, each absent (or null) one with its
 * default. The one reader of checked inputs (which the engine hands back as plain properties) and
 * of the input fields of stored states, so states written before a field existed read as its
 * default everywhere after this.
 */
export function readFields(props: object): FieldValues {
  const given = props as Record<string, unknown>;
  const read: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    const value = given[name] ?? defaultOf(name);
    if (value !== undefined) read[name] = value;
  }
  // The engine gives back what `check` returned, which set every present field.
  return read as FieldValues;
}

/** The `keys` of `from`, and nothing else. */
export function pick<T, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const key of keys) picked[key] = from[key];
  return picked;
}
