import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import { ParapetError } from '../../src/core/errors.ts';
import { type ByteSource, bufferSource } from '../../src/formats/byte-source.ts';
import {
  crc32OfSource,
  isZip,
  openZipMember,
  readZipDirectory,
  type ZipAnomalyKind,
  type ZipDirectory,
} from '../../src/formats/zip.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { buildTorchZip, buildZip, type ZipMemberSpec } from '../fixtures/zip-writer.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const text = (src: ByteSource) => Buffer.from(src.readAt(0, src.size)).toString('utf8');
const read = (zip: Uint8Array) => readZipDirectory(bufferSource(zip));
const kinds = (dir: ZipDirectory) => dir.anomalies.map((a) => a.kind);
const PICKLE = Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]); // {} in protocol 2
const bytes = (src: ByteSource) => Buffer.from(src.readAt(0, src.size));

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

function anomaliesOf(members: ZipMemberSpec[], kind: ZipAnomalyKind) {
  return read(buildZip(members)).anomalies.filter((a) => a.kind === kind);
}

const clean: ZipMemberSpec[] = [
  { name: 'archive/data.pkl', data: PICKLE },
  { name: 'archive/notes.txt', data: enc('hello '.repeat(200)), method: 'deflate' },
  { name: 'archive/data/0', data: new Uint8Array(64).fill(7) },
  { name: 'archive/été.txt', data: enc('utf8 name') },
];

test('round-trips stored and deflated members, with no anomalies on a clean zip', () => {
  const zip = buildZip(clean);
  const src = bufferSource(zip);
  assert.equal(isZip(src), true);
  const dir = readZipDirectory(src);
  assert.deepEqual(dir.anomalies, []);
  assert.equal(dir.prependedBytes, 0);
  assert.deepEqual(
    dir.entries.map((e) => [e.name, e.method, e.index]),
    clean.map((m, i) => [m.name, m.method === 'deflate' ? 8 : 0, i]),
  );
  for (const [i, e] of dir.entries.entries()) {
    const member = openZipMember(src, e);
    assert.deepEqual(Buffer.from(member.readAt(0, member.size)), Buffer.from(clean[i]!.data));
    assert.equal(crc32OfSource(member), e.crc32);
    assert.equal(e.localName, e.name);
    assert.equal(e.uncompressedSize, clean[i]!.data.length);
  }
  // Stored members are windows over the source, not copies.
  const stored = openZipMember(src, dir.entries[0]!);
  assert.equal(stored.readAt(0, 1).buffer, zip.buffer);
});

test('reads a torch.save-style layout with 64-byte aligned data and no anomalies', () => {
  const zip = buildTorchZip(PICKLE, { storages: [new Uint8Array(40), new Uint8Array(8)] });
  const dir = read(zip);
  assert.deepEqual(dir.anomalies, []);
  assert.deepEqual(
    dir.entries.map((e) => e.name),
    ['archive/data.pkl', 'archive/byteorder', 'archive/data/0', 'archive/data/1', 'archive/version'],
  );
  for (const e of dir.entries) assert.equal((e.dataOffset ?? 1) % 64, 0, e.name);
  assert.equal(text(openZipMember(bufferSource(zip), dir.entries[4]!)), '3\n');
});

test('local-name-mismatch: torch trusts the central name (CVE-2025-1944)', () => {
  const zip = buildZip([{ name: 'archive/data.pkl', localName: 'archive/innocent.txt', data: PICKLE }]);
  const dir = read(zip);
  assert.deepEqual(kinds(dir), ['local-name-mismatch']);
  assert.equal(dir.entries[0]!.name, 'archive/data.pkl');
  assert.equal(dir.entries[0]!.localName, 'archive/innocent.txt');
  assert.deepEqual(bytes(openZipMember(bufferSource(zip), dir.entries[0]!)), PICKLE);
  const longer = anomaliesOf(
    [{ name: 'a', localName: 'x'.repeat(5000), data: PICKLE }],
    'local-name-mismatch',
  );
  assert.equal(longer.length, 1);
});

