import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import {
  isTar,
  linkEscapes,
  pathAnomaly,
  readTarEntries,
  type TarAnomalyKind,
  type TarListing,
} from '../../src/formats/tar.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { buildTar, legacyTorchTar, paxRecords, type TarSpec, tarHeader } from '../fixtures/tar-writer.ts';

const PICKLE = Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]); // {} in protocol 2
const read = (tar: Uint8Array, maxEntries?: number) =>
  readTarEntries(bufferSource(tar), maxEntries === undefined ? undefined : { maxEntries });
const kinds = (l: TarListing) => l.anomalies.map((a) => a.kind);
const has = (l: TarListing, kind: TarAnomalyKind, entry?: string) =>
  l.anomalies.some((a) => a.kind === kind && (entry === undefined || a.entry === entry));

/** The ParapetError code `fn` throws; fails the test on success or on any other error type. */
function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ParapetError, `expected ParapetError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a ParapetError');
}

test('lists files, dirs and links with data offsets that point at the data', () => {
  const specs: TarSpec[] = [
    { name: 'model/', type: '5' },
    { name: 'model/data.pkl', data: PICKLE },
    { name: 'model/big.bin', data: new Uint8Array(1500).fill(9) },
    { name: 'model/empty', data: '' },
    { name: 'model/link', type: '2', linkName: 'data.pkl' },
    { name: 'model/hard', type: '1', linkName: 'model/data.pkl' },
  ];
  const tar = buildTar(specs);
  assert.equal(isTar(bufferSource(tar)), true);
  const l = read(tar);
  assert.deepEqual(l.anomalies, []);
  assert.deepEqual(
    l.entries.map((e) => [e.name, e.type, e.size, e.linkName]),
    [
      ['model/', '5', 0, ''],
      ['model/data.pkl', '0', 6, ''],
      ['model/big.bin', '0', 1500, ''],
      ['model/empty', '0', 0, ''],
      ['model/link', '2', 0, 'data.pkl'],
      ['model/hard', '1', 0, 'model/data.pkl'],
    ],
  );
  const at = (i: number) =>
    Buffer.from(tar.subarray(l.entries[i]!.dataOffset, l.entries[i]!.dataOffset + l.entries[i]!.size));
  assert.deepEqual(at(1), PICKLE);
  assert.deepEqual(at(2), Buffer.alloc(1500, 9));
});

test('legacy torch tar checkpoints (sys_info, pickle, storages, tensors) parse, GNU magic included', () => {
  const l = read(legacyTorchTar(PICKLE));
  assert.deepEqual(l.anomalies, []);
  assert.deepEqual(
    l.entries.map((e) => e.name),
    ['sys_info', 'pickle', 'storages', 'tensors'],
  );
  for (const e of l.entries) assert.equal(e.size, PICKLE.length);
});

test('v7 headers (no magic) are recognised by checksum; AREGTYPE and trailing-slash dirs', () => {
  const tar = buildTar([
    { name: 'old.txt', data: 'v7', format: 'v7', type: '\0' },
    { name: 'olddir/', format: 'v7', type: '\0' },
  ]);
  assert.equal(isTar(bufferSource(tar)), true);
  const l = read(tar);
  assert.deepEqual(
    l.entries.map((e) => [e.name, e.type]),
    [
      ['old.txt', '0'],
      ['olddir/', '5'],
    ],
  );
});

test('GNU long names and long link names, pax path/linkpath/size, global pax, ustar prefix', () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.pkl`;
  const tar = buildTar([
    { name: long, longName: 'gnu', data: PICKLE },
    { name: `pax/${'p'.repeat(200)}`, longName: 'pax', data: 'x' },
    { name: 'short', pax: { linkpath: `/${'t'.repeat(150)}` }, type: '2' },
    { name: 'sized', pax: { size: '3', mtime: '1.5', 'SCHILY.xattr.user.x': 'é' }, data: 'abc', size: 99 },
    { name: 'file.bin', prefix: 'some/deep/prefix', data: 'p' },
  ]);
  const l = read(tar);
  assert.deepEqual(
    l.entries.map((e) => [e.name, e.size]),
    [
      [long, 6],
      [`pax/${'p'.repeat(200)}`, 1],
      ['short', 0],
      ['sized', 3],
      ['some/deep/prefix/file.bin', 1],
    ],
  );
  assert.equal(l.entries[2]!.linkName, `/${'t'.repeat(150)}`);
  assert.ok(has(l, 'link-outside', 'short'));
  const gnuLink = Buffer.concat([
    tarHeader({ name: '././@LongLink', type: 'K', format: 'gnu' }, 201),
    Buffer.concat([Buffer.from('l'.repeat(200)), Buffer.alloc(312)]),
  ]);
  const withK = buildTar([], {
    raw: [gnuLink, ...[tarHeader({ name: 'lnk', type: '2', linkName: 'x' }, 0)]],
  });
  assert.equal(read(withK).entries[0]!.linkName, 'l'.repeat(200));
  // A global pax header applies to every later member (Python's tarfile does the same).
  const globalPax = paxRecords({ linkpath: 'shared-target' });
  const g = buildTar([], {
    raw: [
      tarHeader({ name: 'global', type: 'g' }, globalPax.length),
      Buffer.concat([globalPax, Buffer.alloc(512 - globalPax.length)]),
      tarHeader({ name: 'a', type: '2', linkName: 'own' }, 0),
      tarHeader({ name: 'b', type: '2', linkName: 'own' }, 0),
    ],
  });
  assert.deepEqual(
    read(g).entries.map((e) => e.linkName),
    ['shared-target', 'shared-target'],
  );
});

