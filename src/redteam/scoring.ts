/**
 * Attack success rates. An attempt is breached, resisted or errored; the rate is breached / (breached +
 * resisted) so an error (a timeout, an HTTP 500) never counts as the model resisting, and never as a breach
 * either: it is counted and shown apart. The 95% interval is Wilson's score interval, which stays inside
 * [0, 1] and is honest for the small samples a red-team run has (a normal approximation says 0/3 is
 * "0% ± 0").
 */
import type { AttemptRecord, ProbeCategory, RateSummary, RunSummary } from './types.ts';

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** Wilson score interval for `successes` out of `trials`; [0, 1] when there were no trials. */
export function wilsonInterval(successes: number, trials: number, z = Z95): [number, number] {
  if (trials <= 0) return [0, 1];
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // clamp away floating-point dust (e.g. -1e-17) so 0/n has a lower bound of exactly 0
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The rate of a set of outcomes. */
export function rateOf(records: Iterable<Pick<AttemptRecord, 'outcome'>>): RateSummary {
  let breached = 0;
  let resisted = 0;
  let errored = 0;
  for (const r of records) {
    if (r.outcome === 'breached') breached++;
    else if (r.outcome === 'resisted') resisted++;
    else errored++;
  }
  const judged = breached + resisted;
  return {
    attempts: breached + resisted + errored,
    breached,
    resisted,
    errored,
    successRate: judged === 0 ? 0 : breached / judged,
    ci95: wilsonInterval(breached, judged),
  };
}

export interface SummaryInfo {
  runId: string;
  target: string;
  model?: string | undefined;
  startedAt: string;
  finishedAt: string;
  /** A probe's title by id (records carry only ids); the id stands in when a probe is unknown. */
  titleOf?: (probeId: string) => string | undefined;
}

function groupBy<K extends string>(records: readonly AttemptRecord[], key: (r: AttemptRecord) => K) {
  const groups = new Map<K, AttemptRecord[]>();
  for (const r of records) {
    const k = key(r);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Rates overall, per category and per probe (keys sorted, so summaries of the same run are identical). */
export function summarizeRun(records: readonly AttemptRecord[], info: SummaryInfo): RunSummary {
  const byCategory: RunSummary['byCategory'] = {};
  for (const [category, list] of groupBy(records, (r) => r.category)) byCategory[category] = rateOf(list);
  const byProbe: RunSummary['byProbe'] = {};
  for (const [probeId, list] of groupBy(records, (r) => r.probeId)) {
    const category = (list[0] as AttemptRecord).category as ProbeCategory;
    byProbe[probeId] = { ...rateOf(list), category, title: info.titleOf?.(probeId) ?? probeId };
  }
  return {
    runId: info.runId,
    target: info.target,
    ...(info.model !== undefined ? { model: info.model } : {}),
    startedAt: info.startedAt,
    finishedAt: info.finishedAt,
    overall: rateOf(records),
    byCategory,
    byProbe,
  };
}
