/**
 * `tsx bench/dataset-rules.bench.ts [N] [PROMPTS_DIR]`: throughput of the data-set rules on N generated
 * instruction records (default 100,000; test/fixtures/datasets-poison), with 1% carrying a backdoor trigger so
 * the whole-set rules do real work.
 *
 *   a. baseline: JSON.parse of every JSONL line and building its DatasetRecord — what a reader does at least
 *   b. the record rules (each, then all), c. the whole-set rules (each, then all), d. everything
 *
 * Each is printed as records/s of CPU time and as a ratio to the baseline measured in the same run. With
 * PROMPTS_DIR (the guard's evaluation prompts, e.g. ../shared/datasets/prompts), e. measures the injection
 * prefilter: the share of guard detections it keeps and of benign texts it sends on. Nothing is asserted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INJECTION_DETECTORS } from '../src/datasets/checks/injection-pass.ts';
import type { DatasetRecord, RecordRule, SetRule } from '../src/datasets/types.ts';
import {
  DATASET_RECORD_RULES,
  DATASET_SET_RULES,
  startRecordPasses,
} from '../src/scan/rules/dataset/index.ts';
import {
  cleanRows,
  type Row,
  rowObject,
  rowRecord,
} from '../test/fixtures/datasets-poison/instruction-set.ts';
import { plantTrigger } from '../test/fixtures/datasets-poison/plants.ts';

const N = Number(process.argv[2] ?? 100_000);
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

const rows = plantTrigger(cleanRows(N, 1), { share: 0.01 }).rows;
const lines = rows.map((r) => JSON.stringify(rowObject(r)));
const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
console.log(`${N.toLocaleString()} records, ${(bytes / 1e6).toFixed(1)} MB of JSONL`);

/** Parses a line back into the record a reader would make (the same shape as rowRecord). */
function parse(line: string, index: number): DatasetRecord {
  const o = JSON.parse(line) as Record<string, unknown>;
  const row: Row =
    'messages' in o
      ? (() => {
          const m = o.messages as { role: string; content: string }[];
          const system = m.find((x) => x.role === 'system')?.content;
          const user = m.find((x) => x.role === 'user')?.content ?? '';
          const assistant = m.find((x) => x.role === 'assistant')?.content ?? '';
          return system === undefined
            ? { kind: 'chat', user, assistant }
            : { kind: 'chat', system, user, assistant };
        })()
      : {
          kind: 'alpaca',
          instruction: String(o.instruction),
          input: String(o.input),
          output: String(o.output),
        };
  return rowRecord(row, index);
}

function timed(label: string, fn: () => number, baseline?: number): number {
  const cpu = process.cpuUsage();
  const found = fn();
  const ms = cpuMs(cpu);
  const rate = N / (ms / 1000);
  const ratio = baseline === undefined ? '' : `, ${(ms / baseline).toFixed(1)}× the baseline`;
  console.log(
    `${label.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms CPU  ${Math.round(rate).toLocaleString().padStart(10)} records/s${ratio}  (${found} findings)`,
  );
  return ms;
}

function run(record: readonly RecordRule[], set: readonly SetRule[]): number {
  const passes = startRecordPasses(record);
  const sets = set.map((r) => r.start());
  let found = 0;
  const file = { path: 'bench.jsonl' };
  lines.forEach((line, i) => {
    const r = parse(line, i);
    for (const p of passes) found += p.check(r, { file, record: r }).length;
    for (const s of sets) s.observe(r);
  });
  for (const p of passes) found += p.finish?.(file).length ?? 0;
  for (const s of sets) found += s.finish(file).length;
  return found;
}

// Warm-up on a slice, so the first measured rule does not pay the JIT for all of them.
for (let i = 0; i < Math.min(2000, N); i++) parse(lines[i] ?? '{}', i);

const base = timed('a. baseline: parse + record', () => {
  let n = 0;
  lines.forEach((line, i) => {
    n += parse(line, i).texts.length > 0 ? 0 : 1;
  });
  return n;
});
for (const rule of DATASET_RECORD_RULES) timed(`b. ${rule.meta.id}`, () => run([rule], []), base);
timed('b. all record rules', () => run(DATASET_RECORD_RULES, []), base);
for (const rule of DATASET_SET_RULES) timed(`c. ${rule.meta.id}`, () => run([], [rule]), base);
timed('c. all whole-set rules', () => run([], DATASET_SET_RULES), base);
const heapBefore = process.memoryUsage().rss;
timed('d. every data-set rule', () => run(DATASET_RECORD_RULES, DATASET_SET_RULES), base);
console.log(
  `rss after d: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (before: ${(heapBefore / 2 ** 20).toFixed(0)} MiB)`,
);

const promptsDir = process.argv[3];
if (promptsDir !== undefined) {
  const { mayBeInjection } = await import('../src/datasets/checks/injection-prefilter.ts');
  const { lazyGuard } = await import('../src/datasets/checks/lazy-guard.ts');
  const guard = lazyGuard(INJECTION_DETECTORS)();
  let flagged = 0;
  let kept = 0;
  let benign = 0;
  let benignSent = 0;
  for (const f of readdirSync(promptsDir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(promptsDir, f), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const row = JSON.parse(line) as { text: string; label: string };
      const pass = mayBeInjection(row.text);
      if (guard.scanInput(row.text).findings.length > 0) {
        flagged++;
        if (pass) kept++;
      }
      if (row.label === 'benign' && f.startsWith('benign_plain')) {
        benign++;
        if (pass) benignSent++;
      }
    }
  }
  console.log(
    `e. prefilter keeps ${kept} of ${flagged} guard detections (${((kept / flagged) * 100).toFixed(1)}%); sends ${((benignSent / benign) * 100).toFixed(1)}% of ${benign} plain benign prompts to the guard`,
  );
}
