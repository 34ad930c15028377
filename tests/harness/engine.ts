/**
 * The stand-in for the Pulumi engine's step logic, for tests, the demo and the benchmark: check,
 * then diff against the state, then create / update / replace / same; refresh and destroy. Each
 * behaviour follows pulumi/pulumi's source, named in a comment beside it (paths are in the
 * pulumi/pulumi repository). What the engine stores is kept as plain JSON in a `StackState`,
 * checkpointed at each step's start and end as the snapshot manager writes it, so a command killed
 * mid-step leaves exactly what the engine would leave.
 */
import { expandAuthorizations, type RecordContext } from "../../provider/state";
import type { ProviderHost, Props } from "./host";
import { isPartialFailure } from "./host";

/** Resource options the engine honours for a custom resource (`pulumi.CustomResourceOptions`). */
export interface ResourceOptions {
  /** Deletion fails while set (`pkg/resource/deploy/step.go`, `deleteProtectedError`). */
  protect?: boolean;
  /** The engine drops the resource from the state without calling the provider's delete. */
  retainOnDelete?: boolean;
  /** Top-level input names whose old values the engine keeps (`processIgnoreChanges`). */
  ignoreChanges?: string[];
  /** Overrides the provider's `deleteBeforeReplace` answer (`step_generator.go`). */
  deleteBeforeReplace?: boolean;
}

/** One resource in the state. */
export interface ResourceState {
  urn: string;
  name: string;
  type: string;
  id: string;
  /** The inputs `check` returned, `__provider` included. */
  inputs: Props;
  outputs: Props;
  /** Set when the last create or update failed part-way (Pulumi's init errors). */
  initErrors?: string[];
  /** A replaced resource whose delete is still owed. */
  pendingDelete?: boolean;
  options?: ResourceOptions;
  /** Outputs the engine stores encrypted: those named like a secret input (`step_executor.go`). */
  secretOutputs?: string[];
}

/**
 * An operation the engine started and had not finished when the state was last written
 * (`pkg/backend/snapshot.go`, `markOperationPending`). Only a command killed mid-step leaves one.
 */
export interface PendingOperation {
  type: "creating" | "updating" | "deleting";
  resource: ResourceState;
}

/** A value of the stored stack config: secrets as the engine stores them, encrypted. */
export type StoredValue = string | { ciphertext: string };

export interface StackState {
  resources: ResourceState[];
  pendingOperations?: PendingOperation[];
  /**
   * The default provider resource (`pulumi:providers:pulumi-nodejs::default`): its inputs are the
   * whole stack config at the last `up` (`pkg/resource/deploy/target.go`, `GetPackageConfig`: "for
   * dynamic providers, we always pass the full configuration"), secrets encrypted. `refresh` and
   * `destroy` configure the provider from these (`EnsureProvider` -> `providers/registry.go`,
   * `Same`). The engine keeps it first in `resources`; it is kept apart here.
   */
  provider?: { urn: string; inputs: Record<string, StoredValue> };
}

/** What one step did, for assertions and for the demo's plan. */
export interface Step {
  name: string;
  op: "create" | "update" | "replace" | "same" | "delete" | "refresh" | "gone";
  /** Pairs `app/api` bound and unbound (planned pairs in a preview). */
  added: string[];
  removed: string[];
  replaces?: string[];
  /** A refresh whose result differs from the inputs (`RefreshStep.Apply`'s inverted diff). */
  drift?: boolean;
  /** A delete the engine did without the provider (`retainOnDelete`). */
  retained?: boolean;
  /** What the CLI prints for this step's failure. */
  error?: string;
}

export interface EngineOptions {
  preview?: boolean;
  /** `--continue-on-error`: a failed step does not stop the steps not yet started. */
  continueOnError?: boolean;
  /** Called whenever the snapshot manager would write the state. */
  checkpoint?: (state: StackState) => void;
}

/** The printed form of a failure the engine stopped on, as `pulumi` prints it. */
export class EngineError extends Error {}

const CANCELLED = "the update was cancelled after an earlier step failed";

