/**
 * What the ownership and journal tests share: a provider as a fresh `pulumi` command gets it (a
 * new process, so nothing in memory from the last command), the inputs of a resource in the
 * emulator's release environment, a temporary journal home per test, and moving the emulator's
 * clock instead of waiting.
 */
import { FAULTS, type Emulator, RELEASE } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import {
  checkedInputs,
  configuredProvider,
  emulatorSettings,
  forgetRuntime,
  type Settings,
} from "../support";

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

/** Moves the emulator's clock (its Date header, auth_time and lagging view) forward by `ms`. */
export function advance(emu: Emulator, ms: number): void {
  skews.set(emu, (skews.get(emu) ?? 0) + ms);
  emu.control.setClockSkew(skews.get(emu)!);
}
const skews = new WeakMap<Emulator, number>();
