// Generated from provider/fields.ts by `npm run docs:readme`: edit FIELDS there, not this file.
import type * as pulumi from "@pulumi/pulumi";
import type { AuthTunnel, VisitParam } from "./types";

/** The inputs of an `AppAuthorization`. */
export interface AppAuthorizationArgs {
  /** The ROMA Connect instance. Changing it replaces the resource. */
  instanceId: pulumi.Input<string>;
  /**
   * The environment the apps may call the APIs in: 1 to 64 letters, digits, `-` or `_` (for example
   * `DEFAULT_ENVIRONMENT_RELEASE_ID`). Changing it replaces the resource.
   */
  envId: pulumi.Input<string>;
  /** The apps to authorize; order and duplicates do not matter. Changes update in place. */
  appIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The APIs each app may call; order and duplicates do not matter. Changes update in place. */
  apiIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `NORMAL` (default) or `GREEN`, the green channel that lets whitelisted addresses call without
   * authentication. Changing it rebinds every pair.
   */
  authTunnel?: pulumi.Input<AuthTunnel>;
  /** Green-channel whitelist: IP addresses or ranges. Only with `authTunnel: "GREEN"`. */
  authWhitelist?: pulumi.Input<pulumi.Input<string>[]>;
  /** Green-channel blacklist: IP addresses or ranges. Only with `authTunnel: "GREEN"`. */
  authBlacklist?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Access parameters per API (and optionally per app). Changing them rebinds only the pairs whose
   * parameters changed.
   */
  visitParams?: pulumi.Input<pulumi.Input<VisitParam>[]>;
  /**
   * Manage pairs that are already authorized (outside this resource) instead of failing on them.
   * Dynamic providers cannot `pulumi import`; this is the way to take existing bindings over.
   * Default false.
   */
  adoptExisting?: pulumi.Input<boolean>;
  /** Region of the instance; overrides the provider's `roma:region`. Changing it replaces. */
  region?: pulumi.Input<string>;
  /** Project of the instance; overrides the provider's `roma:projectId`. Changing it replaces. */
  projectId?: pulumi.Input<string>;
}
