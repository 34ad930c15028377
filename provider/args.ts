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
  /**
   * The apps to authorize; order and duplicates do not matter. A change binds only the added pairs
   * and unbinds only the removed ones. Changing it updates the resource in place.
   */
  appIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The APIs each app may call; order and duplicates do not matter. A change binds only the added
   * pairs and unbinds only the removed ones. Changing it updates the resource in place.
   */
  apiIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `NORMAL` (default) or `GREEN`, the green channel that lets whitelisted addresses call without
   * authentication. A change rebinds every pair. Changing it updates the resource in place.
   */
  authTunnel?: pulumi.Input<AuthTunnel>;
  /**
   * Green-channel whitelist: IP addresses or ranges. Only with `authTunnel: "GREEN"`. Changing it
   * updates the resource in place.
   */
  authWhitelist?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Green-channel blacklist: IP addresses or ranges. Only with `authTunnel: "GREEN"`. Changing it
   * updates the resource in place.
   */
  authBlacklist?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Access parameters per API (and optionally per app). A change rebinds only the pairs whose
   * parameters changed. Changing it updates the resource in place.
   */
  visitParams?: pulumi.Input<pulumi.Input<VisitParam>[]>;
  /**
   * Manage pairs that are already authorized (outside this resource) instead of failing on them.
   * Dynamic providers cannot `pulumi import`; this is the way to take existing bindings over.
   * Default false. Changing it updates the resource in place.
   */
  adoptExisting?: pulumi.Input<boolean>;
  /**
   * Region of the instance; overrides the provider's `roma:region`. Changing it replaces the
   * resource.
   */
  region?: pulumi.Input<string>;
  /**
   * Project of the instance; overrides the provider's `roma:projectId`. Changing it replaces the
   * resource.
   */
  projectId?: pulumi.Input<string>;
}
