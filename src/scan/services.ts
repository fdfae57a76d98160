/**
 * The services one scan shares across its files (see ScanServices in context.ts): the advisory index loaded
 * at most once, OSV queries when `--online` is on, and the include reader that lets a requirements file
 * pull in `-r base.txt` from beside it without letting a hostile manifest read files outside the scan.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describeError, ParapetError } from '../core/errors.ts';
import { loadDefaultIndex } from '../deps/advisories/bundled.ts';
import { queryOsvBatch } from '../deps/advisories/online.ts';
import { MAX_MANIFEST_BYTES } from '../deps/manifests/index.ts';
import type { AdvisoryIndex } from '../deps/types.ts';
import type { ScanOptions, ScanServices } from './context.ts';

/**
 * Services for a scan of `roots` (the directories the scanned paths live in; includes must stay inside one).
 * With no roots (in-memory bytes, Hub files) includes are not followed, and the parsers say so.
 */
export function createScanServices(options: ScanOptions, roots: readonly string[] = []): ScanServices {
  let advisories: AdvisoryIndex | Error | undefined;
  const services: ScanServices = {
    advisories() {
      if (advisories === undefined) {
        try {
          advisories = loadDefaultIndex(options.advisoryDb);
        } catch (err) {
          advisories = err instanceof Error ? err : new Error(describeError(err));
        }
      }
      return advisories;
    },
    reported: new Set(),
  };
  if (options.onProgress !== undefined) services.progress = options.onProgress;
  const online = options.online;
  if (online !== undefined) {
    services.queryOnline = (deps) =>
      queryOsvBatch(deps, {
        ...(online.endpoint === undefined ? {} : { endpoint: online.endpoint }),
        ...(online.timeoutMs === undefined ? {} : { timeoutMs: online.timeoutMs }),
      });
  }
  const realRoots = roots.flatMap((r) => {
    try {
      return [realpathSync(r)];
    } catch {
      return [];
    }
  });
  if (realRoots.length > 0) services.readInclude = includeReader(realRoots);
  return services;
}

/** The scan roots of some local paths: a directory itself, a file's directory. */
export function rootsOf(paths: readonly string[]): string[] {
  return paths.map((p) => {
    try {
      return statSync(p).isDirectory() ? p : dirname(p);
    } catch {
      return dirname(p);
    }
  });
}

/**
 * Resolves `-r`/`-c` references relative to the including file. A URL, a path leaving every scan root (after
 * symlinks), anything not a regular file, or a file over the manifest cap is not read: the parser then reports
 * the include as not followed. Content outside the scan never reaches a report.
 */
function includeReader(roots: readonly string[]) {
  return (fromPath: string, ref: string): { path: string; text: string } | undefined => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) return undefined;
    const path = isAbsolute(ref) ? ref : join(dirname(fromPath), ref);
    let real: string;
    try {
      real = realpathSync(resolve(path));
    } catch {
      return undefined;
    }
    if (!roots.some((root) => isInside(root, real))) {
      throw new ParapetError('USAGE', `${ref} resolves outside the scanned directory; not read`);
    }
    const st = statSync(real);
    if (!st.isFile() || st.size > MAX_MANIFEST_BYTES) return undefined;
    return { path, text: readFileSync(real, 'utf8') };
  };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
