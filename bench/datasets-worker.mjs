/**
 * Child process of `npm run bench:datasets`: one mode over one file, in plain Node over the compiled `dist/`,
 * so the peak memory measured is the scanner's as users install and run it, not a TypeScript transpiler's
 * (tsx alone adds 40–80 MB of resident memory).
 *   node bench/datasets-worker.mjs plain|trigger|full FORMAT FILE
 * Prints one JSON line: records, ms, peakRssMb (the kernel's high-water mark, VmHWM) and findings by rule id.
 */
import { readFileSync } from 'node:fs';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const { emptyResult } = await import(dist('core/result.js'));
const { readDatasetItems } = await import(dist('datasets/readers/index.js'));
const { openFileSource } = await import(dist('formats/byte-source.js'));
const { scanDataset } = await import(dist('scan/handlers/dataset.js'));
const { DATASET_SET_RULES } = await import(dist('scan/rules/dataset/index.js'));

const [mode, format, path] = process.argv.slice(2);

function peakRssMb() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m === null ? process.memoryUsage().rss / 1e6 : Number(m[1]) / 1024;
}

const src = openFileSource(path);
const start = performance.now();
let records = 0;
const findings = {};
try {
  if (mode === 'plain') {
    const items = readDatasetItems(src, format);
    if (Symbol.asyncIterator in items) {
      for await (const item of items) if (item.kind === 'record') records++;
    } else for (const item of items) if (item.kind === 'record') records++;
  } else {
    const ctx = {
      result: emptyResult(),
      location: { path },
      strict: false,
      depth: 0,
      budget: { remaining: Number.MAX_SAFE_INTEGER },
      services: { advisories: () => new Error('unused'), reported: new Set() },
      scanNested: async () => 'not-a-model-format',
    };
    // trigger: the whole-set rules only; full: every record rule and set rule, as `parapet scan` runs them.
    const options = mode === 'trigger' ? { recordRules: [], setRules: DATASET_SET_RULES } : {};
    const report = await scanDataset(src, ctx, format, options);
    records = report.summary.records;
    for (const f of ctx.result.findings) findings[f.ruleId] = (findings[f.ruleId] ?? 0) + 1;
  }
} finally {
  src.close();
}
process.stdout.write(
  `${JSON.stringify({ records, ms: performance.now() - start, peakRssMb: peakRssMb(), findings })}\n`,
);
