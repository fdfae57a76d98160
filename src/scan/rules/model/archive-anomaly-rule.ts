import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { ArchiveSubject } from './subjects.ts';

/**
 * Builds a rule that reports the archive readers' anomalies it selects, one finding each (at most 20), so
 * the archive rules stay one declaration each, as the pickle rules do with anomalyRule.
 */
export function archiveAnomalyRule(meta: RuleMeta, selects: (kind: string) => boolean): Rule<ArchiveSubject> {
  return {
    meta,
    check(subject, ctx) {
      return subject.anomalies
        .filter((a) => selects(a.kind))
        .slice(0, 20)
        .map((a) => {
          // Name the member unless the reader's own detail already does.
          const member =
            a.entry !== undefined && !a.detail.includes(a.entry) ? ` member ${JSON.stringify(a.entry)}` : '';
          return report(meta, ctx, {
            message: `${subject.format}${member}: ${a.detail}`,
            evidence: { kind: a.kind, entry: a.entry, format: subject.format },
          });
        });
    },
  };
}