test('flag-bits: encrypted/patched/strong-encryption bits on a plaintext member (CVE-2025-1945)', () => {
  for (const flag of [0x1, 0x20, 0x40]) {
    const zip = buildZip([{ name: 'archive/data.pkl', data: PICKLE, flags: flag }]);
    const dir = read(zip);
    assert.deepEqual(kinds(dir), ['flag-bits'], `flag 0x${flag.toString(16)}`);
    assert.deepEqual(bytes(openZipMember(bufferSource(zip), dir.entries[0]!)), PICKLE);
  }
  const localOnly = read(buildZip([{ name: 'a', data: PICKLE, localFlags: 0x1 }]));
  assert.deepEqual(kinds(localOnly).sort(), ['flag-bits', 'local-header-mismatch']);
  assert.deepEqual(anomaliesOf([{ name: 'a', data: PICKLE, flags: 0x800 | 0x2 }], 'flag-bits'), []);
});

test('bad CRC is not a directory anomaly but crc32OfSource exposes it (CVE-2025-10156)', () => {
  const zip = buildZip([{ name: 'a.pkl', data: PICKLE, crc32: 0xdeadbeef }]);
  const dir = read(zip);
  assert.deepEqual(dir.anomalies, []);
  const member = openZipMember(bufferSource(zip), dir.entries[0]!);
  assert.equal(dir.entries[0]!.crc32, 0xdeadbeef);
  assert.equal(crc32OfSource(member), crc32(PICKLE));
});

test('duplicate-name: exact and case-only duplicates', () => {
  const dup = anomaliesOf(
    [
      { name: 'archive/data.pkl', data: PICKLE },
      { name: 'archive/data.pkl', data: enc('evil') },
    ],
    'duplicate-name',
  );
  assert.equal(dup.length, 1);
  assert.equal(dup[0]!.entry, 'archive/data.pkl');
  const folded = anomaliesOf(
    [
      { name: 'archive/data.pkl', data: PICKLE },
      { name: 'archive/DATA.pkl', data: PICKLE },
    ],
    'duplicate-name',
  );
  assert.match(folded[0]!.detail, /case/);
});

test('path-traversal and suspicious names', () => {
  for (const name of ['../x', 'a/../../b', '/abs', '\\abs', 'C:\\x', 'c:x', 'a\\..\\..\\b']) {
    assert.equal(anomaliesOf([{ name, data: PICKLE }], 'path-traversal').length, 1, name);
  }
  for (const name of ['a/b..c', '..a/b', 'archive/data.pkl', 'x/./y', 'a/../b']) {
    assert.deepEqual(anomaliesOf([{ name, data: PICKLE }], 'path-traversal'), [], name);
  }
  assert.equal(anomaliesOf([{ name: 'ok', localName: '../evil', data: PICKLE }], 'path-traversal').length, 1);
  assert.equal(anomaliesOf([{ name: 'data.pkl\0.txt', data: PICKLE }], 'suspicious-name').length, 1);
  assert.equal(anomaliesOf([{ name: '', data: PICKLE }], 'suspicious-name').length, 1);
  // A backslash separator is odd (the zip spec says '/') but only escapes when it climbs above the root.
  assert.equal(anomaliesOf([{ name: 'a\\b', data: PICKLE }], 'suspicious-name').length, 1);
  assert.deepEqual(anomaliesOf([{ name: 'a\\b', data: PICKLE }], 'path-traversal'), []);
});

test('latin1 names without the UTF-8 flag', () => {
  const dir = read(buildZip([{ name: 'é', data: PICKLE, flags: 0 }]));
  assert.equal(dir.entries[0]!.name, 'Ã©'); // the UTF-8 bytes, decoded as latin1
});

