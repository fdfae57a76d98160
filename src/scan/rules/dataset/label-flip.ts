import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { LabelTable } from '../../../datasets/checks/label-table.ts';
import type { SetRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/label-flip',
  title: 'The same input appears with different labels (label flipping)',
  severity: 'medium',
  tags: ['OWASP-LLM04', 'AML.T0020'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://atlas.mitre.org/techniques/AML.T0020',
    'https://arxiv.org/abs/1206.6389',
  ],
  fix: 'Look at the records listed: if one label is right, drop or fix the others; if the input is genuinely ambiguous, drop it. Many flips toward one label are a targeted poisoning attempt — find where those records came from.',
};

/** Conflicting inputs reported one by one; a total covers the rest. */
const MAX_REPORTED = 20;

export const labelFlip: SetRule = {
  meta,
  start() {
    const table = new LabelTable();
    return {
      observe: (record) => table.observe(record),
      finish(file): Finding[] {
        const conflicts = table.finish();
        const out: Finding[] = conflicts.slice(0, MAX_REPORTED).map((c) => ({
          ruleId: meta.id,
          severity: meta.severity,
          message: `the same input carries different labels (${Object.entries(c.labels)
            .map(([label, n]) => `${label} ×${n}`)
            .join(', ')}), records ${c.records.join(', ')}: "${c.input}"`,
          location: { ...file },
          evidence: { input: c.input, labels: c.labels, records: c.records },
        }));
        if (conflicts.length > MAX_REPORTED) {
          out.push({
            ruleId: meta.id,
            severity: meta.severity,
            message: `${conflicts.length} inputs carry conflicting labels in all (${table.conflictingRecords} records); the ${MAX_REPORTED} largest are reported above`,
            location: { ...file },
            evidence: {
              conflictingInputs: conflicts.length,
              conflictingRecords: table.conflictingRecords,
              labelledRecords: table.labelled,
              ...(table.untracked > 0 ? { untracked: table.untracked } : {}),
            },
          });
        }
        return out;
      },
    };
  },
};
