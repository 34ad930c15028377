/**
 * The package as users get it: `npm pack`, installed into a fresh Pulumi program folder next to
 * `@pulumi/pulumi`, type-checked, and run through its lifecycle by the real dynamic-provider host.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type Emulator } from "../../emulator";
import { basicConfig, emulatorConfig, ROOT, serializedProvider, Stack } from "../harness/lifecycle";
import { bound, product } from "../support";

const PULUMI_VERSION = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies["@pulumi/pulumi"];

const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

describe("the packed tarball", () => {
  let dir: string;
  let program: string;
  let tarball: string;
  let emu: Emulator;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "roma-tarball-"));
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
      cwd: ROOT,
      stdio: "ignore",
    });
    tarball = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith(".tgz"))!,
    );
    program = join(dir, "program");
    mkdirSync(program);
    // A new user's program: the repository's basic example, verbatim, with its own package.json.
    copyFileSync(join(ROOT, "examples/basic/index.ts"), join(program, "index.ts"));
    writeFileSync(
      join(program, "package.json"),
      JSON.stringify({
        name: "a-user-program",
        private: true,
        main: "index.js",
        dependencies: { "@pulumi/pulumi": PULUMI_VERSION },
      }),
    );
    writeFileSync(
      join(program, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2020",
          module: "commonjs",
          esModuleInterop: true,
          skipLibCheck: false,
          types: [],
        },
      }),
    );
    writeFileSync(join(program, "Pulumi.yaml"), "name: roma-appauth\nruntime: nodejs\n");
    execFileSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      { cwd: program },
    );
    execFileSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball],
      { cwd: program },
    );
    // The lifecycle runs the compiled program, as `pulumi up` would with a TypeScript project.
    execFileSync(process.execPath, [TSC, "-p", program]);
    emu = await startEmulator();
  }, 600000);

  afterAll(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds only what users need", () => {
    const files = execFileSync("tar", ["-tzf", tarball])
      .toString()
      .trim()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""));
    for (const needed of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "dist/provider/index.js",
      "dist/provider/index.d.ts",
      "dist/emulator/cli.js",
    ]) {
      expect(files).toContain(needed);
    }
    const unwanted = files.filter((f) =>
      /^(tests|dist\/tests|dist\/scripts|dist\/examples|scripts|examples|\.ci)\/|^(jest|eslint)\.config|^tsconfig|\.test\./.test(
        f,
      ),
    );
    expect(unwanted).toEqual([]);
  });

  it("type-checks a TypeScript program that uses it", () => {
    expect(() =>
      execFileSync(process.execPath, [TSC, "-p", program, "--noEmit"], { stdio: "pipe" }),
    ).not.toThrow();
  });

  it("shares the program's one copy of @pulumi/pulumi (a peer dependency)", () => {
    const copies = execFileSync("npm", ["ls", "@pulumi/pulumi", "--all", "--parseable"], {
      cwd: program,
    })
      .toString()
      .trim()
      .split("\n");
    expect(copies).toEqual([join(program, "node_modules/@pulumi/pulumi")]);
  });

  it("serializes __provider as a small require of the package, with no paths or credentials", () => {
    const text = serializedProvider(program, join(program, "node_modules/pulumi-roma-appauth"));
    expect(Buffer.byteLength(text)).toBeLessThan(16 * 1024);
    expect(text).toContain('require("pulumi-roma-appauth/dist/provider/handlers.js")');
    expect(text).not.toContain(dir);
    expect(text).not.toContain(emu.seed.credentials.token);
  });

  it("runs up, update and destroy through the real provider host against the emulator", async () => {
    const stack = new Stack({
      program,
      config: { ...emulatorConfig(emu), ...basicConfig(emu, 2) },
    });
    const app = emu.seed.apps[0].id;
    const apis = emu.seed.apis.map((a) => a.id);
    const up = await stack.up();
    expect(up.error).toBeUndefined();
    expect(bound(emu)).toEqual(product([app], apis.slice(0, 2)));
    const provider = stack.state.resources[0].inputs.__provider as string;
    expect(provider).toContain('require("pulumi-roma-appauth/dist/provider/handlers.js")');
    stack.set(basicConfig(emu, 4));
    const update = await stack.up();
    expect(update.steps.map((s) => [s.op, s.added.length, s.removed.length])).toEqual([
      ["update", 2, 0],
    ]);
    expect(bound(emu)).toEqual(product([app], apis.slice(0, 4)));
    await stack.destroy();
    expect(emu.control.bindings()).toEqual([]);
  });
});
