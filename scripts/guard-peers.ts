/**
 * Adapters for the two npm prompt-injection detectors Parapet's guard is compared with, so the eval and the
 * bench call every system the same way: `detect(text)` → true when the system would stop the text.
 *
 * - `@andersmyrmel/vard` 1.2.0: regex rules. `vard.moderate().safeParse(text)` returns `{ safe: false, threats }`
 *   when a threat at or above the moderate threshold (0.7) is found. Synchronous. Note that its default
 *   `maxLength` (10,000 characters) makes any longer text unsafe by itself (a "length" threat).
 * - `llm_guardrail` 2.1.2: TF-IDF + logistic regression. `checkInjection(text)` and `checkJailbreak(text)`
 *   each return a Promise of `{ detected: boolean, confidence, ... }` (the work is synchronous inside the
 *   promise; each model is loaded from JSON on its first call). It ships no type declarations, so it is
 *   imported through a computed specifier and typed here.
 */
import vard from '@andersmyrmel/vard';

/** One system under evaluation. `detect` may return a promise (llm_guardrail's API is async). */
export interface DetectorSystem {
  name: string;
  /** Package and version, for the report. */
  version: string;
  detect(text: string): boolean | Promise<boolean>;
}

export function vardSystem(): DetectorSystem {
  const checker = vard.moderate();
  return {
    name: 'vard',
    version: '@andersmyrmel/vard 1.2.0 (moderate preset)',
    detect: (text) => !checker.safeParse(text).safe,
  };
}

interface LlmGuardrailCheck {
  allowed: boolean;
  detected: boolean;
  prediction: number;
  confidence: number;
}

interface LlmGuardrailModule {
  checkInjection(prompt: string): Promise<LlmGuardrailCheck>;
  checkJailbreak(prompt: string): Promise<LlmGuardrailCheck>;
}

export async function llmGuardrailSystem(): Promise<DetectorSystem> {
  const specifier: string = 'llm_guardrail';
  const mod = (await import(specifier)) as LlmGuardrailModule;
  return {
    name: 'llm_guardrail',
    version: 'llm_guardrail 2.1.2 (checkInjection || checkJailbreak)',
    detect: async (text) => {
      const [injection, jailbreak] = await Promise.all([mod.checkInjection(text), mod.checkJailbreak(text)]);
      return injection.detected || jailbreak.detected;
    },
  };
}

/** Both peers, in report order. */
export async function peerSystems(): Promise<DetectorSystem[]> {
  return [vardSystem(), await llmGuardrailSystem()];
}
