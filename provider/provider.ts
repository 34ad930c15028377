import type * as pulumi from "@pulumi/pulumi";
import * as handlers from "./handlers";

type Props = Record<string, unknown>;

/**
 * The dynamic provider behind {@link AppAuthorization}. It holds nothing, so nothing sensitive is
 * serialized into a resource's `__provider`: settings and credentials come from the stack config
 * through `configure` (or from the environment) inside the provider process.
 *
 * Every method forwards to `handlers.ts`. When the package is loaded from `node_modules`, Pulumi
 * serializes that module as a `require`, which keeps `__provider` to a few kilobytes.
 */
export class AppAuthorizationProvider implements pulumi.dynamic.ResourceProvider {
  /** Reads the provider settings from the stack config, once per provider process. */
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    return handlers.configure(req);
  }

  /** Validates and normalizes inputs; no API call. */
  check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    return handlers.check(olds, news);
  }

  /** Decides between no change, update in place and replacement; no API call. */
  diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    return handlers.diff(id, olds, news);
  }

  /** Authorizes every app x API pair. */
  create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
    return handlers.create(inputs);
  }

  /** Lists the environment's bindings to refresh the state. */
  read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
    return handlers.read(id, props);
  }

  /** Binds the added pairs, then unbinds the removed ones. */
  update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
    return handlers.update(id, olds, news);
  }

  /** Cancels every authorization record. */
  delete(id: string, props: Props): Promise<void> {
    return handlers.destroy(id, props);
  }
}
