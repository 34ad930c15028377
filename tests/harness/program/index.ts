/**
 * A Pulumi program whose resources come from the stack config, for tests that vary resources,
 * resource options and secret inputs from command to command. `resources` is a JSON list of
 * `{ name, args, options?, secret?, gateway? }`: `secret` names the args given as `pulumi.secret`,
 * `gateway: "apig"` makes the resource an `ApigAppAuthorization`.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ApigAppAuthorization,
  AppAuthorization,
  type AppAuthorizationArgs,
} from "pulumi-roma-appauth";

/** One resource of the program. */
export interface Declared {
  name: string;
  args: Record<string, unknown>;
  options?: pulumi.CustomResourceOptions;
  secret?: string[];
  /** The gateway's resource class: ROMA Connect's `AppAuthorization` unless `apig`. */
  gateway?: "roma" | "apig";
}

const declared = new pulumi.Config().requireObject<Declared[]>("resources");

export const ids = Object.fromEntries(
  declared.map((d) => {
    const args = Object.fromEntries(
      Object.entries(d.args).map(([k, v]) => [k, d.secret?.includes(k) ? pulumi.secret(v) : v]),
    );
    const Resource = d.gateway === "apig" ? ApigAppAuthorization : AppAuthorization;
    const resource = new Resource(d.name, args as unknown as AppAuthorizationArgs, d.options);
    return [d.name, resource.id];
  }),
);