test('prepended bytes: offsets are corrected like zipfile and reported', () => {
  for (const zip64 of [false, true]) {
    const prepend = enc('#!/bin/sh\nexec python "$0"\n');
    const zip = buildZip(clean, { prepend, zip64 });
    const src = bufferSource(zip);
    assert.equal(isZip(src), true);
    const dir = readZipDirectory(src);
    assert.equal(dir.prependedBytes, prepend.length);
    assert.ok(kinds(dir).includes('prepended-data'));
    assert.ok(
      !kinds(dir).some((k) => k === 'bad-local-header' || k === 'unreferenced-data'),
      kinds(dir).join(),
    );
    assert.equal(dir.entries[0]!.localHeaderOffset, prepend.length);
    assert.equal(text(openZipMember(src, dir.entries[1]!)), 'hello '.repeat(200));
  }
});

test('zip64 end records and extras are followed', () => {
  const zip = buildZip(clean, { zip64: true, comment: 'c' });
  const dir = read(zip);
  assert.deepEqual([...new Set(kinds(dir))], ['zip64']);
  assert.equal(dir.entries.length, clean.length);
  assert.equal(dir.entries[2]!.compressedSize, 64);
  assert.deepEqual(bytes(openZipMember(bufferSource(zip), dir.entries[0]!)), PICKLE);
});

test('truncated files, garbage and empty input throw MALFORMED', () => {
  const zip = buildZip(clean);
  for (const cut of [0, 1, 4, 21, zip.length - 23, zip.length - 1]) {
    assert.equal(
      errorCode(() => read(zip.subarray(0, cut))),
      'MALFORMED',
      `cut at ${cut}`,
    );
  }
  const garbage = Buffer.alloc(100_000, 0x41);
  assert.equal(
    errorCode(() => read(garbage)),
    'MALFORMED',
  );
  assert.equal(isZip(bufferSource(garbage)), false);
  assert.equal(isZip(bufferSource(PICKLE)), false);
  // A stray end-record signature that leads nowhere is not a zip.
  assert.equal(
    isZip(bufferSource(Buffer.concat([garbage, enc('PK\x05\x06'), Buffer.alloc(18, 0x41)]))),
    false,
  );
});

test('an empty archive is a zip with no entries', () => {
  const empty = buildZip([]);
  assert.equal(empty.length, 22);
  assert.equal(isZip(bufferSource(empty)), true);
  assert.deepEqual(read(empty), { entries: [], anomalies: [], prependedBytes: 0 });
});

test('an end record pointing out of bounds throws MALFORMED', () => {
  for (const zip64 of [false, true]) {
    assert.equal(
      errorCode(() => read(buildZip(clean, { zip64, cdSize: 1_000_000 }))),
      'MALFORMED',
    );
    assert.equal(
      errorCode(() => read(buildZip(clean, { zip64, cdOffset: 2 ** 32 - 1, cdSize: 2 ** 32 - 1 }))),
      'MALFORMED',
    );
  }
  assert.equal(
    errorCode(() => read(buildZip(clean, { zip64: true, cdOffset: 2 ** 60 }))),
    'MALFORMED',
  );
  assert.throws(() => read(buildZip(clean, { cdSize: 1_000_000 })), /out of bounds/);
});

test('an out-of-bounds offset with the directory right before the end record reads like zipfile', () => {
  // zipfile finds the directory from its size and applies the (negative) shift to every local header too.
  const dir = read(buildZip(clean, { cdOffset: 1_000_000 }));
  assert.ok(dir.prependedBytes < 0);
  assert.equal(dir.entries.length, clean.length);
  assert.ok(dir.entries.every((e) => e.dataOffset === undefined));
  assert.ok(kinds(dir).includes('prepended-data') && kinds(dir).includes('bad-local-header'));
});

