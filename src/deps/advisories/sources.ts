import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { describeError, ParapetError } from '../../core/errors.ts';
import { bufferSource, openFileSource } from '../../formats/byte-source.ts';
import { readTarEntries } from '../../formats/tar.ts';
import { openZipMember, readZipDirectory } from '../../formats/zip.ts';

/**
 * Where OSV records come from: an OSV export zip (`PyPI/all.zip`: one `<ID>.json` per record), a tarball of an
 * advisory repository (`.tgz`/`.tar.gz`/`.tar`, e.g. the pypa advisory database), a directory tree (pypa's
 * `vulns/<pkg>/PYSEC-*.yaml`, OpenSSF's `osv/malicious/pypi/<name>/MAL-*.json`), or one record file. Every
 * member is read under a size cap; what cannot be read is reported per file, never thrown past the caller.
 */

/** Caps on what one build reads. */
export const SOURCE_LIMITS = {
  /** One record file; the largest real OSV records are a few hundred KiB (long `versions[]`). */
  fileBytes: 4 * 1024 * 1024,
  /** Files considered in one source. */
  files: 1_000_000,
  /** Everything read from one source, uncompressed. */
  totalBytes: 4 * 1024 * 1024 * 1024,
  /** A gzip'd tarball is unpacked in memory. */
  tarballBytes: 1024 * 1024 * 1024,
  /** Directory nesting followed. */
  depth: 16,
};

/** One candidate record file: its bytes, or why it could not be read. */
export type SourceItem = { path: string; data: Uint8Array } | { path: string; error: string };

/** What kind of input a path is, by content and shape rather than by extension alone. */
export type SourceKind = 'directory' | 'zip' | 'tarball' | 'file';

const RECORD_EXT = new Set(['.json', '.yaml', '.yml']);
/** OSV file names are the record id: an upper-case prefix, a dash, the rest (PYSEC-, GHSA-, MAL-, PARAPET-). */
const RECORD_NAME = /^[A-Z][A-Z0-9]*-[A-Za-z0-9._:+-]+$/;

/** Is `name` (a path inside the source) a record file by its name? Others are counted as skipped. */
export function isRecordFileName(name: string): boolean {
  const ext = extname(name).toLowerCase();
  return RECORD_EXT.has(ext) && RECORD_NAME.test(basename(name, extname(name)));
}

/** Classifies `path`; throws NOT_FOUND when it does not exist. */
export function sourceKind(path: string): SourceKind {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (err) {
    throw new ParapetError('NOT_FOUND', `cannot read ${path}: ${describeError(err)}`, { cause: err });
  }
  if (stat.isDirectory()) return 'directory';
  const head = readHead(path);
  if (head[0] === 0x50 && head[1] === 0x4b) return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tarball';
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'tarball';
  return 'file';
}

function readHead(path: string): Uint8Array {
  const src = openFileSource(path);
  try {
    return src.readAt(0, 512);
  } finally {
    src.close();
  }
}

/** Record files of `path`, with `skipped` counting files passed over by name (READMEs, workflows, ...). */
export function* readSource(path: string, counters: { skipped: number }): Generator<SourceItem> {
  const kind = sourceKind(path);
  if (kind === 'directory') yield* readDirectory(path, counters);
  else if (kind === 'zip') yield* readZip(path, counters);
  else if (kind === 'tarball') yield* readTarball(path, counters);
  else yield readOneFile(path, basename(path));
}

function readOneFile(path: string, shown: string): SourceItem {
  try {
    const size = lstatSync(path).size;
    if (size > SOURCE_LIMITS.fileBytes)
      return {
        path: shown,
        error: `${size} bytes, over the ${SOURCE_LIMITS.fileBytes}-byte cap for one record`,
      };
    return { path: shown, data: readFileSync(path) };
  } catch (err) {
    return { path: shown, error: `cannot read: ${describeError(err)}` };
  }
}

