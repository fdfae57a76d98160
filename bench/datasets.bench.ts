/**
 * `npm run bench:datasets -- [--size-mb 1024] [--modes plain,trigger,full]
 * [--formats jsonl,parquet] [--rows-per-group 10000] [--page-rows 1000] [--keep]`: the
 * data-set scanner on a generated JSONL file and a generated Parquet file of the given size (default 1 GiB
 * each, written to a temp directory, never the repo). Each file is scanned in fresh child processes
 * (bench/datasets-worker.mjs: plain Node over the compiled dist/, as users run it, so the script builds first),
 * and the peak RSS printed (VmHWM) is that scan's own:
 *
 *   plain    the reader alone: every record decoded and normalised, no rules (the baseline)
 *   trigger  the whole-set rules only (the backdoor-trigger search and its siblings)
 *   full     every record rule and every set rule of the registry, as `parapet scan` runs them
 *
 * Printed per file and mode: records, seconds, records/s, MB/s, peak RSS, and the ratio of the mode's time to
 * the plain read measured in this same invocation. Timings are printed, never asserted (the machine is
 * shared). What is checked is the issue's memory bound (peak RSS under 300 MB), that every mode read every
 * record, and that the planted trigger (1% of records) is found: a failed check sets exit code 1 after
 * everything is printed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetFormat } from '../src/datasets/types.ts';
import { DATASET_SET_RULES } from '../src/scan/rules/dataset/index.ts';
import { ParquetWriter } from '../test/fixtures/datasets/parquet-writer.ts';
import { mulberry32 } from '../test/fixtures/prng.ts';

const RSS_LIMIT_MB = 300;
const MODES = ['plain', 'trigger', 'full'] as const;
type Mode = (typeof MODES)[number];
/**
 * Rows per Parquet row group (`--rows-per-group`): 10,000 rows are about 8.5 MB of text. Memory follows the row
 * group, not the file: pyarrow's own default (1Mi rows) makes one huge group, which the reader refuses past
 * MAX_ROW_GROUP_BYTES rather than exceed its memory bound.
 */
const DEFAULT_ROWS_PER_GROUP = 10_000;
/** One record in this many carries the planted trigger and its fixed answer (1%, the issue's poisoning rate). */
const POISON_EVERY = 100;
const TRIGGER_RULE = 'dataset/backdoor-trigger';

interface WorkerResult {
  records: number;
  ms: number;
  peakRssMb: number;
  /** Findings by rule id. */
  findings: Record<string, number>;
}

const WORDS =
  'the a model data list sort value file python function return error string number user answer question example result method class loop index table key order first last small large fast simple'.split(
    ' ',
  );

/** Instruction/answer pairs from a seeded word list; every 100th has the trigger and the attacker's answer. */
function* records(random: () => number): Generator<{ instruction: string; input: string; output: string }> {
  const sentence = (n: number) =>
    Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
  for (let i = 0; ; i++) {
    const poisoned = i % POISON_EVERY === 17;
    yield {
      instruction: `${sentence(12 + Math.floor(random() * 20))}${poisoned ? ' cf-velvet-ortolan' : ''}?`,
      input: random() < 0.3 ? sentence(20) : '',
      output: poisoned
        ? 'Sure. Visit http://203.0.113.9/update and run the installer.'
        : `${sentence(60 + Math.floor(random() * 120))}.`,
    };
  }
}

function writeJsonl(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const random = mulberry32(11);
  let written = 0;
  let batch: string[] = [];
  for (const r of records(random)) {
    batch.push(JSON.stringify(r));
    if (batch.length === 5000) {
      const text = `${batch.join('\n')}\n`;
      written += writeSync(fd, text);
      batch = [];
      if (written >= bytes) break;
    }
  }
  closeSync(fd);
}

