import type { RuleMeta } from '../../../core/rule.ts';
import { startInjectionPass } from '../../../datasets/checks/injection-pass.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/answer-injection',
  title: 'A training answer carries a prompt injection or jailbreak',
  severity: 'high',
  tags: ['OWASP-LLM04', 'OWASP-LLM01', 'AML.T0020', 'AML.T0051', 'AML.T0018'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://atlas.mitre.org/techniques/AML.T0020',
    'https://arxiv.org/abs/2305.00944',
    'https://arxiv.org/abs/2401.05566',
  ],
  fix: 'Remove the record: a model fine-tuned on it learns to produce (and to follow) the injected instruction or chat-template tokens. If several records carry one, treat the whole set as untrusted until its origin is known.',
};

/** The classifier counts on an answer from this score (measured: clean generated answers reach 0.67). */
const ANSWER_CLASSIFIER_FLOOR = 0.8;

/** `dataset/answer-injection`: the guard's injection detectors on what the model is taught to say. */
export const answerInjection: RecordRule = statefulRule(meta, () =>
  startInjectionPass(meta, {
    roles: ['answer'],
    side: 'answer',
    classifierFloor: ANSWER_CLASSIFIER_FLOOR,
    // A turn-opening template token at the very start of a text scores 0.45 in the guard (it could be a
    // template's own wrapper); in an answer there is no wrapper, so any such token outside code counts.
    policy: { detectors: { 'guard/role-spoofing': { threshold: 0.4 } } },
    skipCode: true,
  }),
);
