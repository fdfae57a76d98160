import type { RuleMeta } from '../../../core/rule.ts';
import { archiveAnomalyRule } from './archive-anomaly-rule.ts';

/** Anomaly kinds (from the zip, tar and 7z readers) that mean an entry leaves the extraction root. */
export const TRAVERSAL_KINDS: ReadonlySet<string> = new Set([
  'path-traversal',
  'absolute-path',
  'link-outside',
]);

const meta: RuleMeta = {
  id: 'model/archive-path-traversal',
  title: 'Archive entry escapes the extraction directory',
  severity: 'high',
  tags: ['OWASP-LLM03', 'CWE-22'],
  references: ['https://security.snyk.io/research/zip-slip-vulnerability'],
  fix: 'An entry named ../x, /abs/path or a link pointing outside writes anywhere on disk when a loader extracts the archive (zip-slip). Do not extract it.',
};

/** Zip-slip and tar-slip: entry names or link targets that leave the extraction root. */
export const archivePathTraversal = archiveAnomalyRule(meta, (kind) => TRAVERSAL_KINDS.has(kind));
