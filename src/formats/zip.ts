import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';
import { escapesRoot } from './tar.ts';
import type { ZipAnomaly, ZipAnomalyKind, ZipDirectory, ZipEntry } from './zip-types.ts';

export { crc32OfSource, openZipMember } from './zip-member.ts';
export type { ZipAnomaly, ZipAnomalyKind, ZipDirectory, ZipEntry } from './zip-types.ts';

/**
 * A tolerant, bounded ZIP reader that sees what PyTorch's loader (miniz) sees, plus what Python's zipfile sees.
 * Attackers build archives that make strict readers throw while torch.load still loads the payload, so every
 * such trick is reported as a ZipAnomaly instead of failing; only a missing or out-of-bounds directory throws.
 * Reading the directory costs O(central directory): member data is never touched until openZipMember.
 */

const SIG = {
  local: 0x04034b50,
  central: 0x02014b50,
  end: 0x06054b50,
  end64: 0x06064b50,
  locator: 0x07064b50,
};
const END_LEN = 22;
const END64_LEN = 56;
const LOCATOR_LEN = 20;
const CENTRAL_LEN = 46;
const LOCAL_LEN = 30;
const MAX_TAIL = END_LEN + 0xffff; // the end record plus the longest comment
const U32_MAX = 0xffffffff;
const DEFAULT_MAX_ENTRIES = 100_000;
const CHUNK = 1024 * 1024;
const ANOMALIES_PER_KIND = 100; // a 100k-entry archive of duplicates must not make a 100k-line report
const DANGEROUS_FLAGS: [number, string][] = [
  [0x1, 'encrypted (0x1)'],
  [0x20, 'compressed patched data (0x20)'],
  [0x40, 'strong encryption (0x40)'],
  [0x2000, 'masked local header (0x2000)'],
];

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u64 = (v: DataView, o: number) => v.getUint32(o, true) + v.getUint32(o + 4, true) * 2 ** 32;
const sigAt = (src: ByteSource, at: number, sig: number): boolean => {
  if (at < 0 || at + 4 > src.size) return false;
  const b = src.readAt(at, 4);
  return b.length === 4 && view(b).getUint32(0, true) === sig;
};
const decodeName = (raw: Uint8Array, flags: number): string =>
  Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString(flags & 0x800 ? 'utf8' : 'latin1');
const malformed = (msg: string) => new ParapetError('MALFORMED', msg);

/** Collects anomalies, keeping at most ANOMALIES_PER_KIND of each kind plus a count of the rest. */
class AnomalyLog {
  readonly list: ZipAnomaly[] = [];
  private readonly counts = new Map<ZipAnomalyKind, number>();
  add(kind: ZipAnomalyKind, detail: string, entry?: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n > ANOMALIES_PER_KIND) return;
    this.list.push(entry === undefined ? { kind, detail } : { kind, entry, detail });
  }
  finish(): ZipAnomaly[] {
    for (const [kind, n] of this.counts) {
      if (n > ANOMALIES_PER_KIND) {
        this.list.push({ kind, detail: `${n - ANOMALIES_PER_KIND} more not listed` });
      }
    }
    return this.list;
  }
}

/** Where the central directory is, once the end records and any prepended bytes are worked out. */
interface Located {
  start: number;
  size: number;
  declaredEntries: number;
  prepended: number;
}

/** Position of the last end-record signature with room for the record after it, as miniz and zipfile pick. */
function findEnd(src: ByteSource): number | undefined {
  const base = Math.max(0, src.size - MAX_TAIL);
  const tail = src.readAt(base, src.size - base);
  for (let i = tail.length - END_LEN; i >= 0; i--) {
    if (tail[i] === 0x50 && view(tail).getUint32(i, true) === SIG.end) return base + i;
  }
  return undefined;
}

