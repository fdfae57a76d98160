import type { Ecosystem } from '../types.ts';

/**
 * The package name as the index keys it: PEP 503 for PyPI (runs of `-`, `_`, `.` become one `-`, lower-case),
 * as written for npm (npm names are already case-sensitive and canonical).
 *
 * TODO: use `normalizePypiName` from src/deps/pep503.ts once it lands; this one-liner is the same rule.
 */
export function indexName(ecosystem: Ecosystem, name: string): string {
  return ecosystem === 'PyPI' ? name.replace(/[-_.]+/g, '-').toLowerCase() : name;
}
