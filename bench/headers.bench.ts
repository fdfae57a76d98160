/**
 * `npm run bench:headers` (`npm run build && tsx bench/headers.bench.ts`): a 10 GiB safetensors file scanned
 * from its header alone. The file is sparse (header written, then ftruncate to 10 GiB), so it costs no disk
 * space, and a scan that touched the tensor data would show up as seconds, not milliseconds.
 *
 * Measured, median of BENCH_RUNS (default 5):
 *   1. scanPaths in a fresh process (bench/worker.mjs scan), timing the scan itself     target < 50 ms
 *   2. `node dist/cli/main.js scan FILE --format json`, wall time including Node's startup,
 *      beside `node bench/worker.mjs idle` (Node starting and doing nothing)
 *   3. in process: parseSafetensorsHeader alone and scanFile (header parse + rules)
 * Baseline, same run: reading a 1 GiB sparse file in full (bench/worker.mjs read), printed as a ratio.
 * Timings are printed, not asserted; the check is that the 10 GiB file is analysed, complete and clean.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyResult } from '../src/core/result.ts';
import { openFileSource } from '../src/formats/byte-source.ts';
import { parseSafetensorsHeader } from '../src/formats/safetensors.ts';
import { scanFile } from '../src/scan/engine.ts';
import { buildGguf } from '../test/fixtures/gguf-writer.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'bench', 'out');
const WORKER = join(ROOT, 'bench', 'worker.mjs');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '5', 10) || 5);
const SIZE = 10 * 2 ** 30;
const TARGET_S = 0.05;
/** Layers of a Llama-like model: enough tensors for a realistic header (hundreds of KB of JSON). */
const LAYERS = 300;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (s: number): string => `${(s * 1000).toFixed(2)} ms`;
const log = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

/** A header whose BF16 tensors tile exactly SIZE - 8 - headerLength bytes; the last tensor takes the rest. */
function header(): Uint8Array {
  const build = (pad: number): string => {
    const obj: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    let cursor = 0;
    for (let l = 0; l < LAYERS; l++) {
      for (const [part, shape] of [
        ['q_proj', [1024, 1024]],
        ['k_proj', [1024, 1024]],
        ['v_proj', [1024, 1024]],
        ['o_proj', [1024, 1024]],
        ['norm', [1024]],
      ] as const) {
        const bytes = shape.reduce((a, b) => a * b, 1) * 2;
        obj[`model.layers.${l}.${part}.weight`] = {
          dtype: 'BF16',
          shape,
          data_offsets: [cursor, cursor + bytes],
        };
        cursor += bytes;
      }
    }
    const rest = SIZE - 8 - pad - cursor;
    obj['lm_head.weight'] = { dtype: 'U8', shape: [rest], data_offsets: [cursor, cursor + rest] };
    return JSON.stringify(obj);
  };
  // The padded length must not depend on the digits of `rest`: pad to a fixed multiple of 4 KiB.
  const pad = Math.ceil((build(0).length + 64) / 4096) * 4096;
  return new TextEncoder().encode(build(pad).padEnd(pad, ' '));
}