test('count-mismatch: lying and huge declared entry counts cost nothing', () => {
  const small = read(buildZip(clean, { entryCount: 1 }));
  assert.equal(small.entries.length, clean.length); // zipfile reads them all, so must we
  assert.deepEqual(kinds(small), ['count-mismatch']);
  const huge = read(buildZip(clean, { entryCount: 0xffff }));
  assert.deepEqual(kinds(huge), ['count-mismatch']);
  const started = Date.now();
  const huge64 = read(buildZip(clean, { zip64: true, entryCount: 2 ** 53 }));
  assert.ok(kinds(huge64).includes('count-mismatch'));
  assert.equal(huge64.entries.length, clean.length);
  assert.ok(Date.now() - started < 1000);
});

test('maxEntries caps the directory with LIMIT', () => {
  const many = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, data: enc(String(i)) }));
  assert.equal(readZipDirectory(bufferSource(buildZip(many)), { maxEntries: 30 }).entries.length, 30);
  assert.equal(
    errorCode(() => readZipDirectory(bufferSource(buildZip(many)), { maxEntries: 29 })),
    'LIMIT',
  );
});

test('overlapping-entries: two central records sharing one local header', () => {
  const dir = read(
    buildZip([
      { name: 'archive/data.pkl', data: PICKLE },
      { name: 'b', data: PICKLE, aliasOf: 0 },
    ]),
  );
  assert.deepEqual(kinds(dir), ['local-name-mismatch', 'overlapping-entries']);
  assert.equal(dir.entries[1]!.dataOffset, dir.entries[0]!.dataOffset);
});

test('size lies, bad local headers and unreferenced bytes are anomalies', () => {
  const stored = anomaliesOf([{ name: 'a', data: PICKLE, uncompressedSize: 1 }], 'size-mismatch');
  assert.equal(stored.length, 1);
  const pastZip = buildZip([{ name: 'a', data: PICKLE, compressedSize: 10_000 }]);
  const past = read(pastZip);
  assert.ok(kinds(past).includes('truncated-member'));
  assert.equal(
    errorCode(() => openZipMember(bufferSource(pastZip), past.entries[0]!)),
    'MALFORMED',
  );
  const zip = buildZip(clean);
  const broken = Buffer.from(zip);
  broken.write('XX', read(zip).entries[1]!.localHeaderOffset, 'latin1');
  const dir = read(broken);
  assert.ok(kinds(dir).includes('bad-local-header'));
  assert.equal(dir.entries[1]!.dataOffset, undefined);
  assert.equal(
    errorCode(() => openZipMember(bufferSource(broken), dir.entries[1]!)),
    'MALFORMED',
  );
  // Junk between the last member and the directory, with the offsets kept right: a hidden local entry.
  const last = read(zip).entries.at(-1)!;
  const cdStart = last.dataOffset! + last.compressedSize;
  const junk = buildZip([{ name: 'hidden.pkl', data: PICKLE }]).subarray(0, 60);
  const withJunk = buildZip(clean, { cdOffset: cdStart + junk.length });
  const hidden = Buffer.concat([withJunk.subarray(0, cdStart), junk, withJunk.subarray(cdStart)]);
  assert.deepEqual(kinds(read(hidden)), ['unreferenced-data']);
  assert.deepEqual(kinds(read(buildZip(clean, { trailing: enc('junk') }))), ['trailing-data']);
});

