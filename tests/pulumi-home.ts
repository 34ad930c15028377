/**
 * Every test file gets its own PULUMI_HOME, so the provider's write-ahead journal (kept where
 * Pulumi keeps per-user data) never lands in the real ~/.pulumi, and no test sees another's
 * journal. Provider hosts and runners started by a test inherit it; a `Stack` sets its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const home = mkdtempSync(join(tmpdir(), "roma-test-pulumi-home-"));
process.env.PULUMI_HOME = home;
afterAll(() => rmSync(home, { recursive: true, force: true }));
