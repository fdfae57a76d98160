import type { Finding, Location } from '../core/finding.ts';
import type { RuleMeta } from '../core/rule.ts';
import type { Severity } from '../core/severity.ts';

/** Where a rule is looking and how strictly. */
export interface RuleContext {
  /** File path and, inside containers, the member path. */
  location: Location;
  /** `--strict`: unknown imports count as high. */
  strict: boolean;
}

/** A rule: its metadata beside one pure check over a parsed subject. */
export interface Rule<Subject> {
  meta: RuleMeta;
  check(subject: Subject, ctx: RuleContext): Finding[];
}

/** Builds a finding for `meta` at the context's location (plus an offset), defaulting to the rule's severity. */
export function report(
  meta: RuleMeta,
  ctx: RuleContext,
  occurrence: {
    message: string;
    offset?: number | undefined;
    /** 1-based line in a text file (maps to Location.line). */
    line?: number | undefined;
    severity?: Severity;
    evidence?: Record<string, unknown>;
  },
): Finding {
  const location: Location = { ...ctx.location };
  if (occurrence.offset !== undefined) location.offset = occurrence.offset;
  if (occurrence.line !== undefined) location.line = occurrence.line;
  const finding: Finding = {
    ruleId: meta.id,
    severity: occurrence.severity ?? meta.severity,
    message: occurrence.message,
    location,
  };
  if (occurrence.evidence !== undefined) finding.evidence = occurrence.evidence;
  return finding;
}
