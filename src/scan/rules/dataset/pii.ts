import type { RuleMeta } from '../../../core/rule.ts';
import { lazyGuard } from '../../../datasets/checks/lazy-guard.ts';
import { recordFinding } from '../../../datasets/checks/record-finding.ts';
import { RecordReportCap } from '../../../datasets/checks/report-cap.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordPass, RecordRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/pii',
  title: 'A record contains personal data (e-mail, phone, card, IBAN, national id)',
  severity: 'medium',
  tags: ['OWASP-LLM02', 'OWASP-LLM04', 'AML.T0057', 'CWE-359'],
  references: [
    'https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/',
    'https://arxiv.org/abs/2012.07805',
  ],
  fix: 'Check that the people concerned agreed to this use and that the set may hold their data; otherwise mask or drop the values before training (a model can reproduce them verbatim).',
};

/** Every PII kind the guard checks needs an `@` or at least six digits (cards, IBANs, phones, ids). */
function mayHoldPii(text: string): boolean {
  if (text.includes('@')) return true;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39 && ++digits >= 6) return true;
  }
  return false;
}

function start(): RecordPass {
  const guard = lazyGuard(['guard/pii']);
  const cap = new RecordReportCap();
  return {
    check(record, where) {
      cap.beginRecord();
      const kinds = new Map<string, number>();
      const fields: string[] = [];
      for (const t of record.texts) {
        if (!mayHoldPii(t.text)) continue;
        const verdict = guard().scanOutput(t.text);
        if (verdict.findings.length === 0) continue;
        fields.push(t.field);
        for (const f of verdict.findings) {
          const kind = String(f.evidence?.kind ?? 'pii');
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
      }
      // One finding per record with counts per kind: values are never copied into the report.
      if (kinds.size === 0 || !cap.take(kinds)) return [];
      const total = [...kinds.values()].reduce((a, b) => a + b, 0);
      const names = [...kinds].map(([k, n]) => `${k} ×${n}`).join(', ');
      return [
        recordFinding(meta, where, {
          message: `${total} personal data item${total === 1 ? '' : 's'} (${names}) in ${fields.join(', ')}`,
          evidence: { counts: Object.fromEntries(kinds), fields },
        }),
      ];
    },
    lastFlagged: () => cap.flaggedNow,
    finish: (file) => cap.finish(meta, file, 'contain personal data'),
  };
}

/** `dataset/pii`: the guard's PII detector (checksums included) on every text, counted per kind. */
export const pii: RecordRule = statefulRule(meta, start);
