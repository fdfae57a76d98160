import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import { GGUF_LIMITS, parseGguf } from '../../src/formats/gguf.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { BENIGN_TEMPLATES, ESCAPE_TEMPLATES } from '../fixtures/chat-templates.ts';
import { buildGguf, llamaGguf } from '../fixtures/gguf-writer.ts';
import { mulberry32 } from '../fixtures/prng.ts';

test('parses header, metadata and tensor infos of v3 and v1 files', () => {
  for (const version of [1, 2, 3]) {
    const bytes = buildGguf(
      [
        ['general.architecture', 'llama'],
        ['tokenizer.ggml.tokens', { elementType: 8, array: Array.from({ length: 40 }, (_, i) => `t${i}`) }],
        ['flag', true],
        ['n', { type: 11, value: -5n }],
      ],
      { version, tensors: [{ name: 'w', dims: [2, 3] }] },
    );
    const file = parseGguf(bufferSource(bytes), { tensors: true });
    assert.equal(file.version, version);
    assert.equal(file.error, undefined);
    assert.deepEqual(
      file.kvs.map((kv) => kv.key),
      ['general.architecture', 'tokenizer.ggml.tokens', 'flag', 'n'],
    );
    const tokens = file.kvs[1]!.value;
    assert.ok(
      tokens.type === 'array' && tokens.count === 40 && tokens.head.length === GGUF_LIMITS.keptArrayElements,
    );
    assert.deepEqual(file.kvs[2]!.value, { type: 'bool', value: true });
    assert.deepEqual(file.kvs[3]!.value, { type: 'int64', value: -5n });
    assert.deepEqual(file.tensors, [{ name: 'w', dims: [2, 3], type: 0, offset: 0n }]);
  }
});

test('big-endian GGUF (s390x builds) is read in its own byte order', () => {
  const bytes = buildGguf(
    [
      ['tokenizer.chat_template', 'x'],
      ['n', 7],
    ],
    { bigEndian: true },
  );
  const file = parseGguf(bufferSource(bytes));
  assert.equal(file.bigEndian, true);
  assert.equal(file.version, 3);
  assert.deepEqual(
    file.kvs.map((kv) => kv.value),
    [
      { type: 'string', value: 'x' },
      { type: 'uint32', value: 7 },
    ],
  );
});

test('declared counts and lengths beyond the caps or the file are refused, not trusted', () => {
  const base = buildGguf([['k', 'v']]);
  const view = new DataView(base.buffer);
  const hugeKv = base.slice();
  new DataView(hugeKv.buffer).setBigUint64(16, 1n << 40n, true);
  assert.throws(
    () => parseGguf(bufferSource(hugeKv)),
    (e) => e instanceof ParapetError && e.code === 'LIMIT',
  );
  const longKey = base.slice();
  new DataView(longKey.buffer).setBigUint64(24, 1n << 20n, true);
  assert.match(parseGguf(bufferSource(longKey)).error?.message ?? '', /cap/);
  const pastEnd = base.slice();
  new DataView(pastEnd.buffer).setBigUint64(24 + 8 + 1 + 4, 1_000_000n, true);
  assert.match(parseGguf(bufferSource(pastEnd)).error?.message ?? '', /truncated/);
  assert.equal(view.getUint32(4, true), 3);
  const badVersion = base.slice();
  new DataView(badVersion.buffer).setUint32(4, 9, true);
  assert.throws(() => parseGguf(bufferSource(badVersion)), ParapetError);
});

test('a 60-million-element array of numbers is skipped against the file size, not allocated', () => {
  const bytes = buildGguf([['a', { elementType: 4, array: [1, 2] }]]);
  // header (24) + key length (8) + "a" + value type (4) + element type (4): the element count.
  new DataView(bytes.buffer).setBigUint64(24 + 8 + 1 + 4 + 4, 60_000_000n, true);
  const file = parseGguf(bufferSource(bytes));
  assert.match(file.error?.message ?? '', /truncated/);
  assert.deepEqual(file.kvs, []);
});

test('GGUF chat templates: a CVE-2024-34359 payload is critical, a real template is clean', async () => {
  const bad = await scanBytes(llamaGguf(ESCAPE_TEMPLATES.cvePoc!), 'model.gguf');
  assert.deepEqual(bad.errors, []);
  const f = bad.findings.find((x) => x.ruleId === 'model/chat-template-sandbox-escape');
  assert.equal(f?.severity, 'critical');
  assert.match(f?.message ?? '', /^tokenizer\.chat_template:/);
  assert.ok((f?.location.offset ?? 0) > 0);
  for (const template of Object.values(BENIGN_TEMPLATES)) {
    const ok = await scanBytes(llamaGguf(template), 'model.gguf');
    assert.deepEqual(ok.findings, []);
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.scanned, ['model.gguf']);
  }
});

test('tokenizer.chat_template.* variants are rendered templates too; detection ignores the file name', async () => {
  const bytes = llamaGguf(BENIGN_TEMPLATES.chatml!, [
    ['tokenizer.chat_template.tool_use', ESCAPE_TEMPLATES.lipsum!],
  ]);
  const r = await scanBytes(bytes, 'weights.bin');
  assert.ok(
    r.findings.some(
      (f) => f.severity === 'critical' && f.message.startsWith('tokenizer.chat_template.tool_use'),
    ),
  );
});

test('truncated metadata keeps the templates read so far and reports the scan incomplete', async () => {
  const bytes = llamaGguf(ESCAPE_TEMPLATES.cycler!, [['general.description', 'x'.repeat(100)]]);
  const cut = bytes.subarray(0, bytes.length - 32 - 60 - 80);
  const r = await scanBytes(cut, 'model.gguf');
  assert.ok(r.findings.some((f) => f.severity === 'critical'));
  assert.equal(r.errors.length, 1);
});

test('mutation loop: 2000 seeded mutants never reject scanBytes and the parser only throws ParapetError', async () => {
  const rand = mulberry32(0x6a6e);
  const seeds = [
    llamaGguf(ESCAPE_TEMPLATES.cvePoc!),
    llamaGguf(BENIGN_TEMPLATES.qwen25!),
    buildGguf([['a', { elementType: 9, array: [{ elementType: 8, array: ['x', 'y'] }] }]], { version: 1 }),
  ];
  for (let i = 0; i < 2000; i++) {
    const bytes = seeds[i % seeds.length]!.slice();
    const flips = 1 + Math.floor(rand() * 8);
    for (let j = 0; j < flips; j++) {
      const at = Math.floor(rand() * bytes.length);
      bytes[at] =
        rand() < 0.5 ? Math.floor(rand() * 256) : [0, 0xff, 0x7f, 9, 12, 13][Math.floor(rand() * 6)]!;
    }
    const cut = rand() < 0.2 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
    try {
      parseGguf(bufferSource(cut), { tensors: true });
    } catch (err) {
      assert.ok(err instanceof ParapetError, `case ${i}: ${String(err)}`);
    }
    await scanBytes(cut, 'm.gguf');
  }
});
