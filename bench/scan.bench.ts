/**
 * `npm run bench:scan`: the scan figures of the performance issue, each measured in fresh child processes
 * (so RSS is that scan's own peak), run several times and reported as a median, each printed with a ratio
 * against a baseline measured in this same invocation:
 *
 *   1. a 2 GiB PyTorch zip (one STORED 2 GiB tensor, ZIP64)  vs. reading the whole file once
 *   2. the 16 MiB NONE-opcode flood, as a torch zip member and as a raw pickle
 *                                                           vs. picklescan (PICKLESCAN_SRC) or reading the file
 *   3. throughput over ../shared/corpus/models              vs. picklescan -p DIR or reading the tree
 *
 * Timings are printed, never asserted (the machine is shared and noisy). What is checked is that each scan
 * really analysed its input (scanned 1, the flood reported, the benign 2 GiB file clean): a failed check
 * sets exit code 1 after everything is printed. BENCH_RUNS (default 5) and BENCH_PICKLESCAN_RUNS (default 3)
 * set the repetitions; BENCH_CORPUS overrides the corpus directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIG_TENSOR_BYTES, ensureBigTorchZip, type Input, writeOpFloods } from './inputs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'bench', 'out');
const WORKER = join(ROOT, 'bench', 'worker.mjs');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const CORPUS = resolve(process.env.BENCH_CORPUS ?? join(ROOT, '..', 'shared', 'corpus', 'models'));
const RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const PICKLESCAN_RUNS = positiveInt(process.env.BENCH_PICKLESCAN_RUNS, 3);
const CHILD_TIMEOUT_MS = 10 * 60 * 1000;

const TARGETS = {
  big: { seconds: 0.3, rssMB: 100 },
  flood: { seconds: 1, rssMB: 150 },
};

function positiveInt(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

// ---- small helpers -------------------------------------------------------------------------------

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** maxRSS is in KiB; MB here is 10^6 bytes (slightly larger numbers than MiB: the stricter reading). */
const mb = (kb: number): number => (kb * 1024) / 1e6;
const fmtS = (s: number): string => (s < 0.1 ? s.toFixed(4) : s < 10 ? s.toFixed(3) : s.toFixed(1));
const fmtMB = (m: number): string => (m < 10 ? m.toFixed(1) : m.toFixed(0));
const fmtX = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
const fmtBytes = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
const ok = (b: boolean): string => (b ? 'ok' : 'FAIL');
const met = (b: boolean): string => (b ? 'met' : 'MISSED');
const log = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

/** "12.3× faster than X" or "4.56× slower than X", from the two times. */
function versus(parapet: number, baseline: number, what: string): string {
  if (parapet <= 0) return `not comparable with ${what} (parapet time 0)`;
  const r = baseline / parapet;
  return r >= 1 ? `${fmtX(r)}× faster than ${what}` : `${fmtX(1 / r)}× slower than ${what}`;
}

/** "3.2× less memory than X" or "1.5× more memory than X", from the two peaks. */
function memVersus(parapet: number, baseline: number, what: string): string {
  const r = baseline / parapet;
  return r >= 1 ? `${fmtX(r)}× less memory than ${what}` : `${fmtX(1 / r)}× more memory than ${what}`;
}

// ---- child processes -----------------------------------------------------------------------------

interface WorkerOut {
  seconds: number;
  maxRssKB: number;
  scanned?: number;
  skipped?: number;
  errors?: number;
  verdict?: string;
  findings?: Record<string, number>;
  rules?: string[];
  firstErrors?: { path: string; error: string }[];
  flagged?: string[];
  failed?: string[];
  bytes?: number;
  files?: number;
}

/** A worker result plus the wall time of the whole child process (spawn to exit, Node startup included). */
type Sample = WorkerOut & { wall: number };

