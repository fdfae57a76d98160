import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';

const BLOCK = 512;
/** GNU long names and pax headers are read into memory; anything bigger than this is not a real path. */
const MAX_META_BYTES = 1 << 20;
const DEFAULT_MAX_ENTRIES = 100_000;
/** A hostile archive can trigger an anomaly per block; past this many, more of them add nothing. */
const MAX_ANOMALIES = 1000;

/** One member of a tar archive; the data is not read, only located. */
export interface TarEntry {
  /** Full path after pax `path`, GNU long name or ustar prefix is applied. */
  name: string;
  /** The typeflag: '0' file ('\0' is reported as '0'), '5' dir, '2' symlink, '1' hardlink, '3'/'4'/'6' devices and fifos... */
  type: string;
  /** Declared data size (after a pax `size` override). */
  size: number;
  /** Offset of the member's data in the source. */
  dataOffset: number;
  /** Symlink or hardlink target; empty for other types. */
  linkName: string;
}

/** Something a scanner should report about the archive itself. */
export type TarAnomalyKind =
  | 'path-traversal'
  | 'absolute-path'
  | 'link-outside'
  | 'bad-checksum'
  | 'truncated'
  | 'bad-header'
  | 'lone-zero-block'
  | 'duplicate-name'
  | 'special-file'
  | 'too-many-entries';

/** A structural problem found while walking the archive. */
export interface TarAnomaly {
  kind: TarAnomalyKind;
  entry?: string;
  detail: string;
}

/** Result of walking a tar archive's headers. */
export interface TarListing {
  entries: TarEntry[];
  anomalies: TarAnomaly[];
}

/** True when the first block is a ustar/GNU header or a v7 header with a valid checksum. */
export function isTar(src: ByteSource): boolean {
  const block = src.readAt(0, BLOCK);
  if (block.length < BLOCK) return false;
  if (ascii(block, 257, 5) === 'ustar') return true;
  return !isZeroBlock(block) && checksumOk(block);
}

/**
 * Walks the headers of a tar archive, seeking over member data, and returns every member with its location.
 * Throws ParapetError('MALFORMED') only when the first header is not a tar header; later damage ends the walk
 * with an anomaly so that the members before it can still be scanned.
 */
export function readTarEntries(src: ByteSource, limits?: { maxEntries?: number }): TarListing {
  const maxEntries = limits?.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const entries: TarEntry[] = [];
  const anomalies: TarAnomaly[] = [];
  const note: Note = (kind, detail, entry) => {
    if (anomalies.length < MAX_ANOMALIES)
      anomalies.push(entry === undefined ? { kind, detail } : { kind, entry, detail });
  };
  const seen = new Set<string>();
  let global: PaxFields = {};
  let local: PaxFields = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let off = 0;

  for (;;) {
    const block = src.readAt(off, BLOCK);
    if (block.length === 0) break;
    if (block.length < BLOCK) {
      note('truncated', `archive ends inside a header at offset ${off}`);
      break;
    }
    if (isZeroBlock(block)) {
      const next = src.readAt(off + BLOCK, BLOCK);
      if (next.length < BLOCK || isZeroBlock(next)) break;
      // GNU tar stops at a lone zero block, Python's tarfile does not: whatever follows may be hidden from one of them.
      note('lone-zero-block', `a single zero block at offset ${off} is followed by more headers`);
      off += BLOCK;
      continue;
    }
    if (!checksumOk(block)) {
      if (off === 0) throw new ParapetError('MALFORMED', 'tar: the first header has a bad checksum');
      note('bad-checksum', `header at offset ${off} has a bad checksum; stopped reading`);
      break;
    }
    const rawType = block[156]!;
    let type = rawType === 0 ? '0' : String.fromCharCode(rawType);
    const headerSize = parseNumeric(block.subarray(124, 136));
    if (headerSize === undefined) {
      note('bad-header', `header at offset ${off} has an unreadable size field; stopped reading`);
      break;
    }
    const dataOffset = off + BLOCK;

    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      const data = readMeta(src, dataOffset, headerSize);
      if (typeof data === 'string') {
        note(data === 'truncated' ? 'truncated' : 'bad-header', `${type} header at offset ${off}: ${data}`);
        if (data === 'truncated') break;
      } else if (type === 'L') longName = cString(data);
      else if (type === 'K') longLink = cString(data);
      else {
        const fields = parsePax(data);
        if (fields === undefined) note('bad-header', `pax header at offset ${off} is malformed`);
        else if (type === 'x') local = { ...local, ...fields };
        else global = { ...global, ...fields };
      }
      off = dataOffset + padded(headerSize);
      continue;
    }

    if (entries.length >= maxEntries) {
      note('too-many-entries', `stopped after ${maxEntries} entries`);
      break;
    }
    const pax = { ...global, ...local };
    const magic = ascii(block, 257, 6);
    const prefix = magic === 'ustar\0' ? cString(block.subarray(345, 500)) : '';
    const shortName = cString(block.subarray(0, 100));
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${shortName}` : shortName);
    const linkName = pax.linkpath ?? longLink ?? cString(block.subarray(157, 257));
    let size = headerSize;
    if (pax.size !== undefined) {
      if (!/^\d{1,16}$/.test(pax.size) || !Number.isSafeInteger(Number(pax.size))) {
        note('bad-header', `pax size ${quote(pax.size)} is invalid`, name);
        break;
      }
      size = Number(pax.size);
    }
    // Old writers marked directories as plain files with a trailing slash; Python's tarfile reads them as dirs.
    if (rawType === 0 && name.endsWith('/')) type = '5';
    local = {};
    longName = undefined;
    longLink = undefined;

    entries.push({ name, type, size, dataOffset, linkName });
    checkEntry(name, type, linkName, note);
    if (seen.has(name))
      note('duplicate-name', 'a later member with the same path overrides an earlier one', name);
    seen.add(name);

    // Python's tarfile (what loads legacy torch tars) skips data only for regular and unknown types; follow it.
    const hasData = !'123456'.includes(type);
    if (!hasData && size > 0) {
      note('bad-header', `type '${type}' member declares ${size} data bytes that readers disagree on`, name);
    }
    const span = hasData ? padded(size) : 0;
    if (dataOffset + size > src.size && hasData) {
      note('truncated', `member declares ${size} bytes but the archive ends first`, name);
      break;
    }
    off = dataOffset + span;
  }
  return { entries, anomalies };
}

/** Why an archive member path is unsafe to extract as-is, or undefined when it stays inside the target dir. */
export function pathAnomaly(name: string): 'absolute-path' | 'path-traversal' | undefined {
  if (/^([/\\]|[A-Za-z]:)/.test(name)) return 'absolute-path';
  // `a/../b` stays inside the root; only a path that climbs above it escapes.
  if (escapesRoot(name)) return 'path-traversal';
  return undefined;
}

/** True when a relative path climbs above the directory it is resolved from (`../x`, `a/../../x`). */
export function escapesRoot(path: string): boolean {
  let depth = 0;
  for (const part of path.split(/[/\\]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** True when `target`, resolved from the directory holding `entryName`, leaves the extraction root. */
export function linkEscapes(entryName: string, target: string): boolean {
  if (/^([/\\]|[A-Za-z]:)/.test(target)) return true;
  let depth = entryName.split(/[/\\]/).filter((p) => p !== '' && p !== '.').length - 1;
  for (const part of target.split(/[/\\]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** A name for a message: hostile names can be a megabyte long. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}...` : s);
}

