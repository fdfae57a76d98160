import { maxSeverity } from '../../core/severity.ts';
import type { Advisory, Ecosystem } from '../types.ts';
import { sortVersions } from './match.ts';
import { isValidVersion } from './versions.ts';

/**
 * One vulnerability often has several records: PYSEC-2025-41, GHSA-53q9-r3pm-6pq6 and a curated record all
 * describe CVE-2025-32434, and each lists the others as aliases. Merging them by shared id or alias reports it
 * once, with the worst severity and every fix version any of them names.
 */

/** Which id a merged advisory goes by: reviewed GitHub ids first, Parapet's own curated ids last. */
function idRank(id: string): number {
  if (id.startsWith('GHSA-')) return 0;
  if (id.startsWith('PYSEC-')) return 1;
  if (id.startsWith('MAL-')) return 2;
  if (id.startsWith('PARAPET-')) return 4;
  return 3;
}

/** Merges advisories that share an id or an alias (transitively); order of first appearance is kept. */
export function mergeAdvisories(ecosystem: Ecosystem, advisories: readonly Advisory[]): Advisory[] {
  if (advisories.length < 2) return [...advisories];
  // Union-find over advisory positions, joined through every name (id or alias) they carry.
  const parent = advisories.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] ?? i] ?? i;
      i = parent[i] ?? i;
    }
    return i;
  };
  const owner = new Map<string, number>();
  advisories.forEach((a, i) => {
    for (const name of [a.id, ...a.aliases]) {
      const seen = owner.get(name);
      if (seen === undefined) owner.set(name, i);
      else parent[find(i)] = find(seen);
    }
  });
  const groups = new Map<number, Advisory[]>();
  advisories.forEach((a, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(a);
    else groups.set(root, [a]);
  });
  return [...groups.values()].map((group) => mergeGroup(ecosystem, group));
}

function mergeGroup(ecosystem: Ecosystem, group: Advisory[]): Advisory {
  if (group.length === 1 && group[0]) return group[0];
  const primary = [...group].sort((a, b) => idRank(a.id) - idRank(b.id) || a.id.localeCompare(b.id))[0]!;
  const names = new Set<string>();
  for (const a of group) for (const name of [a.id, ...a.aliases]) names.add(name);
  names.delete(primary.id);
  const fixed = [...new Set(group.flatMap((a) => a.fixed))];
  return {
    id: primary.id,
    aliases: [...names].sort(),
    summary: primary.summary || group.find((a) => a.summary)?.summary || '',
    severity: group.map((a) => a.severity).reduce(maxSeverity),
    fixed: fixed.every((v) => isValidVersion(ecosystem, v)) ? sortVersions(ecosystem, fixed) : fixed,
    malicious: group.some((a) => a.malicious),
    references: [...new Set(group.flatMap((a) => a.references))].slice(0, 8),
  };
}

/** The key `DepsSubject.online` uses: `ecosystem:name@version`. */
export function onlineKey(ecosystem: Ecosystem, name: string, version: string): string {
  return `${ecosystem}:${name}@${version}`;
}
