/**
 * Builds a RecordRule from a per-file pass factory: `start()` for the handler, and a `check` that is
 * correct on its own (a fresh pass per call) for callers that look at a single record.
 */
import type { RuleMeta } from '../../core/rule.ts';
import type { RecordPass, RecordRule } from '../types.ts';

export function statefulRule(meta: RuleMeta, start: () => RecordPass): RecordRule {
  return { meta, start, check: (record, where) => start().check(record, where) };
}