function* readDirectory(root: string, counters: { skipped: number }): Generator<SourceItem> {
  let files = 0;
  const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  while (stack.length > 0) {
    const { dir, depth } = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      yield { path: relative(root, dir) || '.', error: `cannot list: ${describeError(err)}` };
      continue;
    }
    // Reverse so that popping visits directories in name order: the build is reproducible.
    const subdirs: string[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue; // .git, .github, .id-allocator: never records
      const full = join(dir, name);
      let stat: ReturnType<typeof lstatSync>;
      try {
        stat = lstatSync(full); // lstat: symbolic links are not followed out of the tree
      } catch (err) {
        yield { path: relative(root, full), error: `cannot stat: ${describeError(err)}` };
        continue;
      }
      if (stat.isDirectory()) {
        if (depth + 1 > SOURCE_LIMITS.depth) {
          yield {
            path: relative(root, full),
            error: `nested deeper than ${SOURCE_LIMITS.depth} directories`,
          };
          continue;
        }
        subdirs.push(full);
      } else if (stat.isFile() && isRecordFileName(name)) {
        if (++files > SOURCE_LIMITS.files)
          throw new ParapetError('LIMIT', `more than ${SOURCE_LIMITS.files} record files in ${root}`);
        yield readOneFile(full, relative(root, full));
      } else counters.skipped++;
    }
    for (const sub of subdirs.reverse()) stack.push({ dir: sub, depth: depth + 1 });
  }
}

function* readZip(path: string, counters: { skipped: number }): Generator<SourceItem> {
  const src = openFileSource(path);
  try {
    const dir = readZipDirectory(src, { maxEntries: SOURCE_LIMITS.files });
    let total = 0;
    for (const entry of dir.entries) {
      if (entry.name.endsWith('/')) continue;
      if (!isRecordFileName(entry.name)) {
        counters.skipped++;
        continue;
      }
      if (entry.uncompressedSize > SOURCE_LIMITS.fileBytes) {
        yield { path: entry.name, error: `${entry.uncompressedSize} bytes, over the per-record cap` };
        continue;
      }
      try {
        const member = openZipMember(src, entry, { maxInflatedBytes: SOURCE_LIMITS.fileBytes });
        total += member.size;
        if (total > SOURCE_LIMITS.totalBytes)
          throw new ParapetError('LIMIT', `${path} inflates past ${SOURCE_LIMITS.totalBytes} bytes`);
        // Copy out of the file window: the source is closed once the walk ends.
        yield { path: entry.name, data: Uint8Array.from(member.readAt(0, member.size)) };
      } catch (err) {
        if (err instanceof ParapetError && err.code === 'LIMIT' && total > SOURCE_LIMITS.totalBytes)
          throw err;
        yield { path: entry.name, error: describeError(err) };
      }
    }
  } finally {
    src.close();
  }
}

function* readTarball(path: string, counters: { skipped: number }): Generator<SourceItem> {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: SOURCE_LIMITS.tarballBytes });
    } catch (err) {
      throw new ParapetError('MALFORMED', `${path}: not a readable gzip stream (${describeError(err)})`, {
        cause: err,
      });
    }
  }
  const src = bufferSource(bytes);
  const listing = readTarEntries(src, { maxEntries: SOURCE_LIMITS.files });
  for (const entry of listing.entries) {
    if (entry.type !== '0') continue; // directories, links and devices are never records
    if (!isRecordFileName(entry.name)) {
      counters.skipped++;
      continue;
    }
    if (entry.size > SOURCE_LIMITS.fileBytes) {
      yield { path: entry.name, error: `${entry.size} bytes, over the per-record cap` };
      continue;
    }
    const data = src.readAt(entry.dataOffset, entry.size);
    if (data.length !== entry.size) yield { path: entry.name, error: 'truncated in the archive' };
    else yield { path: entry.name, data };
  }
  for (const anomaly of listing.anomalies) {
    if (anomaly.kind === 'truncated' || anomaly.kind === 'bad-header' || anomaly.kind === 'bad-checksum')
      yield { path: anomaly.entry ?? path, error: `archive damaged: ${anomaly.detail}` };
  }
}

/**
 * YAML as OSV files need it: YAML 1.2 core schema without its int and float tags, so `fixed: 1.10` stays the
 * string "1.10" instead of the number 1.1. Aliases are capped by the parser (billion-laughs).
 */
const yamlOptions = {
  schema: 'core',
  customTags: (tags: unknown[]) =>
    tags.filter((t) => {
      const tag = (t as { tag?: string }).tag;
      return tag !== 'tag:yaml.org,2002:int' && tag !== 'tag:yaml.org,2002:float';
    }),
  merge: false,
  maxAliasCount: 100,
} as const;

/** Parses one record file by its extension; throws with a short message on bad syntax. */
export function parseRecordFile(path: string, data: Uint8Array): unknown {
  let text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (extname(path).toLowerCase() === '.json') return JSON.parse(text);
  // biome-ignore lint/suspicious/noExplicitAny: the yaml typings do not accept a tag filter on the core schema
  return parseYaml(text, yamlOptions as any);
}
