import type { RuleMeta } from '../../../core/rule.ts';
import { archiveAnomalyRule } from './archive-anomaly-rule.ts';
import { BOMB_KINDS } from './archive-bomb.ts';
import { TRAVERSAL_KINDS } from './archive-path-traversal.ts';

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
export const archiveParserDifferential = archiveAnomalyRule(
  meta,
  (kind) => !TRAVERSAL_KINDS.has(kind) && !BOMB_KINDS.has(kind),
);
