/**
 * `npm run demo`: the basic example's whole lifecycle against the embedded emulator, through the
 * real Pulumi runtime and dynamic-provider host, printing each step's plan, the API calls it made,
 * the stack's outputs and the bindings left in the emulator. `npm run demo -- multi-env` runs the
 * multi-environment example the same way.
 */
import { startEmulator, type Emulator } from "../emulator";
import { UNKNOWN_IN_PREVIEW, type RunResult } from "../tests/harness/program-runner";
import {
  basicConfig,
  EXAMPLES,
  emulatorConfig,
  multiEnvConfig,
  Stack,
} from "../tests/harness/lifecycle";

const SYMBOL: Record<string, string> = {
  create: "+ create ",
  update: "~ update ",
  replace: "+-replace",
  delete: "- delete ",
  same: "  same   ",
  refresh: "~ refresh",
  gone: "- gone   ",
};

const STAND_IN = `It runs the program on the real Pulumi runtime and the real dynamic-provider host, with this
package's own stand-in for the Pulumi engine (tests/harness) in place of the pulumi CLI: no
account, no pulumi binary, nothing leaves this machine.`;

type Demo = (emu: Emulator, step: StepRunner, name: (id: string) => string) => Promise<void>;
type StepRunner = (title: string, run: () => Promise<RunResult>) => Promise<void>;

const DEMOS: Record<string, { intro: string; run: Demo }> = {
  basic: {
    intro: "Program examples/basic: one app authorized for the APIs in its config.",
    run: async (emu, step, name) => {
      const seed = emu.seed;
      const api = (i: number) => seed.apis[i].id;
      const stack = new Stack({
        program: EXAMPLES.basic,
        config: { ...emulatorConfig(emu), ...basicConfig(emu, 3) },
      });
      await step("pulumi preview", () => stack.preview());
      await step("pulumi up", () => stack.up());
      await step("pulumi up (nothing changed)", () => stack.up());
      stack.set({ "roma-appauth:apiIds": JSON.stringify([api(1), api(2), api(3), api(4)]) });
      await step(
        `pulumi preview (apiIds: -${name(api(0))}, +${name(api(3))}, +${name(api(4))})`,
        () => stack.preview(),
      );
      await step("pulumi up", () => stack.up());
      emu.control.unbind(seed.environments[0].id, seed.apps[0].id, api(2));
      console.log(`   (someone removes ${name(seed.apps[0].id)}→${name(api(2))} outside Pulumi)\n`);
      await step("pulumi refresh", () => stack.refresh());
      await step("pulumi up (binds it again)", () => stack.up());
      stack.set({ "roma-appauth:envId": seed.environments[1].id });
      await step(
        `pulumi up (envId: ${seed.environments[0].name} -> ${seed.environments[1].name})`,
        () => stack.up(),
      );
      await step("pulumi destroy", () => stack.destroy());
    },
  },
  "multi-env": {
    intro:
      "Program examples/multi-env: three apps for the public APIs in release (with access parameters), the test app for every API in test (green channel).",
    run: async (emu, step) => {
      const stack = new Stack({
        program: EXAMPLES.multiEnv,
        project: "roma-appauth-multi-env",
        config: { ...emulatorConfig(emu), ...multiEnvConfig(emu) },
      });
      await step("pulumi preview", () => stack.preview());
      await step("pulumi up", () => stack.up());
      await step("pulumi up (nothing changed)", () => stack.up());
      await step("pulumi destroy", () => stack.destroy());
    },
  },
};

async function main(which = "basic"): Promise<void> {
  const demo = DEMOS[which];
  if (!demo) {
    throw new Error(`No demo named ${which}: choose one of ${Object.keys(DEMOS).join(", ")}`);
  }
  const emu = await startEmulator();
  const seed = emu.seed;
  const names = new Map<string, string>(
    [...seed.apps, ...seed.apis, ...seed.environments].map((x) => [x.id, x.name]),
  );
  const name = (id: string) => names.get(id) ?? id;
  console.log(`ROMA Connect app authorization demo against the embedded emulator at ${emu.url}.`);
  console.log(`${STAND_IN}\n${demo.intro}\n`);

  let n = 0;
  const step: StepRunner = async (title, run) => {
    emu.control.resetLog();
    const result = await run();
    console.log(`${++n}. ${title}`);
    const pairs = (list: string[], sign: string) =>
      list.length === 0
        ? ""
        : ` ${sign}${list.length} (${list
            .map((p) => p.split("/").map(name).join("→"))
            .sort()
            .join(", ")})`;
    for (const s of result.steps) {
      const why = s.replaces ? ` [${s.replaces.join(", ")} changed]` : "";
      console.log(
        `   ${SYMBOL[s.op]} ${s.name}${why}${pairs(s.added, "+")}${pairs(s.removed, "-")}`,
      );
    }
    if (result.error) console.log(`   error: ${result.error}`);
    const outputs = Object.entries(result.outputs ?? {});
    if (outputs.length > 0) {
      console.log("   Outputs:");
      for (const [key, value] of outputs) {
        const shown = value === UNKNOWN_IN_PREVIEW ? "(known after up)" : JSON.stringify(value);
        console.log(`       ${key}: ${shown}`);
      }
    }
    const counts = Object.entries(emu.control.counts()).map(
      ([route, count]) => `${route} x${count}`,
    );
    console.log(`   API calls: ${counts.length > 0 ? counts.join(", ") : "none"}`);
    console.log(`   bindings in the emulator: ${describeBindings(emu, name)}\n`);
  };
  try {
    await demo.run(emu, step, name);
  } finally {
    await emu.close();
  }
}

function describeBindings(emu: Emulator, name: (id: string) => string): string {
  const byEnv = new Map<string, string[]>();
  for (const b of emu.control.bindings()) {
    byEnv.set(b.envId, [...(byEnv.get(b.envId) ?? []), `${name(b.appId)}→${name(b.apiId)}`]);
  }
  if (byEnv.size === 0) return "none";
  return [...byEnv].map(([env, pairs]) => `${name(env)}: ${pairs.sort().join(", ")}`).join("; ");
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