function runWorker(args: string[]): Sample {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [WORKER, ...args], {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  const last = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !last) {
    throw new Error(
      `worker ${args.join(' ')} failed (status ${r.status}, ${r.signal ?? 'no signal'}): ${r.stderr}`,
    );
  }
  return { ...(JSON.parse(last) as WorkerOut), wall };
}

/** Medians over `runs` fresh processes. */
interface Measured {
  seconds: number;
  wall: number;
  rssMB: number;
  samples: Sample[];
}

function measure(args: string[], runs = RUNS): Measured {
  const samples = [...Array(runs)].map(() => runWorker(args));
  return {
    seconds: median(samples.map((s) => s.seconds)),
    wall: median(samples.map((s) => s.wall)),
    rssMB: median(samples.map((s) => mb(s.maxRssKB))),
    samples,
  };
}

const runsOf = (m: Measured, key: 'seconds' | 'wall'): string => m.samples.map((s) => fmtS(s[key])).join(' ');

/** The CLI exactly as a user runs it, once: exit code and the JSON report's summary. */
interface CliRun {
  code: number | null;
  wall: number;
  summary: {
    scanned: number;
    findings: Record<string, number>;
    errors: number;
    skipped: number;
    verdict: string;
  };
}

function runCli(path: string): CliRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'scan', path, '--format', 'json'], {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  let summary: CliRun['summary'];
  try {
    summary = (JSON.parse(r.stdout) as { summary: CliRun['summary'] }).summary;
  } catch {
    throw new Error(
      `parapet scan ${path} printed no JSON report (exit ${r.status}): ${r.stderr.slice(0, 500)}`,
    );
  }
  return { code: r.status, wall, summary };
}

const totalFindings = (f: Record<string, number> | undefined): number =>
  Object.values(f ?? {}).reduce((a, b) => a + b, 0);
const findingsText = (f: Record<string, number> | undefined): string => {
  const parts = Object.entries(f ?? {}).filter(([, n]) => n > 0);
  return parts.length === 0 ? 'no findings' : parts.map(([s, n]) => `${n} ${s}`).join(', ');
};

// ---- picklescan ----------------------------------------------------------------------------------

interface Picklescan {
  pythonPath: string;
  useTime: boolean;
}

/** picklescan from PICKLESCAN_SRC (a checkout: its src/ goes on PYTHONPATH), when python3 can import it. */
function findPicklescan(): Picklescan | string {
  const src = process.env.PICKLESCAN_SRC;
  if (!src) return 'PICKLESCAN_SRC is not set';
  const pythonPath = existsSync(join(src, 'src', 'picklescan')) ? join(src, 'src') : src;
  const probe = spawnSync(
    'python3',
    ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import picklescan', pythonPath],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (probe.error !== undefined) return `python3 cannot run (${probe.error.message})`;
  if (probe.status !== 0) {
    return `python3 cannot import picklescan from ${pythonPath}: ${probe.stderr.trim().split('\n').at(-1)}`;
  }
  return { pythonPath, useTime: existsSync('/usr/bin/time') };
}

interface PicklescanRun {
  code: number | null;
  wall: number;
  rssMB: number | undefined;
  scannedFiles: number | undefined;
  infected: number | undefined;
}

const PS_MAIN =
  "from picklescan.cli import main; import sys; sys.argv=['picklescan','-p',sys.argv[1]]; sys.exit(main())";
const PS_RUSAGE =
  'import atexit, resource, sys; atexit.register(lambda: sys.stderr.write("\\nBENCH_MAXRSS_KB %d\\n" % ' +
  'resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)); ';

function runPicklescan(ps: Picklescan, path: string): PicklescanRun {
  const cmd = ps.useTime
    ? { file: '/usr/bin/time', args: ['-v', 'python3', '-c', PS_MAIN, path] }
    : { file: 'python3', args: ['-c', PS_RUSAGE + PS_MAIN, path] };
  const t0 = performance.now();
  const r = spawnSync(cmd.file, cmd.args, {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: ps.pythonPath },
  });
  const wall = (performance.now() - t0) / 1000;
  const rssKB =
    /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '')?.[1] ??
    /BENCH_MAXRSS_KB (\d+)/.exec(r.stderr ?? '')?.[1];
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(r.stdout ?? '');
    return m?.[1] === undefined ? undefined : Number(m[1]);
  };
  return {
    code: r.status,
    wall,
    rssMB: rssKB === undefined ? undefined : mb(Number(rssKB)),
    scannedFiles: num(/Scanned files: (\d+)/),
    infected: num(/Infected files: (\d+)/),
  };
}