test('base-256 sizes are read; a huge declared size is reported as truncated without reading it', () => {
  const l = read(
    buildTar([
      { name: 'b256', data: new Uint8Array(700), base256Size: true },
      { name: 'after', data: 'z' },
    ]),
  );
  assert.deepEqual(
    l.entries.map((e) => [e.name, e.size]),
    [
      ['b256', 700],
      ['after', 1],
    ],
  );
  const huge = read(buildTar([{ name: 'bomb', size: 2 ** 40, base256Size: true }, { name: 'never' }]));
  assert.deepEqual(
    huge.entries.map((e) => [e.name, e.size]),
    [['bomb', 2 ** 40]],
  );
  assert.ok(has(huge, 'truncated', 'bomb'));
  const tooBig = read(buildTar([{ name: 'ok' }, { name: 'x', size: 2 ** 60, base256Size: true }]));
  assert.deepEqual(kinds(tooBig), ['bad-header']);
  const negative = new Uint8Array(12).fill(0xff);
  assert.deepEqual(kinds(read(buildTar([{ name: 'ok' }, { name: 'neg', rawSizeField: negative }]))), [
    'bad-header',
  ]);
  const garbage = Buffer.from('12345678901z');
  assert.deepEqual(kinds(read(buildTar([{ name: 'ok' }, { name: 'g', rawSizeField: garbage }]))), [
    'bad-header',
  ]);
});

test('path anomalies: traversal, absolute, links out of the tree, devices, duplicates', () => {
  const l = read(
    buildTar([
      { name: '../../etc/cron.d/x', data: 'evil' },
      { name: '/etc/passwd', data: 'evil' },
      { name: 'C:\\Windows\\x', data: 'evil' },
      { name: 'a/b/up', type: '2', linkName: '../../../outside' },
      { name: 'a/b/ok', type: '2', linkName: '../../inside' },
      { name: 'abs-link', type: '2', linkName: '/etc/shadow' },
      { name: 'hard', type: '1', linkName: '../x' },
      { name: 'dev', type: '3' },
      { name: 'fifo', type: '6' },
      { name: 'dup', data: '1' },
      { name: 'dup', data: '2' },
    ]),
  );
  assert.ok(has(l, 'path-traversal', '../../etc/cron.d/x'));
  assert.ok(has(l, 'absolute-path', '/etc/passwd'));
  assert.ok(has(l, 'absolute-path', 'C:\\Windows\\x'));
  assert.ok(has(l, 'link-outside', 'a/b/up'));
  assert.ok(!has(l, 'link-outside', 'a/b/ok'));
  assert.ok(has(l, 'link-outside', 'abs-link'));
  assert.ok(has(l, 'link-outside', 'hard'));
  assert.ok(has(l, 'special-file', 'dev') && has(l, 'special-file', 'fifo'));
  assert.ok(has(l, 'duplicate-name', 'dup'));
  assert.equal(l.entries.length, 11);
  assert.equal(pathAnomaly('a/../../b'), 'path-traversal');
  assert.equal(pathAnomaly('a/..b/c'), undefined);
  assert.equal(linkEscapes('x', '..'), true);
  assert.equal(linkEscapes('d/x', '..'), false);
});

test('checksums: a bad first header is MALFORMED, a bad later one ends the walk with an anomaly', () => {
  assert.equal(
    errorCode(() => read(buildTar([{ name: 'a', badChecksum: true }]))),
    'MALFORMED',
  );
  const l = read(buildTar([{ name: 'a', data: 'ok' }, { name: 'b', badChecksum: true }, { name: 'c' }]));
  assert.deepEqual(
    l.entries.map((e) => e.name),
    ['a'],
  );
  assert.deepEqual(kinds(l), ['bad-checksum']);
});

test('zero blocks: two end the archive, a lone one is flagged and reading continues', () => {
  const lone = buildTar([{ name: 'a' }], { raw: [new Uint8Array(512), buildTar([{ name: 'hidden' }])] });
  const l = read(lone);
  assert.deepEqual(
    l.entries.map((e) => e.name),
    ['a', 'hidden'],
  );
  assert.ok(has(l, 'lone-zero-block'));
  const ended = buildTar([{ name: 'a' }], { raw: [new Uint8Array(1024), buildTar([{ name: 'after-end' }])] });
  assert.deepEqual(
    read(ended).entries.map((e) => e.name),
    ['a'],
  );
  assert.deepEqual(read(buildTar([{ name: 'no-end-marker' }], { end: false })).anomalies, []);
});

