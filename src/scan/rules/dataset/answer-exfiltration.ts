import type { RuleMeta } from '../../../core/rule.ts';
import { DEFAULT_ALLOWED_HOSTS } from '../../../datasets/checks/allowed-hosts.ts';
import { lazyGuard } from '../../../datasets/checks/lazy-guard.ts';
import { excerpt, recordFinding, textsOn } from '../../../datasets/checks/record-finding.ts';
import { RecordReportCap } from '../../../datasets/checks/report-cap.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordPass, RecordRule } from '../../../datasets/types.ts';

const meta: RuleMeta = {
  id: 'dataset/answer-exfiltration',
  title: 'A training answer renders content that leaks data (Markdown images, HTML, script)',
  severity: 'high',
  tags: ['OWASP-LLM04', 'OWASP-LLM02', 'OWASP-LLM05', 'AML.T0020', 'AML.T0057', 'CWE-79'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://embracethered.com/blog/posts/2023/chatgpt-webpilot-data-exfil-via-markdown-injection/',
    'https://atlas.mitre.org/techniques/AML.T0057',
  ],
  fix: 'Remove the record: a model trained to answer with an auto-loading image or script aimed at an outside host will emit it for real users, and the chat client fetches it with their data in the URL.',
};

/** Something that could be a link, a tag or a script URL; the guard is called only then. */
function mayRender(text: string): boolean {
  return text.includes('//') || text.includes('<') || /javascript:/i.test(text);
}

function start(): RecordPass {
  const guard = lazyGuard(['guard/markdown-exfiltration', 'guard/html-injection'], {
    allow: { domains: [...DEFAULT_ALLOWED_HOSTS] },
  });
  const cap = new RecordReportCap();
  return {
    check(record, where) {
      cap.beginRecord();
      const out = [];
      for (const t of textsOn(record, ['answer'])) {
        if (!mayRender(t.text)) continue;
        const verdict = guard().scanOutput(t.text);
        if (verdict.findings.length === 0) continue;
        const hosts = [
          ...new Set(verdict.findings.map((f) => f.evidence?.host).filter((h) => typeof h === 'string')),
        ];
        if (!cap.take(new Map(hosts.map((h) => [h, 1])))) continue;
        const at = verdict.findings[0]?.location.offset ?? 0;
        out.push(
          recordFinding(meta, where, {
            field: t.field,
            message: `answer ${verdict.findings[0]?.message ?? 'renders active content'}${verdict.findings.length > 1 ? ` (+${verdict.findings.length - 1} more)` : ''}`,
            evidence: {
              detectors: [...new Set(verdict.findings.map((f) => f.ruleId))],
              hosts,
              excerpt: excerpt(t.text.slice(at)),
            },
          }),
        );
      }
      return out;
    },
    lastFlagged: () => cap.flaggedNow,
    finish: (file) => cap.finish(meta, file, 'hold answers that render leaking content'),
  };
}

/** `dataset/answer-exfiltration`: the guard's Markdown-exfiltration and HTML-injection detectors on answers. */
export const answerExfiltration: RecordRule = statefulRule(meta, start);
