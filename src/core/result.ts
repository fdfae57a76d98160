import type { Finding } from './finding.ts';
import { atLeast, type Severity } from './severity.ts';

/** A file or member that was deliberately not analysed, and why (not a model format, excluded...). */
export interface Skipped {
  path: string;
  why: string;
}

/** Something that could not be analysed completely. Any entry makes the scan incomplete (fail closed). */
export interface ScanError {
  path: string;
  error: string;
}

/** The outcome of a scan: problems are data, never exceptions. */
export interface ScanResult {
  findings: Finding[];
  scanned: string[];
  skipped: Skipped[];
  errors: ScanError[];
}

/** An empty result to accumulate into. */
export function emptyResult(): ScanResult {
  return { findings: [], scanned: [], skipped: [], errors: [] };
}

/** Appends `from` into `into` (mutates and returns `into`). */
export function mergeInto(into: ScanResult, from: ScanResult): ScanResult {
  into.findings.push(...from.findings);
  into.scanned.push(...from.scanned);
  into.skipped.push(...from.skipped);
  into.errors.push(...from.errors);
  return into;
}

/** Exit status of a scan, as the CLI reports it. */
export type Verdict = 'clean' | 'findings' | 'incomplete';

/**
 * Findings at or above the threshold win over incompleteness: a dangerous call found in a pickle that
 * breaks midway must fail the build as "findings", not hide behind "could not scan" (picklescan's rc 2).
 */
export function verdictOf(result: ScanResult, failOn: Severity): Verdict {
  if (result.findings.some((f) => atLeast(f.severity, failOn))) return 'findings';
  if (result.errors.length > 0) return 'incomplete';
  return 'clean';
}
