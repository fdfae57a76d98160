import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { crc32 } from 'node:zlib';
import { describeError, ParapetError } from '../../core/errors.ts';
import type { Advisory, AdvisoryIndex, Ecosystem } from '../types.ts';
import { type AffectedEntry, matchEntry } from './match.ts';
import { mergeAdvisories } from './merge.ts';
import { indexName } from './names.ts';

/**
 * The index file: line-delimited JSON, built to load in a few milliseconds at OSV-export scale.
 *
 *   line 1  header     {"format":"parapet-advisory-index","version":1,"builtAt":...,"records":...,"bodyCrc32":...}
 *   line 2  directory  {"PyPI":{"<name>":[offset,length],...},"npm":{...}}
 *   then    one line per package: a JSON array of its AffectedEntry records (ranges pre-sorted)
 *
 * Loading reads the bytes, checks the body's length and CRC-32, and parses the header and directory only; a
 * package's line is parsed the first time it is looked up, then cached. Offsets count bytes from the body start.
 */

export const INDEX_FORMAT = 'parapet-advisory-index';
export const INDEX_VERSION = 1;
/** The largest index file loaded; the full OSV PyPI export compiles to a few tens of MiB. */
const MAX_INDEX_BYTES = 1024 * 1024 * 1024;

/** What the header line says. */
export interface IndexHeader {
  format: typeof INDEX_FORMAT;
  version: typeof INDEX_VERSION;
  builtAt: string;
  /** Where the records came from, as the builder described it. */
  source: string;
  records: number;
  packages: number;
  /** Records dropped at build time, for `parapet db info`. */
  rejected: number;
  withdrawn: number;
  /** The newest `modified` timestamp of any record: how fresh the data is, as opposed to the build. */
  newestModified: string;
  bodyBytes: number;
  bodyCrc32: number;
}

type Directory = Partial<Record<Ecosystem, Record<string, [number, number]>>>;

