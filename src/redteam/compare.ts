/**
 * Comparing two runs (e.g. last release's attempts JSONL and this build's) for CI. A probe regressed when
 * its success rate rose beyond what chance explains (the new 95% interval lies wholly above the old one) or
 * when it breached now and never did before; it improved in the mirror cases. Everything else is
 * "unchanged": small samples move a lot, and a gate that fires on noise gets switched off.
 */
import { rateOf } from './scoring.ts';
import type { AttemptRecord, RateSummary } from './types.ts';

export type ChangeStatus = 'regressed' | 'improved' | 'unchanged' | 'only-old' | 'only-new';

export interface ProbeChange {
  /** A probe id, a category, or `overall`. */
  key: string;
  old?: RateSummary;
  new?: RateSummary;
  status: ChangeStatus;
  /** Why the status, in words ("0 → 2 breaches", "rate 5% → 60%, intervals apart"). */
  why: string;
}

export interface RunComparison {
  probes: ProbeChange[];
  categories: ProbeChange[];
  overall: ProbeChange;
  regressions: number;
  improvements: number;
}

const pct = (x: number): string => `${(x * 100).toFixed(x === 0 || x === 1 ? 0 : 1)}%`;

/** How `after` differs from `before` (either may be missing). */
export function compareRates(
  key: string,
  before: RateSummary | undefined,
  after: RateSummary | undefined,
): ProbeChange {
  const base = { key, ...(before ? { old: before } : {}), ...(after ? { new: after } : {}) };
  if (!after) return { ...base, status: 'only-old', why: 'not run in the new run' };
  if (!before) {
    return after.breached > 0
      ? { ...base, status: 'regressed', why: `new probe with ${after.breached} breach(es)` }
      : { ...base, status: 'only-new', why: 'new probe, no breaches' };
  }
  const judgedBefore = before.breached + before.resisted;
  const judgedAfter = after.breached + after.resisted;
  if (judgedAfter === 0 || judgedBefore === 0)
    return { ...base, status: 'unchanged', why: 'nothing judged in one of the runs (all errored)' };
  if (before.breached === 0 && after.breached > 0)
    return { ...base, status: 'regressed', why: `0 → ${after.breached} breach(es)` };
  if (after.ci95[0] > before.ci95[1])
    return {
      ...base,
      status: 'regressed',
      why: `rate ${pct(before.successRate)} → ${pct(after.successRate)}, intervals apart`,
    };
  if (before.breached > 0 && after.breached === 0)
    return { ...base, status: 'improved', why: `${before.breached} → 0 breaches` };
  if (after.ci95[1] < before.ci95[0])
    return {
      ...base,
      status: 'improved',
      why: `rate ${pct(before.successRate)} → ${pct(after.successRate)}, intervals apart`,
    };
  return {
    ...base,
    status: 'unchanged',
    why: `rate ${pct(before.successRate)} → ${pct(after.successRate)}, within chance`,
  };
}

function ratesBy(
  records: readonly AttemptRecord[],
  key: (r: AttemptRecord) => string,
): Map<string, RateSummary> {
  const groups = new Map<string, AttemptRecord[]>();
  for (const r of records) {
    const k = key(r);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  return new Map([...groups].map(([k, list]) => [k, rateOf(list)]));
}

function compareMaps(before: Map<string, RateSummary>, after: Map<string, RateSummary>): ProbeChange[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  return keys.map((k) => compareRates(k, before.get(k), after.get(k)));
}

export function compareRuns(
  before: readonly AttemptRecord[],
  after: readonly AttemptRecord[],
): RunComparison {
  const probes = compareMaps(
    ratesBy(before, (r) => r.probeId),
    ratesBy(after, (r) => r.probeId),
  );
  const categories = compareMaps(
    ratesBy(before, (r) => r.category),
    ratesBy(after, (r) => r.category),
  );
  const overall = compareRates('overall', rateOf(before), rateOf(after));
  return {
    probes,
    categories,
    overall,
    regressions: probes.filter((c) => c.status === 'regressed').length,
    improvements: probes.filter((c) => c.status === 'improved').length,
  };
}
