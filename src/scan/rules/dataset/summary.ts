import type { RuleMeta } from '../../../core/rule.ts';

/**
 * `dataset/summary`: what a scanned data set holds (records, schema, languages, fields, flagged share, read
 * errors). Emitted by the data-set handler once per file, not a check: it is not in the rule registries.
 */
export const datasetSummaryMeta: RuleMeta = {
  id: 'dataset/summary',
  title: 'Summary of a scanned data set',
  severity: 'info',
  tags: ['OWASP-LLM04', 'AML.T0020'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://atlas.mitre.org/techniques/AML.T0020',
  ],
  fix: 'Nothing to fix: read it to confirm the file is the data set you expected (record count, schema, languages) and how much of it the other dataset/* rules flagged.',
};
