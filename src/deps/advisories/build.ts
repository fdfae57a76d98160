import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { describeError, ParapetError } from '../../core/errors.ts';
import type { Ecosystem } from '../types.ts';
import { type CompiledEntry, compileRecord } from './compile.ts';
import { type IndexHeader, writeIndexFile } from './index-file.ts';
import type { AffectedEntry } from './match.ts';
import { parseRecordFile, readSource } from './sources.ts';

/** How far a build has got; sent every few hundred files. */
export interface BuildProgress {
  /** The input being read. */
  source: string;
  files: number;
  records: number;
  rejected: number;
}

/** A record or file the build dropped, and why. */
export interface BuildProblem {
  path: string;
  reason: string;
}

/** What one build did. Rejected records never stop a build; they are counted and listed here. */
export interface BuildReport {
  out: string;
  header: IndexHeader;
  /** Distinct records indexed (after de-duplication by id). */
  records: number;
  packages: number;
  /** Files that could not be read or parsed, or records that are not valid OSV. */
  rejected: number;
  withdrawn: number;
  /** Valid records with nothing to match for PyPI or npm (other ecosystems, GIT-only ranges). */
  unusable: number;
  /** Records seen more than once by id; the newest `modified` is kept. */
  duplicates: number;
  /** Files passed over by name (READMEs, scripts, workflows). */
  skipped: number;
  /** Ranges dropped inside kept records because a version in them cannot be ordered. */
  rangesDropped: number;
  /** The first MAX_LISTED rejections, for the user to read. */
  problems: BuildProblem[];
  ms: number;
}

export interface BuildOptions {
  /** Recorded in the header; defaults to now. Set it for a reproducible snapshot. */
  builtAt?: string;
  /** Describes the inputs in `parapet db info`; defaults to their file names. */
  source?: string;
}

const MAX_LISTED = 100;
const PROGRESS_EVERY = 500;

/**
 * Builds an advisory index at `out` from one or more inputs (OSV export zips, advisory-database tarballs,
 * directories or single record files; see sources.ts). Records are de-duplicated by id (newest `modified`
 * wins), withdrawn ones are left out, and bad ones are counted and listed, never fatal. Throws ParapetError
 * NOT_FOUND for a missing input and USAGE when the inputs hold no usable record at all, so an empty index is
 * never written over a good one.
 */
export function buildAdvisoryIndex(
  from: string | readonly string[],
  out: string,
  onProgress?: (progress: BuildProgress) => void,
  options: BuildOptions = {},
): BuildReport {
  const started = performance.now();
  const inputs = typeof from === 'string' ? [from] : [...from];
  if (inputs.length === 0) throw new ParapetError('USAGE', 'no input given to build the advisory index from');
  const kept = new Map<string, { modified: string; entries: CompiledEntry[] }>();
  const withdrawnIds = new Set<string>();
  const problems: BuildProblem[] = [];
  const counters = { skipped: 0 };
  let rejected = 0;
  let unusable = 0;
  let duplicates = 0;
  let rangesDropped = 0;
  let files = 0;
  const reject = (path: string, reason: string) => {
    rejected++;
    if (problems.length < MAX_LISTED) problems.push({ path, reason });
  };

  for (const input of inputs) {
    const source = basename(input);
    for (const item of readSource(input, counters)) {
      files++;
      if (onProgress && files % PROGRESS_EVERY === 0)
        onProgress({ source, files, records: kept.size, rejected });
      if ('error' in item) {
        reject(item.path, item.error);
        continue;
      }
      let raw: unknown;
      try {
        raw = parseRecordFile(item.path, item.data);
      } catch (err) {
        reject(item.path, `does not parse: ${describeError(err).split('\n')[0]}`);
        continue;
      }
      const result = compileRecord(raw);
      if (result.kind === 'rejected') {
        reject(item.path, result.reason);
        continue;
      }
      if (result.kind === 'withdrawn') {
        withdrawnIds.add(result.id);
        continue;
      }
      if (result.kind === 'unusable') {
        unusable++;
        continue;
      }
      rangesDropped += result.rangesDropped;
      const seen = kept.get(result.id);
      if (seen !== undefined) {
        duplicates++;
        if (seen.modified >= result.modified) continue;
      }
      kept.set(result.id, { modified: result.modified, entries: result.entries });
    }
    onProgress?.({ source, files, records: kept.size, rejected });
  }
  // A record withdrawn in one input and live in another (an older copy) stays withdrawn.
  for (const id of withdrawnIds) kept.delete(id);
  if (kept.size === 0) {
    const detail = problems[0] ? ` (first problem: ${problems[0].path}: ${problems[0].reason})` : '';
    throw new ParapetError(
      'USAGE',
      `no usable OSV records in ${inputs.join(', ')}: ${files} files read, ${rejected} rejected, ` +
        `${unusable} without PyPI/npm ranges, ${counters.skipped} skipped by name${detail}`,
    );
  }

  const packages = new Map<Ecosystem, Map<string, AffectedEntry[]>>();
  let newestModified = '';
  for (const { modified, entries } of kept.values()) {
    if (modified > newestModified) newestModified = modified;
    for (const { ecosystem, name, entry } of entries) {
      let byName = packages.get(ecosystem);
      if (!byName) {
        byName = new Map();
        packages.set(ecosystem, byName);
      }
      const list = byName.get(name);
      if (list) list.push(entry);
      else byName.set(name, [entry]);
    }
  }
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  const header = writeIndexFile(
    target,
    {
      builtAt: options.builtAt ?? new Date().toISOString(),
      source: options.source ?? inputs.map((i) => basename(i)).join(' + '),
      records: kept.size,
      rejected,
      withdrawn: withdrawnIds.size,
      newestModified,
    },
    packages,
  );
  return {
    out: target,
    header,
    records: kept.size,
    packages: header.packages,
    rejected,
    withdrawn: withdrawnIds.size,
    unusable,
    duplicates,
    skipped: counters.skipped,
    rangesDropped,
    problems,
    ms: Math.round(performance.now() - started),
  };
}