function locate(src: ByteSource, log: AnomalyLog): Located {
  const endPos = findEnd(src);
  if (endPos === undefined) throw malformed('not a zip archive: no end of central directory record');
  const end = view(src.readAt(endPos, END_LEN));
  const commentLen = end.getUint16(20, true);
  if (endPos + END_LEN + commentLen !== src.size) {
    const extra = src.size - endPos - END_LEN - commentLen;
    log.add(
      'trailing-data',
      extra > 0 ? `${extra} bytes after the end record` : 'comment length runs past EOF',
    );
  }
  let disk = end.getUint16(4, true);
  let cdDisk = end.getUint16(6, true);
  let onDisk = end.getUint16(8, true);
  let total = end.getUint16(10, true);
  let size = end.getUint32(12, true);
  let offset = end.getUint32(16, true);
  let recordAfterCd = endPos;
  if (sigAt(src, endPos - LOCATOR_LEN, SIG.locator)) {
    const loc = view(src.readAt(endPos - LOCATOR_LEN, LOCATOR_LEN));
    // miniz trusts the locator's offset; zipfile looks right before the locator, which survives prepending.
    const declared = u64(loc, 8);
    const adjacent = endPos - LOCATOR_LEN - END64_LEN;
    const [at, other] = [declared, adjacent].filter(
      (p) => p + END64_LEN <= src.size && sigAt(src, p, SIG.end64),
    );
    if (other !== undefined && other !== at) {
      log.add('ambiguous-directory', `two ZIP64 end records: torch reads ${at}, Python's zipfile ${other}`);
    }
    if (at === undefined) {
      log.add('bad-zip64', `ZIP64 locator points at ${declared}, but no ZIP64 end record is there`);
    } else {
      const e = view(src.readAt(at, END64_LEN));
      log.add('zip64', `ZIP64 end of central directory at offset ${at}`);
      disk = e.getUint32(16, true);
      cdDisk = e.getUint32(20, true);
      onDisk = u64(e, 24);
      total = u64(e, 32);
      size = u64(e, 40);
      offset = u64(e, 48);
      recordAfterCd = at;
    }
  }
  if (disk !== 0 || cdDisk !== 0) log.add('multi-disk', `disk ${disk}, directory on disk ${cdDisk}`);
  if (onDisk !== total) {
    log.add('count-mismatch', `end record says ${onDisk} entries on this disk, ${total} total`);
  }
  if (!Number.isSafeInteger(offset + size)) {
    throw malformed(`central directory out of bounds: offset ${offset} + size ${size}`);
  }
  // Python's zipfile: the directory really sits right before the end record; the difference is prepended data.
  const concat = recordAfterCd - size - offset;
  const actual = offset + concat;
  if (size === 0) {
    if (concat !== 0) log.add('prepended-data', `empty archive, offsets off by ${concat} bytes`);
    return { start: Math.max(0, actual), size, declaredEntries: total, prepended: concat };
  }
  const found = (p: number) => p >= 0 && p + size <= src.size && sigAt(src, p, SIG.central);
  const actualOk = concat !== 0 && found(actual);
  if (found(offset)) {
    // miniz (torch) always trusts the declared offset, so that is the view we report entries from.
    if (concat !== 0) {
      const other = actualOk ? `reads another directory at ${actual}` : `looks at ${actual} and fails`;
      log.add('ambiguous-directory', `torch reads the directory at ${offset}; Python's zipfile ${other}`);
    }
    return { start: offset, size, declaredEntries: total, prepended: 0 };
  }
  if (!actualOk) {
    throw malformed(
      offset + size > src.size
        ? `central directory out of bounds: offset ${offset} + size ${size} > file size ${src.size}`
        : `no central directory at offset ${offset} (nor at ${actual} allowing for prepended data)`,
    );
  }
  // A negative shift is no real archive, but zipfile accepts it as long as the directory start stays >= 0.
  const why =
    concat > 0 ? `${concat} bytes prepended to the archive` : `declared offsets ${-concat} bytes too large`;
  log.add('prepended-data', `directory found at ${actual}, not ${offset}: ${why}`);
  return { start: actual, size, declaredEntries: total, prepended: concat };
}