/** The baseline one figure is compared with: picklescan's runs, or the sequential read of the same bytes. */
interface Baseline {
  name: string;
  seconds: number;
  rssMB: number | undefined;
  /** True when `seconds` is a whole process (compare with parapet's process wall), false for in-process work. */
  wholeProcess: boolean;
  note: string;
}

function picklescanBaseline(ps: Picklescan, path: string): Baseline {
  const runs = [...Array(PICKLESCAN_RUNS)].map(() => runPicklescan(ps, path));
  const rss = runs.map((r) => r.rssMB).filter((x): x is number => x !== undefined);
  const last = runs.at(-1)!;
  const note =
    `picklescan rc ${runs.map((r) => r.code).join(' ')}` +
    (last.scannedFiles === undefined ? '' : `, scanned files ${last.scannedFiles}`) +
    (last.infected === undefined ? '' : `, infected ${last.infected}`) +
    `; runs ${runs.map((r) => fmtS(r.wall)).join(' ')} s`;
  return {
    name: 'picklescan',
    seconds: median(runs.map((r) => r.wall)),
    rssMB: rss.length > 0 ? median(rss) : undefined,
    wholeProcess: true,
    note,
  };
}

function readBaseline(path: string, what: string): Baseline {
  const m = measure(['read', path], Math.min(RUNS, 3));
  const s = m.samples[0]!;
  return {
    name: what,
    seconds: m.seconds,
    rssMB: m.rssMB,
    wholeProcess: false,
    note: `${s.files} file(s), ${fmtBytes(s.bytes ?? 0)} read with an 8 MiB buffer, warm page cache; runs ${runsOf(m, 'seconds')} s`,
  };
}

// ---- the figures ---------------------------------------------------------------------------------

interface Figure {
  summary: string;
  checkOk: boolean;
}

function header(title: string): void {
  log();
  log(`== ${title} ==`);
}

function describeInput(input: Input): string {
  const made =
    input.generatedSeconds === undefined ? 'reused' : `generated in ${fmtS(input.generatedSeconds)} s`;
  return `${relative(ROOT, input.path)}, ${input.size.toLocaleString('en')} bytes (${fmtBytes(input.size)}), ${made}`;
}

function printScan(m: Measured, idleMB: number): void {
  log(
    `  parapet scan: ${fmtS(m.seconds)} s median (runs ${runsOf(m, 'seconds')}); process wall ${fmtS(m.wall)} s ` +
      `(node start + import + scan); RSS ${fmtMB(m.rssMB)} MB (idle node ${fmtMB(idleMB)} MB, +${fmtMB(m.rssMB - idleMB)} MB)`,
  );
}