function sparseFile(path: string, size: number, head?: Uint8Array): void {
  if (existsSync(path) && statSync(path).size === size) return;
  const fd = openSync(path, 'w');
  try {
    if (head !== undefined) {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(head.length));
      writeSync(fd, len, 0, 8, 0);
      writeSync(fd, head, 0, head.length, 8);
    }
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

function child(args: string[]): { wall: number; json: Record<string, unknown>; status: number | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = (performance.now() - t0) / 1000;
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  const text = args[0] === CLI ? r.stdout : last;
  try {
    return { wall, json: JSON.parse(text) as Record<string, unknown>, status: r.status };
  } catch {
    throw new Error(`${args.join(' ')} printed no JSON (exit ${r.status}): ${r.stderr.slice(0, 400)}`);
  }
}

if (!existsSync(CLI)) {
  console.error(`${CLI} is missing: run "npm run build" first (npm run bench:headers does).`);
  process.exit(2);
}
mkdirSync(OUT_DIR, { recursive: true });
const file = join(OUT_DIR, 'sparse-10gib.safetensors');
const slice = join(OUT_DIR, 'sparse-1gib.bin');
const head = header();
sparseFile(file, SIZE, head);
sparseFile(slice, 2 ** 30);
log(
  `input: ${file} (10 GiB sparse, header ${(head.length / 1024).toFixed(0)} KiB, ${LAYERS * 5 + 1} tensors)`,
);

const worker = Array.from({ length: RUNS }, () => child([WORKER, 'scan', file]));
const cli = Array.from({ length: RUNS }, () => child([CLI, 'scan', file, '--format', 'json']));
const idle = Array.from({ length: RUNS }, () => child([WORKER, 'idle']));
const read = Array.from({ length: RUNS }, () => child([WORKER, 'read', slice]));

const src = openFileSource(file);
const parse: number[] = [];
try {
  for (let i = 0; i < Math.max(RUNS, 20); i++) {
    const t0 = performance.now();
    parseSafetensorsHeader(src);
    parse.push((performance.now() - t0) / 1000);
  }
} finally {
  src.close();
}
const inProcess: number[] = [];
let last = emptyResult();
for (let i = 0; i < Math.max(RUNS, 20); i++) {
  last = emptyResult();
  const t0 = performance.now();
  await scanFile(file, last);
  inProcess.push((performance.now() - t0) / 1000);
}

const scanS = median(worker.map((w) => Number(w.json.seconds)));
const readS = median(read.map((r) => Number(r.json.seconds)));
const w0 = worker[0]!.json;
const checks = {
  'worker: scanned 1, no error, no finding':
    w0.scanned === 1 && w0.errors === 0 && Object.values(w0.findings as object).every((n) => n === 0),
  'in process: scanned, complete, clean':
    last.scanned.length === 1 && last.errors.length === 0 && last.findings.length === 0,
  'cli: exit 0': cli.every((c) => c.status === 0),
};

log(`runs: ${RUNS} (median)`);
log('');
log('measure                                              median');
log(
  `scan in a fresh process (scanPaths, startup excluded)  ${ms(scanS)}   target < ${ms(TARGET_S)}: ${scanS < TARGET_S ? 'met' : 'MISSED'}`,
);
log(`parapet scan --format json, wall (Node startup incl.)  ${ms(median(cli.map((c) => c.wall)))}`);
log(`  node doing nothing, wall                             ${ms(median(idle.map((c) => c.wall)))}`);
log(`in process: parseSafetensorsHeader                     ${ms(median(parse))}`);
log(`in process: scanFile (parse + rules)                   ${ms(median(inProcess))}`);
log(`baseline: reading a 1 GiB sparse file in full          ${ms(readS)}`);
log(`ratio: 1 GiB read / 10 GiB header scan                 ${(readS / scanS).toFixed(1)}x`);
log('');
for (const [name, ok] of Object.entries(checks)) log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
if (!Object.values(checks).every(Boolean)) process.exitCode = 1;

// ---- GGUF: a llama-3-sized vocabulary and merges in the metadata, 4 GiB of (sparse) tensor data after it ----

const ggufPath = join(OUT_DIR, 'sparse-4gib.gguf');
const vocab = Array.from({ length: 128_256 }, (_, i) => `tok${i}`);
const ggufHead = buildGguf(
  [
    ['general.architecture', 'llama'],
    ['general.name', 'bench-llama'],
    ['llama.context_length', 8192],
    ['tokenizer.ggml.model', 'gpt2'],
    ['tokenizer.ggml.tokens', { elementType: 8, array: vocab }],
    ['tokenizer.ggml.token_type', { elementType: 5, array: vocab.map(() => ({ type: 5, value: 1 })) }],
    [
      'tokenizer.ggml.merges',
      { elementType: 8, array: Array.from({ length: 280_000 }, (_, i) => `a${i} b${i}`) },
    ],
    [
      'tokenizer.chat_template',
      "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
    ],
  ],
  { tensors: Array.from({ length: 291 }, (_, i) => ({ name: `blk.${i}.weight`, dims: [4096, 16] })) },
);
// GGUF starts with its own magic, so it is written as is (sparseFile adds safetensors' length prefix).
writeFileSync(ggufPath, ggufHead);
truncateSync(ggufPath, 4 * 2 ** 30);
const gguf = Array.from({ length: RUNS }, () => child([WORKER, 'scan', ggufPath]));
const ggufS = median(gguf.map((w) => Number(w.json.seconds)));
const g0 = gguf[0]!.json;
const ggufOk =
  g0.scanned === 1 && g0.errors === 0 && Object.values(g0.findings as object).every((n) => n === 0);
log('');
log(
  `GGUF: ${ggufPath} (4 GiB sparse, metadata ${(ggufHead.length / 2 ** 20).toFixed(1)} MiB: 128,256 tokens, 280,000 merges)`,
);
log(
  `scan in a fresh process (scanPaths, startup excluded)  ${ms(ggufS)}   target < ${ms(TARGET_S)}: ${ggufS < TARGET_S ? 'met' : 'MISSED'}`,
);
log(`ratio: 1 GiB read / 4 GiB GGUF header scan           ${(readS / ggufS).toFixed(1)}x`);
log(`${ggufOk ? 'ok  ' : 'FAIL'} gguf worker: scanned 1, no error, no finding`);
if (!ggufOk) process.exitCode = 1;
