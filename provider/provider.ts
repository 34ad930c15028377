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
  const path = (require("node:path") as typeof import("node:path")).resolve(source.relativePath);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path) as Handlers;
  } catch (error) {
    throw unloadable(path, error);
  }
}

/**
 * The state keeps the `__provider` of the last `up` that changed the resource, and `refresh` and
 * `destroy` load that one: a program that refers to this package by relative path and was moved
 * since (or whose copy of the package was) finds nothing there.
 */
function unloadable(path: string, error: unknown): Error {
  return new Error(
    `Cannot load the provider code this resource was saved with: ${path} (resolved from the ` +
      `project folder ${process.cwd()}): ${(error as Error).message.split("\n")[0]}. The program ` +
      "refers to pulumi-roma-appauth by a relative path, and the program or the package moved " +
      "since the resource was last created or updated. Put the package back at that path (or link " +
      "it there) and run the command again. Programs that install pulumi-roma-appauth from npm " +
      "refer to it by package name and are not affected.",
  );
}

/**
 * `refresh` and `destroy` configure the provider from the settings the engine stored at the last
 * `up`, not from the current stack config: an error that may come from a setting says so.
 */
function fromStoredSettings<T>(run: () => Promise<T>): Promise<T> {
  return Promise.resolve()
    .then(run)
    .catch((error: unknown) => {
      const e = error as Error & { kind?: string; status?: number; mayHaveArrived?: boolean };
      const settingsLike =
        (e.kind === "api" && (e.status === 401 || e.status === 403)) ||
        (e.kind === "network" && e.mayHaveArrived === false) ||
        /\b(roma|apig):|\b40[13]\b|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|certificate/.test(
          String(e.message),
        );
      if (!settingsLike) throw error;
      e.message +=
        "\nIf this is `pulumi refresh` or `pulumi destroy`: they use the provider settings stored in " +
        "the state at the last `pulumi up`, not the current stack config. After changing roma:* " +
        "settings, run `pulumi up` first, or pass --run-program.";
      throw e;
    });
}

/**
 * A delete has no partial state: the resource stays in the state with every record, those already
 * cancelled included, and the next `up` sees no change. Say how to get the access back.
 */
function afterFailedDelete(error: unknown): Error {
  const e = error as Error;
  e.message +=
    "\nRecords already cancelled stay in the state until a refresh: to keep this resource " +
    "instead of destroying it, run `pulumi refresh`, then `pulumi up`, which authorizes them again.";
  return e;
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
    return fromStoredSettings(() => impl().read(id, props));
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
    return fromStoredSettings(() => impl().destroy(id, props)).catch((error: unknown) => {
      throw afterFailedDelete(error);
    });
  }
}
