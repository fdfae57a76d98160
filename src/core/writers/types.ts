import type { Finding } from '../finding.ts';
import type { ScanResult } from '../result.ts';
import type { RuleMeta } from '../rule.ts';
import { SEVERITIES, type Severity, severityRank } from '../severity.ts';

/** Settings shared by every writer. Writers are pure: same result and options, same string. */
export interface WriterOptions {
  /** Parapet's own version, stamped into machine-readable output. */
  toolVersion: string;
  /** ANSI colors in the table writer; the caller decides (TTY, NO_COLOR), never the writer. */
  color?: boolean;
  /** Threshold that turns findings into a failing verdict; defaults to DEFAULT_FAIL_ON. */
  failOn?: Severity;
  /** Directory that SARIF URIs are made relative to; defaults to process.cwd(). */
  cwd?: string;
  /** Terminal width the table writer fits itself to; defaults to 120. */
  columns?: number;
  /** What was scanned, for the summary ("file" by default; the guard reports "text"). */
  noun?: string;
  /** Replaces the verdict line (the guard's verdict is an action, not a severity threshold). */
  verdictLine?: { text: string; failed: boolean };
}

/** Renders a scan result. The returned text ends with a newline, so callers can write it as is. */
export type Writer = (result: ScanResult, rules: readonly RuleMeta[], options: WriterOptions) => string;

/** Failing threshold when the caller gives none: high and critical findings fail, medium and below warn. */
export const DEFAULT_FAIL_ON: Severity = 'high';

/** Number of findings per severity, every severity present (zero when none). */
export type SeverityCounts = Record<Severity, number>;

/** Counts findings per severity. */
export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

// Code-unit comparison rather than localeCompare: output order must not depend on the machine's locale.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Absent sorts before present, so a finding on the whole file precedes findings inside it.
function cmpOptional<T extends string | number>(a: T | undefined, b: T | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : cmp(String(a), String(b));
}

/**
 * Worst severity first, then by location and rule. Scans run in parallel, so the order findings
 * arrive in is not reproducible; every writer sorts with this to give byte-identical output.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    cmp(a.location.path, b.location.path) ||
    cmpOptional(a.location.member, b.location.member) ||
    cmpOptional(a.location.offset, b.location.offset) ||
    cmpOptional(a.location.line, b.location.line) ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.message, b.message)
  );
}

/** A sorted copy of the findings (the result is never mutated). */
export function sortedFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Sorts records with a `path` by path, then by a second text field, for deterministic output. */
export function sortedByPath<T extends { path: string }>(items: readonly T[], tie: (item: T) => string): T[] {
  return [...items].sort((a, b) => cmp(a.path, b.path) || cmp(tie(a), tie(b)));
}

/** Sorted, de-duplicated copy of a string list. */
export function sortedUnique(items: readonly string[]): string[] {
  return [...new Set(items)].sort(cmp);
}