export class Engine {
  readonly steps: Step[] = [];
  /** Diagnostics the CLI prints as warnings. */
  readonly warnings: string[] = [];
  private readonly resources: ResourceState[];
  private readonly base: StackState;
  private readonly pending: PendingOperation[] = [];
  private readonly preview: boolean;
  private failedStep = false;

  constructor(
    private readonly host: ProviderHost,
    state: StackState,
    private readonly options: EngineOptions = {},
  ) {
    this.base = state;
    this.preview = options.preview ?? false;
    this.resources = state.resources.map((r) => ({ ...r }));
    // pkg/resource/deploy/deployment_executor.go, printPendingOperationsWarning.
    const ops = state.pendingOperations ?? [];
    if (ops.length > 0) this.warnings.push(pendingOperationsWarning(ops));
  }

  /**
   * The state as it is now. Pending operations: this command's unfinished ones, plus the pending
   * CREATEs of the state it started from, which only `pulumi refresh` clears (`snapshot.go`, `Snap`:
   * "we don't want to clear pending CREATE operations because these must require user
   * intervention"); other pending operations of the old state are dropped.
   */
  snapshot(): StackState {
    const carried = (this.base.pendingOperations ?? []).filter((op) => op.type === "creating");
    const pendingOperations = [...this.pending.map(copyOp), ...carried];
    return {
      resources: this.resources.map((r) => ({ ...r })),
      ...(pendingOperations.length > 0 ? { pendingOperations } : {}),
      ...(this.base.provider ? { provider: this.base.provider } : {}),
    };
  }

  /** Records the default provider's inputs (the stack config), as `up` does. */
  storeProvider(provider: NonNullable<StackState["provider"]>): void {
    if (this.preview) return;
    this.base.provider = provider;
    this.checkpoint();
  }

  /** Registers a resource of the program: returns the outputs the program sees. */
  async register(
    urn: string,
    type: string,
    name: string,
    goal: Props,
    options: ResourceOptions = {},
    secretInputs: string[] = [],
  ): Promise<{ id: string; outputs: Props }> {
    // pkg/resource/deploy/step_executor.go, executeChain: after a failed step, the steps not yet
    // started do not run (unless --continue-on-error).
    if (this.failedStep && !this.options.continueOnError) throw new Error(CANCELLED);
    const old = this.live(urn);
    // step_generator.go, processIgnoreChanges: ignored properties keep their old input values
    // before check sees them.
    const inputs = { ...goal };
    for (const key of options.ignoreChanges ?? []) {
      if (!old) break;
      if (key in old.inputs) inputs[key] = old.inputs[key];
      else delete inputs[key];
    }
    const { inputs: checked, failures } = await this.host.check(urn, old?.inputs ?? {}, inputs);
    if (failures.length > 0) {
      // step_generator.go, issueCheckFailures, with sdk/go/common/diag/errors.go 2003 and 2002.
      const message = failures
        .map((f) =>
          f.property
            ? `${type} resource '${name}': property ${f.property} value ${goValue(inputs[f.property])} has a problem: ${f.reason}`
            : `${type} resource '${name}' has a problem: ${f.reason}`,
        )
        .join("\n");
      this.steps.push({
        name,
        op: old ? "update" : "create",
        added: [],
        removed: [],
        error: message,
      });
      this.failedStep = true;
      throw new EngineError(message);
    }
    const step: Step = { name, op: "same", added: [], removed: [] };
    this.steps.push(step);
    const secretOutputs = secretInputs.length > 0 ? secretInputs : undefined;
    const fresh = (): ResourceState => ({
      urn,
      type,
      name,
      id: "",
      inputs: checked,
      outputs: {},
      options,
      secretOutputs,
    });
    if (!old) {
      step.op = "create";
      return this.create(step, fresh(), checked);
    }
    const diff = await this.host.diff(urn, old.id, old.outputs, checked);
    if (diff.replaces.length > 0) {
      step.op = "replace";
      step.replaces = diff.replaces;
      // step_generator.go: the deleteBeforeReplace option overrides the provider's answer.
      const deleteFirst = options.deleteBeforeReplace ?? diff.deleteBeforeReplace;
      if (deleteFirst && !this.preview) await this.delete(old, step);
      return this.create(step, fresh(), checked, deleteFirst ? undefined : old);
    }
    // step_generator.go, applyReplaceOnChanges: init errors force an update even without changes.
    if (!diff.changes && !old.initErrors) {
      Object.assign(old, { inputs: checked, options, secretOutputs });
      if (!this.preview) this.checkpoint();
      return { id: old.id, outputs: old.outputs };
    }
    step.op = "update";
    if (this.preview) {
      this.describe(step, old.outputs, checked);
      return { id: old.id, outputs: checked };
    }
    const updating = { ...old, inputs: checked, options, secretOutputs };
    const op = this.begin("updating", updating);
    try {
      const outputs = await this.host.update(urn, old.id, old.outputs, checked);
      this.describe(step, old.outputs, outputs);
      Object.assign(old, {
        inputs: checked,
        outputs,
        initErrors: undefined,
        options,
        secretOutputs,
      });
      return { id: old.id, outputs };
    } catch (error) {
      // pkg/engine/update.go, OnResourceStepPost: a partially-failed update keeps the OLD inputs
      // with the new outputs ("the resource that exists was not created or updated successfully
      // with those inputs"; pulumi/pulumi#2011).
      throw this.failed(step, error, old, old.inputs);
    } finally {
      this.end(op);
    }
  }

