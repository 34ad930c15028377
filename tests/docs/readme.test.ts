import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { withTables } from "../../scripts/readme-tables";

const ROOT = join(__dirname, "../..");

describe("README", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");

  it("has the inputs, outputs and settings tables the code defines (npm run docs:readme)", () => {
    // Formatted as the repository formats it, so only content can differ.
    const regenerated = execFileSync(
      process.execPath,
      [
        join(ROOT, "node_modules/prettier/bin/prettier.cjs"),
        "--stdin-filepath",
        join(ROOT, "README.md"),
      ],
      { input: withTables(readme) },
    ).toString();
    expect(readme).toBe(regenerated);
  });

  it("starts with the two set-up commands", () => {
    const firstLines = readme.split("\n").slice(0, 6).join("\n");
    expect(firstLines).toContain("npm ci && npm run demo");
    expect(firstLines).toContain("npm ci && npm test");
  });

  it("links only to files that exist (the CHANGELOG among them)", () => {
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z]+:/.test(target));
    expect(targets).toContain("CHANGELOG.md");
    expect(targets.filter((target) => !existsSync(join(ROOT, target)))).toEqual([]);
  });
});
