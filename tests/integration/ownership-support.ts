/**
 * What the ownership and journal tests share: a provider as a fresh `pulumi` command gets it (a
 * new process, so nothing in memory from the last command), the inputs of a resource in the
 * emulator's release environment, a temporary journal home per test, and moving the emulator's
 * clock instead of waiting.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAULTS, type Emulator } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import { ADOPT_ENV } from "../../provider/handlers";
import {
  checkedInputs,
  configuredProvider,
  emulatorSettings,
  forgetRuntime,
  type Settings,
} from "../support";

export const RELEASE = "DEFAULT_ENVIRONMENT_RELEASE_ID";

/** A provider with a fresh runtime, as the next `pulumi` command's new provider process has. */
export function freshProcess(
  emu: Emulator,
  settings: Settings = {},
): Promise<AppAuthorizationProvider> {
  forgetRuntime();
  return configuredProvider(emulatorSettings(emu, settings));
}

/**
 * `run` on a fresh process whose writes land while their answers are lost and no listing answers:
 * the process learns nothing, it fails, and the engine stores nothing of it (as when it is killed).
 */
export async function interrupted(
  emu: Emulator,
  run: (provider: AppAuthorizationProvider) => Promise<unknown>,
): Promise<void> {
  const provider = await freshProcess(emu, { "roma:maxRetries": "0" });
  emu.control.setFaults({
    next: [
      { route: "authorize", count: 100, fault: FAULTS.drop(true) },
      { route: "list", count: 1000, fault: FAULTS.drop() },
    ],
  });
  try {
    await expect(run(provider)).rejects.toThrow();
  } finally {
    emu.control.setFaults({});
  }
}

/** The inputs `check` returns for a resource on the emulator's ROMA Connect release environment. */
export function releaseInputs(
  emu: Emulator,
  provider: AppAuthorizationProvider,
  change: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return checkedInputs(provider, {
    instanceId: emu.seed.instanceId,
    envId: RELEASE,
    __provider: "serialized provider",
    ...change,
  });
}

/**
 * Gives each test of the calling block a PULUMI_HOME of its own (where the journal lives), and
 * puts back after it the variables a test sets for one run. Returns the running test's home.
 */
export function journalHomes(): () => string {
  const names = ["PULUMI_HOME", ADOPT_ENV, "ROMA_DEBUG"];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  let home = "";
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "roma-journal-"));
    process.env.PULUMI_HOME = home;
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  return () => home;
}

/** Moves the emulator's clock (its Date header, auth_time and lagging view) forward by `ms`. */
export function advance(emu: Emulator, ms: number): void {
  skews.set(emu, (skews.get(emu) ?? 0) + ms);
  emu.control.setClockSkew(skews.get(emu)!);
}
const skews = new WeakMap<Emulator, number>();
