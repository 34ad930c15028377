/**
 * What the ownership tests share: a provider as a fresh `pulumi` command gets it (a new process,
 * so nothing in memory from the last command), and moving the emulator's clock instead of waiting.
 */
import type { Emulator } from "../../emulator";
import type { AppAuthorizationProvider } from "../../provider";
import { configuredProvider, emulatorSettings, type Settings } from "../support";

// provider/runtime.ts keeps the process's runtime here; a new process starts without one.
const RUNTIME_KEY = "__pulumiRomaAppAuthRuntime_v1";

/** A provider with a fresh runtime, as the next `pulumi` command's new provider process has. */
export function freshProcess(
  emu: Emulator,
  settings: Settings = {},
): Promise<AppAuthorizationProvider> {
  delete (globalThis as Record<string, unknown>)[RUNTIME_KEY];
  return configuredProvider(emulatorSettings(emu, settings));
}

/** Moves the emulator's clock (its Date header, auth_time and lagging view) forward by `ms`. */
export function advance(emu: Emulator, ms: number): void {
  skews.set(emu, (skews.get(emu) ?? 0) + ms);
  emu.control.setClockSkew(skews.get(emu)!);
}
const skews = new WeakMap<Emulator, number>();
