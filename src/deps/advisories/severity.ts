import type { Advisory } from '../types.ts';

/**
 * Severity of an OSV record, in Parapet's scale. In order of preference:
 *
 * 1. a CVSS v3.x vector, scored with the v3.1 base-score formula (>= 9 critical, >= 7 high, >= 4 medium, else low);
 * 2. GitHub's `database_specific.severity` label (CRITICAL / HIGH / MODERATE / LOW);
 * 3. a CVSS v4 vector, approximated by scoring its base metrics with the v3.1 formula (the exact v4 score needs
 *    FIRST's 270-entry macro-vector table; GitHub records with v4 vectors almost always carry the label above);
 * 4. otherwise **medium**: a published vulnerability in a pinned dependency is worth fixing, but without a score
 *    Parapet does not claim it is high. Most PYSEC records (≈ 92 % of the pypa database) have no score.
 *
 * Malicious-package records are always critical (decided by the caller).
 */
export type AdvisorySeverity = Advisory['severity'];

/** The fallback when a record carries no usable score or label. */
export const UNKNOWN_SEVERITY: AdvisorySeverity = 'medium';

/** Maps a CVSS base score (0–10) to a severity band. */
export function severityFromScore(score: number): AdvisorySeverity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

const LABELS: Record<string, AdvisorySeverity> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MODERATE: 'medium',
  MEDIUM: 'medium',
  LOW: 'low',
};

/** GitHub's label (`MODERATE` is its word for medium); undefined for anything else. */
export function severityFromLabel(label: unknown): AdvisorySeverity | undefined {
  return typeof label === 'string' ? LABELS[label.trim().toUpperCase()] : undefined;
}

const WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** Parses `CVSS:3.1/AV:N/...` into its metrics; undefined unless it is a CVSS 3.0/3.1 vector. */
function parseVector(vector: string, prefix: RegExp): Map<string, string> | undefined {
  const parts = vector.trim().split('/');
  if (!prefix.test(parts[0] ?? '')) return undefined;
  const metrics = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const [key, value, extra] = part.split(':');
    if (!key || !value || extra !== undefined || metrics.has(key)) return undefined;
    metrics.set(key, value);
  }
  return metrics;
}

/** CVSS v3.1 Roundup: the smallest one-decimal number >= x, computed without floating-point drift. */
function roundUp(x: number): number {
  const scaled = Math.round(x * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
}

interface BaseMetrics {
  av: string;
  ac: string;
  pr: string;
  ui: string;
  changed: boolean;
  c: string;
  i: string;
  a: string;
}

function baseScore(m: BaseMetrics): number | undefined {
  const av = WEIGHTS.AV[m.av as keyof typeof WEIGHTS.AV];
  const ac = WEIGHTS.AC[m.ac as keyof typeof WEIGHTS.AC];
  const ui = WEIGHTS.UI[m.ui as keyof typeof WEIGHTS.UI];
  const c = WEIGHTS.CIA[m.c as keyof typeof WEIGHTS.CIA];
  const i = WEIGHTS.CIA[m.i as keyof typeof WEIGHTS.CIA];
  const a = WEIGHTS.CIA[m.a as keyof typeof WEIGHTS.CIA];
  // Privileges Required weighs more when the scope changes (the attacker's foothold matters less).
  const prTable: Record<string, number> = m.changed
    ? { N: 0.85, L: 0.68, H: 0.5 }
    : { N: 0.85, L: 0.62, H: 0.27 };
  const pr = prTable[m.pr];
  if ([av, ac, ui, c, i, a, pr].some((w) => w === undefined)) return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = m.changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * av! * ac! * pr! * ui!;
  if (impact <= 0) return 0;
  return roundUp(Math.min((m.changed ? 1.08 : 1) * (impact + exploitability), 10));
}

/** The CVSS v3.0/v3.1 base score of a vector, or undefined when it is not a complete, valid v3 vector. */
export function cvss3BaseScore(vector: string): number | undefined {
  const m = parseVector(vector, /^CVSS:3\.[01]$/);
  if (!m) return undefined;
  const s = m.get('S');
  if (s !== 'U' && s !== 'C') return undefined;
  return baseScore({
    av: m.get('AV') ?? '',
    ac: m.get('AC') ?? '',
    pr: m.get('PR') ?? '',
    ui: m.get('UI') ?? '',
    changed: s === 'C',
    c: m.get('C') ?? '',
    i: m.get('I') ?? '',
    a: m.get('A') ?? '',
  });
}

/**
 * An approximate score for a CVSS v4.0 vector: its base metrics scored with the v3.1 formula. Attack
 * Requirements present counts as high complexity, any user interaction as Required, and any impact on a
 * subsequent system as a scope change carrying the worse of the two impacts. Close enough for a severity band;
 * not the official v4 score.
 */
export function cvss4ApproximateScore(vector: string): number | undefined {
  const m = parseVector(vector, /^CVSS:4\.0$/);
  if (!m) return undefined;
  const worse = (x: string, y: string) => (x === 'H' || y === 'H' ? 'H' : x === 'L' || y === 'L' ? 'L' : 'N');
  const sc = m.get('SC') ?? 'N';
  const si = m.get('SI') ?? 'N';
  const sa = m.get('SA') ?? 'N';
  const changed = [sc, si, sa].some((v) => v !== 'N');
  const ui = m.get('UI');
  return baseScore({
    av: m.get('AV') ?? '',
    ac: m.get('AT') === 'P' ? 'H' : (m.get('AC') ?? ''),
    pr: m.get('PR') ?? '',
    ui: ui === 'N' ? 'N' : ui === 'P' || ui === 'A' ? 'R' : '',
    changed,
    c: worse(m.get('VC') ?? '', changed ? sc : 'N'),
    i: worse(m.get('VI') ?? '', changed ? si : 'N'),
    a: worse(m.get('VA') ?? '', changed ? sa : 'N'),
  });
}

/** The `severity` array of an OSV record or affected entry: `[{ type, score }]`. */
type OsvSeverity = ReadonlyArray<{ type?: unknown; score?: unknown }>;

/** Severity of one record by the preference order above; `UNKNOWN_SEVERITY` when nothing usable is present. */
export function recordSeverity(
  severities: OsvSeverity,
  databaseSpecificSeverity: unknown,
): { severity: AdvisorySeverity; basis: 'cvss3' | 'label' | 'cvss4' | 'unknown'; score?: number } {
  const vectors = severities.filter(
    (s): s is { type: string; score: string } => typeof s.type === 'string' && typeof s.score === 'string',
  );
  let worst: number | undefined;
  for (const s of vectors) {
    if (s.type !== 'CVSS_V3') continue;
    const score = cvss3BaseScore(s.score);
    if (score !== undefined && (worst === undefined || score > worst)) worst = score;
  }
  if (worst !== undefined) return { severity: severityFromScore(worst), basis: 'cvss3', score: worst };
  const label = severityFromLabel(databaseSpecificSeverity);
  if (label !== undefined) return { severity: label, basis: 'label' };
  for (const s of vectors) {
    if (s.type !== 'CVSS_V4') continue;
    const score = cvss4ApproximateScore(s.score);
    if (score !== undefined && (worst === undefined || score > worst)) worst = score;
  }
  if (worst !== undefined) return { severity: severityFromScore(worst), basis: 'cvss4', score: worst };
  return { severity: UNKNOWN_SEVERITY, basis: 'unknown' };
}
