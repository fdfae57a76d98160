import type { RuleMeta } from '../../../core/rule.ts';
import { DEFAULT_ALLOWED_HOSTS } from '../../../datasets/checks/allowed-hosts.ts';
import { recordFinding } from '../../../datasets/checks/record-finding.ts';
import { RecordReportCap } from '../../../datasets/checks/report-cap.ts';
import { statefulRule } from '../../../datasets/checks/stateful-rule.ts';
import type { RecordPass, RecordRule } from '../../../datasets/types.ts';
import { hostMatcher, urlHost } from '../../../guard/detectors/url-host.ts';

const meta: RuleMeta = {
  id: 'dataset/external-url',
  title: 'A record links to a host outside the allow list',
  severity: 'low',
  tags: ['OWASP-LLM04', 'AML.T0020', 'CWE-601'],
  references: [
    'https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/',
    'https://arxiv.org/abs/2302.10149',
  ],
  fix: 'Look at the hosts with the most links: a host you do not recognise, repeated across many answers, is how a poisoned set teaches a model to send users somewhere. Remove those records, or allow the host if it is legitimate.',
};

/** Absolute http(s)/ftp URLs; the host is cut out by the guard's hand-written parser. */
const URL = /\b(?:https?|ftp):\/\/[^\s<>"'`)\]}]+/gi;
/** URLs looked at per text: a link farm is recognised long before the thousandth link. */
const MAX_URLS = 100;

export function createExternalUrlRule(allowed: readonly string[] = DEFAULT_ALLOWED_HOSTS): RecordRule {
  const isAllowed = hostMatcher(allowed);
  const start = (): RecordPass => {
    const cap = new RecordReportCap();
    return {
      check(record, where) {
        cap.beginRecord();
        const hosts = new Map<string, number>();
        let inAnswer = false;
        for (const t of record.texts) {
          if (!t.text.includes('://')) continue;
          let seen = 0;
          for (const m of t.text.matchAll(URL)) {
            if (++seen > MAX_URLS) break;
            const host = urlHost(m[0]);
            if (host === undefined || isAllowed(host)) continue;
            hosts.set(host, (hosts.get(host) ?? 0) + 1);
            if (t.role === 'answer') inAnswer = true;
          }
        }
        if (hosts.size === 0 || !cap.take(hosts)) return [];
        const list = [...hosts].map(([h, n]) => (n > 1 ? `${h} ×${n}` : h)).join(', ');
        return [
          recordFinding(meta, where, {
            // A link the model is taught to produce matters more than one it is shown.
            severity: inAnswer ? 'medium' : 'low',
            message: `${inAnswer ? 'answer links' : 'links'} to ${list}`,
            evidence: { hosts: Object.fromEntries(hosts), inAnswer },
          }),
        ];
      },
      lastFlagged: () => cap.flaggedNow,
      finish: (file) => cap.finish(meta, file, 'link to hosts outside the allow list'),
    };
  };
  return statefulRule(meta, start);
}

/** `dataset/external-url` with the default allow list (src/datasets/checks/allowed-hosts.ts). */
export const externalUrl: RecordRule = createExternalUrlRule();
