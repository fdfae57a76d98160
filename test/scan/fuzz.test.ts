/**
 * Deterministic fuzzing of the whole scan pipeline: seed fixtures (benign checkpoints, malicious payloads,
 * archives) mutated by a seeded PRNG, every case fed to scanBytes. Whatever the bytes, a scan must resolve with
 * a well-formed result: problems are findings or error entries, never a rejection, a hang or a garbled record.
 * Every case is reproducible from its seed, which a failure prints.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import type { ScanResult } from '../../src/core/result.ts';
import { SEVERITIES } from '../../src/core/severity.ts';
import { WRITERS } from '../../src/core/writers/index.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { SCAN_RULE_METAS } from '../../src/scan/rules/index.ts';
import {
  legacyTorchFile,
  plainDataPickle,
  sklearnJoblibPipeline,
  torchStateDictPickle,
} from '../fixtures/checkpoints.ts';
import { buildNpy, OBJECT_ARRAY_PICKLE } from '../fixtures/npy-writer.ts';
import { concat, pickle, reducePayload, stackGlobalPayload } from '../fixtures/pickle-writer.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { buildSevenZip } from '../fixtures/sevenzip-writer.ts';
import { buildTar, legacyTorchTar } from '../fixtures/tar-writer.ts';
import { buildTorchZip, buildZip } from '../fixtures/zip-writer.ts';

const PATH = 'fuzz.bin';
/** Cases in the main loop (7z excluded: each 7z scan boots 7-Zip's WASM module). */
const MAIN_CASES = 10_000;
const SEVEN_ZIP_CASES = 50;
/** A hang guard, not a benchmark: a scan of a few KiB taking this long is looping. */
const MAX_CASE_MS = 2_000;

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  byte(): number {
    return this.int(256);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.byte();
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Seeds

/** `os.system('id')` in protocol 0: GLOBAL, MARK, STRING, TUPLE, REDUCE, no header. */
function reduceProto0(): Uint8Array {
  return pickle().global('os', 'system').mark().string0('id').tuple().reduce().stop().bytesOut();
}

/** Protocol 4 with an honest FRAME around a STACK_GLOBAL payload (how pickle.dumps writes protocol 4+). */
function framedPickle(): Uint8Array {
  const body = stackGlobalPayload('subprocess', 'check_output', ['ls']).subarray(2); // drop the PROTO header
  return concat(pickle().proto(4).frame(body.length).bytesOut(), body);
}

function objectArrayNpy(): Uint8Array {
  return buildNpy({ descr: '|O', shape: [1], data: OBJECT_ARRAY_PICKLE });
}

function tarSeed(): Uint8Array {
  return buildTar([
    { name: 'model/data.pkl', data: reducePayload('builtins', 'exec', ['print(1)']) },
    { name: 'model/weights.npy', data: buildNpy({ shape: [2], data: new Uint8Array(16) }) },
    { name: 'model/link', type: '2', linkName: '../../etc/passwd' },
  ]);
}

function nestedZip(): Uint8Array {
  const inner = buildTorchZip(reducePayload('os', 'system', ['id'], 2));
  return buildZip([
    { name: 'outer/readme.txt', data: new TextEncoder().encode('hello') },
    { name: 'outer/inner.zip', data: inner },
    { name: 'outer/joblib.pkl', data: sklearnJoblibPipeline(), method: 'deflate' },
  ]);
}

/**
 * The fixture builders return Buffers in places, and Buffer#slice is a view, not a copy: every seed is copied
 * into a plain Uint8Array so that no mutation can write through to it.
 */
const SEEDS: ReadonlyArray<{ name: string; bytes: Uint8Array }> = [
  { name: 'torch zip (benign state dict)', bytes: buildTorchZip(torchStateDictPickle(2)) },
  { name: 'torch zip (malicious data.pkl)', bytes: buildTorchZip(reducePayload('os', 'system', ['id'])) },
  { name: 'legacy torch', bytes: legacyTorchFile() },
  { name: 'legacy torch tar', bytes: legacyTorchTar(torchStateDictPickle(1)) },
  { name: 'joblib pipeline', bytes: sklearnJoblibPipeline() },
  { name: 'plain protocol 0 data', bytes: plainDataPickle() },
  { name: 'reduce payload, protocol 0', bytes: reduceProto0() },
  { name: 'reduce payload, protocol 2', bytes: reducePayload('os', 'system', ['id'], 2) },
  { name: 'reduce payload, protocol 4', bytes: stackGlobalPayload('posix', 'system', ['id']) },
  { name: 'reduce payload, protocol 5', bytes: reducePayload('builtins', 'eval', ['1+1'], 5) },
  { name: 'framed protocol 4 pickle', bytes: framedPickle() },
  { name: 'npy object array', bytes: objectArrayNpy() },
  { name: 'npy float array', bytes: buildNpy({ shape: [3], data: new Uint8Array(24) }) },
  { name: 'tar', bytes: tarSeed() },
  { name: 'zip in zip', bytes: nestedZip() },
].map((s) => ({ name: s.name, bytes: Uint8Array.from(s.bytes) }));
const PRISTINE = SEEDS.map((s) => Uint8Array.from(s.bytes));

// ---------------------------------------------------------------------------------------------------------
// Mutations

/** Bytes that steer a pickle machine: STACK_GLOBAL, MEMOIZE, FRAME, MARK, REDUCE, BUILD, GLOBAL, STOP, PROTO... */
const OPCODE_BYTES = [
  0x93, 0x94, 0x95, 0x28, 0x52, 0x62, 0x63, 0x69, 0x2e, 0x80, 0x8e, 0x8d, 0x58, 0x71, 0x68,
];
/** Values that break length fields: zero, max, sign bits. */
const INTERESTING = [
  [0x00, 0x00, 0x00, 0x00],
  [0xff, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0x7f],
  [0x00, 0x00, 0x00, 0x80],
  [0xff, 0xff],
  [0x01],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
];

type Mutation = (b: Uint8Array, r: Rng) => Uint8Array;

/** A real copy (Uint8Array.from, never Buffer#slice, which shares memory). */
const copy = (b: Uint8Array): Uint8Array => Uint8Array.from(b);

const at = (b: Uint8Array, r: Rng): number => r.int(Math.max(1, b.length));

const MUTATIONS: ReadonlyArray<[string, Mutation]> = [
  [
    'flip',
    (b, r) => {
      const out = copy(b);
      for (let n = 1 + r.int(4); n > 0 && out.length > 0; n--) out[at(out, r)]! ^= 1 << r.int(8);
      return out;
    },
  ],
  ['insert', (b, r) => concat(b.subarray(0, at(b, r)), r.bytes(1 + r.int(16)), b.subarray(at(b, r)))],
  [
    'delete',
    (b, r) => {
      const start = at(b, r);
      return concat(b.subarray(0, start), b.subarray(start + 1 + r.int(32)));
    },
  ],
  [
    'overwrite',
    (b, r) => {
      const out = copy(b);
      const start = at(b, r);
      out.set(r.bytes(Math.min(1 + r.int(8), out.length - start)), start);
      return out;
    },
  ],
  ['truncate', (b, r) => copy(b.subarray(0, at(b, r)))],
  [
    'duplicate',
    (b, r) => {
      const start = at(b, r);
      const piece = b.subarray(start, start + 1 + r.int(64));
      const to = at(b, r);
      return concat(b.subarray(0, to), piece, b.subarray(to));
    },
  ],
  [
    'splice',
    (b, r) => {
      const other = r.pick(SEEDS).bytes;
      return concat(b.subarray(0, at(b, r)), other.subarray(at(other, r)));
    },
  ],
  [
    'opcode',
    (b, r) => {
      const out = copy(b);
      for (let n = 1 + r.int(3); n > 0 && out.length > 0; n--) out[at(out, r)] = r.pick(OPCODE_BYTES);
      return out;
    },
  ],
  [
    'interesting',
    (b, r) => {
      const out = copy(b);
      const value = r.pick(INTERESTING);
      const start = at(b, r);
      out.set(value.slice(0, Math.max(0, out.length - start)), start);
      return out;
    },
  ],
];

/** One to `maxSteps` mutations of `seed`; returns the bytes and a description of what was done. */
function mutate(seed: Uint8Array, r: Rng, maxSteps = 4): { bytes: Uint8Array; steps: string[] } {
  let bytes = seed;
  const steps: string[] = [];
  for (let n = 1 + r.int(maxSteps); n > 0; n--) {
    const [name, fn] = r.pick(MUTATIONS);
    bytes = fn(bytes, r);
    steps.push(name);
  }
  return { bytes, steps };
}

// ---------------------------------------------------------------------------------------------------------
// Invariants

const RULE_IDS = new Set(SCAN_RULE_METAS.map((m) => m.id));
const SEVERITY_SET = new Set<string>(SEVERITIES);

function isPathOfThisFile(p: unknown): boolean {
  return typeof p === 'string' && (p === PATH || p.startsWith(`${PATH}!`));
}

/** Asserts the ScanResult shape and the contract of every record in it. */
function checkResult(result: ScanResult, label: string): void {
  assert.ok(result !== null && typeof result === 'object', `${label}: result is not an object`);
  for (const key of ['findings', 'scanned', 'skipped', 'errors'] as const)
    assert.ok(Array.isArray(result[key]), `${label}: result.${key} is not an array`);
  for (const f of result.findings) {
    const show = `${label}: finding ${JSON.stringify(f)}`;
    assert.ok(RULE_IDS.has(f.ruleId), `${show}: unknown ruleId`);
    assert.ok(SEVERITY_SET.has(f.severity), `${show}: unknown severity`);
    assert.ok(typeof f.message === 'string' && f.message.length > 0, `${show}: empty message`);
    assert.equal(f.location.path, PATH, `${show}: wrong location.path`);
    if (f.location.member !== undefined) assert.equal(typeof f.location.member, 'string', show);
    if (f.location.offset !== undefined)
      assert.ok(Number.isInteger(f.location.offset) && f.location.offset >= 0, `${show}: bad offset`);
  }
  for (const e of result.errors) {
    const show = `${label}: error ${JSON.stringify(e)}`;
    assert.ok(typeof e.error === 'string' && e.error.length > 0, `${show}: error is not a message`);
    assert.ok(!e.error.includes('\n    at '), `${show}: error carries a stack trace`);
    assert.ok(isPathOfThisFile(e.path), `${show}: error path is not in ${PATH}`);
  }
  for (const s of result.skipped) {
    const show = `${label}: skipped ${JSON.stringify(s)}`;
    assert.ok(typeof s.why === 'string' && s.why.length > 0, `${show}: no reason`);
    assert.ok(isPathOfThisFile(s.path), `${show}: skipped path is not in ${PATH}`);
  }
  for (const p of result.scanned) assert.equal(p, PATH, `${label}: scanned ${p}`);
  // The top-level file is accounted for exactly once: scanned, skipped or failed.
  const top =
    result.scanned.filter((p) => p === PATH).length +
    result.skipped.filter((s) => s.path === PATH).length +
    result.errors.filter((e) => e.path === PATH).length;
  assert.equal(top, 1, `${label}: ${PATH} must be exactly one of scanned, skipped or failed`);
}

/** Runs one case with the hang guard; returns its wall-clock time and result. */
async function runCase(
  bytes: Uint8Array,
  label: string,
  render: boolean,
): Promise<{ ms: number; result: ScanResult }> {
  const started = performance.now();
  let result: ScanResult;
  try {
    result = await scanBytes(bytes, PATH);
  } catch (err) {
    assert.fail(`${label}: scanBytes rejected: ${err instanceof Error ? err.stack : String(err)}`);
  }
  const ms = performance.now() - started;
  checkResult(result, label);
  if (render) {
    // Evidence comes from hostile bytes; every writer must still render it.
    const opts = { toolVersion: '0.0.0-fuzz', cwd: '/fuzz' };
    for (const write of Object.values(WRITERS)) write(result, SCAN_RULE_METAS, opts);
    // And the scan is a pure function of the bytes: a second run reports exactly the same.
    const again = await scanBytes(bytes, PATH);
    assert.equal(
      WRITERS.json(again, SCAN_RULE_METAS, opts),
      WRITERS.json(result, SCAN_RULE_METAS, opts),
      `${label}: two scans of the same bytes differ`,
    );
  }
  assert.ok(ms <= MAX_CASE_MS, `${label}: took ${ms.toFixed(0)} ms (over the ${MAX_CASE_MS} ms hang guard)`);
  return { ms, result };
}

// ---------------------------------------------------------------------------------------------------------
// Tests

test('every unmutated seed scans into a well-formed result', async () => {
  for (const seed of SEEDS) await runCase(seed.bytes, `seed ${seed.name}`, true);
});

test(`fuzz: ${MAIN_CASES} mutated fixtures never reject, hang or produce a malformed result`, async () => {
  const started = performance.now();
  let slowest = { ms: 0, label: '' };
  const bySeed = new Map<string, number>();
  for (let i = 0; i < MAIN_CASES; i++) {
    const caseSeed = (0x9e3779b9 * (i + 1)) >>> 0;
    const r = new Rng(caseSeed);
    const seed = SEEDS[i % SEEDS.length]!;
    const { bytes, steps } = mutate(seed.bytes, r);
    const label = `case ${i} (seed 0x${caseSeed.toString(16)}, from "${seed.name}", ${steps.join('+')}, ${bytes.length} bytes)`;
    const { ms } = await runCase(bytes, label, i % 10 === 0);
    if (ms > slowest.ms) slowest = { ms, label };
    bySeed.set(seed.name, (bySeed.get(seed.name) ?? 0) + 1);
  }
  // Plain random bytes, half of them behind a magic byte so they reach a parser.
  let extra = 0;
  for (let i = 0; i < 500; i++) {
    const caseSeed = (0x85ebca6b * (i + 1)) >>> 0;
    const r = new Rng(caseSeed);
    const bytes = r.bytes(1 + r.int(2048));
    if (r.int(2) === 0) bytes[0] = r.pick([0x80, 0x50, 0x93, 0x63, 0x28]); // pickle, zip, npy, GLOBAL, MARK
    const { ms } = await runCase(bytes, `random case ${i} (seed 0x${caseSeed.toString(16)})`, false);
    if (ms > slowest.ms) slowest = { ms, label: `random case ${i}` };
    extra++;
  }
  for (const [i, s] of SEEDS.entries())
    assert.deepEqual(s.bytes, PRISTINE[i], `seed "${s.name}" was mutated in place`);
  const total = MAIN_CASES + extra;
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `fuzz: ${total} cases in ${seconds.toFixed(2)} s; slowest ${slowest.ms.toFixed(1)} ms: ${slowest.label}`,
  );
  assert.equal(bySeed.size, SEEDS.length);
});

