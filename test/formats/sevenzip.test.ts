import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import {
  isSevenZip,
  listAndExtractSevenZip,
  parseSevenZipListing,
  type SevenZipAnomaly,
  type SevenZipEntry,
} from '../../src/formats/sevenzip.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { buildSevenZip, type SevenZipFileSpec } from '../fixtures/sevenzip-writer.ts';

const PICKLE = Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]); // {} in protocol 2
const byName = (entries: SevenZipEntry[], name: string) => {
  const e = entries.find((x) => x.name === name);
  assert.ok(e, `no entry ${name} in ${entries.map((x) => x.name).join(', ')}`);
  return e;
};
const text = (e: SevenZipEntry) => (e.data ? Buffer.from(e.data).toString('utf8') : undefined);
const has = (anomalies: SevenZipAnomaly[], kind: SevenZipAnomaly['kind'], entry?: string) =>
  anomalies.some((a) => a.kind === kind && (entry === undefined || a.entry === entry));

/** The ParapetError code the promise rejects with; fails on success or any other error type. */
async function rejectsWith(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ParapetError, `expected ParapetError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a ParapetError');
}

const files: SevenZipFileSpec[] = [
  { name: 'model/data.pkl', data: PICKLE },
  { name: 'model/big.bin', data: new Uint8Array(5000).fill(7) },
  { name: 'model/notes.txt', data: 'hello' },
  { name: 'model/empty', data: '' },
  { name: 'model/subdir', dir: true },
];

test('lists and extracts a clean archive, directories included, with no anomalies', async () => {
  const archive = await buildSevenZip(files);
  assert.equal(isSevenZip(bufferSource(archive)), true);
  const { entries, anomalies } = await listAndExtractSevenZip(archive);
  assert.deepEqual(anomalies, []);
  assert.deepEqual(Buffer.from(byName(entries, 'model/data.pkl').data!), PICKLE);
  assert.deepEqual(Buffer.from(byName(entries, 'model/big.bin').data!), Buffer.alloc(5000, 7));
  assert.equal(text(byName(entries, 'model/notes.txt')), 'hello');
  assert.equal(byName(entries, 'model/empty').data?.length, 0);
  const dir = byName(entries, 'model/subdir');
  assert.deepEqual([dir.isDir, dir.data, dir.skippedWhy], [true, undefined, undefined]);
  for (const e of entries) if (!e.isDir) assert.equal(e.data?.length, e.size);
});

test('nothing reaches the process: no 7-Zip output on stdout/stderr, exit code preserved', async () => {
  const archive = await buildSevenZip(files);
  const corrupt = archive.slice(0, archive.length - 7);
  const seen: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write);
  // The test runner may report on stdout meanwhile, so look for 7-Zip's words rather than for silence.
  for (const [i, s] of streams.entries()) {
    s.write = ((chunk: unknown, ...rest: unknown[]) => {
      seen.push(String(chunk));
      return (originals[i] as (...a: unknown[]) => boolean).call(s, chunk, ...rest);
    }) as typeof s.write;
  }
  const saved = process.exitCode;
  process.exitCode = 7;
  try {
    await listAndExtractSevenZip(archive);
    await rejectsWith(listAndExtractSevenZip(corrupt));
    await listAndExtractSevenZip(await buildSevenZip(files, { password: 'x', encryptHeaders: true }));
    assert.equal(process.exitCode, 7);
  } finally {
    for (const [i, s] of streams.entries()) s.write = originals[i]!;
    process.exitCode = saved;
  }
  const leaked = seen.filter((c) => /7-Zip|Igor Pavlov|Everything is Ok|archive\.7z|ERROR/.test(c));
  assert.deepEqual(leaked, []);
});

test('traversal and absolute names are reported; their data is still extracted for scanning', async () => {
  const archive = await buildSevenZip(
    [
      { name: '../evil.pkl', data: PICKLE },
      { name: '/abs/root.txt', data: 'root' },
      { name: 'fine.txt', data: 'fine' },
    ],
    { fullPaths: true },
  );
  const { entries, anomalies } = await listAndExtractSevenZip(archive);
  assert.ok(has(anomalies, 'path-traversal', '../evil.pkl'));
  assert.ok(has(anomalies, 'absolute-path', '/abs/root.txt'));
  assert.ok(!anomalies.some((a) => a.entry === 'fine.txt'));
  assert.deepEqual(Buffer.from(byName(entries, '../evil.pkl').data!), PICKLE);
  assert.equal(text(byName(entries, '/abs/root.txt')), 'root');
});

test('symlinks are reported, and flagged when they point outside the archive', async () => {
  const archive = await buildSevenZip([
    { name: 'd/out', symlink: '../../etc/passwd' },
    { name: 'd/in', symlink: '../d/target' },
    { name: 'd/target', data: 't' },
  ]);
  const { entries, anomalies } = await listAndExtractSevenZip(archive);
  assert.equal(byName(entries, 'd/out').isSymlink, true);
  assert.ok(has(anomalies, 'symlink', 'd/out') && has(anomalies, 'symlink', 'd/in'));
  assert.ok(has(anomalies, 'link-outside', 'd/out'));
  assert.ok(!has(anomalies, 'link-outside', 'd/in'));
});

test('encrypted entries are listed but not extracted; encrypted headers list nothing', async () => {
  const enc = await listAndExtractSevenZip(await buildSevenZip(files.slice(0, 2), { password: 'secret' }));
  for (const e of enc.entries)
    assert.deepEqual([e.encrypted, e.data, e.skippedWhy], [true, undefined, 'encrypted']);
  assert.ok(has(enc.anomalies, 'encrypted'));
  const hidden = await listAndExtractSevenZip(
    await buildSevenZip(files, { password: 's', encryptHeaders: true }),
  );
  assert.deepEqual(hidden.entries, []);
  assert.deepEqual(
    hidden.anomalies.map((a) => a.kind),
    ['encrypted-headers'],
  );
});

test('a mixed archive: the plain entry is extracted, the encrypted one skipped', async () => {
  const encrypted = await buildSevenZip([{ name: 'secret.pkl', data: PICKLE }], { password: 'pw' });
  const mixed = await buildSevenZip([{ name: 'plain.txt', data: 'visible' }], {
    appendTo: encrypted,
    solid: false,
  });
  const { entries, anomalies } = await listAndExtractSevenZip(mixed);
  assert.equal(text(byName(entries, 'plain.txt')), 'visible');
  assert.equal(byName(entries, 'secret.pkl').skippedWhy, 'encrypted');
  assert.ok(has(anomalies, 'encrypted'));
});

test('size and count caps are applied from the listing, before extraction', async () => {
  const archive = await buildSevenZip(files);
  const perEntry = await listAndExtractSevenZip(archive, { maxEntryBytes: 1000 });
  assert.equal(byName(perEntry.entries, 'model/big.bin').skippedWhy, 'entry-too-large');
  assert.equal(byName(perEntry.entries, 'model/big.bin').data, undefined);
  assert.equal(text(byName(perEntry.entries, 'model/notes.txt')), 'hello');
  assert.ok(has(perEntry.anomalies, 'limit'));
  const total = await listAndExtractSevenZip(archive, { maxTotalBytes: 5005 });
  const extracted = total.entries.filter((e) => e.data !== undefined).reduce((n, e) => n + e.size, 0);
  assert.ok(extracted <= 5005);
  assert.ok(total.entries.some((e) => e.skippedWhy === 'total-too-large'));
  const count = await listAndExtractSevenZip(archive, { maxEntries: 2 });
  assert.equal(count.entries.filter((e) => e.skippedWhy === 'too-many-entries').length, 2);
  // 8 MiB of zeros compresses to almost nothing; a 1 MiB cap refuses it without inflating it.
  const bomb = await buildSevenZip([{ name: 'zeros', data: new Uint8Array(8 << 20) }]);
  assert.ok(bomb.length < 4096);
  const refused = await listAndExtractSevenZip(bomb, { maxTotalBytes: 1 << 20 });
  assert.equal(byName(refused.entries, 'zeros').skippedWhy, 'entry-too-large');
});

test('a wildcard in a skipped name gives up the rest rather than risk a misaligned extraction', async () => {
  const archive = await buildSevenZip([
    { name: 'st*r', data: 'x'.repeat(3000) },
    { name: 'star', data: 'small' },
    { name: 'other', data: 'kept?' },
  ]);
  const { entries, anomalies } = await listAndExtractSevenZip(archive, { maxEntryBytes: 100 });
  assert.equal(byName(entries, 'st*r').skippedWhy, 'entry-too-large');
  assert.equal(byName(entries, 'star').skippedWhy, 'shares-name-with-skipped-entry');
  assert.equal(byName(entries, 'other').skippedWhy, 'shares-name-with-skipped-entry');
  assert.ok(has(anomalies, 'duplicate-name'));
  // Without a wildcard, only the skipped entry itself is left out.
  const plain = await buildSevenZip([
    { name: 'big', data: 'x'.repeat(3000) },
    { name: 'big2', data: 'small' },
  ]);
  const p = await listAndExtractSevenZip(plain, { maxEntryBytes: 100 });
  assert.equal(byName(p.entries, 'big').skippedWhy, 'entry-too-large');
  assert.equal(text(byName(p.entries, 'big2')), 'small');
});

test('corrupt, truncated and foreign inputs are MALFORMED', async () => {
  const archive = await buildSevenZip(files);
  assert.equal(await rejectsWith(listAndExtractSevenZip(archive.slice(0, archive.length - 10))), 'MALFORMED');
  assert.equal(await rejectsWith(listAndExtractSevenZip(archive.slice(0, 40))), 'MALFORMED');
  assert.equal(await rejectsWith(listAndExtractSevenZip(archive.slice(0, 3))), 'MALFORMED');
  assert.equal(await rejectsWith(listAndExtractSevenZip(Buffer.from('PK\x03\x04 a zip'))), 'MALFORMED');
  const garbage = Buffer.concat([archive.subarray(0, 6), Buffer.alloc(200, 0x41)]);
  assert.equal(await rejectsWith(listAndExtractSevenZip(garbage)), 'MALFORMED');
  // Flip a byte inside the packed data: the listing is fine, the CRC check on extraction is not. Entries are
  // then retried one by one; in a solid archive none survives, and each says so rather than the call failing.
  const data = archive.slice();
  data[40] = data[40]! ^ 0xff;
  const damaged = await listAndExtractSevenZip(data);
  const fileEntries = damaged.entries.filter((e) => !e.isDir && e.size > 0);
  assert.ok(
    fileEntries.length > 0 && fileEntries.every((e) => e.skippedWhy === 'corrupt' && e.data === undefined),
  );
  assert.ok(
    damaged.anomalies.every((a) => !a.detail.includes('/parapet/')),
    JSON.stringify(damaged.anomalies),
  );
  assert.equal(isSevenZip(bufferSource(Buffer.from('7z\xbc\xaf\x27', 'latin1'))), false);
});

test('trailing bytes after the archive are reported as a warning', async () => {
  const archive = await buildSevenZip(files);
  const { anomalies } = await listAndExtractSevenZip(Buffer.concat([archive, Buffer.alloc(100, 0x41)]));
  assert.ok(has(anomalies, 'archive-warning'), JSON.stringify(anomalies));
});

test('parseSevenZipListing: hostile sizes and odd blocks', () => {
  const listing = [
    'Path = /parapet/archive.7z',
    'Type = 7z',
    'WARNINGS:',
    'There are data after the end of archive',
    'Physical Size = 10',
    '----------',
    'Path = huge',
    `Size = ${'9'.repeat(40)}`,
    'Attributes = A -rw-r--r--',
    '',
    'Path = dir',
    'Size = ',
    'Attributes = D drwxr-xr-x',
    'Path = link',
    'Size = 3',
    'Attributes = A lrwxrwxrwx',
    'Encrypted = +',
  ].join('\n');
  const { entries, warnings } = parseSevenZipListing(listing);
  assert.deepEqual(warnings, ['There are data after the end of archive']);
  assert.deepEqual(
    entries.map((e) => [e.name, e.size > 2 ** 53, e.isDir, e.isSymlink, e.encrypted]),
    [
      ['huge', true, false, false, false],
      ['dir', false, true, false, false],
      ['link', false, false, true, true],
    ],
  );
  assert.throws(() => parseSevenZipListing('----------\nPath = x\nSize = -1\n'), ParapetError);
  assert.deepEqual(parseSevenZipListing('no separator at all'), { entries: [], warnings: [] });
});

test('mutation loop: 60 mutated archives either extract or reject with ParapetError', async () => {
  const rand = mulberry32(0x377a);
  const seeds = [
    await buildSevenZip(files),
    await buildSevenZip(files, { solid: false }),
    await buildSevenZip(files.slice(0, 2), { password: 'pw' }),
  ];
  let ok = 0;
  for (let i = 0; i < 60; i++) {
    const archive = Buffer.from(seeds[i % seeds.length]!);
    const edits = 1 + Math.floor(rand() * 3);
    // Keep the signature mostly intact so mutations reach 7-Zip rather than the magic check.
    for (let k = 0; k < edits; k++)
      archive[6 + Math.floor(rand() * (archive.length - 6))] = Math.floor(rand() * 256);
    const input =
      rand() < 0.15 ? archive.subarray(0, 6 + Math.floor(rand() * (archive.length - 6))) : archive;
    try {
      const { entries } = await listAndExtractSevenZip(input, { maxTotalBytes: 1 << 20 });
      for (const e of entries) if (e.data) assert.equal(e.data.length, e.size);
      ok++;
    } catch (err) {
      assert.ok(err instanceof ParapetError, `mutation ${i}: ${String(err)}`);
    }
  }
  assert.ok(ok < 60, 'some mutations should be rejected');
});
