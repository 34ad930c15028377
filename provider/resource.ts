import * as pulumi from "@pulumi/pulumi";
import type { AppAuthorizationArgs } from "./args";
import {
  FIELD_NAMES,
  ID_FIELDS,
  inputsOf,
  ROMA_ONLY_FIELDS,
  USER_FIELDS,
  type Gateway,
  type RomaOnlyField,
} from "./fields";
import { AppAuthorizationProvider } from "./provider";
import { expandAuthorizations, type RecordContext } from "./state";
import type {
  AuthTunnel,
  AuthorizationRecord,
  StoredAuthorization,
  UnconfirmedPair,
  VisitParam,
} from "./types";

export type { AppAuthorizationArgs };

/**
 * The inputs of an `ApigAppAuthorization`: those of an `AppAuthorization` but the ones only ROMA
 * Connect takes (`authTunnel`, `authWhitelist`, `authBlacklist`, `visitParams`), which APIG's API
 * does not have. `instanceId` is the APIG instance; `region` and `projectId` override the
 * provider's `roma:region` and `roma:projectId` as they do for ROMA Connect.
 */
// An interface, not a type alias, so the documentation lists its members.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ApigAppAuthorizationArgs extends Omit<AppAuthorizationArgs, RomaOnlyField> {}

/** One authorization record of APIG, whole: an {@link AuthorizationRecord} without ROMA's options. */
export type ApigAuthorizationRecord = Omit<
  AuthorizationRecord,
  "authTunnel" | "authWhitelist" | "authBlacklist" | "visitParam"
>;

const provider = new AppAuthorizationProvider();

/**
 * Refuses a secret id input. The engine marks an output secret only when the input of the same
 * name was (pkg/resource/deploy/step_executor.go), and never the resource id, while every record
 * in `authorizations` and `unconfirmed` repeats the app, API and environment ids and the id starts
 * with the instance and environment: a secret id would be stored and shown in plain text. These
 * ids are not credentials (anyone who may read the instance sees them); credentials are provider
 * settings, which the engine keeps encrypted.
 */
function notSecret<T>(type: string, name: string, value: pulumi.Input<T>): pulumi.Input<T> {
  const lifted =
    pulumi.Output.isInstance(value) ||
    (Array.isArray(value) && value.some((v) => pulumi.Output.isInstance(v)));
  if (!lifted) return value;
  const out = pulumi.output(value);
  return pulumi.all([out, pulumi.output(pulumi.isSecret(out))]).apply(([plain, secret]) => {
    if (secret) {
      throw new Error(
        `${type} ${name} is a secret, but it would be stored in plain text: the ids ` +
          "appear in every record of `authorizations` and in the resource id, which Pulumi cannot " +
          `keep secret. Pass ${name} as a plain value (pulumi.unsecret(...) if it came from a ` +
          "secret output); ids are not credentials. Keep credentials secret as roma:* settings.",
      );
    }
    return plain;
  }) as unknown as pulumi.Input<T>;
}

/**
 * What both gateways' resources share: the outputs both have and the one constructor body, told
 * which gateway it serves. Not exported from the package: use {@link AppAuthorization} or
 * {@link ApigAppAuthorization}.
 */
export abstract class GatewayAppAuthorization extends pulumi.dynamic.Resource {
  /** The gateway instance (ROMA Connect's, or APIG's for an `ApigAppAuthorization`). */
  declare readonly instanceId: pulumi.Output<string>;
  /** The environment the records authorize calls in. */
  declare readonly envId: pulumi.Output<string>;
  /** The apps, sorted and de-duplicated. */
  declare readonly appIds: pulumi.Output<string[]>;
  /** The APIs, sorted and de-duplicated. */
  declare readonly apiIds: pulumi.Output<string[]>;
  /** Whether existing pairs are adopted (`false` unless set). */
  declare readonly adoptExisting: pulumi.Output<boolean>;
  /** The region the records live in, from the input or the provider settings. */
  declare readonly region: pulumi.Output<string>;
  /** The project the records live in, from the input, the provider settings or IAM. */
  declare readonly projectId: pulumi.Output<string>;
  /**
   * One record per authorized pair, sorted by app then API, stored compactly (about 70 bytes each):
   * `[id, app, api, authTime, options?]`, the app and API as indices into `appIds` and `apiIds` (or
   * the id itself for a pair the inputs no longer hold, until an update cancels it), `options` only
   * where the record's channel, lists or access parameters differ from the inputs'. Read `records`
   * for whole records, or `expandAuthorizations(outputs)` outside a program.
   */
  declare readonly authorizations: pulumi.Output<StoredAuthorization[]>;
  /**
   * Pairs a write of this resource may have authorized without the provider learning the record
   * (a lost answer), each with the server-clock windows of those writes: a record of the pair is
   * this resource's only if it was made within one. The next update, refresh or destroy settles
   * them; usually empty.
   */
  declare readonly unconfirmed: pulumi.Output<UnconfirmedPair[]>;
  /** `authorizations` expanded (each class says into what). */
  readonly records: pulumi.Output<ApigAuthorizationRecord[]>;

