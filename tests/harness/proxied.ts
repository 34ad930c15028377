/**
 * The set-up of the tests that kill a command mid-step: an emulator, the harness's loopback proxy
 * in front of it (which kills the command after a number of answers), and a stack of the test
 * program whose provider reaches the emulator through the proxy.
 */
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator";
import type { ConfigValue } from "./host";
import { Interrupter } from "./interrupt";
import { emulatorConfig, PROGRAM, Stack, type RunOptions } from "./lifecycle";
import type { Declared } from "./program";

export interface ProxiedStack {
  emu: Emulator;
  proxy: Interrupter;
  stack: Stack;
  /** Sets the program's resources (its `roma-appauth:resources`) for the next command. */
  declare(...resources: Declared[]): void;
  /** Run options that kill the command once the emulator has answered `answers` more requests. */
  kill(answers: number): RunOptions;
  /** Removes the stack's files and closes the proxy and the emulator. */
  close(): Promise<void>;
}

/** Starts an emulator with `emulator`'s options behind a proxy; `config` adds provider settings. */
export async function proxiedStack(
  emulator: EmulatorOptions,
  config: Record<string, ConfigValue> = {},
): Promise<ProxiedStack> {
  const emu = await startEmulator(emulator);
  const proxy = await Interrupter.start(emu.url);
  const stack = new Stack({
    program: PROGRAM,
    config: { ...emulatorConfig(emu), "roma:endpoint": proxy.url, ...config },
  });
  return {
    emu,
    proxy,
    stack,
    declare: (...resources) => stack.set({ "roma-appauth:resources": JSON.stringify(resources) }),
    kill: (answers) => ({ interrupt: { proxy, answers } }),
    close: async () => {
      stack.dispose();
      await proxy.close();
      await emu.close();
    },
  };
}
