/**
 * A deliberately small stand-in for the Pulumi engine's step logic, for tests, the demo and the
 * benchmark: check, then diff against the state, then create / update / replace (create before
 * delete unless the provider asks otherwise) / same; partial failures recorded as init errors and
 * finished by the next update; refresh and destroy. It keeps state between runs as plain JSON.
 */
import type { ProviderHost, Props } from "./host";
import { isPartialFailure } from "./host";

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
}

export interface StackState {
  resources: ResourceState[];
}

/** What one step did, for assertions and for the demo's plan. */
export interface Step {
  name: string;
  op: "create" | "update" | "replace" | "same" | "delete" | "refresh" | "gone";
  /** Pairs `app/api` bound and unbound (planned pairs in a preview). */
  added: string[];
  removed: string[];
  replaces?: string[];
  error?: string;
}

export class Engine {
  readonly steps: Step[] = [];
  private readonly resources: ResourceState[];

  constructor(
    private readonly host: ProviderHost,
    state: StackState,
    private readonly preview: boolean,
  ) {
    this.resources = state.resources.map((r) => ({ ...r }));
  }

  /** The state as it is now. */
  snapshot(): StackState {
    return { resources: this.resources.map((r) => ({ ...r })) };
  }

  /** Registers a resource of the program: returns the outputs the program sees. */
  async register(
    urn: string,
    type: string,
    name: string,
    inputs: Props,
  ): Promise<{ id: string; outputs: Props }> {
    const old = this.live(urn);
    const { inputs: checked, failures } = await this.host.check(urn, old?.inputs ?? {}, inputs);
    if (failures.length > 0) {
      const message = failures.map((f) => `${f.property}: ${f.reason}`).join("\n");
      this.steps.push({
        name,
        op: old ? "update" : "create",
        added: [],
        removed: [],
        error: message,
      });
      throw new Error(`${name}: check failed:\n${message}`);
    }
    const step: Step = { name, op: "same", added: [], removed: [] };
    this.steps.push(step);
    if (!old) {
      step.op = "create";
      return this.create(step, { urn, type, name, id: "", inputs: checked, outputs: {} }, checked);
    }
    const diff = await this.host.diff(urn, old.id, old.outputs, checked);
    if (diff.replaces.length > 0) {
      step.op = "replace";
      step.replaces = diff.replaces;
      if (diff.deleteBeforeReplace && !this.preview) await this.delete(old, step);
      const fresh = { urn, type, name, id: "", inputs: checked, outputs: {} };
      return this.create(step, fresh, checked, old);
    }
    if (!diff.changes && !old.initErrors) {
      old.inputs = checked;
      return { id: old.id, outputs: old.outputs };
    }
    step.op = "update";
    if (this.preview) {
      this.describe(step, old.outputs, checked);
      return { id: old.id, outputs: checked };
    }
    try {
      const outputs = await this.host.update(urn, old.id, old.outputs, checked);
      this.describe(step, old.outputs, outputs);
      Object.assign(old, { inputs: checked, outputs, initErrors: undefined });
      return { id: old.id, outputs };
    } catch (error) {
      throw this.failed(step, error, old, checked);
    }
  }

  /** Deletes what the program no longer declares, and replaced resources, newest first. */
  async deleteUnregistered(registered: Set<string>): Promise<void> {
    const doomed = this.resources
      .filter((r) => r.pendingDelete || !registered.has(r.urn))
      .reverse();
    for (const r of doomed) {
      const name = r.pendingDelete ? `${r.name} (replaced)` : r.name;
      const step: Step = { name, op: "delete", added: [], removed: [] };
      this.steps.push(step);
      if (!this.preview) await this.delete(r, step);
    }
  }

  /** `pulumi refresh`. */
  async refresh(): Promise<void> {
    for (const r of [...this.resources]) {
      const read = await this.host.read(r.urn, r.id, r.outputs);
      const step: Step = { name: r.name, op: "refresh", added: [], removed: [] };
      this.steps.push(step);
      this.describe(step, r.outputs, read.outputs ?? {});
      if (!read.id) {
        step.op = "gone";
        this.resources.splice(this.resources.indexOf(r), 1);
        continue;
      }
      r.outputs = read.outputs;
      if (read.inputs) r.inputs = { ...read.inputs, __provider: r.inputs.__provider };
    }
  }

  /** `pulumi destroy`. */
  async destroy(): Promise<void> {
    await this.deleteUnregistered(new Set());
  }

  private live(urn: string): ResourceState | undefined {
    return this.resources.find((r) => r.urn === urn && !r.pendingDelete);
  }

  private async create(step: Step, fresh: ResourceState, checked: Props, replaced?: ResourceState) {
    if (this.preview) {
      this.describe(step, {}, checked);
      return { id: "", outputs: checked };
    }
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
    }
  }

  private async delete(r: ResourceState, step: Step): Promise<void> {
    try {
      await this.host.delete(r.urn, r.id, r.outputs);
      step.removed.push(...pairs(r.outputs, true).sort());
      this.resources.splice(this.resources.indexOf(r), 1);
    } catch (error) {
      step.error = (error as Error).message;
      throw error;
    }
  }

  // A partial failure is recorded (what exists is never forgotten) with its init errors.
  private failed(
    step: Step,
    error: unknown,
    into: ResourceState | undefined,
    checked: Props,
  ): Error {
    step.error = (error as Error).message;
    if (into && isPartialFailure(error)) {
      const before = into.outputs;
      Object.assign(into, {
        id: error.id,
        inputs: checked,
        outputs: error.properties,
        initErrors: error.reasons,
      });
      if (!this.resources.includes(into)) this.resources.push(into);
      this.describe(step, before, error.properties);
      return new Error(error.message);
    }
    return error as Error;
  }

  // Pairs of `after` come from its records, or (a plan) from its id lists.
  private describe(step: Step, before: Props, after: Props): void {
    const was = new Set(pairs(before, true));
    const now = new Set(pairs(after));
    step.added = [...now].filter((p) => !was.has(p)).sort();
    step.removed = [...was].filter((p) => !now.has(p)).sort();
  }
}

/** `app/api` pairs: from the records of outputs, or (planned) from the inputs' id lists. */
export function pairs(props: Props, recordsOnly = false): string[] {
  const records = props.authorizations as { appId: string; apiId: string }[] | undefined;
  if (records || recordsOnly) return (records ?? []).map((r) => `${r.appId}/${r.apiId}`);
  const apps = Array.isArray(props.appIds) ? (props.appIds as string[]) : [];
  const apis = Array.isArray(props.apiIds) ? (props.apiIds as string[]) : [];
  return apps.flatMap((app) => apis.map((api) => `${app}/${api}`));
}