/** Walks the central directory records through a 1 MiB window, so a big directory costs few reads. */
function walkCentral(src: ByteSource, dir: Located, maxEntries: number, log: AnomalyLog): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const end = dir.start + dir.size;
  let winStart = 0;
  let win: Uint8Array = new Uint8Array(0);
  let wv = view(win);
  /** Makes [at, at + len) available in `win`/`wv` and returns where it starts there. */
  const load = (at: number, len: number): number => {
    if (at < winStart || at + len > winStart + win.length) {
      winStart = at;
      win = src.readAt(at, Math.min(Math.max(len, CHUNK), end - at));
      wv = view(win);
      if (win.length < len) throw malformed(`short read in the central directory at offset ${at}`);
    }
    return at - winStart;
  };
  let pos = dir.start;
  while (pos < end) {
    if (pos + CENTRAL_LEN > end) {
      log.add('bad-central-header', `truncated central record at offset ${pos}`);
      break;
    }
    let o = load(pos, CENTRAL_LEN);
    if (wv.getUint32(o, true) !== SIG.central) {
      log.add('bad-central-header', `no central record signature at offset ${pos}`);
      break;
    }
    const nameLen = wv.getUint16(o + 28, true);
    const extraLen = wv.getUint16(o + 30, true);
    const recEnd = pos + CENTRAL_LEN + nameLen + extraLen + wv.getUint16(o + 32, true);
    if (recEnd > end) {
      log.add('bad-central-header', `central record at offset ${pos} runs past the directory end`);
      break;
    }
    if (entries.length >= maxEntries) {
      throw new ParapetError('LIMIT', `zip has more than ${maxEntries} entries`);
    }
    o = load(pos, recEnd - pos);
    const flags = wv.getUint16(o + 8, true);
    const rawName = win.slice(o + CENTRAL_LEN, o + CENTRAL_LEN + nameLen);
    const name = decodeName(rawName, flags);
    const sizes = [wv.getUint32(o + 24, true), wv.getUint32(o + 20, true), wv.getUint32(o + 42, true)];
    if (extraLen > 0 || sizes.includes(U32_MAX)) {
      const extraAt = o + CENTRAL_LEN + nameLen;
      applyZip64(sizes, win.subarray(extraAt, extraAt + extraLen), name, log);
    }
    entries.push({
      name,
      rawName,
      method: wv.getUint16(o + 10, true),
      flags,
      crc32: wv.getUint32(o + 16, true),
      compressedSize: sizes[1]!,
      uncompressedSize: sizes[0]!,
      localHeaderOffset: sizes[2]! + dir.prepended,
      dataOffset: undefined,
      localName: undefined,
      localFlags: undefined,
      index: entries.length,
      // Central-directory "version made by" high byte 3 = Unix: the external attributes then hold st_mode.
      unixMode: wv.getUint8(o + 5) === 3 ? wv.getUint32(o + 38, true) >>> 16 : undefined,
    });
    pos = recEnd;
  }
  if (pos !== end) {
    log.add('size-mismatch', `directory declares ${dir.size} bytes, records cover ${pos - dir.start}`);
  }
  if (entries.length !== dir.declaredEntries) {
    log.add(
      'count-mismatch',
      `end record declares ${dir.declaredEntries} entries, directory holds ${entries.length}`,
    );
  }
  return entries;
}

