/**
 * Every guard detector, in the order they run. Each lives in `src/guard/detectors/<name>.ts` with its
 * metadata beside its check, and is documented at `docs/rules/guard/<name>.md` (id `guard/<name>`).
 */
import type { Detector } from '../types.ts';

export const GUARD_DETECTORS: readonly Detector[] = [
  // input
  // output
];
