import type { RecordPass, RecordRule, SetRule } from '../../../datasets/types.ts';

/** Rules run on every record of a data set, in order. Plain array literals: the registry is explicit. */
export const DATASET_RECORD_RULES: readonly RecordRule[] = [];

/** Whole-set rules: each gets a fresh pass per file. */
export const DATASET_SET_RULES: readonly SetRule[] = [];

/**
 * One pass per record rule for one file: the rule's own `start()` when it keeps state (a guard instance,
 * report caps), else the rule itself. Call once per file; call each pass's `finish` after the last record.
 */
export function startRecordPasses(rules: readonly RecordRule[] = DATASET_RECORD_RULES): RecordPass[] {
  return rules.map((rule) => rule.start?.() ?? rule);
}
