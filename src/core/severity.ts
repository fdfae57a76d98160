/** How bad a finding is. Ordered from worst to least bad. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Every severity, worst first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/** Numeric rank: higher is worse. */
export function severityRank(s: Severity): number {
  return RANK[s];
}

/** True when `s` is as bad as `threshold` or worse. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return RANK[s] >= RANK[threshold];
}

/** Narrows user input (a CLI flag, a config value) to a Severity. */
export function isSeverity(value: string): value is Severity {
  return Object.hasOwn(RANK, value);
}

/** The worse of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}