  protected constructor(
    gateway: Gateway,
    type: string,
    name: string,
    args: AppAuthorizationArgs | ApigAppAuthorizationArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const given = args as Partial<AppAuthorizationArgs>;
    refuseHidden(type, name, args);
    // The inputs this gateway takes: APIG's resource has no output for a ROMA-only one.
    const fields = inputsOf(gateway);
    super(
      provider,
      name,
      {
        // Every output must be a key here for the SDK to register it; absent inputs stay undefined,
        // which the SDK drops, and anything unexpected reaches check, which names it.
        ...args,
        ...Object.fromEntries(fields.map((k) => [k, given[k]])),
        ...Object.fromEntries(ID_FIELDS.map((k) => [k, notSecret(type, k, given[k])])),
        // Absent for ROMA Connect, so its states stay as they were.
        ...(gateway === "roma" ? {} : { gateway }),
        authorizations: undefined,
        unconfirmed: undefined,
        // Names this resource's journal of writes on this machine (see README, "Interrupted runs");
        // diff ignores it.
        journalKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
      },
      opts,
      "roma",
      type,
    );
    const outputs = this as unknown as Record<string, pulumi.Output<unknown>>;
    const context = [
      "appIds",
      "apiIds",
      "authorizations",
      ...(gateway === "roma" ? ROMA_ONLY_FIELDS : []),
    ];
    this.records = pulumi
      .all(Object.fromEntries(context.map((k) => [k, outputs[k]])))
      .apply((outs) => {
        const records = expandAuthorizations(outs as unknown as RecordContext);
        return gateway === "roma" ? records : records.map(withoutRomaOptions);
      });
  }
}

// The class sets the hidden inputs: one given from JavaScript would move the resource to the other
// gateway's host and paths, so it is refused before the resource is registered.
function refuseHidden(type: string, name: string, args: object): void {
  for (const field of FIELD_NAMES.filter((k) => !USER_FIELDS.includes(k as never))) {
    if ((args as Record<string, unknown>)[field] !== undefined) {
      throw new Error(
        `${type} "${name}": ${field} is not an input of ${type}: the resource class sets it. ` +
          `Remove ${field}; use AppAuthorization for ROMA Connect, ApigAppAuthorization for APIG.`,
      );
    }
  }
}

// An APIG record: its pair, id and time, none of ROMA Connect's options.
function withoutRomaOptions(record: AuthorizationRecord): ApigAuthorizationRecord {
  const { authTunnel: _t, authWhitelist: _w, authBlacklist: _b, visitParam: _v, ...rest } = record;
  return rest;
}

/**
 * Authorizes apps to call APIs in one environment of a ROMA Connect instance: one authorization
 * record per app x API pair.
 *
 * ```ts
 * new AppAuthorization("orders", {
 *   instanceId: "eddc4d25480b4cd6b512f270a1b8b341",
 *   envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
 *   appIds: ["356de8eb7a8742168586e5daf5339965"],
 *   apiIds: ["5f918d104dc84480a75166ba99efff21", "8aa6e8ae7b7f4d6c9e3f4b16c1f1c8d2"],
 * });
 * ```
 */
export class AppAuthorization extends GatewayAppAuthorization {
  /** The authorization channel of every record (`NORMAL` unless set). */
  declare readonly authTunnel: pulumi.Output<AuthTunnel>;
  /** The green-channel whitelist, sorted. */
  declare readonly authWhitelist: pulumi.Output<string[]>;
  /** The green-channel blacklist, sorted. */
  declare readonly authBlacklist: pulumi.Output<string[]>;
  /** The access parameters, sorted by API then app. */
  declare readonly visitParams: pulumi.Output<VisitParam[]>;
  /**
   * `authorizations` expanded: one whole record (`id`, `appId`, `apiId`, `authTime`, `authTunnel`,
   * `authWhitelist`, `authBlacklist`, `visitParam`) per authorized pair. Computed in the program,
   * not stored in the state.
   */
  declare readonly records: pulumi.Output<AuthorizationRecord[]>;

  constructor(name: string, args: AppAuthorizationArgs, opts?: pulumi.CustomResourceOptions) {
    super("roma", "AppAuthorization", name, args, opts);
  }
}

/**
 * Authorizes apps to call APIs in one environment of a dedicated API Gateway (APIG) instance: one
 * authorization record per app x API pair, as {@link AppAuthorization} does for ROMA Connect (the
 * same API under `/v2/{project_id}/apigw/...`, reached at the `apig:endpoint` setting). APIG has no
 * green channel, whitelist, blacklist or access parameters: {@link ApigAppAuthorizationArgs} has no
 * such inputs, and `check` refuses them. A separate class, so a program using both gateways says
 * which each resource is, and no setting moves resources from one gateway to the other.
 *
 * ```ts
 * new ApigAppAuthorization("orders", {
 *   instanceId: "eddc4d25480b4cd6b512f270a1b8b341",
 *   envId: "DEFAULT_ENVIRONMENT_RELEASE_ID",
 *   appIds: ["356de8eb7a8742168586e5daf5339965"],
 *   apiIds: ["5f918d104dc84480a75166ba99efff21"],
 * });
 * ```
 */
export class ApigAppAuthorization extends GatewayAppAuthorization {
  /**
   * `authorizations` expanded: one whole record (`id`, `appId`, `apiId`, `authTime`) per
   * authorized pair. Computed in the program, not stored in the state.
   */
  declare readonly records: pulumi.Output<ApigAuthorizationRecord[]>;

  constructor(name: string, args: ApigAppAuthorizationArgs, opts?: pulumi.CustomResourceOptions) {
    super("apig", "ApigAppAuthorization", name, args, opts);
  }
}