test('deflate bombs hit LIMIT, corrupt deflate and unknown methods are MALFORMED', () => {
  const bomb = buildZip([{ name: 'bomb', data: new Uint8Array(8 * 1024 * 1024), method: 'deflate' }]);
  const src = bufferSource(bomb);
  const entry = readZipDirectory(src).entries[0]!;
  assert.equal(
    errorCode(() => openZipMember(src, entry, { maxInflatedBytes: 1024 * 1024 })),
    'LIMIT',
  );
  assert.equal(openZipMember(src, entry).size, 8 * 1024 * 1024);
  const payload = deflateRawSync(enc('x'.repeat(10_000)));
  const truncated = buildZip([{ name: 't', data: enc('x'.repeat(10_000)), method: 'deflate' }]);
  const t = readZipDirectory(bufferSource(truncated)).entries[0]!;
  assert.equal(t.compressedSize, payload.length);
  const cut = { ...t, compressedSize: t.compressedSize - 5 };
  assert.equal(
    errorCode(() => openZipMember(bufferSource(truncated), cut)),
    'MALFORMED',
  );
  const bzip = buildZip([{ name: 'b', data: PICKLE, methodCode: 12 }]);
  const b = readZipDirectory(bufferSource(bzip)).entries[0]!;
  assert.throws(() => openZipMember(bufferSource(bzip), b), /unsupported compression method 12/);
});

test('a 2 GiB stored member costs nothing to list or open', () => {
  const GAP = 2 ** 31;
  const zip = buildZip(
    [{ name: 'big', data: new Uint8Array(0), compressedSize: GAP, uncompressedSize: GAP }],
    {
      cdOffset: 33 + GAP, // 30-byte local header + 3-byte name, then the virtual data
    },
  );
  let bytesRead = 0;
  const head = zip.subarray(0, 33);
  const tail = zip.subarray(33);
  // A virtual file: header, 2 GiB of zeros never materialised, then the directory.
  const piece = (offset: number, length: number): Uint8Array => {
    if (offset < 33) return head.subarray(offset, Math.min(33, offset + length));
    if (offset < 33 + GAP) return new Uint8Array(Math.min(length, 33 + GAP - offset));
    return tail.subarray(offset - 33 - GAP, offset - 33 - GAP + length);
  };
  const src: ByteSource = {
    size: zip.length + GAP,
    readAt(offset, length) {
      const parts: Uint8Array[] = [];
      for (let at = offset, left = Math.min(length, this.size - offset); left > 0; ) {
        const p = piece(at, left);
        parts.push(p);
        at += p.length;
        left -= p.length;
      }
      const out = Buffer.concat(parts);
      bytesRead += out.length;
      return out;
    },
  };
  const dir = readZipDirectory(src);
  assert.deepEqual(dir.anomalies, []);
  assert.equal(dir.entries[0]!.compressedSize, GAP);
  assert.equal(openZipMember(src, dir.entries[0]!).size, GAP);
  assert.ok(bytesRead < 70_000, `read ${bytesRead} bytes`);
});

test('directory-level lies: ambiguous directory, multi-disk, bad records and extras', () => {
  const zip = buildZip(clean);
  const endAt = zip.length - 22;
  const cdSize = Buffer.from(zip).readUInt32LE(endAt + 12);
  // Declared size too small: torch trusts the offset, zipfile infers the start from the size and disagrees.
  const short = read(buildZip(clean, { cdSize: cdSize - 10 }));
  assert.ok(kinds(short).includes('ambiguous-directory'), kinds(short).join());
  // Declared size too large: the walk runs into the end record and stops there.
  const long = read(buildZip(clean, { cdSize: cdSize + 10 }));
  assert.ok(
    kinds(long).includes('bad-central-header') && kinds(long).includes('size-mismatch'),
    kinds(long).join(),
  );
  assert.equal(long.entries.length, clean.length);
  const disk = Buffer.from(zip);
  disk.writeUInt16LE(1, endAt + 4);
  assert.ok(kinds(read(disk)).includes('multi-disk'));
  const lie = read(buildZip([{ name: 'a', data: PICKLE, compressedSize: 0xffffffff }]));
  assert.ok(
    kinds(lie).includes('bad-extra-field') && kinds(lie).includes('truncated-member'),
    kinds(lie).join(),
  );
  // A ZIP64 locator whose record is nowhere: fall back to the 32-bit end record.
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(999_999n, 8);
  const patched = Buffer.concat([zip.subarray(0, endAt), locator, zip.subarray(endAt)]);
  const bad64 = read(patched);
  assert.ok(kinds(bad64).includes('bad-zip64'), kinds(bad64).join());
  assert.equal(bad64.entries.length, clean.length);
  const comment = Buffer.from(buildZip(clean, { comment: 'hello' }));
  comment.writeUInt16LE(500, comment.length - 5 - 2);
  assert.deepEqual(kinds(read(comment)), ['trailing-data']);
});

