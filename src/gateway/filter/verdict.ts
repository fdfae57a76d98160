/** Small helpers shared by the request, response and stream filters. */
import type { Finding } from '../../core/finding.ts';
import { worseAction } from '../../guard/guard.ts';
import type { FilterAction } from './types.ts';

/** The worse of two verdict actions; `skipped` is below every guard action. */
export function worse(a: FilterAction, b: FilterAction): FilterAction {
  if (a === 'skipped') return b;
  if (b === 'skipped') return a;
  return worseAction(a, b);
}

/** The distinct rule ids of the findings, in the order first seen. */
export function ruleIdsOf(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.ruleId))];
}

/** A copy of the guard's findings with their location moved under `path` (the guard says `messages[2]`). */
export function relocate(findings: readonly Finding[], path: (guardPath: string) => string): Finding[] {
  return findings.map((f) => ({ ...f, location: { ...f.location, path: path(f.location.path) } }));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The starting action of a side: `allow` when its guard runs, `skipped` when it is off. */
export function baseAction(guardOn: boolean): FilterAction {
  return guardOn ? 'allow' : 'skipped';
}