/** Figure 1: the 2 GiB torch zip against reading it once. */
function bigZipFigure(idleMB: number): Figure {
  const input = ensureBigTorchZip(OUT_DIR);
  header(`2 GiB PyTorch zip: ${describeInput(input)}`);
  runWorker(['read', input.path]); // warm the page cache for both sides
  const cli = runCli(input.path);
  const m = measure(['scan', input.path]);
  const checkOk =
    cli.code === 0 &&
    cli.summary.scanned === 1 &&
    cli.summary.verdict === 'clean' &&
    cli.summary.errors === 0 &&
    totalFindings(cli.summary.findings) === 0 &&
    m.samples.every((w) => w.scanned === 1 && w.errors === 0 && totalFindings(w.findings) === 0);
  log(
    `  check: CLI exit ${cli.code}, scanned ${cli.summary.scanned}, verdict ${cli.summary.verdict}, ` +
      `${findingsText(cli.summary.findings)}, ${cli.summary.errors} errors (CLI wall ${fmtS(cli.wall)} s) ` +
      `-> ${ok(checkOk)} (benign: must be scanned and clean)`,
  );
  printScan(m, idleMB);
  const base = readBaseline(input.path, 'baseline full read');
  log(
    `  baseline full read: ${fmtS(base.seconds)} s median, RSS ${fmtMB(base.rssMB ?? 0)} MB (${base.note})`,
  );
  const ratio = base.seconds / m.seconds;
  log(
    `  parapet: ${fmtS(m.seconds)} s, baseline full read: ${fmtS(base.seconds)} s, ratio ${fmtX(ratio)}× ` +
      `(${fmtS(m.wall)} s with Node startup: ${fmtX(base.seconds / m.wall)}×)`,
  );
  const t = TARGETS.big;
  return {
    checkOk,
    summary:
      `2 GiB torch zip: ${fmtS(m.seconds)} s (target < ${t.seconds} s: ${met(m.seconds < t.seconds)}; ` +
      `${fmtS(m.wall)} s process wall) · RSS ${fmtMB(m.rssMB)} MB (target < ${t.rssMB} MB: ${met(m.rssMB < t.rssMB)}) · ` +
      `${versus(m.seconds, base.seconds, 'reading the file')} · check ${ok(checkOk)}: ` +
      `scanned ${cli.summary.scanned}, ${cli.summary.verdict}, ${findingsText(cli.summary.findings)}`,
  };
}

/** Figure 2: an op flood against picklescan, or against reading the file. */
function floodFigure(label: string, input: Input, ps: Picklescan | string, idleMB: number): Figure {
  header(`${label}: ${describeInput(input)}`);
  runWorker(['read', input.path]);
  const cli = runCli(input.path);
  const m = measure(['scan', input.path]);
  const w = m.samples[0]!;
  const checkOk =
    cli.summary.scanned === 1 &&
    totalFindings(cli.summary.findings) > 0 &&
    m.samples.every((w) => w.scanned === 1 && totalFindings(w.findings) > 0);
  log(
    `  check: CLI exit ${cli.code}, scanned ${cli.summary.scanned}, verdict ${cli.summary.verdict}, ` +
      `${findingsText(cli.summary.findings)} [${(w.rules ?? []).join(', ') || 'no rule fired'}] ` +
      `(CLI wall ${fmtS(cli.wall)} s) -> ${ok(checkOk)} (must be scanned and reported)`,
  );
  printScan(m, idleMB);
  const base =
    typeof ps === 'string'
      ? readBaseline(input.path, 'sequential read of the file')
      : picklescanBaseline(ps, input.path);
  if (typeof ps === 'string') log(`  baseline: sequential read, because picklescan is unavailable (${ps})`);
  log(
    `  ${base.name}: ${fmtS(base.seconds)} s median, RSS ${base.rssMB === undefined ? '?' : fmtMB(base.rssMB)} MB (${base.note})`,
  );
  const mine = base.wholeProcess ? m.wall : m.seconds;
  const kind = base.wholeProcess ? 'process wall vs process wall' : 'scan vs read, both in-process';
  log(
    `  parapet: ${fmtS(mine)} s, ${base.name}: ${fmtS(base.seconds)} s, ratio ${fmtX(base.seconds / mine)}× (${kind})`,
  );
  const t = TARGETS.flood;
  const rssVs =
    base.wholeProcess && base.rssMB !== undefined ? `, ${memVersus(m.rssMB, base.rssMB, 'picklescan')}` : '';
  return {
    checkOk,
    summary:
      `${label}: ${fmtS(m.seconds)} s (target < ${t.seconds} s: ${met(m.seconds < t.seconds)}; ` +
      `${fmtS(m.wall)} s process wall) · RSS ${fmtMB(m.rssMB)} MB (target < ${t.rssMB} MB: ${met(m.rssMB < t.rssMB)}) · ` +
      `${versus(mine, base.seconds, base.name === 'picklescan' ? 'picklescan' : 'reading the file')}${rssVs} · ` +
      `check ${ok(checkOk)}: scanned ${cli.summary.scanned}, ${findingsText(cli.summary.findings)}`,
  };
}

