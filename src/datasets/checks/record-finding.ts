/**
 * Findings about one record: the file's location (with the record's line for line-oriented formats), the
 * record index and field in the message and the evidence, so a user can open the file at the right place.
 */
import type { Finding } from '../../core/finding.ts';
import type { RuleMeta } from '../../core/rule.ts';
import type { Severity } from '../../core/severity.ts';
import type { DatasetRecord, RecordLocation, RecordText, TextRole } from '../types.ts';

export interface RecordOccurrence {
  message: string;
  /** The text field the finding is about (`messages[2].content`), when it is about one. */
  field?: string;
  severity?: Severity;
  evidence?: Record<string, unknown>;
}

export function recordFinding(meta: RuleMeta, where: RecordLocation, occurrence: RecordOccurrence): Finding {
  const { record } = where;
  const location: Finding['location'] = { ...where.file };
  if (record.line !== undefined) location.line = record.line;
  const field = occurrence.field === undefined ? '' : ` (${occurrence.field})`;
  const evidence: Record<string, unknown> = { record: record.index };
  if (occurrence.field !== undefined) evidence.field = occurrence.field;
  return {
    ruleId: meta.id,
    severity: occurrence.severity ?? meta.severity,
    message: `record ${record.index}${field}: ${occurrence.message}`,
    location,
    evidence: { ...evidence, ...occurrence.evidence },
  };
}

/** The record's texts on the given sides, in record order. */
export function textsOn(record: DatasetRecord, roles: readonly TextRole[]): RecordText[] {
  return record.texts.filter((t) => roles.includes(t.role));
}

/** At most `max` characters of `text`, with an ellipsis when cut; newlines shown as spaces. */
export function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