/** Replaces 0xFFFFFFFF sizes/offset with the ZIP64 extra's values, in the spec's order, as miniz and zipfile do. */
function applyZip64(sizes: number[], extra: Uint8Array, name: string, log: AnomalyLog): void {
  let zip64: DataView | undefined;
  for (let p = 0; p + 4 <= extra.length; ) {
    const v = view(extra.subarray(p));
    const [id, len] = [v.getUint16(0, true), v.getUint16(2, true)];
    if (p + 4 + len > extra.length) {
      log.add('bad-extra-field', `extra field 0x${id.toString(16)} overruns the record`, name);
      break;
    }
    if (id === 1) zip64 = view(extra.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  let at = 0;
  for (let i = 0; i < sizes.length; i++) {
    if (sizes[i] !== U32_MAX) continue;
    if (zip64 === undefined || at + 8 > zip64.byteLength) {
      log.add('bad-extra-field', 'a 0xFFFFFFFF field has no ZIP64 extra value; kept as is', name);
      return;
    }
    sizes[i] = u64(zip64, at);
    at += 8;
  }
}

/** Reads one local header to find the data and to compare what zipfile checks (name, flags) against torch's view. */
function readLocal(src: ByteSource, e: ZipEntry, log: AnomalyLog): void {
  const at = e.localHeaderOffset;
  // One read covers the header and, usually, the name: a 100k-entry archive costs 100k reads, not 300k.
  const head =
    at >= 0 && at + LOCAL_LEN <= src.size ? src.readAt(at, LOCAL_LEN + e.rawName.length) : undefined;
  if (head === undefined || head.length < LOCAL_LEN || view(head).getUint32(0, true) !== SIG.local) {
    log.add('bad-local-header', `no local header at offset ${at}`, e.name);
    return;
  }
  const h = view(head);
  const [nameLen, extraLen] = [h.getUint16(26, true), h.getUint16(28, true)];
  // Only a same-length name can match; a different one is read no further than needed to show it.
  const raw =
    nameLen === e.rawName.length
      ? head.subarray(LOCAL_LEN, LOCAL_LEN + nameLen)
      : src.readAt(at + LOCAL_LEN, Math.min(nameLen, 256));
  e.localFlags = h.getUint16(6, true);
  e.localName = decodeName(raw, e.flags) + (raw.length < nameLen ? '…' : '');
  if (raw.length !== e.rawName.length || Buffer.compare(raw, e.rawName) !== 0) {
    log.add('local-name-mismatch', `local header names it ${JSON.stringify(e.localName)}`, e.name);
  }
  const diffs: string[] = [];
  if (h.getUint16(8, true) !== e.method) diffs.push(`method ${h.getUint16(8, true)}`);
  if (e.localFlags !== e.flags) diffs.push(`flags 0x${e.localFlags.toString(16)}`);
  if (!(e.localFlags & 0x8)) {
    // Without a data descriptor the local copy must agree; 0xFFFFFFFF defers to the local ZIP64 extra.
    const [crc, csize, usize] = [h.getUint32(14, true), h.getUint32(18, true), h.getUint32(22, true)];
    if (crc !== e.crc32) diffs.push(`crc 0x${crc.toString(16)}`);
    if (csize !== U32_MAX && csize !== e.compressedSize) diffs.push(`compressed size ${csize}`);
    if (usize !== U32_MAX && usize !== e.uncompressedSize) diffs.push(`uncompressed size ${usize}`);
  }
  if (diffs.length > 0) log.add('local-header-mismatch', `local header has ${diffs.join(', ')}`, e.name);
  e.dataOffset = at + LOCAL_LEN + nameLen + extraLen;
  if (e.dataOffset + e.compressedSize > src.size) {
    log.add(
      'truncated-member',
      `data ends at ${e.dataOffset + e.compressedSize}, past EOF ${src.size}`,
      e.name,
    );
  }
}

/** Why a name is unsafe to extract, if it is. */
function traversal(name: string): string | undefined {
  if (name.startsWith('/') || name.startsWith('\\')) return 'absolute path';
  if (name[1] === ':' && /^[A-Za-z]/.test(name)) return 'drive-letter path';
  if (escapesRoot(name)) return 'parent-directory segment that leaves the root';
  return undefined;
}

function checkName(n: string, entry: string, log: AnomalyLog): void {
  const why = traversal(n);
  if (why !== undefined) log.add('path-traversal', `${why} in ${JSON.stringify(n)}`, entry);
  if (n === '' || /[\x00-\x1f\x7f]/.test(n)) log.add('suspicious-name', JSON.stringify(n), entry);
  else if (n.includes('\\')) log.add('suspicious-name', `backslash separator in ${JSON.stringify(n)}`, entry);
}

function checkEntries(entries: ZipEntry[], log: AnomalyLog): void {
  const exact = new Map<string, number>();
  const folded = new Map<string, number>();
  const dangerMask = DANGEROUS_FLAGS.reduce((m, [bit]) => m | bit, 0);
  let zip64Sized = 0;
  for (const e of entries) {
    const flags = e.flags | (e.localFlags ?? 0);
    if (flags & dangerMask) {
      const bits = DANGEROUS_FLAGS.filter(([bit]) => flags & bit).map(([, what]) => what);
      log.add('flag-bits', `${bits.join(', ')}; torch reads it as plaintext anyway`, e.name);
    }
    checkName(e.name, e.name, log);
    if (e.localName !== undefined && e.localName !== e.name) checkName(e.localName, e.name, log);
    if (e.method === 0 && e.compressedSize !== e.uncompressedSize) {
      log.add('size-mismatch', `stored member: ${e.compressedSize} vs ${e.uncompressedSize} bytes`, e.name);
    }
    if (Math.max(e.compressedSize, e.uncompressedSize, e.localHeaderOffset) >= U32_MAX) zip64Sized++;
    // Raw bytes, not the decoded name: two invalid UTF-8 names can decode alike yet be different members.
    const key = e.flags & 0x800 ? decodeName(e.rawName, 0) : e.name;
    const lower = /[A-Z]/.test(key) ? key.replace(/[A-Z]/g, (c) => c.toLowerCase()) : key; // ASCII-only, as miniz
    const first = exact.get(key);
    const firstFolded = folded.get(lower);
    if (first !== undefined) log.add('duplicate-name', `same name as entry ${first}`, e.name);
    else if (firstFolded !== undefined) {
      log.add(
        'duplicate-name',
        `differs only in case from entry ${firstFolded}; miniz lookups ignore case`,
        e.name,
      );
    }
    if (first === undefined) exact.set(key, e.index);
    if (firstFolded === undefined) folded.set(lower, e.index);
  }
  if (zip64Sized > 0) log.add('zip64', `${zip64Sized} entries need ZIP64 sizes or offsets`);
}

/** Finds members that share bytes with each other or with the directory, and bytes nobody covers. */
function checkLayout(entries: ZipEntry[], dir: Located, log: AnomalyLog): void {
  const spans = entries
    .filter((e) => e.dataOffset !== undefined)
    .map((e) => ({ e, start: e.localHeaderOffset, end: (e.dataOffset ?? 0) + e.compressedSize }))
    .sort((a, b) => a.start - b.start);
  const cdEnd = dir.start + dir.size;
  let cursor = Math.max(0, dir.prepended);
  let owner: ZipEntry | undefined;
  let gaps = 0;
  let gapBytes = 0;
  let slack = 0; // a data descriptor (flag 0x8) follows the data and is not counted in its size
  for (const s of spans) {
    if (s.start < cursor && owner !== undefined) {
      log.add(
        'overlapping-entries',
        `local header at ${s.start} lies inside ${JSON.stringify(owner.name)}`,
        s.e.name,
      );
    } else if (s.start > cursor + slack) {
      gaps++;
      gapBytes += s.start - cursor;
    }
    if (s.start < cdEnd && s.end > dir.start) {
      log.add('overlapping-entries', `member bytes overlap the central directory at ${dir.start}`, s.e.name);
    }
    if (s.end > cursor) {
      cursor = s.end;
      owner = s.e;
      slack = s.e.flags & 0x8 ? 24 : 0;
    }
  }
  if (dir.start > cursor + slack) {
    gaps++;
    gapBytes += dir.start - cursor;
  }
  if (gaps > 0) log.add('unreferenced-data', `${gapBytes} bytes in ${gaps} gaps belong to no member`);
}

/**
 * Reads the central directory the way torch's miniz does, tolerating and reporting every trick listed in
 * ZipAnomalyKind. Throws ParapetError MALFORMED when there is no end record or the directory is out of
 * bounds, and LIMIT past `maxEntries` (default 100 000) entries. Never reads member data.
 */
export function readZipDirectory(src: ByteSource, limits: { maxEntries?: number } = {}): ZipDirectory {
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const log = new AnomalyLog();
  const dir = locate(src, log);
  const entries = walkCentral(src, dir, maxEntries, log);
  for (const e of entries) readLocal(src, e, log);
  checkEntries(entries, log);
  checkLayout(entries, dir, log);
  return { entries, anomalies: log.finish(), prependedBytes: dir.prepended };
}

/** True when the source starts like a zip (local header, or an empty archive) or has a readable end record. */
export function isZip(src: ByteSource): boolean {
  const head = src.readAt(0, 4);
  if (head.length === 4 && [SIG.local, SIG.end].includes(view(head).getUint32(0, true))) return true;
  try {
    locate(src, new AnomalyLog()); // prepended data: only an end record that leads to a directory counts
    return true;
  } catch (err) {
    if (err instanceof ParapetError) return false;
    throw err;
  }
}
