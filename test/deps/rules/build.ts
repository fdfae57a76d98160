/** Builders for the Manifest objects the deps rules check, so rule tests do not depend on the parsers. */
import type { Dependency, DepsSubject, IndexSource, Manifest } from '../../../src/deps/types.ts';
import type { RuleContext } from '../../../src/scan/rule.ts';

/** A PyPI registry dependency; `overrides` sets anything else. */
export function dep(name: string, overrides: Partial<Dependency> = {}): Dependency {
  return {
    ecosystem: 'PyPI',
    name: name.replace(/[-_.]+/g, '-').toLowerCase(),
    rawName: name,
    source: 'registry',
    hashes: [],
    direct: true,
    ...overrides,
  };
}

/** A requirements-style manifest (not locked) unless `overrides` says otherwise. */
export function manifest(dependencies: Dependency[], overrides: Partial<Manifest> = {}): Manifest {
  return {
    kind: 'requirements',
    path: 'requirements.txt',
    locked: false,
    dependencies,
    indexes: [],
    problems: [],
    ...overrides,
  };
}

export function index(
  url: string,
  role: IndexSource['role'],
  overrides: Partial<IndexSource> = {},
): IndexSource {
  return { url, role, ...overrides };
}

export function subject(m: Manifest): DepsSubject {
  return { manifest: m };
}

export function ctx(path = 'requirements.txt'): RuleContext {
  return { location: { path }, strict: false };
}

/** Names from a fixture list: one per line, `#` comments. */
export function nameList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}
