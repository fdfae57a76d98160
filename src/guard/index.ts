/**
 * `parapet/guard`: prompt-injection, jailbreak and exfiltration detection for inputs and outputs,
 * in-process, synchronous, no network.
 *
 * @example
 * import { createGuard } from 'parapet/guard';
 * const guard = createGuard('balanced');
 * const verdict = guard.scanInput(userText);
 * if (verdict.action === 'block') throw new Error(verdict.findings.map((f) => f.ruleId).join(', '));
 */
export { containsCanary, createCanary, plantCanary } from './canary.ts';
export { GUARD_DETECTORS } from './detectors/index.ts';
export { createGuard, type Guard, type GuardOptions } from './guard.ts';
export { loadPolicyFile, loadPolicyYaml, PolicyError, parsePolicy, resolvePolicy } from './policy.ts';
export type { DetectorPolicy, GuardPolicy, PresetName, ResolvedPolicy } from './policy-types.ts';
export { prepareText } from './prepare.ts';
export { datamark, delimit, encodeBase64, type SpotlightMode, spotlight } from './spotlight.ts';
export type { OutputStream, StreamStep } from './stream.ts';
export type {
  Detection,
  Detector,
  DetectorMeta,
  GuardAction,
  GuardContext,
  GuardMessage,
  GuardResult,
  PreparedText,
} from './types.ts';
