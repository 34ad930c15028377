/**
 * `npm run demo`: the basic example's whole lifecycle against the embedded emulator, through the
 * real Pulumi runtime and dynamic-provider host, printing each step's plan, the API calls it made,
 * and the bindings left in the emulator.
 */
import { startEmulator, type Emulator } from "../emulator";
import type { RunResult } from "../tests/harness/program-runner";
import { basicConfig, EXAMPLES, emulatorConfig, Stack } from "../tests/harness/lifecycle";

const SYMBOL: Record<string, string> = {
  create: "+ create ",
  update: "~ update ",
  replace: "+-replace",
  delete: "- delete ",
  same: "  same   ",
  refresh: "~ refresh",
  gone: "- gone   ",
};

async function main(): Promise<void> {
  const emu = await startEmulator();
  const seed = emu.seed;
  const names = new Map<string, string>(
    [...seed.apps, ...seed.apis, ...seed.environments].map((x) => [x.id, x.name]),
  );
  const name = (id: string) => names.get(id) ?? id;
  const stack = new Stack({
    program: EXAMPLES.basic,
    config: { ...emulatorConfig(emu), ...basicConfig(emu, 3) },
  });
  const api = (i: number) => seed.apis[i].id;

  console.log(`ROMA Connect app authorization demo against the embedded emulator at ${emu.url}`);
  console.log(
    `Program examples/basic: app ${name(seed.apps[0].id)} authorized for the APIs in its config.\n`,
  );

  let n = 0;
  const step = async (title: string, run: () => Promise<RunResult>) => {
    emu.control.resetLog();
    const result = await run();
    console.log(`${++n}. ${title}`);
    for (const s of result.steps) {
      const pairs = (list: string[], sign: string) =>
        list.length === 0
          ? ""
          : ` ${sign}${list.length} (${list.map((p) => p.split("/").map(name).join("→")).join(", ")})`;
      const why = s.replaces ? ` [${s.replaces.join(", ")} changed]` : "";
      console.log(
        `   ${SYMBOL[s.op]} ${s.name}${why}${pairs(s.added, "+")}${pairs(s.removed, "-")}`,
      );
    }
    if (result.error) console.log(`   error: ${result.error}`);
    const counts = Object.entries(emu.control.counts()).map(
      ([route, count]) => `${route} x${count}`,
    );
    console.log(`   API calls: ${counts.length > 0 ? counts.join(", ") : "none"}`);
    console.log(`   bindings in the emulator: ${describeBindings(emu, name)}\n`);
  };

  await step("pulumi preview", () => stack.preview());
  await step("pulumi up", () => stack.up());
  await step("pulumi up (nothing changed)", () => stack.up());
  stack.set({ "roma-appauth:apiIds": JSON.stringify([api(1), api(2), api(3), api(4)]) });
  await step(`pulumi preview (apiIds: -${name(api(0))}, +${name(api(3))}, +${name(api(4))})`, () =>
    stack.preview(),
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
  await emu.close();
}

function describeBindings(emu: Emulator, name: (id: string) => string): string {
  const byEnv = new Map<string, string[]>();
  for (const b of emu.control.bindings()) {
    byEnv.set(b.envId, [...(byEnv.get(b.envId) ?? []), `${name(b.appId)}→${name(b.apiId)}`]);
  }
  if (byEnv.size === 0) return "none";
  return [...byEnv].map(([env, pairs]) => `${name(env)}: ${pairs.sort().join(", ")}`).join("; ");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
