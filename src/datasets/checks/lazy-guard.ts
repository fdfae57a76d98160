/**
 * One guard per rule per file, built on first use from only the detectors the rule needs: a data set has
 * millions of texts, and running every detector for every rule would multiply the cost by the rule count.
 * Never module-level: two scans (or two files) must not share a guard's memo.
 */
import { GUARD_DETECTORS } from '../../guard/detectors/index.ts';
import { createGuard, type Guard } from '../../guard/guard.ts';
import type { GuardPolicy } from '../../guard/policy-types.ts';

export function lazyGuard(detectorIds: readonly string[], policy: GuardPolicy = {}): () => Guard {
  let guard: Guard | undefined;
  return () => {
    if (guard === undefined) {
      const detectors = GUARD_DETECTORS.filter((d) => detectorIds.includes(d.meta.id));
      // The policy is checked against the full detector list, so ids must exist: a typo here fails loudly.
      if (detectors.length !== detectorIds.length)
        throw new Error(`unknown guard detector in ${detectorIds}`);
      guard = createGuard({ preset: 'balanced', ...policy }, { detectors });
    }
    return guard;
  };
}