/** Expected verdicts from the corpus manifest, by absolute path. */
function manifest(dir: string): Map<string, string> {
  const file = join(dir, 'manifest.tsv');
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head?.split('\t') ?? [];
  const fileCol = cols.indexOf('file');
  const expCol = cols.indexOf('expected');
  for (const row of rows) {
    const f = row.split('\t');
    if (f[fileCol] !== undefined && f[expCol] !== undefined) out.set(join(dir, f[fileCol]), f[expCol]);
  }
  return out;
}

function treeSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = treeSize(p);
      files += sub.files;
      bytes += sub.bytes;
    } else if (e.isFile()) {
      files++;
      bytes += statSync(p).size;
    }
  }
  return { files, bytes };
}

/** Figure 3: throughput over the corpus directory, one process for the whole tree. */
function corpusFigure(ps: Picklescan | string, idleMB: number): Figure {
  const { files, bytes } = treeSize(CORPUS);
  header(`corpus throughput: ${CORPUS} (${files} files, ${fmtBytes(bytes)})`);
  runWorker(['read', CORPUS]);
  const m = measure(['scan', CORPUS, '--list']);
  const w = m.samples[0]!;
  const expected = manifest(CORPUS);
  const flagged = new Set(w.flagged ?? []);
  const failed = new Set(w.failed ?? []);
  const tally = (verdict: string) => {
    const paths = [...expected].filter(([, v]) => v === verdict).map(([p]) => p);
    return {
      n: paths.length,
      flagged: paths.filter((p) => flagged.has(p)).length,
      incomplete: paths.filter((p) => !flagged.has(p) && failed.has(p)).length,
    };
  };
  const mal = tally('malicious');
  const ben = tally('benign');
  const checkOk = (w.scanned ?? 0) > 0 && flagged.size > 0;
  log(
    `  check: scanned ${w.scanned}, skipped ${w.skipped}, errors ${w.errors}, ${findingsText(w.findings)}; ` +
      `${flagged.size} files flagged high+ -> ${ok(checkOk)} (must scan files and flag some)`,
  );
  if (expected.size > 0) {
    log(
      `  against manifest.tsv: malicious flagged ${mal.flagged}/${mal.n} (+${mal.incomplete} incomplete), ` +
        `benign flagged ${ben.flagged}/${ben.n}`,
    );
  }
  printScan(m, idleMB);
  const filesPerS = files / m.seconds;
  const mbPerS = bytes / 1e6 / m.seconds;
  log(
    `  throughput: ${filesPerS.toFixed(0)} files/s, ${mbPerS.toFixed(1)} MB/s (scan time); ` +
      `${(files / m.wall).toFixed(0)} files/s with Node startup`,
  );
  const base =
    typeof ps === 'string'
      ? readBaseline(CORPUS, 'sequential read of the tree')
      : picklescanBaseline(ps, CORPUS);
  if (typeof ps === 'string') log(`  baseline: sequential read, because picklescan is unavailable (${ps})`);
  log(
    `  ${base.name}: ${fmtS(base.seconds)} s median, RSS ${base.rssMB === undefined ? '?' : fmtMB(base.rssMB)} MB (${base.note})`,
  );
  const mine = base.wholeProcess ? m.wall : m.seconds;
  log(
    `  parapet: ${fmtS(mine)} s, ${base.name}: ${fmtS(base.seconds)} s, ratio ${fmtX(base.seconds / mine)}×`,
  );
  return {
    checkOk,
    summary:
      `corpus (${files} files, ${fmtBytes(bytes)}): ${fmtS(m.seconds)} s · ${filesPerS.toFixed(0)} files/s · ` +
      `${mbPerS.toFixed(1)} MB/s · RSS ${fmtMB(m.rssMB)} MB · ` +
      `${versus(mine, base.seconds, base.name === 'picklescan' ? 'picklescan -p DIR' : 'reading the tree')} · ` +
      `check ${ok(checkOk)}: scanned ${w.scanned}, ${flagged.size} flagged` +
      (expected.size > 0 ? `, malicious ${mal.flagged}/${mal.n}, benign FP ${ben.flagged}/${ben.n}` : ''),
  };
}