test('truncation: inside a header, inside data, inside a long name', () => {
  const tar = buildTar([{ name: 'a', data: new Uint8Array(2000) }]);
  assert.ok(has(read(tar.subarray(0, 1000)), 'truncated', 'a'));
  assert.ok(has(read(tar.subarray(0, 512 + 2048 + 100)), 'truncated'));
  const gnu = buildTar([{ name: 'x'.repeat(300), longName: 'gnu' }]);
  assert.deepEqual(kinds(read(gnu.subarray(0, 600))), ['truncated']);
  assert.deepEqual(read(new Uint8Array(0)), { entries: [], anomalies: [] });
});

test('caps: maxEntries, oversized pax headers, malformed pax, data on a directory', () => {
  const many = buildTar(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}` })));
  const l = read(many, 10);
  assert.equal(l.entries.length, 10);
  assert.deepEqual(kinds(l), ['too-many-entries']);
  const bigPax = buildTar([], {
    raw: [
      tarHeader({ name: 'px', type: 'x' }, (1 << 20) + 512),
      new Uint8Array((1 << 20) + 512),
      tarHeader({ name: 'z' }, 0),
    ],
  });
  const p = read(bigPax);
  assert.deepEqual(
    p.entries.map((e) => e.name),
    ['z'],
  );
  assert.deepEqual(kinds(p), ['bad-header']);
  const badPax = Buffer.from('99 path=x\n');
  const bp = read(
    buildTar([], {
      raw: [
        tarHeader({ name: 'px', type: 'x' }, badPax.length),
        Buffer.concat([badPax, Buffer.alloc(502)]),
        tarHeader({ name: 'y' }, 0),
      ],
    }),
  );
  assert.deepEqual(kinds(bp), ['bad-header']);
  assert.equal(bp.entries[0]!.name, 'y');
  const badSize = read(buildTar([{ name: 's', pax: { size: '-5' } }]));
  assert.deepEqual(kinds(badSize), ['bad-header']);
  // Python's tarfile does not skip data for directories; other readers do. Report the disagreement.
  const dirData = read(buildTar([{ name: 'd', type: '5', size: 512 }]));
  assert.ok(has(dirData, 'bad-header', 'd'));
});

test('isTar negatives: short, zero, random, other formats', () => {
  assert.equal(isTar(bufferSource(new Uint8Array(100))), false);
  assert.equal(isTar(bufferSource(new Uint8Array(1024))), false);
  assert.equal(isTar(bufferSource(Buffer.from('PK\x03\x04'.padEnd(600, 'x')))), false);
  const rand = mulberry32(7);
  const noise = Uint8Array.from({ length: 512 }, () => Math.floor(rand() * 256));
  assert.equal(isTar(bufferSource(noise)), false);
  assert.equal(
    errorCode(() => read(noise)),
    'MALFORMED',
  );
});

/** Rewrites a header's checksum so that mutations reach the parser instead of stopping at the checksum. */
function fixChecksum(tar: Uint8Array, at: number): void {
  const block = tar.subarray(at, at + 512);
  if (block.length < 512) return;
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.set(Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
}

test('mutation loop: 3000 mutated archives either list or throw ParapetError', () => {
  const rand = mulberry32(0x746172);
  const seeds = [
    buildTar([
      { name: 'x'.repeat(180), longName: 'gnu', data: PICKLE },
      { name: 'p'.repeat(150), longName: 'pax', data: 'pp' },
      { name: 'l', type: '2', linkName: '../up' },
      { name: 'b', data: new Uint8Array(700), base256Size: true },
    ]),
    legacyTorchTar(PICKLE),
  ];
  let listed = 0;
  const start = Date.now();
  for (let i = 0; i < 3000; i++) {
    const tar = Buffer.from(seeds[i % seeds.length]!);
    const edits = 1 + Math.floor(rand() * 6);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(rand() * tar.length);
      tar[at] =
        rand() < 0.5
          ? Math.floor(rand() * 256)
          : Buffer.from('0123456789 /.\0Lxg5')[Math.floor(rand() * 19)]!;
      if (rand() < 0.7) fixChecksum(tar, at - (at % 512));
    }
    const input = rand() < 0.1 ? tar.subarray(0, Math.floor(rand() * tar.length)) : tar;
    try {
      const l = read(input, 1 + Math.floor(rand() * 10));
      assert.ok(l.anomalies.length <= 1000);
      for (const e of l.entries)
        assert.ok(Number.isSafeInteger(e.size) && e.size >= 0 && e.dataOffset % 512 === 0);
      listed++;
    } catch (err) {
      assert.ok(err instanceof ParapetError, `mutation ${i}: ${String(err)}`);
    }
  }
  assert.ok(listed > 1000, `only ${listed} mutations listed`);
  assert.ok(Date.now() - start < 10_000, 'mutation loop took too long');
});
