/**
 * Prints the `__provider` text Pulumi stores for an `AppAuthorization`, serialized in the current
 * working directory (the project folder) exactly as `pulumi.dynamic.Resource` serializes it.
 * Usage: node serialize-provider.js [package entry]  (default: this repository's dist/provider)
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

async function main(): Promise<void> {
  const entry = resolve(process.argv[2] ?? join(__dirname, "../../provider"));
  const load = createRequire(join(process.cwd(), "index.js"));
  const pulumi: typeof import("@pulumi/pulumi") = load("@pulumi/pulumi");
  const { AppAuthorizationProvider } = load(entry) as typeof import("../../provider");
  const provider = new AppAuthorizationProvider();
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  process.stdout.write(serialized.text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
