import type { RuleMeta } from '../../../core/rule.ts';
import { lazyGuard } from '../../../datasets/checks/lazy-guard.ts';
import { recordFinding } from '../../../datasets/checks/record-finding.ts';
import { RecordReportCap } from '../../../datasets/checks/report-cap.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordPass, RecordRule } from '../../../datasets/types.ts';
import { HINTS_EXACT, HINTS_FOLDED } from '../../../guard/detectors/secret-patterns.ts';

const meta: RuleMeta = {
  id: 'dataset/secret',
  title: 'A record contains a credential or private key',
  severity: 'high',
  tags: ['OWASP-LLM02', 'OWASP-LLM04', 'AML.T0057', 'CWE-798', 'CWE-200'],
  references: [
    'https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/',
    'https://arxiv.org/abs/2012.07805',
    'https://github.com/gitleaks/gitleaks',
  ],
  fix: 'Revoke and rotate the credential: a published data set is public, and a model trained on it can repeat the key verbatim. Remove or mask the value in the set before training (the finding shows only its first characters).',
};

// The guard's own hint alternations, without the global flag so `test` keeps no state between texts.
const EXACT = new RegExp(HINTS_EXACT.source);
const FOLDED = new RegExp(HINTS_FOLDED.source, 'i');

function start(): RecordPass {
  const guard = lazyGuard(['guard/secret']);
  const cap = new RecordReportCap();
  return {
    check(record, where) {
      cap.beginRecord();
      const out = [];
      for (const t of record.texts) {
        // Every secret pattern the guard knows needs one of these hints: nothing to find without one.
        if (!EXACT.test(t.text) && !FOLDED.test(t.text)) continue;
        const verdict = guard().scanOutput(t.text);
        if (verdict.findings.length === 0) continue;
        // Only what the guard reports as evidence: the kind, a four-character preview and the length.
        const secrets = verdict.findings.slice(0, 10).map((f) => ({
          kind: f.evidence?.kind,
          preview: f.evidence?.preview,
          length: f.evidence?.length,
        }));
        const kinds = new Map<string, number>();
        for (const f of verdict.findings) {
          const kind = String(f.evidence?.kind ?? 'secret');
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
        if (!cap.take(kinds)) continue;
        const names = [...kinds].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
        out.push(
          recordFinding(meta, where, {
            field: t.field,
            message: `${t.role} text contains ${verdict.findings.length === 1 ? 'a secret' : `${verdict.findings.length} secrets`} (${names})`,
            evidence: { role: t.role, secrets },
          }),
        );
      }
      return out;
    },
    lastFlagged: () => cap.flaggedNow,
    finish: (file) => cap.finish(meta, file, 'contain secrets'),
  };
}

/** `dataset/secret`: the guard's secret detector on every text; evidence is masked, never the secret. */
export const secret: RecordRule = statefulRule(meta, start);
