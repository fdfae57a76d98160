import type { Advisory, Dependency, DepsSubject } from '../types.ts';
import { mergeAdvisories, onlineKey } from './merge.ts';
import { compareVersions, isValidVersion } from './versions.ts';

/**
 * What the `deps/*` advisory rules ask of a subject: the advisories for one dependency from the local index and
 * the `--online` results together, merged so that one vulnerability known under several ids is reported once.
 */

/** Advisories affecting a pinned or locked dependency (`dep.version` set); empty when it has no version. */
export function advisoriesForDependency(subject: DepsSubject, dep: Dependency): Advisory[] {
  if (dep.version === undefined) return [];
  const local = subject.advisories?.lookup(dep.ecosystem, dep.name, dep.version) ?? [];
  const online = subject.online?.get(onlineKey(dep.ecosystem, dep.name, dep.version)) ?? [];
  return online.length === 0 ? local : mergeAdvisories(dep.ecosystem, [...local, ...online]);
}

/** Advisories affecting every version of the package (whole-package malicious records), for unpinned entries. */
export function anyVersionAdvisories(subject: DepsSubject, dep: Dependency): Advisory[] {
  return subject.advisories?.lookupAnyVersion(dep.ecosystem, dep.name) ?? [];
}

/** Every name an advisory is known by. */
function names(a: Advisory): string[] {
  return [a.id, ...a.aliases];
}

/**
 * The lowest version that fixes all of `advisories` for `dep`, or undefined when one of them has no fix above
 * the installed version. Candidates are the advisories' own fix versions; with a local index, a candidate that
 * one of the same advisories still affects (a later range re-opens it) is skipped.
 */
export function lowestFixingVersion(
  subject: DepsSubject,
  dep: Dependency,
  advisories: readonly Advisory[],
): string | undefined {
  const version = dep.version;
  if (version === undefined || advisories.length === 0 || !isValidVersion(dep.ecosystem, version))
    return undefined;
  const cmp = (a: string, b: string) => compareVersions(dep.ecosystem, a, b);
  const above = (a: Advisory) =>
    a.fixed.filter((f) => isValidVersion(dep.ecosystem, f) && cmp(f, version) > 0);
  let floor: string | undefined;
  for (const a of advisories) {
    const fixes = above(a).sort(cmp);
    if (fixes[0] === undefined) return undefined;
    if (floor === undefined || cmp(fixes[0], floor) > 0) floor = fixes[0];
  }
  if (floor === undefined) return undefined;
  const lowest = floor;
  const candidates = [...new Set(advisories.flatMap(above))].filter((f) => cmp(f, lowest) >= 0).sort(cmp);
  const ours = new Set(advisories.flatMap(names));
  for (const candidate of candidates) {
    const still = subject.advisories?.lookup(dep.ecosystem, dep.name, candidate) ?? [];
    if (!still.some((a) => names(a).some((n) => ours.has(n)))) return candidate;
  }
  return undefined;
}

/** The id a person recognises: the CVE alias when there is one, else the record's own id. */
export function displayId(a: Advisory): string {
  return a.aliases.find((n) => n.startsWith('CVE-')) ?? a.id;
}
