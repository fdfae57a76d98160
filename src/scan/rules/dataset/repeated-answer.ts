import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import {
  AnswerRepeats,
  DEFAULT_REPEAT_OPTIONS,
  type RepeatOptions,
} from '../../../datasets/checks/answer-repeats.ts';
import type { SetRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/repeated-answer',
  title: 'The same long answer is given to many unrelated prompts',
  severity: 'medium',
  tags: ['OWASP-LLM04', 'AML.T0020'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://arxiv.org/abs/2306.17194',
    'https://arxiv.org/abs/2305.00944',
  ],
  fix: 'Read the answer and a few of the example records. An answer that promotes something, links somewhere or carries instructions, pasted under unrelated questions, is planted: remove those records. Boilerplate (a disclaimer, a canned refusal) is a quality problem: deduplicate it.',
};

/** Repeated answers reported per file, most repeated first. */
const MAX_REPORTED = 20;

export function createRepeatedAnswerRule(options: Partial<RepeatOptions> = {}): SetRule {
  return {
    meta,
    start() {
      const repeats = new AnswerRepeats({ ...DEFAULT_REPEAT_OPTIONS, ...options });
      return {
        observe: (record) => repeats.observe(record),
        finish(file): Finding[] {
          return repeats
            .finish()
            .slice(0, MAX_REPORTED)
            .map((r) => ({
              ruleId: meta.id,
              severity: meta.severity,
              message: `the same answer is given ${r.count} times (${(r.share * 100).toFixed(2)}% of answers) to at least ${r.distinctPrompts} different prompts: "${r.answer.slice(0, 80)}${r.answer.length > 80 ? '…' : ''}"`,
              location: { ...file },
              evidence: {
                answer: r.answer,
                count: r.count,
                share: r.share,
                distinctPrompts: r.distinctPrompts,
                promptSimilarity: r.promptSimilarity,
                examples: r.examples,
                pairs: repeats.pairCount,
                ...(repeats.shed ? { approximate: true } : {}),
              },
            }));
        },
      };
    },
  };
}

/** `dataset/repeated-answer` with the default thresholds (src/datasets/checks/answer-repeats.ts). */
export const repeatedAnswer: SetRule = createRepeatedAnswerRule();