/**
 * Recomputes a 7z file's two CRCs: the start header's (over bytes 12..31: next-header offset, size and CRC)
 * and the next header's, when the declared header lies inside the file.
 */
function fixSevenZipCrcs(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 32) return bytes;
  const out = copy(bytes);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const offset = Number(view.getBigUint64(12, true));
  const size = Number(view.getBigUint64(20, true));
  if (32 + offset + size <= out.length)
    view.setUint32(28, crc32(out.subarray(32 + offset, 32 + offset + size)), true);
  view.setUint32(8, crc32(out.subarray(12, 32)), true);
  return out;
}

test(`fuzz: ${SEVEN_ZIP_CASES} mutated 7z archives`, async () => {
  const payload = reducePayload('os', 'system', ['id']);
  const seeds = [
    await buildSevenZip([
      { name: 'model/data.pkl', data: payload },
      { name: 'model/notes.txt', data: 'hello' },
    ]),
    await buildSevenZip([{ name: 'a.pkl', data: payload }], { password: 'pw' }),
  ];
  // The unmutated seeds reach the pickle rules and the encryption check, so the mutants exercise real paths.
  const plain = await runCase(seeds[0]!, '7z seed', true);
  assert.ok(plain.result.findings.some((f) => f.ruleId === 'model/pickle-dangerous-call'));
  const encrypted = await runCase(seeds[1]!, 'encrypted 7z seed', true);
  assert.match(encrypted.result.errors[0]?.error ?? '', /encrypted/);

  const started = performance.now();
  let slowest = { ms: 0, label: '' };
  let findings = 0;
  for (let i = 0; i < SEVEN_ZIP_CASES; i++) {
    const caseSeed = (0x7f4a7c15 * (i + 1)) >>> 0;
    const r = new Rng(caseSeed);
    // Keep the signature so the bytes reach 7-Zip rather than being skipped as unknown.
    const seed = seeds[i % seeds.length]!;
    // One mutation each: 7z is CRC-checked and compressed, so more just fail earlier the same way.
    const { bytes, steps } = mutate(seed, r, 1);
    const signed = bytes.length >= 6 ? concat(seed.subarray(0, 6), bytes.subarray(6)) : seed.subarray(0, 6);
    // Half the cases get honest CRCs again, so the damage reaches 7-Zip's header parser, not its CRC check.
    const fixed = i % 2 === 0 ? fixSevenZipCrcs(signed) : signed;
    const label = `7z case ${i} (seed 0x${caseSeed.toString(16)}, ${steps.join('+')}, ${fixed.length} bytes)`;
    const { ms, result } = await runCase(fixed, label, true);
    if (ms > slowest.ms) slowest = { ms, label };
    findings += result.findings.length;
  }
  console.log(
    `fuzz 7z: ${SEVEN_ZIP_CASES} cases in ${((performance.now() - started) / 1000).toFixed(2)} s; ` +
      `slowest ${slowest.ms.toFixed(1)} ms: ${slowest.label}; ${findings} findings`,
  );
});
