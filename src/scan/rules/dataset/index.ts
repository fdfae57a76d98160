import type { RecordPass, RecordRule, SetRule } from '../../../datasets/types.ts';
import { answerExfiltration } from './answer-exfiltration.ts';
import { answerInjection } from './answer-injection.ts';
import { backdoorTrigger } from './backdoor-trigger.ts';
import { executablePayload } from './executable-payload.ts';
import { externalUrl } from './external-url.ts';
import { invisibleText } from './invisible-text.ts';
import { labelFlip } from './label-flip.ts';
import { pii } from './pii.ts';
import { promptInjection } from './prompt-injection.ts';
import { repeatedAnswer } from './repeated-answer.ts';
import { secret } from './secret.ts';

/** Rules run on every record of a data set, in order. Plain array literals: the registry is explicit. */
export const DATASET_RECORD_RULES: readonly RecordRule[] = [
  promptInjection,
  answerInjection,
  answerExfiltration,
  secret,
  pii,
  externalUrl,
  invisibleText,
  executablePayload,
];

/** Whole-set rules: each gets a fresh pass per file. */
export const DATASET_SET_RULES: readonly SetRule[] = [backdoorTrigger, repeatedAnswer, labelFlip];

/**
 * One pass per record rule for one file: the rule's own `start()` when it keeps state (a guard instance,
 * report caps), else the rule itself. Call once per file; call each pass's `finish` after the last record.
 */
export function startRecordPasses(rules: readonly RecordRule[] = DATASET_RECORD_RULES): RecordPass[] {
  return rules.map((rule) => rule.start?.() ?? rule);
}