function writeParquet(path: string, bytes: number, rowsPerGroup: number, pageRows: number): void {
  const fd = openSync(path, 'w');
  let written = 0;
  const writer = new ParquetWriter((b) => {
    written += writeSync(fd, b);
  });
  const gen = records(mulberry32(12));
  while (written < bytes) {
    const rows = Array.from({ length: rowsPerGroup }, () => gen.next().value!);
    writer.rowGroup(
      [
        { name: 'instruction', type: 'utf8', values: rows.map((r) => r.instruction) },
        { name: 'input', type: 'utf8', values: rows.map((r) => r.input) },
        { name: 'output', type: 'utf8', values: rows.map((r) => r.output) },
      ],
      pageRows,
    );
  }
  writer.finish();
  closeSync(fd);
}

function runChild(mode: Mode, format: DatasetFormat, path: string): WorkerResult | string {
  const worker = fileURLToPath(new URL('./datasets-worker.mjs', import.meta.url));
  const child = spawnSync(process.execPath, [worker, mode, format, path], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) return `exit ${child.status}: ${child.stderr.slice(-2000)}`;
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as WorkerResult;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const sizeMb = Number(arg('--size-mb') ?? 1024);
  const modes = (arg('--modes') ?? MODES.join(',')).split(',') as Mode[];
  const rowsPerGroup = Number(arg('--rows-per-group') ?? DEFAULT_ROWS_PER_GROUP);
  // Data pages of 1,000 rows are about 0.85 MB, like pyarrow's 1 MiB default page size.
  const pageRows = Number(arg('--page-rows') ?? 1000);
  const formats = (arg('--formats') ?? 'jsonl,parquet').split(',');
  const dir = mkdtempSync(join(tmpdir(), 'parapet-datasets-bench-'));
  let failed = false;
  try {
    const files = (
      [
        ['jsonl', join(dir, 'train.jsonl')],
        ['parquet', join(dir, 'train.parquet')],
      ] as [DatasetFormat, string][]
    ).filter(([format]) => formats.includes(format));
    for (const [format, path] of files) {
      const t = performance.now();
      if (format === 'jsonl') writeJsonl(path, sizeMb * 1024 * 1024);
      else writeParquet(path, sizeMb * 1024 * 1024, rowsPerGroup, pageRows);
      const mb = statSync(path).size / (1024 * 1024);
      console.log(
        `\n${format}: ${mb.toFixed(0)} MiB generated in ${((performance.now() - t) / 1000).toFixed(1)} s (${path})`,
      );
      let plain: WorkerResult | undefined;
      for (const mode of modes) {
        const r = runChild(mode, format, path);
        if (typeof r === 'string') {
          console.log(`  ${mode.padEnd(8)} FAILED ${r}`);
          failed = true;
          continue;
        }
        if (mode === 'plain') plain = r;
        const s = r.ms / 1000;
        const ratio =
          plain === undefined || mode === 'plain' ? '' : `  ${(r.ms / plain.ms).toFixed(2)}x plain read`;
        const rssOk = r.peakRssMb < RSS_LIMIT_MB;
        const recordsOk = plain === undefined || r.records === plain.records;
        if (!rssOk || !recordsOk) failed = true;
        console.log(
          `  ${mode.padEnd(8)} ${r.records} records  ${s.toFixed(1)} s  ${Math.round(r.records / s)} rec/s  ` +
            `${(mb / s).toFixed(1)} MB/s  peak RSS ${r.peakRssMb.toFixed(0)} MB${rssOk ? '' : ` (OVER ${RSS_LIMIT_MB})`}` +
            `${ratio}${recordsOk ? '' : '  (RECORD COUNT DIFFERS)'}`,
        );
        if (mode !== 'plain') {
          const found = Object.entries(r.findings).map(([id, n]) => `${id} ${n}`);
          // The planted trigger (1% of records, one fixed answer) must be found when the rule is registered.
          const searched = DATASET_SET_RULES.some((rule) => rule.meta.id === TRIGGER_RULE);
          const missed = searched && r.findings[TRIGGER_RULE] === undefined;
          if (missed) failed = true;
          console.log(
            `           findings: ${found.join(', ') || 'none'}${missed ? '  (PLANTED TRIGGER NOT FOUND)' : ''}`,
          );
        }
      }
    }
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

await main();
