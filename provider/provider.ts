import type * as pulumi from "@pulumi/pulumi";
import { relative, sep } from "node:path";
import * as handlers from "./handlers";

type Handlers = typeof handlers;

/**
 * Where the provider process finds the method bodies. Installed from `node_modules`, this is the
 * `handlers` module itself, which Pulumi serializes as a `require` by package name. Loaded from
 * source (a program importing the package by relative path, as this repository's examples do),
 * Pulumi would copy the whole module graph into every resource's `__provider` (over 100 KB, more
 * than the provider host can return in a partial-failure answer), so it is referred to by its path
 * relative to the project folder, where both the program and the provider host run.
 */
const source: Handlers | { relativePath: string } = __filename.split(sep).includes("node_modules")
  ? handlers
  : { relativePath: relative(process.cwd(), require.resolve("./handlers")).split(sep).join("/") };

function impl(): Handlers {
  if (!("relativePath" in source)) return source;
  // Resolved at run time in the provider host, against its working directory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require("node:path").resolve(source.relativePath)) as Handlers;
}

/**
 * The dynamic provider behind {@link AppAuthorization}. It holds nothing, so nothing sensitive is
 * serialized into a resource's `__provider`: settings and credentials come from the stack config
 * through `configure` (or from the environment) inside the provider process.
 *
 * Every method forwards to `handlers.ts`, so that `__provider` stays a few kilobytes.
 */
export class AppAuthorizationProvider implements pulumi.dynamic.ResourceProvider {
  /** Reads the provider settings from the stack config, once per provider process. */
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    return impl().configure(req);
  }

  /** Validates and normalizes inputs; no API call. */
  check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    return impl().check(olds, news);
  }

  /** Decides between no change, update in place and replacement; no API call. */
  diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    return impl().diff(id, olds, news);
  }

  /** Authorizes every app x API pair. */
  create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    return impl().create(inputs);
  }

  /** Lists the environment's bindings to refresh the state. */
  read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    return impl().read(id, props);
  }

  /** Binds the added pairs, then unbinds the removed ones. */
  update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult> {
    return impl().update(id, olds, news);
  }

  /** Cancels every authorization record. */
  delete(id: string, props: Record<string, unknown>): Promise<void> {
    return impl().destroy(id, props);
  }
}
