import { normalizePypiName } from '../pep503.ts';
import type { Ecosystem } from '../types.ts';

/**
 * The package name as the index keys it: PEP 503 for PyPI (runs of `-`, `_`, `.` become one `-`, lower-case),
 * as written for npm (npm names are already case-sensitive and canonical).
 */
export function indexName(ecosystem: Ecosystem, name: string): string {
  return ecosystem === 'PyPI' ? normalizePypiName(name) : name;
}
