import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import { BOMB_KINDS } from './archive-bomb.ts';
import { TRAVERSAL_KINDS } from './archive-path-traversal.ts';
import type { ArchiveSubject } from './subjects.ts';

const meta: RuleMeta = {
  id: 'model/archive-parser-differential',
  title: 'Archive is built so that different readers see different contents',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'CWE-436'],
  references: [
    'https://github.com/advisories/GHSA-7q5r-7gvp-wc82',
    'https://github.com/advisories/GHSA-w8jq-xcqf-f792',
    'https://github.com/mmaitre314/picklescan/security/advisories/GHSA-mjqp-26hc-grxg',
  ],
  fix: 'Header names, flag bits or CRCs that disagree are how CVE-2025-1944/1945/10156 hid pickles from scanners while torch.load still ran them. Re-create the archive with a standard tool, or reject it.',
};

/** Local/central name mismatch, flag bits on plaintext, bad CRC, duplicates, prepended data. */
export const archiveParserDifferential: Rule<ArchiveSubject> = {
  meta,
  check(subject, ctx) {
    return subject.anomalies
      .filter((a) => !TRAVERSAL_KINDS.has(a.kind) && !BOMB_KINDS.has(a.kind))
      .slice(0, 20)
      .map((a) =>
        report(meta, ctx, {
          message: `${subject.format}${a.entry !== undefined && !a.detail.includes(a.entry) ? ` member ${JSON.stringify(a.entry)}` : ''}: ${a.detail}`,
          evidence: { kind: a.kind, entry: a.entry, format: subject.format },
        }),
      );
  },
};
