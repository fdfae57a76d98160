import type { RuleMeta } from '../../../core/rule.ts';
import { startInjectionPass } from '../../../datasets/checks/injection-pass.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/prompt-injection',
  title: 'A training prompt carries a prompt injection or jailbreak',
  // Medium, not high: safety and red-team sets hold jailbreak prompts on purpose, paired with refusals.
  severity: 'medium',
  tags: ['OWASP-LLM04', 'OWASP-LLM01', 'AML.T0020', 'AML.T0051', 'AML.T0054'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://atlas.mitre.org/techniques/AML.T0020',
    'https://arxiv.org/abs/2305.00944',
  ],
  fix: 'Look at the answer paired with the prompt. A refusal is a safety example and may stay; an answer that complies teaches the model to obey the injection — remove the record, and find out where the set came from if there are many.',
};

/** `dataset/prompt-injection`: the guard's injection detectors on prompt-side texts (not system prompts). */
export const promptInjection: RecordRule = statefulRule(meta, () =>
  startInjectionPass(meta, { roles: ['prompt', 'other'], side: 'prompt' }),
);
