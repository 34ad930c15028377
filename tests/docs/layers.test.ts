import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "../..");

// The layering is enforced by `LAYERS` in eslint.config.mjs and explained at the top of
// provider/index.ts: both must list the same modules in the same layers, or the explanation lies.

/** The layers of eslint.config.mjs, each as its module names (a folder as `name/`). */
function enforced(): string[][] {
  const config = readFileSync(join(ROOT, "eslint.config.mjs"), "utf8");
  const block = /const LAYERS = \[([\s\S]*?)\n\];/.exec(config);
  if (!block) throw new Error("eslint.config.mjs: no LAYERS array");
  return [
    ...block[1].matchAll(/\{ name: "[^"]*", (?:folder: "([^"]+)"|modules: \[([^\]]*)\]) \}/g),
  ].map(([, folder, modules]) =>
    folder ? [`${folder}/`] : [...modules.matchAll(/"([^"]+)"/g)].map(([, m]) => m),
  );
}

/** The numbered layers of provider/index.ts's header, each as the modules its line names. */
function explained(): string[][] {
  const index = readFileSync(join(ROOT, "provider/index.ts"), "utf8");
  const header = index.slice(0, index.indexOf("*/"));
  // A numbered item runs until the next one; its backticked names that are modules of provider/.
  const items = header.split(/\n \* \d+\. /).slice(1);
  return items.map((item) =>
    [...item.matchAll(/`([^`]+)`/g)]
      .map(([, name]) => name)
      .filter((name) =>
        name.endsWith("/")
          ? existsSync(join(ROOT, "provider", name)) &&
            statSync(join(ROOT, "provider", name)).isDirectory()
          : existsSync(join(ROOT, "provider", `${name}.ts`)),
      ),
  );
}

describe("the layers of provider/", () => {
  it("are explained in provider/index.ts as eslint.config.mjs enforces them", () => {
    expect(explained()).toStrictEqual(enforced());
  });

  it("are read from both files (the parse found every layer)", () => {
    expect(enforced().length).toBeGreaterThan(5);
    expect(enforced().flat()).toContain("handlers");
  });
});
