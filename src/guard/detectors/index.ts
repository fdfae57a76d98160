/**
 * Every guard detector, in the order they run. Each lives in `src/guard/detectors/<name>.ts` with its
 * metadata beside its check, and is documented at `docs/rules/guard/<name>.md` (id `guard/<name>`).
 */
import type { Detector } from '../types.ts';
import { adversarialSuffixDetector } from './adversarial-suffix.ts';
import { ansiEscapeDetector } from './ansi-escape.ts';
import { canaryLeakDetector } from './canary-leak.ts';
import { htmlInjectionDetector } from './html-injection.ts';
import { injectionClassifierDetector } from './injection-classifier.ts';
import { instructionOverrideDetector } from './instruction-override.ts';
import { invisibleTextDetector } from './invisible-text.ts';
import { markdownExfiltrationDetector } from './markdown-exfiltration.ts';
import { piiDetector } from './pii.ts';
import { promptExtractionDetector } from './prompt-extraction.ts';
import { roleSpoofingDetector } from './role-spoofing.ts';
import { secretDetector } from './secret.ts';
import { systemPromptLeakDetector } from './system-prompt-leak.ts';

export const GUARD_DETECTORS: readonly Detector[] = [
  // input
  injectionClassifierDetector,
  instructionOverrideDetector,
  roleSpoofingDetector,
  promptExtractionDetector,
  invisibleTextDetector,
  adversarialSuffixDetector,
  // output
  secretDetector,
  piiDetector,
  canaryLeakDetector,
  systemPromptLeakDetector,
  markdownExfiltrationDetector,
  htmlInjectionDetector,
  ansiEscapeDetector,
];