  /** Deletes what the program no longer declares, and replaced resources, newest first. */
  async deleteUnregistered(registered: Set<string>): Promise<void> {
    const doomed = this.resources
      .filter((r) => r.pendingDelete || !registered.has(r.urn))
      .reverse();
    await this.deleteAll(doomed);
  }

  /**
   * `pulumi refresh`. Without `--skip-preview` the CLI previews first, so every `read` runs twice
   * (pkg/cmd/pulumi/operations/refresh.go runs the preview, then the update). Reads of independent
   * resources run at once (the step executor's workers). `clearPendingCreates` is
   * `--clear-pending-creates` (refresh.go, `filterMapPendingCreates`).
   */
  async refresh(options: { skipPreview?: boolean; clearPendingCreates?: boolean } = {}) {
    if (options.clearPendingCreates && !this.preview) {
      this.base.pendingOperations = (this.base.pendingOperations ?? []).filter(
        (op) => op.type !== "creating",
      );
    }
    if (!options.skipPreview && !this.preview) await this.refreshPass(false);
    await this.refreshPass(!this.preview);
  }

  /** `pulumi destroy`: independent resources are deleted at once. */
  async destroy(): Promise<void> {
    await this.deleteAll([...this.resources].reverse());
  }

  private async refreshPass(apply: boolean): Promise<void> {
    const errors: string[] = [];
    await Promise.all(
      [...this.resources].map(async (r) => {
        try {
          await this.refreshOne(r, apply);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }),
    );
    if (errors.length > 0) throw new EngineError(errors.join("\n"));
  }

  // pkg/resource/deploy/step.go, RefreshStep.Apply.
  private async refreshOne(r: ResourceState, apply: boolean): Promise<void> {
    let read: Awaited<ReturnType<ProviderHost["read"]>>;
    let initErrors: string[] | undefined;
    try {
      read = await this.host.read(r.urn, r.id, r.outputs);
    } catch (error) {
      // "Partial failure SHOULD NOT cause refresh to fail": the reasons become init errors.
      if (!isPartialFailure(error)) throw error;
      read = { id: error.id, outputs: error.properties, inputs: undefined };
      initErrors = error.reasons;
      this.warnings.push(
        `Refreshed resource is in an unhealthy state:\n* ${error.reasons.join("\n* ")}`,
      );
    }
    if (!apply) return;
    const step: Step = { name: r.name, op: "refresh", added: [], removed: [] };
    this.steps.push(step);
    this.describe(step, r.outputs, read.outputs ?? {});
    if (!read.id) {
      step.op = "gone";
      this.resources.splice(this.resources.indexOf(r), 1);
      this.checkpoint();
      return;
    }
    const inputs = read.inputs ? { ...read.inputs, __provider: r.inputs.__provider } : r.inputs;
    // The refresh diff: the provider's diff of the refreshed state against the old inputs, as if
    // `up` ran next on an unchanged program (then inverted for display).
    const diff = await this.host.diff(r.urn, read.id, read.outputs, r.inputs);
    step.drift = diff.changes || diff.replaces.length > 0;
    // Init errors are replaced by the read's own (none unless it failed part-way).
    Object.assign(r, { id: read.id, inputs, outputs: read.outputs, initErrors });
    this.checkpoint();
  }

  private async deleteAll(doomed: ResourceState[]): Promise<void> {
    const errors: string[] = [];
    await Promise.all(
      doomed.map(async (r) => {
        const name = r.pendingDelete ? `${r.name} (replaced)` : r.name;
        const step: Step = { name, op: "delete", added: [], removed: [] };
        this.steps.push(step);
        if (this.preview) return;
        try {
          await this.delete(r, step);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }),
    );
    if (errors.length > 0) throw new EngineError(errors.join("\n"));
  }

  private live(urn: string): ResourceState | undefined {
    return this.resources.find((r) => r.urn === urn && !r.pendingDelete);
  }

  private async create(step: Step, fresh: ResourceState, checked: Props, replaced?: ResourceState) {
    if (this.preview) {
      this.describe(step, {}, checked);
      return { id: "", outputs: checked };
    }
    // snapshot.go, doCreate: a pending CREATE is written before the provider is called; the
    // resource itself enters the state only when create answers.
    const op = this.begin("creating", fresh);
    try {
      const created = await this.host.create(fresh.urn, checked);
      Object.assign(fresh, { id: created.id, inputs: checked, outputs: created.outputs });
      this.resources.push(fresh);
      // A replacement's records are all new (another environment or instance); the replaced
      // resource's records show in its own delete step.
      this.describe(step, {}, created.outputs);
      return { id: created.id, outputs: created.outputs };
    } catch (error) {
      throw this.failed(step, error, isPartialFailure(error) ? fresh : undefined, checked);
    } finally {
      // Once the replacement exists (even in part), the replaced resource is owed a delete.
      if (replaced && this.resources.includes(fresh) && this.resources.includes(replaced)) {
        replaced.pendingDelete = true;
      }
      this.end(op);
    }
  }

  private async delete(r: ResourceState, step: Step): Promise<void> {
    // step.go, DeleteStep.Apply: a protected resource is never deleted (not even tried);
    // retainOnDelete drops it from the state without calling the provider.
    if (r.options?.protect && !r.pendingDelete) {
      step.error = protectedMessage(r.urn);
      throw new EngineError(step.error);
    }
    const op = this.begin("deleting", r);
    try {
      if (r.options?.retainOnDelete) step.retained = true;
      else await this.host.delete(r.urn, r.id, r.outputs);
      step.removed.push(...pairs(r.outputs, true).sort());
      this.resources.splice(this.resources.indexOf(r), 1);
    } catch (error) {
      // A failed delete leaves the resource as it was: delete has no partial-state channel.
      step.error = (error as Error).message;
      this.failedStep = true;
      throw error;
    } finally {
      this.end(op);
    }
  }

  // A partial failure is recorded (what exists is never forgotten) with its init errors; the
  // message is what the CLI prints (plugin/provider_plugin.go, parseError: an init failure
  // becomes an InitError of the reasons, and the provider's own message is not shown).
  private failed(
    step: Step,
    error: unknown,
    into: ResourceState | undefined,
    inputs: Props,
  ): Error {
    this.failedStep = true;
    if (into && isPartialFailure(error)) {
      const before = into.outputs;
      Object.assign(into, {
        id: error.id,
        inputs,
        outputs: error.properties,
        initErrors: error.reasons,
      });
      if (!this.resources.includes(into)) this.resources.push(into);
      this.describe(step, before, error.properties);
      step.error = initErrorText(error.reasons);
      return new EngineError(step.error);
    }
    step.error = (error as Error).message;
    return error as Error;
  }

  private begin(type: PendingOperation["type"], resource: ResourceState): PendingOperation {
    const op = { type, resource };
    this.pending.push(op);
    this.checkpoint();
    return op;
  }

  private end(op: PendingOperation): void {
    this.pending.splice(this.pending.indexOf(op), 1);
    this.checkpoint();
  }

  private checkpoint(): void {
    this.options.checkpoint?.(this.snapshot());
  }

  // Pairs of `after` come from its records, or (a plan) from its id lists.
  private describe(step: Step, before: Props, after: Props): void {
    const was = new Set(pairs(before, true));
    const now = new Set(pairs(after));
    step.added = [...now].filter((p) => !was.has(p)).sort();
    step.removed = [...was].filter((p) => !now.has(p)).sort();
  }
}

/**
 * An InitError as the CLI prints it: `InitError.Error()` in plugin/provider_plugin.go joins the
 * reasons with hashicorp/go-multierror's default `ListFormatFunc`.
 */
export function initErrorText(reasons: string[]): string {
  if (reasons.length === 0) return "resource init failed";
  if (reasons.length === 1) return `1 error occurred:\n\t* ${reasons[0]}\n\n`;
  return `${reasons.length} errors occurred:\n\t${reasons.map((r) => `* ${r}`).join("\n\t")}\n\n`;
}

/** step.go, `deleteProtectedError`. */
export function protectedMessage(urn: string): string {
  return (
    `resource "${urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, ` +
    "either remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, " +
    `or use the command:\n\`pulumi state unprotect '${urn}'\``
  );
}

/** deployment_executor.go, printPendingOperationsWarning. */
function pendingOperationsWarning(ops: PendingOperation[]): string {
  return (
    `Attempting to deploy or update resources with ${ops.length} pending operations from previous deployment.\n` +
    ops.map((op) => `  * ${op.resource.urn}, interrupted while ${op.type}\n`).join("") +
    "These resources are in an unknown state because the Pulumi CLI was interrupted while waiting " +
    "for changes to these resources to complete. You should confirm whether or not the operations " +
    "listed completed successfully by checking the state of the appropriate provider. For example, " +
    "if you are using AWS, you can confirm using the AWS Console.\n\nOnce you have confirmed the " +
    "status of the interrupted operations, you can repair your stack using `pulumi refresh` which " +
    "will refresh the state from the provider you are using and clear the pending operations if " +
    "there are any.\n\nNote that `pulumi refresh` will need to be run interactively to clear " +
    "pending CREATE operations."
  );
}

/**
 * A property value as Go's `%v` prints a `resource.PropertyValue` (a struct `{V}`): what the check
 * failure message shows. A property path such as `appIds[0]` is not a top-level key, so the engine
 * finds no value and prints `{<nil>}`.
 */
export function goValue(value: unknown): string {
  return `{${goInner(value)}}`;
}

function goInner(value: unknown): string {
  if (value === undefined || value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value as Props)
      .sort()
      .map((k) => `${k}:${goValue((value as Props)[k])}`);
    return `map[${entries.join(" ")}]`;
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects returned above
  return String(value);
}

function copyOp(op: PendingOperation): PendingOperation {
  return { type: op.type, resource: { ...op.resource } };
}

/** `app/api` pairs: from the records of outputs, or (planned) from the inputs' id lists. */
export function pairs(props: Props, recordsOnly = false): string[] {
  if (props.authorizations || recordsOnly) {
    return expandAuthorizations(props as unknown as RecordContext).map(
      (r) => `${r.appId}/${r.apiId}`,
    );
  }
  const apps = Array.isArray(props.appIds) ? (props.appIds as string[]) : [];
  const apis = Array.isArray(props.apiIds) ? (props.apiIds as string[]) : [];
  return apps.flatMap((app) => apis.map((api) => `${app}/${api}`));
}