/** Runs one figure; a crash (a scan that died, a missing report) becomes a failed check, not an abort. */
function safely(label: string, fn: () => Figure): Figure {
  try {
    return fn();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    log(`  ERROR: ${msg}`);
    return { checkOk: false, summary: `${label}: ERROR ${msg.split('\n')[0]} · check FAIL` };
  }
}

// ---- main ----------------------------------------------------------------------------------------

function main(): void {
  const t0 = performance.now();
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run bench:scan does)`);
  log(
    `parapet scan benchmark: node ${process.version}, ${RUNS} runs per figure (median), fresh process per run`,
  );
  const ps = findPicklescan();
  log(typeof ps === 'string' ? `picklescan: unavailable (${ps})` : `picklescan: ${ps.pythonPath}`);

  header('Node baselines');
  const idle = measure(['idle']);
  const imported = measure(['import']);
  log(`  idle node: RSS ${fmtMB(idle.rssMB)} MB, process wall ${fmtS(idle.wall)} s`);
  log(
    `  node + import parapet: RSS ${fmtMB(imported.rssMB)} MB, import ${fmtS(imported.seconds)} s, ` +
      `process wall ${fmtS(imported.wall)} s`,
  );

  const figures: Figure[] = [];
  figures.push(safely('2 GiB torch zip', () => bigZipFigure(idle.rssMB)));
  const floods = writeOpFloods(OUT_DIR);
  const zipLabel = '16 MiB op flood (torch zip member)';
  const rawLabel = '16 MiB op flood (raw pickle)';
  figures.push(safely(zipLabel, () => floodFigure(zipLabel, floods.zip, ps, idle.rssMB)));
  figures.push(safely(rawLabel, () => floodFigure(rawLabel, floods.raw, ps, idle.rssMB)));
  const corpus = existsSync(CORPUS) ? safely('corpus', () => corpusFigure(ps, idle.rssMB)) : undefined;
  if (corpus !== undefined) figures.push(corpus);
  else {
    header('corpus throughput');
    log(`  skipped: ${CORPUS} is absent`);
  }

  const total = (performance.now() - t0) / 1000;
  const failed = figures.filter((f) => !f.checkOk).length;
  header('Summary');
  for (const f of figures) log(f.summary);
  log(
    `node baseline: idle RSS ${fmtMB(idle.rssMB)} MB · with parapet imported ${fmtMB(imported.rssMB)} MB ` +
      `(import ${fmtS(imported.seconds)} s)`,
  );
  if (corpus === undefined) log(`corpus: skipped (${CORPUS} is absent)`);
  log(`tensor blob of the big zip: ${fmtBytes(BIG_TENSOR_BYTES)}; bench total ${total.toFixed(1)} s`);
  log(
    failed === 0
      ? 'checks: all passed (timings are printed, never asserted)'
      : `checks: ${failed} FAILED: a scan did not analyse or report its input (timings are never asserted)`,
  );
  if (failed > 0) process.exitCode = 1;
}

main();
