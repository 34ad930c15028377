/**
 * A Pulumi program whose resources come from the stack config, for tests that vary resources,
 * resource options and secret inputs from command to command. `resources` is a JSON list of
 * `{ name, args, options?, secret? }`: `secret` names the args given as `pulumi.secret`.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppAuthorization, type AppAuthorizationArgs } from "pulumi-roma-appauth";

/** One resource of the program. */
export interface Declared {
  name: string;
  args: Record<string, unknown>;
  options?: pulumi.CustomResourceOptions;
  secret?: string[];
}

const declared = new pulumi.Config().requireObject<Declared[]>("resources");

export const ids = Object.fromEntries(
  declared.map((d) => {
    const args = Object.fromEntries(
      Object.entries(d.args).map(([k, v]) => [k, d.secret?.includes(k) ? pulumi.secret(v) : v]),
    );
    const resource = new AppAuthorization(
      d.name,
      args as unknown as AppAuthorizationArgs,
      d.options,
    );
    return [d.name, resource.id];
  }),
);
