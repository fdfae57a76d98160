import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadedAdvisoryIndex, loadAdvisoryIndex } from './index-file.ts';

/**
 * Where advisory data lives. Parapet ships a snapshot (`data/advisories/index.ndjson`, built by
 * scripts/build-advisory-snapshot.ts from the pypa advisory database and Parapet's curated records) so a scan
 * works offline out of the box; `parapet db update` writes a fresher index to the user's data directory, which
 * then takes precedence.
 */

/** File name of an index in the user's data directory. */
export const USER_INDEX_FILE = 'advisories.ndjson';

/** The snapshot shipped with Parapet. The same relative path works from src/ (tsx) and from dist/ (built). */
export function bundledIndexPath(): string {
  return fileURLToPath(new URL('../../../data/advisories/index.ndjson', import.meta.url));
}

/** Loads the shipped snapshot (see loadAdvisoryIndex for errors). */
export function loadBundledIndex(): LoadedAdvisoryIndex {
  return loadAdvisoryIndex(bundledIndexPath());
}

/**
 * The user's index: `$PARAPET_DATA_DIR/advisories.ndjson` when set, else `$XDG_CACHE_HOME/parapet/...`, else
 * `~/.cache/parapet/advisories.ndjson`. A cache directory because the file can always be rebuilt.
 */
export function userIndexPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.PARAPET_DATA_DIR) return join(env.PARAPET_DATA_DIR, USER_INDEX_FILE);
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'parapet', USER_INDEX_FILE);
}

/** Which index a scan or `parapet db info` uses, and why. */
export interface IndexChoice {
  path: string;
  origin: 'option' | 'user' | 'bundled';
}

/** An explicit path wins; otherwise the user's index when it exists; otherwise the shipped snapshot. */
export function chooseIndex(
  explicit?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): IndexChoice {
  if (explicit !== undefined) return { path: explicit, origin: 'option' };
  const user = userIndexPath(env);
  if (existsSync(user)) return { path: user, origin: 'user' };
  return { path: bundledIndexPath(), origin: 'bundled' };
}

/** Loads the index chooseIndex picks. Throws like loadAdvisoryIndex: a broken user index is an error, not a fallback. */
export function loadDefaultIndex(
  explicit?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LoadedAdvisoryIndex {
  return loadAdvisoryIndex(chooseIndex(explicit, env).path);
}