/** Writes an index atomically (temp file, fsync, rename): a failed build never leaves a half-written index. */
export function writeIndexFile(
  out: string,
  header: Omit<IndexHeader, 'format' | 'version' | 'bodyBytes' | 'bodyCrc32' | 'packages'>,
  packages: ReadonlyMap<Ecosystem, ReadonlyMap<string, AffectedEntry[]>>,
): IndexHeader {
  const directory: Directory = {};
  const lines: Buffer[] = [];
  let offset = 0;
  let count = 0;
  for (const ecosystem of [...packages.keys()].sort()) {
    const byName = packages.get(ecosystem)!;
    const slots: Record<string, [number, number]> = {};
    for (const name of [...byName.keys()].sort()) {
      const entries = [...(byName.get(name) ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const line = Buffer.from(`${JSON.stringify(entries)}\n`, 'utf8');
      slots[name] = [offset, line.length - 1];
      offset += line.length;
      lines.push(line);
      count++;
    }
    directory[ecosystem] = slots;
  }
  const body = Buffer.concat(lines);
  const full: IndexHeader = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    ...header,
    packages: count,
    bodyBytes: body.length,
    bodyCrc32: crc32(body),
  };
  const tmp = `${out}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, Buffer.from(`${JSON.stringify(full)}\n${JSON.stringify(directory)}\n`, 'utf8'));
    writeAll(fd, body);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, out);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  return full;
}

function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
}

/** A loaded index: the AdvisoryIndex interface plus what `parapet db info` shows. */
export interface LoadedAdvisoryIndex extends AdvisoryIndex {
  readonly path: string;
  readonly header: IndexHeader;
}

/**
 * Loads an index written by writeIndexFile. Throws ParapetError: NOT_FOUND when the file is missing, MALFORMED
 * when it is not an index, is of another version, or fails its length or CRC check (truncated or edited).
 */
export function loadAdvisoryIndex(path: string): LoadedAdvisoryIndex {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > MAX_INDEX_BYTES)
      throw new ParapetError('LIMIT', `${path}: ${size} bytes, over the ${MAX_INDEX_BYTES}-byte index cap`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof ParapetError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParapetError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE',
      `cannot read advisory index ${path}: ${describeError(err)}`,
      { cause: err },
    );
  }
  const bad = (why: string) =>
    new ParapetError('MALFORMED', `${path} is not a usable advisory index: ${why}`);
  const headerEnd = bytes.indexOf(0x0a);
  const dirEnd = headerEnd < 0 ? -1 : bytes.indexOf(0x0a, headerEnd + 1);
  if (headerEnd < 0 || dirEnd < 0) throw bad('no header and directory lines');
  let header: IndexHeader;
  let directory: Directory;
  try {
    header = JSON.parse(bytes.toString('utf8', 0, headerEnd));
    if (header?.format !== INDEX_FORMAT) throw bad('not a Parapet advisory index');
    if (header.version !== INDEX_VERSION)
      throw bad(
        `format version ${header.version}, this Parapet reads ${INDEX_VERSION} (rebuild with parapet db update)`,
      );
    directory = JSON.parse(bytes.toString('utf8', headerEnd + 1, dirEnd));
  } catch (err) {
    if (err instanceof ParapetError) throw err;
    throw bad(describeError(err));
  }
  const body = bytes.subarray(dirEnd + 1);
  if (body.length !== header.bodyBytes)
    throw bad(`body is ${body.length} bytes, the header says ${header.bodyBytes}`);
  if (crc32(body) !== header.bodyCrc32) throw bad('body checksum mismatch (the file was damaged or edited)');
  return new Index(path, header, directory, body);
}

class Index implements LoadedAdvisoryIndex {
  private readonly cache = new Map<string, AffectedEntry[]>();
  constructor(
    readonly path: string,
    readonly header: IndexHeader,
    private readonly directory: Directory,
    private readonly body: Buffer,
  ) {}

  lookup(ecosystem: Ecosystem, name: string, version: string): Advisory[] {
    const hits: Advisory[] = [];
    for (const entry of this.entries(ecosystem, name)) {
      const match = matchEntry(entry, ecosystem, version);
      if (match.affected) hits.push(toAdvisory(entry, match.fixed));
    }
    return mergeAdvisories(ecosystem, hits);
  }

  lookupAnyVersion(ecosystem: Ecosystem, name: string): Advisory[] {
    const hits = this.entries(ecosystem, name)
      .filter((e) => e.all)
      .map((e) => toAdvisory(e, []));
    return mergeAdvisories(ecosystem, hits);
  }

  describe(): { source: string; records: number; packages: number; builtAt: string } {
    const { source, records, packages, builtAt } = this.header;
    return { source, records, packages, builtAt };
  }

  /** The package's entries, parsed on first use. */
  private entries(ecosystem: Ecosystem, name: string): AffectedEntry[] {
    const key = indexName(ecosystem, name);
    const slot = Object.hasOwn(this.directory[ecosystem] ?? {}, key)
      ? this.directory[ecosystem]?.[key]
      : undefined;
    if (slot === undefined) return [];
    const cacheKey = `${ecosystem}\0${key}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const [offset, length] = slot;
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      offset + length > this.body.length
    )
      throw new ParapetError('MALFORMED', `${this.path}: directory slot of ${key} is out of bounds`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.body.toString('utf8', offset, offset + length));
    } catch (err) {
      throw new ParapetError(
        'MALFORMED',
        `${this.path}: entries of ${key} do not parse (${describeError(err)})`,
      );
    }
    if (!Array.isArray(parsed))
      throw new ParapetError('MALFORMED', `${this.path}: entries of ${key} are not a list`);
    this.cache.set(cacheKey, parsed);
    return parsed;
  }
}

function toAdvisory(entry: AffectedEntry, fixed: string[]): Advisory {
  return {
    id: entry.id,
    aliases: entry.aliases,
    summary: entry.summary,
    severity: entry.severity,
    fixed,
    malicious: entry.malicious === true,
    references: entry.references,
  };
}
