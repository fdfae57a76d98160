import { type Dirent, existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describeError, ParapetError } from '../../core/errors.ts';
import { openFileSource } from '../../formats/byte-source.ts';
import { hashFile } from './file-hash.ts';
import { decodeText, type HeaderSource, type ModelSource, type SourceEntry } from './source.ts';
import type { SbomIssue } from './types.ts';

/** Files listed per model; a directory with more is not a model and the listing stops (an incomplete BOM). */
export const MAX_MODEL_FILES = 100_000;
/** Directory nesting followed. */
const MAX_DEPTH = 64;
/**
 * Directories never listed: a git checkout's object store is not part of the model (the OMS signer leaves
 * `.git` out by default too), and hashing it would multiply the work.
 */
const SKIPPED_DIRS = new Set(['.git']);

/** Opens a local model directory or single file. Throws ParapetError NOT_FOUND or USAGE. */
export async function openLocalModel(path: string): Promise<ModelSource> {
  const abs = resolve(path);
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new ParapetError('NOT_FOUND', `${path}: no such file or directory`);
    throw new ParapetError('UNREADABLE', `${path}: ${describeError(err)}`);
  }
  if (st.isFile()) return new LocalSource(abs, true, [{ path: basename(abs), size: st.size }], []);
  if (!st.isDirectory()) throw new ParapetError('USAGE', `${path}: not a file or directory`);
  const issues: SbomIssue[] = [];
  const entries = await walk(abs, issues);
  return new LocalSource(abs, false, entries, issues);
}

/**
 * Lists regular files under `root`, depth first, with sizes. Links to regular files are followed (a Hugging
 * Face cache snapshot is made of them); links to directories are not (loops), and are recorded as issues.
 */
async function walk(root: string, issues: SbomIssue[]): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  const stack: { dir: string; rel: string; depth: number }[] = [{ dir: root, rel: '', depth: 0 }];
  while (stack.length > 0) {
    const { dir, rel, depth } = stack.pop()!;
    let items: Dirent[];
    try {
      items = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      issues.push({ path: rel, message: `directory not listed: ${describeError(err)}`, incomplete: true });
      continue;
    }
    for (const item of items) {
      const childRel = rel === '' ? item.name : `${rel}/${item.name}`;
      const abs = join(dir, item.name);
      if (item.isDirectory()) {
        if (SKIPPED_DIRS.has(item.name)) continue;
        if (depth + 1 > MAX_DEPTH) {
          issues.push({
            path: childRel,
            message: `nested deeper than ${MAX_DEPTH} directories; not listed`,
            incomplete: true,
          });
          continue;
        }
        stack.push({ dir: abs, rel: childRel, depth: depth + 1 });
      } else if (item.isFile() || item.isSymbolicLink()) {
        const entry = await fileEntry(abs, childRel, item.isSymbolicLink(), issues);
        if (entry === undefined) continue;
        if (entries.length >= MAX_MODEL_FILES) {
          issues.push({
            path: '',
            message: `more than ${MAX_MODEL_FILES} files; the rest were not listed`,
            incomplete: true,
          });
          return sortEntries(entries);
        }
        entries.push(entry);
      }
      // Sockets, FIFOs and devices are not model files: never opened (a FIFO would block the read).
    }
  }
  return sortEntries(entries);
}

async function fileEntry(
  abs: string,
  rel: string,
  link: boolean,
  issues: SbomIssue[],
): Promise<SourceEntry | undefined> {
  try {
    const st = await stat(abs);
    if (st.isFile()) return link ? { path: rel, size: st.size, symlink: true } : { path: rel, size: st.size };
    if (link && st.isDirectory()) {
      issues.push({ path: rel, message: 'link to a directory, not followed', incomplete: false });
    }
    return undefined;
  } catch (err) {
    issues.push({ path: rel, message: `not readable: ${describeError(err)}`, incomplete: true });
    return undefined;
  }
}

function sortEntries(entries: SourceEntry[]): SourceEntry[] {
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

class LocalSource implements ModelSource {
  readonly origin = 'local';
  readonly name: string;
  private readonly dir: string;

  constructor(
    readonly localPath: string,
    readonly singleFile: boolean,
    readonly entries: readonly SourceEntry[],
    readonly issues: readonly SbomIssue[],
  ) {
    this.name = basename(localPath);
    this.dir = singleFile ? dirname(localPath) : localPath;
  }

  /** The absolute path of a model-relative path (single-file models have one entry, their base name). */
  private abs(path: string): string {
    return this.singleFile ? this.localPath : join(this.dir, ...path.split('/'));
  }

  async readText(path: string, maxBytes: number): Promise<string> {
    const abs = this.abs(path);
    const { size } = await stat(abs);
    if (size > maxBytes)
      throw new ParapetError('LIMIT', `${size} bytes, over the ${maxBytes}-byte cap for this file`);
    return decodeText(await readFile(abs));
  }

  async openHeader(path: string): Promise<HeaderSource> {
    const src = openFileSource(this.abs(path));
    return { src, close: () => src.close() };
  }

  async hash(path: string, algorithms: Parameters<ModelSource['hash']>[1]) {
    return { hashes: await hashFile(this.abs(path), algorithms), origin: 'computed' as const };
  }

  async readSignature(explicit: string | undefined, maxBytes: number) {
    let abs: string;
    if (explicit !== undefined) {
      abs = resolve(explicit);
      if (!existsSync(abs)) throw new ParapetError('NOT_FOUND', `${explicit}: no such signature file`);
    } else {
      const candidates = this.singleFile
        ? [join(this.dir, 'model.sig'), `${this.localPath}.sig`]
        : [join(this.dir, 'model.sig')];
      const found = candidates.find((c) => existsSync(c));
      if (found === undefined) return undefined;
      abs = found;
    }
    const { size } = await stat(abs);
    if (size > maxBytes)
      throw new ParapetError('LIMIT', `signature file is ${size} bytes, over the ${maxBytes}-byte cap`);
    // Named relative to the model directory when inside it (the same name a Hub copy would have).
    let path = basename(abs);
    if (!this.singleFile) {
      const real = await realpath(abs).catch(() => abs);
      const realDir = await realpath(this.dir).catch(() => this.dir);
      if (isInside(realDir, real)) path = relative(realDir, real).split(sep).join('/');
    }
    return { path, text: decodeText(await readFile(abs)) };
  }
}