type Note = (kind: TarAnomalyKind, detail: string, entry?: string) => void;

function checkEntry(name: string, type: string, linkName: string, note: Note): void {
  const bad = pathAnomaly(name);
  if (bad) note(bad, `member path ${quote(name)} escapes the extraction directory`, name);
  if (type === '2' && linkEscapes(name, linkName)) {
    note('link-outside', `symlink points outside the archive: ${quote(linkName)}`, name);
  }
  if (type === '1' && pathAnomaly(linkName)) {
    note('link-outside', `hardlink points outside the archive: ${quote(linkName)}`, name);
  }
  if (type === '3' || type === '4' || type === '6') {
    note('special-file', `member is a ${type === '6' ? 'fifo' : 'device node'}`, name);
  }
}

interface PaxFields {
  path?: string;
  linkpath?: string;
  size?: string;
}

function readMeta(src: ByteSource, offset: number, size: number): Uint8Array | string {
  if (offset + size > src.size) return 'truncated';
  if (size > MAX_META_BYTES) return `${size} bytes exceeds the ${MAX_META_BYTES}-byte cap; ignored`;
  return src.readAt(offset, size);
}

/** Parses `"<len> <key>=<value>\n"` records; undefined when a record is inconsistent. */
function parsePax(data: Uint8Array): PaxFields | undefined {
  const out: PaxFields = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad the block with NULs
    let sp = pos;
    while (sp < data.length && sp - pos < 12 && data[sp]! >= 0x30 && data[sp]! <= 0x39) sp++;
    if (sp === pos || data[sp] !== 0x20) return undefined;
    const len = Number(ascii(data, pos, sp - pos));
    if (len <= sp - pos + 1 || pos + len > data.length || data[pos + len - 1] !== 0x0a) return undefined;
    const record = utf8(data.subarray(sp + 1, pos + len - 1));
    const eq = record.indexOf('=');
    if (eq < 0) return undefined;
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path' || key === 'linkpath' || key === 'size') out[key] = value;
    pos += len;
  }
  return out;
}

/** Octal (read up to the first NUL and trimmed, as Python's tarfile does) or GNU base-256; undefined for garbage or past 2^53. */
function parseNumeric(field: Uint8Array): number | undefined {
  const first = field[0]!;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let n = first & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const nul = field.indexOf(0);
  const text = ascii(field, 0, nul < 0 ? field.length : nul).trim();
  if (!/^[0-7]*$/.test(text)) return undefined;
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function checksumOk(block: Uint8Array): boolean {
  const stored = parseNumeric(block.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Some old writers summed signed chars; tar readers accept either.
  return stored === unsigned || stored === signed;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (const b of block) if (b !== 0) return false;
  return true;
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return utf8(nul < 0 ? bytes : bytes.subarray(0, nul));
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

function ascii(bytes: Uint8Array, start: number, len: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + len));
}
