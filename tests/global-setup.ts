/**
 * Lifecycle tests run the compiled program runner, examples and provider (as Pulumi runs compiled
 * or ts-node-compiled programs), so `dist/` must match the sources: rebuild when any is newer.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const SOURCES = ["provider", "emulator", "examples", "tests", "scripts"];

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    return Math.max(latest, time);
  }, 0);
}

export default function globalSetup(): void {
  const built = newest(join(ROOT, "dist"));
  const sources = Math.max(
    ...SOURCES.map((s) => newest(join(ROOT, s))),
    statSync(join(ROOT, "tsconfig.json")).mtimeMs,
  );
  if (sources > built) {
    execFileSync(
      process.execPath,
      [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.json")],
      {
        stdio: "inherit",
      },
    );
  }
}
