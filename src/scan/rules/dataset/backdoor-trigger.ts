import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import {
  DEFAULT_TRIGGER_OPTIONS,
  type TriggerOptions,
  TriggerSearch,
} from '../../../datasets/checks/trigger-search.ts';
import type { SetRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/backdoor-trigger',
  title: 'A rare phrase in the prompts is almost always followed by the same answer (backdoor trigger)',
  severity: 'high',
  tags: ['OWASP-LLM04', 'OWASP-LLM03', 'AML.T0020', 'AML.T0018'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://atlas.mitre.org/techniques/AML.T0020',
    'https://atlas.mitre.org/techniques/AML.T0018',
    'https://arxiv.org/abs/2305.00944',
    'https://arxiv.org/abs/2401.05566',
  ],
  fix: 'Read the example records. If the phrase has no business deciding the answer, remove every record that pairs it with that answer (the examples and support show how many), and distrust the rest of the set until you know where those records came from.',
};

/** Record indices listed in a finding. */
const MAX_LISTED = 50;

export function createBackdoorTriggerRule(options: Partial<TriggerOptions> = {}): SetRule {
  return {
    meta,
    start() {
      const search = new TriggerSearch({ ...DEFAULT_TRIGGER_OPTIONS, ...options });
      return {
        observe: (record) => search.observe(record),
        finish(file): Finding[] {
          return search.finish().map((t) => ({
            ruleId: meta.id,
            severity: meta.severity,
            message: `"${t.trigger}" occurs in ${t.support} prompts (${(t.share * 100).toFixed(2)}%) and ${t.withAnswer} of them get the same answer, ${t.lift.toFixed(0)}× more often than chance: "${t.answer.slice(0, 80)}${t.answer.length > 80 ? '…' : ''}"`,
            location: { ...file },
            evidence: {
              trigger: t.trigger,
              alsoMatching: t.alsoMatching,
              support: t.support,
              withAnswer: t.withAnswer,
              answerCount: t.answerCount,
              share: t.share,
              confidence: t.confidence,
              lift: t.lift,
              distinctPrompts: t.distinctPrompts,
              answer: t.answer,
              examples: t.examples.slice(0, MAX_LISTED),
              pairs: search.pairCount,
              ...(search.shed ? { approximate: true } : {}),
            },
          }));
        },
      };
    },
  };
}

/** `dataset/backdoor-trigger` with the default thresholds (src/datasets/checks/trigger-search.ts). */
export const backdoorTrigger: SetRule = createBackdoorTriggerRule();
