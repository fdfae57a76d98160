import type { RecordRule, SetRule } from '../../../datasets/types.ts';

/** Rules run on every record of a data set, in order. Plain array literals: the registry is explicit. */
export const DATASET_RECORD_RULES: readonly RecordRule[] = [];

/** Whole-set rules: each gets a fresh pass per file. */
export const DATASET_SET_RULES: readonly SetRule[] = [];
