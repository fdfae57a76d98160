/**
 * `npm run bench:sandbox`: the start-up overhead of `parapet sandbox`. The same command runs directly, in
 * the sandbox without observation (prlimit + bubblewrap, `observe: false`), and in the sandbox observed by
 * strace (what `parapet sandbox` does), interleaved run by run so drift in machine load hits every mode
 * alike. Commands: `/bin/true` (pure process start-up) and `python3 -c pass` (the real interpreter, as the
 * loaders run it), plus `python3 -c "import json, socket, ssl"` to show strace's cost on a busier start-up.
 *
 * Prints the median and 90th percentile in ms per mode and the ratio of each median to the direct one.
 * The sandbox's one-time preflight and the Python location are paid before timing (both memoized).
 *
 *   npm run bench:sandbox -- [--runs 20]
 *
 * Timings are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { runSandboxed } from '../src/sandbox/index.ts';
import { locatePython } from '../src/sandbox/python.ts';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const RUNS = flag('--runs', 20);

function direct(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(1)}`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const python = await locatePython('python3', process.env);
const commands: [string, string[]][] = [
  ['/bin/true', ['/bin/true']],
  ['python3 -c pass', [python.executable, '-c', 'pass']],
  ['python3 -c "import json, socket, ssl"', [python.executable, '-c', 'import json, socket, ssl']],
];
const modes = {
  direct: (argv: string[]) => direct(argv),
  sandbox: (argv: string[]) => runSandboxed({ command: argv, observe: false }),
  'sandbox+strace': (argv: string[]) => runSandboxed({ command: argv }),
} as const;

// Warm-up: the preflight, page cache and Python's own caches, outside the timing.
for (const [, argv] of commands) for (const run of Object.values(modes)) await run(argv);

console.log(
  `sandbox start-up, ${RUNS} interleaved runs per mode (median / p90 ms, ratio of medians to direct)`,
);
for (const [label, argv] of commands) {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [mode, run] of Object.entries(modes)) samples[mode]!.push(await time(() => run(argv)));
  const medians: Record<string, number> = {};
  console.log(`\n${label}`);
  for (const [mode, xs] of Object.entries(samples)) {
    const sorted = [...xs].sort((a, b) => a - b);
    medians[mode] = quantile(sorted, 0.5);
    const ratio = medians[mode]! / medians.direct!;
    console.log(
      `  ${mode.padEnd(16)} ${medians[mode]!.toFixed(1).padStart(8)} / ${quantile(sorted, 0.9).toFixed(1).padStart(8)} ms   x${ratio.toFixed(1)}`,
    );
  }
  console.log(
    `  overhead over direct: sandbox ${signed(medians.sandbox! - medians.direct!)} ms, sandbox+strace ${signed(medians['sandbox+strace']! - medians.direct!)} ms`,
  );
}
