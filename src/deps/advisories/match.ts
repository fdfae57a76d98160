import type { Ecosystem } from '../types.ts';
import { compareVersions, isValidVersion } from './versions.ts';

/**
 * OSV range matching on pre-parsed, pre-sorted ranges (the index stores them this way, see compile.ts).
 *
 * A version is affected by a range when, walking its events in version order, the last event at or below it
 * was an `introduced` (`introduced: "0"` being the start of time), unless a `fixed` at or below it or a
 * `last_affected` strictly below it came after. An exact hit in the record's `versions[]` also counts. Only
 * ECOSYSTEM ranges (PyPI) and SEMVER/ECOSYSTEM ranges (npm) are kept; GIT ranges name commits, not releases.
 */

/** `i` introduced, `f` fixed, `l` last_affected, `x` limit. */
export type EventKind = 'i' | 'f' | 'l' | 'x';
/** One range event: kind and version, sorted by version within its range (`introduced: "0"` first). */
export type RangeEvent = [EventKind, string];

/** How one record affects one package, as stored in the index. */
export interface AffectedEntry {
  id: string;
  aliases: string[];
  summary: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** A malicious or compromised release rather than a vulnerability. */
  malicious?: true;
  references: string[];
  /** Sorted events of each usable range. */
  ranges: RangeEvent[][];
  /** Explicit affected versions not already covered by `ranges` (or every one, when a version is unorderable). */
  versions?: string[];
  /** Every version is affected (a range that is only `introduced: "0"`). */
  all?: true;
}

/** Result of matching one version against one entry. */
export interface EntryMatch {
  affected: boolean;
  /** `fixed` events above the version in the ranges that matched, in version order. */
  fixed: string[];
}

const NOT_AFFECTED: EntryMatch = { affected: false, fixed: [] };

/** Does `entry` affect `version`? Unorderable versions match only by exact `versions[]` string or `all`. */
export function matchEntry(entry: AffectedEntry, ecosystem: Ecosystem, version: string): EntryMatch {
  const valid = isValidVersion(ecosystem, version);
  const fixed = new Set<string>();
  let affected = entry.all === true;
  if (valid) {
    for (const events of entry.ranges) {
      if (rangeAffects(events, ecosystem, version)) {
        affected = true;
        for (const [kind, v] of events) {
          if (kind === 'f' && compareVersions(ecosystem, v, version) > 0) fixed.add(v);
        }
      }
    }
  }
  if (!affected && entry.versions !== undefined) {
    affected = entry.versions.some(
      (v) =>
        v === version ||
        (valid && isValidVersion(ecosystem, v) && compareVersions(ecosystem, v, version) === 0),
    );
  }
  if (!affected) return NOT_AFFECTED;
  return { affected, fixed: sortVersions(ecosystem, [...fixed]) };
}

/** Evaluates one sorted range for a valid version. */
export function rangeAffects(events: readonly RangeEvent[], ecosystem: Ecosystem, version: string): boolean {
  let affected = false;
  let limited = false;
  let belowSomeLimit = false;
  for (const [kind, v] of events) {
    if (kind === 'x') {
      limited = true;
      if (compareVersions(ecosystem, version, v) < 0) belowSomeLimit = true;
      continue;
    }
    if (kind === 'i') {
      if (v === '0' || compareVersions(ecosystem, version, v) >= 0) affected = true;
    } else if (kind === 'f') {
      if (compareVersions(ecosystem, version, v) >= 0) affected = false;
    } else if (compareVersions(ecosystem, version, v) > 0) {
      affected = false; // last_affected: the version itself is still affected
    }
  }
  // OSV `limit`: a version at or above every limit is outside the range whatever the other events say.
  return affected && (!limited || belowSomeLimit);
}

/** Sorts events by version, `introduced: "0"` first; events must hold valid versions (checked by the caller). */
export function sortEvents(ecosystem: Ecosystem, events: RangeEvent[]): RangeEvent[] {
  const order: Record<EventKind, number> = { i: 0, l: 1, f: 2, x: 3 };
  return [...events].sort((a, b) => {
    const zeroA = a[0] === 'i' && a[1] === '0';
    const zeroB = b[0] === 'i' && b[1] === '0';
    if (zeroA || zeroB) return zeroA === zeroB ? 0 : zeroA ? -1 : 1;
    return compareVersions(ecosystem, a[1], b[1]) || order[a[0]] - order[b[0]];
  });
}

/** Valid versions in ascending order, duplicates removed. */
export function sortVersions(ecosystem: Ecosystem, versions: string[]): string[] {
  if (versions.length < 2) return versions;
  const sorted = [...new Set(versions)].sort((a, b) => compareVersions(ecosystem, a, b));
  return sorted.filter((v, i) => i === 0 || compareVersions(ecosystem, sorted[i - 1] ?? v, v) !== 0);
}
