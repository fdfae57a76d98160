/**
 * Which files make up a model, as the reference implementation enumerates them (model_signing's file
 * serializers: `model_path.glob("**\/*")` then filters):
 *
 * - Every regular file under the model root counts, hidden ones included (pathlib's glob does not skip
 *   dot files). Directories only contribute their files; empty ones vanish.
 * - Ignored paths (relative to the root) drop the path and its whole subtree; they are matched as exact
 *   relative paths, so `.git` ignores the top-level `.git` but not `sub/.git`. Ignored subtrees are not
 *   even entered, so nothing in them can fail the walk.
 * - Symbolic links are refused (the model root included) unless allowed. When allowed, a link to a file
 *   is hashed under the link's own name with the target's contents (even outside the model); a link to a
 *   directory is NOT descended into — Python's recursive glob never follows directory links — so links
 *   cannot create loops. A broken link is an error, as in the reference.
 * - Anything else (FIFOs, sockets, devices) is an error: reading one could hang or never end.
 * - A single file is a model of one resource, named `.`.
 *
 * Bounded: at most MAX_RESOURCES files, MAX_ENTRIES entries, MAX_DEPTH directory levels. Names that are
 * not valid UTF-8 are refused (they cannot be written into a JSON statement losslessly; the spec requires
 * rejecting them).
 */
import type { Stats } from 'node:fs';
import { lstat, opendir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ParapetError } from '../../core/errors.ts';
import { MAX_RESOURCES, SINGLE_FILE_NAME } from './manifest.ts';

/** Directory levels below the model root that a walk will enter. */
export const MAX_DEPTH = 256;

/** Directory entries (files, directories, links) a walk will look at. */
export const MAX_ENTRIES = 2 * MAX_RESOURCES;

/** Files whose sizes are fetched at once. */
const STAT_BATCH = 64;

/** A regular file of the model. */
export interface ModelFile {
  /** POSIX path relative to the model root; `.` for a single-file model. */
  name: string;
  /** Where to read it (a link's own path when it is an allowed symlink: opening follows it). */
  path: string;
  size: number;
}

export interface WalkOptions {
  allowSymlinks: boolean;
  /** Normalised relative POSIX paths (no `./`, no trailing `/`, no `..`) to leave out with their subtrees. */
  ignore: ReadonlySet<string>;
}

export interface ModelTree {
  /** Absolute path of the model (a directory or a file). */
  root: string;
  isFile: boolean;
  files: ModelFile[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Lists the model's files (unordered). Throws ParapetError: NOT_FOUND, UNREADABLE, USAGE, MALFORMED, LIMIT. */
export async function walkModel(root: string, options: WalkOptions): Promise<ModelTree> {
  const top = await statEntry(root, root, options.allowSymlinks);
  if (top.isFile())
    return { root, isFile: true, files: [{ name: SINGLE_FILE_NAME, path: root, size: top.size }] };
  if (!top.isDirectory()) throw notFileOrDirectory(root);

  const files: ModelFile[] = [];
  let entriesSeen = 0;
  // Regular files wait here for their sizes, fetched in parallel batches: a directory of many small files
  // would otherwise cost one stat round trip per file.
  let unsized: { name: string; path: string }[] = [];
  const sizeBatch = async () => {
    const stats = await Promise.all(unsized.map((f) => fsCall(() => stat(f.path), f.name)));
    unsized.forEach((f, i) => {
      files.push({ name: f.name, path: f.path, size: (stats[i] as Stats).size });
    });
    unsized = [];
  };

  // Iterative depth-first walk: no recursion depth to blow, and MAX_DEPTH bounds bind-mount loops.
  const pending: { dir: string; prefix: string; depth: number }[] = [{ dir: root, prefix: '', depth: 0 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { dir, prefix, depth } = item;
    // Streamed, not read whole: a directory of millions of entries hits the caps below, not memory.
    // encoding 'buffer' works at run time (names arrive as Buffers); @types/node only lists text encodings.
    const listing = await fsCall(() => opendir(dir, { encoding: 'buffer' as BufferEncoding }), prefix || dir);
    try {
      for await (const entry of listing) {
        if (++entriesSeen > MAX_ENTRIES)
          throw new ParapetError('LIMIT', `model has more than ${MAX_ENTRIES} files and directories`);
        const name = decodeName(entry.name as unknown as Buffer, prefix);
        const rel = prefix === '' ? name : `${prefix}/${name}`;
        if (options.ignore.has(rel)) continue;
        const path = join(dir, name);
        if (entry.isDirectory()) {
          if (depth + 1 > MAX_DEPTH)
            throw new ParapetError('LIMIT', `model is nested deeper than ${MAX_DEPTH} directories at ${rel}`);
          pending.push({ dir: path, prefix: rel, depth: depth + 1 });
        } else if (entry.isFile()) {
          unsized.push({ name: rel, path });
          if (unsized.length >= STAT_BATCH) await sizeBatch();
        } else if (entry.isSymbolicLink()) {
          const target = await statEntry(path, rel, options.allowSymlinks);
          if (target.isFile()) files.push({ name: rel, path, size: target.size });
          else if (!target.isDirectory()) throw notFileOrDirectory(rel);
          // A link to a directory: skipped, as the reference's glob skips it.
        } else {
          throw notFileOrDirectory(rel);
        }
        if (files.length + unsized.length > MAX_RESOURCES)
          throw new ParapetError('LIMIT', `model has more than ${MAX_RESOURCES} files`);
      }
    } catch (err) {
      // A failure while reading the listing itself (an I/O error mid-directory) is still a ParapetError.
      throw err instanceof ParapetError ? err : fsError(err, prefix || dir);
    }
  }
  await sizeBatch();
  return { root, isFile: false, files };
}

/** The model's name for the statement subject: the base name of the model path, as the reference has it. */
export function modelNameOf(root: string): string {
  return basename(root) || root;
}

/**
 * lstat, refusing a symlink unless allowed, then (for an allowed link) stat of its target. `what` names
 * the entry in errors.
 */
async function statEntry(path: string, what: string, allowSymlinks: boolean): Promise<Stats> {
  const own = await fsCall(() => lstat(path), what);
  if (!own.isSymbolicLink()) return own;
  if (!allowSymlinks)
    throw new ParapetError(
      'USAGE',
      `${what} is a symbolic link; links are refused unless allowed (allowSymlinks / --allow-symlinks)`,
    );
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ParapetError('NOT_FOUND', `${what} is a broken symbolic link`);
    if (code === 'ELOOP') throw new ParapetError('LIMIT', `${what} is a symbolic link loop`);
    throw fsError(err, what);
  }
}

function decodeName(raw: Buffer, prefix: string): string {
  try {
    return utf8.decode(raw);
  } catch {
    const where = prefix === '' ? 'the model root' : prefix;
    throw new ParapetError('MALFORMED', `a file name in ${where} is not valid UTF-8 and cannot be signed`);
  }
}

async function fsCall<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fsError(err, what);
  }
}

function fsError(err: unknown, what: string): ParapetError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new ParapetError('NOT_FOUND', `not found: ${what}`, { cause: err });
  if (e.code === 'EACCES' || e.code === 'EPERM')
    return new ParapetError('UNREADABLE', `cannot read ${what}: permission denied`, { cause: err });
  return new ParapetError('UNREADABLE', `cannot read ${what}: ${e.message}`, { cause: err });
}

function notFileOrDirectory(what: string): ParapetError {
  return new ParapetError(
    'USAGE',
    `${what} is neither a regular file nor a directory (a FIFO, socket or device cannot be part of a signed model)`,
  );
}
