import type { RuleMeta } from '../../../core/rule.ts';
import { archiveAnomalyRule } from './archive-anomaly-rule.ts';

/** Anomaly kinds (from the zip reader) that mean a member inflates like a decompression bomb. */
export const BOMB_KINDS: ReadonlySet<string> = new Set(['compression-ratio']);

const meta: RuleMeta = {
  id: 'model/archive-bomb',
  title: 'Archive member inflates like a decompression bomb',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-409', 'CWE-400'],
  references: ['https://www.bamsoftware.com/hacks/zipbomb/'],
  fix: 'Real weights and configs do not compress at hundreds to one. Do not extract the archive on a machine that matters; find out what the member is for.',
};

/** Members that inflate to 16 MiB or more at over 200:1: loaders and scanners that extract them exhaust memory or disk. */
export const archiveBomb = archiveAnomalyRule(meta, (kind) => BOMB_KINDS.has(kind));
