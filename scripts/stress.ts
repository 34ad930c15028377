/**
 * `npm run test:stress`: runs jest again and again, several copies at once so they load the
 * machine, and stops at the first failure with that run's whole output. A test that fails once in
 * many runs is a bug (time it does not control, an order it assumes); this is where it shows.
 *
 *   npm run test:stress -- [--runs N] [--parallel K] [test files...] [-- jest options]
 *
 * Without files it runs the whole suite (default 20 runs); with files, only those (default 100
 * runs), e.g. the timing-sensitive ones:
 *
 *   npm run test:stress -- --parallel 2 tests/integration/reliability.test.ts
 *
 * The npm script builds `dist/` first, so the copies' global setup never rebuilds it while others
 * read it. Do not edit sources while it runs.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(__dirname, "..", "..");

interface Run {
  index: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

function main(): void {
  const split = process.argv.indexOf("--");
  const jestOptions = split >= 0 ? process.argv.slice(split + 1) : [];
  const { values, positionals: files } = parseArgs({
    args: process.argv.slice(2, split >= 0 ? split : undefined),
    allowPositionals: true,
    options: {
      runs: { type: "string" },
      parallel: { type: "string", default: "2" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const runs = count("--runs", values.runs ?? (files.length > 0 ? "100" : "20"));
  const parallel = count("--parallel", values.parallel);
  const args = [
    require.resolve("jest/bin/jest", { paths: [ROOT] }),
    "--ci",
    ...jestOptions,
    ...files,
  ];

  const what = files.length > 0 ? files.join(" ") : "the whole suite";
  console.log(`${runs} runs of ${what}, ${parallel} at once (jest ${args.slice(1).join(" ")})`);
  void stress(args, runs, parallel).then((failed) => {
    process.exitCode = failed ? 1 : 0;
  });
}

async function stress(args: string[], runs: number, parallel: number): Promise<boolean> {
  const started = Date.now();
  const running = new Set<number>();
  const stopped = new Set<number>();
  let next = 1;
  let failure: Run | undefined;
  let passed = 0;

  await new Promise<void>((resolve) => {
    const launch = () => {
      while (!failure && running.size < parallel && next <= runs) start(next++);
      if (running.size === 0) resolve();
    };
    const start = (index: number) => {
      const t0 = Date.now();
      const child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, FORCE_COLOR: "0" },
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group, so stopping it stops jest's workers and the tests' children too.
        detached: true,
      });
      running.add(child.pid!);
      const chunks: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => chunks.push(c));
      child.stderr.on("data", (c: Buffer) => chunks.push(c));
      child.on("close", (code, signal) => {
        running.delete(child.pid!);
        const run = { index, code, signal, output: Buffer.concat(chunks).toString(), ms: 0 };
        run.ms = Date.now() - t0;
        if (code === 0) {
          passed++;
          console.log(`run ${index}/${runs} passed in ${seconds(run.ms)}`);
        } else if (!failure && !stopped.has(child.pid!)) {
          failure = run;
          // Stop the other copies: their result no longer matters, and the report should come now.
          for (const pid of running) {
            stopped.add(pid);
            stop(pid);
          }
        }
        launch();
      });
    };
    launch();
  });

  const took = seconds(Date.now() - started);
  if (failure) {
    console.log(failure.output);
    console.log(
      `FAILED: run ${failure.index} (exit ${failure.code ?? failure.signal}) after ${passed} passing runs, ${took} in all.`,
    );
    return true;
  }
  console.log(`All ${runs} runs passed, ${parallel} at once, in ${took}.`);
  return false;
}

function stop(pid: number): void {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

function count(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${flag} must be a whole number of at least 1, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const USAGE = `Usage: npm run test:stress -- [--runs N] [--parallel K] [test files...] [-- jest options]
  --runs N       how many runs (default 20 for the whole suite, 100 for chosen files)
  --parallel K   how many runs at once, to load the machine (default 2)
Stops at the first failing run and prints its output.`;

main();
