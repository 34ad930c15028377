/**
 * A careless JavaScript user against the gateway split, through the real program runtime and
 * dynamic-provider host: the resource class alone says which gateway a resource is on.
 */
import { startEmulator, type Emulator, RELEASE } from "../../emulator";
import { emulatorConfig, PROGRAM, Stack } from "../harness/lifecycle";
import type { Declared } from "../harness/program";
import { paths } from "../helpers";

describe("the gateway is the class's, not an input", () => {
  let emu: Emulator;
  let stack: Stack;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    stack.dispose();
    await emu.close();
  });

  // An untyped `gateway` would move the resource to the other gateway's host and paths unseen.
  it.each([
    ["AppAuthorization", "apig", "roma"],
    ["ApigAppAuthorization", "roma", "apig"],
  ] as const)(
    "%s given gateway %s from JavaScript is refused before any API call",
    async (type, given, gateway) => {
      const resource: Declared = {
        name: "orders",
        args: {
          instanceId: paths(emu, gateway).instanceId,
          envId: RELEASE,
          appIds: [emu.seed.apps[0].id],
          apiIds: [emu.seed.apis[0].id],
          gateway: given,
        },
        ...(gateway === "apig" ? { gateway } : {}),
      };
      stack = new Stack({
        program: PROGRAM,
        config: { ...emulatorConfig(emu), "roma-appauth:resources": JSON.stringify([resource]) },
      });
      const result = await stack.up();
      expect(result.error).toContain(
        `gateway is not an input of ${type}: the resource class sets it`,
      );
      expect(stack.state.resources).toStrictEqual([]);
      expect(emu.control.log().filter((e) => e.route !== "control")).toStrictEqual([]);
    },
  );
});
