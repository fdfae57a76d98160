import type { RuleMeta } from '../../../core/rule.ts';

/**
 * `dataset/unreadable`: a file that claims to be a data set (by its magic or its name) could not be read in
 * full, so its records were not all checked. Emitted by the data-set handler; not in the rule registries.
 */
export const datasetUnreadableMeta: RuleMeta = {
  id: 'dataset/unreadable',
  title: 'A data set could not be read in full',
  severity: 'medium',
  tags: ['OWASP-LLM04', 'CWE-20'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://parquet.apache.org/docs/file-format/',
    'https://jsonlines.org/',
  ],
  fix: "Fetch the file again and compare its checksum with the publisher's. If it is intact, convert it with the tool that wrote it (pandas, pyarrow, datasets) to JSONL or Parquet and scan the result; never train on records that could not be checked.",
};
