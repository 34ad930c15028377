/**
 * What the ownership and journal tests share: a provider as a fresh `pulumi` command gets it (a
 * new process, so nothing in memory from the last command), the inputs of a resource in the
 * emulator's release environment, a temporary journal home per test, and moving the emulator's
 * clock instead of waiting.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "../../emulator";
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
