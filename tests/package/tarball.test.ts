/**
 * The package as users get it: `npm pack` from a fresh clone (no dist/: its prepare script builds
 * it), installed into a fresh Pulumi program folder next to `@pulumi/pulumi`, type-checked under
 * every module resolution, loaded from CommonJS and ESM, and run through its lifecycle by the real
 * dynamic-provider host.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
    // A fresh clone: the files git would commit, without dist/ (packing here also leaves the dist/
    // the other tests run untouched). Its node_modules is the repository's, as after `npm ci`.
    const clone = join(dir, "clone");
    const tracked = execFileSync(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        cwd: ROOT,
      },
    )
      .toString()
      .split("\0")
      .filter((f) => f && existsSync(join(ROOT, f)));
    for (const file of tracked) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(clone, file));
    }
    symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"), "dir");
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
      cwd: clone,
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
      /^(tests|dist\/tests|dist\/scripts|dist\/examples|scripts|examples|\.ci)\/|^(jest|eslint|stryker)\.config|^tsconfig|\.test\.|\.map$|(?<!\.d)\.ts$/.test(
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

  // Both entry points must resolve to the shipped declarations, never to sources the compiler would
  // then check with the user's settings, whatever resolution the user's project uses ("node10" is
  // "node", the default of many Pulumi templates, which ignores `exports`).
  it.each([
    ["node10", "commonjs", "consumer.ts"],
    ["node16", "node16", "consumer.ts"],
    ["node16", "node16", "consumer.mts"],
    ["bundler", "esnext", "consumer.ts"],
  ])(
    "type-checks both entry points under moduleResolution %s (module %s, %s)",
    (moduleResolution, module, file) => {
      const consumer = join(program, "consumers");
      mkdirSync(consumer, { recursive: true });
      writeFileSync(join(consumer, file), CONSUMER);
      const config = join(consumer, `tsconfig.${moduleResolution}.${file}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          compilerOptions: { strict: true, noEmit: true, module, moduleResolution, types: [] },
          files: [file],
        }),
      );
      const listed = execFileSync(process.execPath, [TSC, "-p", config, "--listFiles"], {
        encoding: "utf8",
      });
      const ours = listed
        .split("\n")
        .filter((f) => f.includes("node_modules/pulumi-roma-appauth/"))
        .map((f) => f.slice(f.indexOf("node_modules/pulumi-roma-appauth/") + 33));
      expect(ours).toEqual(
        expect.arrayContaining(["dist/provider/index.d.ts", "dist/emulator/index.d.ts"]),
      );
      expect(ours.filter((f) => !f.endsWith(".d.ts"))).toEqual([]);
    },
  );

  it.each([
    [
      "CommonJS",
      [
        "-e",
        'const { AppAuthorization } = require("pulumi-roma-appauth"); const { startEmulator, ManualClock } = require("pulumi-roma-appauth/emulator"); console.log(typeof AppAuthorization, typeof startEmulator, typeof ManualClock);',
      ],
    ],
    [
      "ESM",
      [
        "--input-type=module",
        "-e",
        'import { AppAuthorization } from "pulumi-roma-appauth"; import { startEmulator, ManualClock } from "pulumi-roma-appauth/emulator"; console.log(typeof AppAuthorization, typeof startEmulator, typeof ManualClock);',
      ],
    ],
  ])("loads both entry points from %s", (_what, args) => {
    const out = execFileSync(process.execPath, args, { cwd: program, encoding: "utf8" });
    expect(out.trim()).toBe("function function function");
  });

  it("runs as npx roma-emulator, and says so in --help", () => {
    const { npm_lifecycle_event: _event, ...env } = process.env;
    const help = execFileSync("npx", ["roma-emulator", "--help"], {
      cwd: program,
      env,
      encoding: "utf8",
    });
    expect(help).toMatch(/^Usage: npx roma-emulator \[options\]/);
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

// A user's module importing both entry points, types included.
const CONSUMER = `import { AppAuthorization, type AppAuthorizationArgs } from "pulumi-roma-appauth";
import { ManualClock, startEmulator, type Emulator } from "pulumi-roma-appauth/emulator";

export const args: AppAuthorizationArgs = { instanceId: "i", envId: "e", appIds: ["a"], apiIds: ["b"] };
export const made: [typeof AppAuthorization, typeof ManualClock] = [AppAuthorization, ManualClock];
export const start: () => Promise<Emulator> = () => startEmulator();
`;
