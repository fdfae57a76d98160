import type { RuleMeta } from '../../../core/rule.ts';
import type { Severity } from '../../../core/severity.ts';
import type { Anomaly } from '../../../formats/pickle/analysis.ts';
import { type Rule, report } from '../../rule.ts';
import type { PickleSubject } from './subjects.ts';

/**
 * Builds a rule that reports the machine's anomalies of some kinds, one finding per anomaly (capped),
 * so rules about stream structure stay one small declaration each.
 */
export function anomalyRule(
  meta: RuleMeta,
  kinds: readonly Anomaly['kind'][],
  severityOf: (a: Anomaly) => Severity = () => meta.severity,
): Rule<PickleSubject> {
  return {
    meta,
    check(subject, ctx) {
      return subject.analysis.anomalies
        .filter((a) => kinds.includes(a.kind))
        .slice(0, 10)
        .map((a) =>
          report(meta, ctx, {
            offset: a.offset,
            severity: severityOf(a),
            message: a.detail,
            evidence: { kind: a.kind, pickle: subject.index },
          }),
        );
    },
  };
}