test('anomalies of one kind are capped so a hostile archive cannot flood the report', () => {
  const dups = Array.from({ length: 150 }, () => ({ name: '../same', data: PICKLE }));
  const found = read(buildZip(dups)).anomalies;
  const traversal = found.filter((a) => a.kind === 'path-traversal');
  assert.equal(traversal.length, 101);
  assert.match(traversal.at(-1)!.detail, /50 more/);
});

/** Deterministic PRNG so a failing mutation can be replayed by its iteration number. */

test('2000 seeded mutations either return or throw ParapetError', { timeout: 60_000 }, (t) => {
  const fixtures = [
    buildZip(clean, { comment: 'fixture' }),
    buildZip(clean, { zip64: true }),
    buildTorchZip(PICKLE),
  ];
  const rand = mulberry32(0x5eed);
  const int = (n: number) => Math.floor(rand() * n);
  const outcomes = { ok: 0, threw: 0, members: 0 };
  for (let i = 0; i < 2000; i++) {
    const zip = Buffer.from(fixtures[i % fixtures.length]!);
    let mutated: Buffer = zip;
    switch (int(6)) {
      case 0:
        for (let n = 1 + int(4); n > 0; n--) zip[int(zip.length)] = int(256);
        break;
      case 1:
        mutated = zip.subarray(0, int(zip.length));
        break;
      case 2: {
        const at = int(zip.length - 4);
        zip.writeUInt32LE([0xffffffff, 0, int(2 ** 32), int(zip.length)][int(4)]!, at);
        break;
      }
      case 3: {
        const at = int(zip.length);
        mutated = Buffer.concat([zip.subarray(0, at), Buffer.alloc(1 + int(64), int(256)), zip.subarray(at)]);
        break;
      }
      case 5: {
        // Hit a header field: a random 16/32-bit field within 46 bytes of a 'PK' signature.
        const sigs = [...zip.keys()].filter((k) => zip[k] === 0x50 && zip[k + 1] === 0x4b);
        const at = (sigs[int(sigs.length)] ?? 0) + 4 + 2 * int(21);
        const value = [0, 0xffff, 0xffffffff, int(2 ** 32), zip.length][int(5)]!;
        if (at + 4 <= zip.length) zip.writeUInt32LE(value, at);
        else if (at + 2 <= zip.length) zip.writeUInt16LE(value & 0xffff, at);
        break;
      }
      default: {
        const at = int(zip.length);
        mutated = Buffer.concat([zip.subarray(0, at), zip.subarray(at + 1 + int(40))]);
      }
    }
    const src = bufferSource(mutated);
    try {
      isZip(src);
      const dir = readZipDirectory(src, { maxEntries: 1000 });
      for (const e of dir.entries) {
        try {
          crc32OfSource(openZipMember(src, e, { maxInflatedBytes: 1024 * 1024 }));
          outcomes.members++;
        } catch (err) {
          assert.ok(err instanceof ParapetError, `iteration ${i}, member ${e.index}: ${String(err)}`);
        }
      }
      outcomes.ok++;
    } catch (err) {
      assert.ok(err instanceof ParapetError, `iteration ${i}: ${(err as Error).stack}`);
      outcomes.threw++;
    }
  }
  t.diagnostic(`fuzz outcomes ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.ok > 500 && outcomes.threw > 50 && outcomes.members > 1000, JSON.stringify(outcomes));
});
