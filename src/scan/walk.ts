import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, ParapetError } from '../core/errors.ts';

/** One item the walk produced: a regular file to scan, or a path that could not be walked. */
export type WalkItem =
  | { kind: 'file'; path: string; size: number }
  | { kind: 'error'; path: string; error: string }
  | { kind: 'skip'; path: string; why: string };

/** Directory names that never hold model files and are expensive to walk. */
const SKIP_DIRS = new Set(['.git', 'node_modules', '__pycache__']);

/**
 * Expands paths into files, depth first in name order (stable output). Symlinks are followed, but each
 * directory is entered once by its real path, so loops end. Unreadable entries become errors, never throws,
 * except for a top-level path that does not exist (a usage error).
 */
export function* walk(paths: readonly string[]): Generator<WalkItem> {
  for (const p of paths) {
    try {
      lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new ParapetError('NOT_FOUND', `no such file or directory: ${p}`);
    }
  }
  const seen = new Set<string>();
  for (const p of paths) yield* walkOne(p, seen);
}

function* walkOne(path: string, seen: Set<string>): Generator<WalkItem> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      yield { kind: 'error', path, error: 'symlink loop: the link never resolves to a file' };
    else if (code === 'ENOENT')
      yield { kind: 'error', path, error: 'dangling symlink: its target does not exist' };
    else yield { kind: 'error', path, error: describeError(err) };
    return;
  }
  if (st.isFile()) {
    // The same file given twice, or reached through two links, is scanned once.
    const real = realpathOrSelf(path);
    if (seen.has(real)) yield { kind: 'skip', path, why: `same file as one already scanned (${real})` };
    else {
      seen.add(real);
      yield { kind: 'file', path, size: st.size };
    }
    return;
  }
  if (!st.isDirectory()) {
    yield { kind: 'skip', path, why: 'not a regular file (device, socket or pipe)' };
    return;
  }
  let real: string;
  let names: string[];
  try {
    real = realpathSync(path);
    if (seen.has(real)) {
      yield {
        kind: 'skip',
        path,
        why: `directory already scanned as ${real} (symlink cycle or duplicate argument)`,
      };
      return;
    }
    seen.add(real);
    names = readdirSync(path).sort();
  } catch (err) {
    yield { kind: 'error', path, error: `cannot read directory: ${describeError(err)}` };
    return;
  }
  for (const name of names) {
    if (SKIP_DIRS.has(name)) {
      yield {
        kind: 'skip',
        path: join(path, name),
        why: 'tool directory, not walked (.git, node_modules, __pycache__)',
      };
      continue;
    }
    yield* walkOne(join(path, name), seen);
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
