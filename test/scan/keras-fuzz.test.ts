/**
 * Seeded mutation fuzzing of the Keras paths: config.json text (parser, walker, handler inside a .keras zip
 * and on its own) and legacy HDF5 files (h5wasm). Whatever the bytes, scanBytes resolves with a well-formed
 * result, and every parser call returns or throws ParapetError. Each failure prints its seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import type { ScanResult } from '../../src/core/result.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import { readRootStringAttributes } from '../../src/formats/hdf5.ts';
import { parseConfigJson, walkKerasConfig } from '../../src/formats/keras-config.ts';
import { marshalStrings } from '../../src/formats/marshal-strings.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { kerasH5 } from '../fixtures/h5-writer.ts';
import {
  k3,
  keras2Lambda,
  keras3Lambda,
  keras3Sequential,
  tfKeras2Sequential,
} from '../fixtures/keras-configs.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { buildZip } from '../fixtures/zip-writer.ts';

const JSON_CASES = 1_500;
const H5_CASES = 300;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Fragments spliced into configs: structure, Keras keys and the values the walker looks for. */
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  'NaN',
  '-Infinity',
  '"class_name"',
  '"config"',
  '"module"',
  '"__lambda__"',
  '"Lambda"',
  '"function"',
  '"safe_mode": false',
  '"get_file"',
  '"code": "4wAAAA"',
  'null',
  '1e999',
  '\u0000',
  '\uffff',
];

const SEEDS: string[] = [
  JSON.stringify(keras3Sequential([keras3Lambda(['os', 'system'], ['id'])])),
  JSON.stringify(tfKeras2Sequential([keras2Lambda(['eval'])])),
  JSON.stringify(
    keras3Sequential([k3('keras.layers', 'Activation', { activation: k3('os', 'function', 'system') })]),
  ),
  JSON.stringify(
    tfKeras2Sequential([{ class_name: 'TorchModuleWrapper', config: { module: 'x', safe_mode: false } }]),
  ),
];

/** A .keras archive whose config.json is `text` exactly (buildKeras would re-serialise it). */
function kerasZipWithText(text: string): Uint8Array {
  return buildZip([{ name: 'config.json', data: enc(text) }]);
}

function mutate(text: string, rand: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    const op = Math.floor(rand() * 4);
    if (op === 0) s = s.slice(0, at) + TOKENS[Math.floor(rand() * TOKENS.length)] + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 20));
    else if (op === 2) s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + s.slice(at + 1);
    else s = s.slice(0, at);
  }
  return s;
}

function assertWellFormed(result: ScanResult, seed: number): void {
  const total = result.scanned.length + result.skipped.length + result.errors.length;
  assert.ok(total >= 1, `seed ${seed}: file neither scanned, skipped nor errored`);
  for (const f of result.findings) {
    assert.ok(f.ruleId.length > 0 && f.message.length > 0, `seed ${seed}: empty finding`);
  }
}

function returnsOrParapetError(fn: () => unknown, seed: number): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ParapetError, `seed ${seed}: threw ${String(err)}`);
  }
}

test(`config.json: ${JSON_CASES} mutated configs never break the parser, the walker or scanBytes`, async () => {
  for (let seed = 1; seed <= JSON_CASES; seed++) {
    const rand = mulberry32(seed);
    const text = mutate(SEEDS[seed % SEEDS.length]!, rand);
    returnsOrParapetError(() => walkKerasConfig(parseConfigJson(text)), seed);
    const bytes = enc(text);
    returnsOrParapetError(() => marshalStrings(bytes, 64), seed);
    const asFile = await scanBytes(bytes, 'config.json');
    assertWellFormed(asFile, seed);
    if (seed % 10 === 0) assertWellFormed(await scanBytes(kerasZipWithText(text), 'model.keras'), seed);
  }
});

test(`HDF5: ${H5_CASES} mutated legacy .h5 files resolve, with errors rather than rejections`, async () => {
  const base = await kerasH5(tfKeras2Sequential([keras2Lambda(['os', 'system'])]));
  for (let seed = 1; seed <= H5_CASES; seed++) {
    const rand = mulberry32(10_000 + seed);
    const bytes = base.slice();
    const flips = 1 + Math.floor(rand() * 8);
    // Most structure (superblock, root object header, attribute messages) sits in the first 2 KiB.
    for (let i = 0; i < flips; i++)
      bytes[Math.floor(rand() * Math.min(bytes.length, 2048))] = Math.floor(rand() * 256);
    const cut = rand() < 0.2 ? bytes.subarray(0, 8 + Math.floor(rand() * bytes.length)) : bytes;
    try {
      await readRootStringAttributes(bufferSource(cut), ['model_config']);
    } catch (err) {
      assert.ok(err instanceof ParapetError, `seed ${seed}: threw ${String(err)}`);
    }
    assertWellFormed(await scanBytes(cut, 'fuzz.h5'), seed);
  }
});
