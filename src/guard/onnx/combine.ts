/**
 * Puts the optional transformer classifier beside the synchronous guard: `withOnnx(guard, classifier)`
 * scans input with the guard as usual, scores the same texts with the transformer, and adds a
 * `guard/transformer-classifier` finding (raising the action) when the transformer's score reaches the
 * threshold. The guard itself stays synchronous and free of native code; only this wrapper is async.
 */

import { ParapetError } from '../../core/errors.ts';
import type { Finding } from '../../core/finding.ts';
import { messageText, worseAction } from '../guard.ts';
import { GUARD_ACTIONS, presetSetting } from '../policy.ts';
import type { GuardPolicy, ResolvedDetectorPolicy, ResolvedPolicy } from '../policy-types.ts';
import type { GuardAction, GuardContext, GuardMessage, GuardResult } from '../types.ts';
import type { TextClassifier } from './onnx-classifier.ts';
import { TRANSFORMER_CLASSIFIER_ID, transformerClassifierMeta } from './transformer-classifier.ts';

export type CombineMode = 'max' | 'mean';

/**
 * One score from the embedded classifier's and the transformer's: `max` (default) lets either one flag a
 * text, so the pair misses less than each alone; `mean` needs both to lean the same way, so it raises fewer
 * false positives. Inputs are clamped to [0, 1]; NaN counts as 0.
 */
export function combineScores(embedded: number, transformer: number, mode: CombineMode = 'max'): number {
  const a = clamp01(embedded);
  const b = clamp01(transformer);
  return mode === 'mean' ? (a + b) / 2 : Math.max(a, b);
}

/** What `withOnnx` needs from a guard: `createGuard`'s `scanInput` (and its resolved policy, when present). */
export interface InputGuard {
  scanInput(input: string | readonly GuardMessage[], context?: GuardContext): GuardResult;
  readonly policy?: ResolvedPolicy;
}

export interface WithOnnxOptions {
  /**
   * The policy as the user wrote it: its preset and `detectors['guard/transformer-classifier']`
   * (enabled, threshold, action) apply to the transformer. Without it, the guard's resolved policy is used
   * when it has that id, else the detector's defaults (threshold 0.5, action block) under the guard's preset.
   */
  policy?: GuardPolicy;
  /** Overrides the threshold from the policy (a score in [0, 1]). */
  threshold?: number;
  /** Overrides the action from the policy. */
  action?: GuardAction;
  /** How the embedded score and the transformer's combine. Default `max`. */
  mode?: CombineMode;
  /**
   * The embedded classifier's probability for a text. When given, the finding's score is
   * `combineScores(embedded(text), transformer, mode)`; without it, the transformer's score alone (the
   * guard has already reported the embedded classifier's own findings, which `max` would keep anyway).
   */
  embedded?: (text: string) => number;
}

export interface OnnxGuard {
  /** The guard's `scanInput`, then the transformer over the same texts. */
  scanInput(input: string | readonly GuardMessage[], context?: GuardContext): Promise<GuardResult>;
}

/**
 * Wraps a guard so that its input scans also consult a transformer classifier (see `loadOnnxClassifier`).
 * A string is scored whole; a chat request is scored per message, skipping system and developer messages
 * as the guard does. Phrases the policy allows are removed from the text before it is scored.
 */
export function withOnnx(
  guard: InputGuard,
  classifier: TextClassifier,
  options: WithOnnxOptions = {},
): OnnxGuard {
  const setting = transformerSetting(guard.policy, options);
  const mode = options.mode ?? 'max';
  const allowPhrases = [...(guard.policy?.allowPhrases ?? []), ...(options.policy?.allow?.phrases ?? [])];
  return {
    async scanInput(input, context) {
      const base = guard.scanInput(input, context);
      if (!setting.enabled) return base;
      const parts = inputParts(input);
      if (parts.length === 0) return base;
      const transformerScores = await classifier.score(
        parts.map((p) => withoutPhrases(p.text, allowPhrases)),
      );
      let top: { index: number; score: number; transformer: number; embedded?: number } | undefined;
      for (const [index, part] of parts.entries()) {
        const transformer = clamp01(transformerScores[index] ?? 0);
        const embedded = options.embedded?.(part.text);
        const score = embedded === undefined ? transformer : combineScores(embedded, transformer, mode);
        if (top !== undefined && score <= top.score) continue;
        top =
          embedded === undefined ? { index, score, transformer } : { index, score, transformer, embedded };
      }
      if (top === undefined) return base;
      const result: GuardResult = { ...base, score: round(Math.max(base.score, top.score)) };
      if (top.score < setting.threshold) return result;
      const evidence: Record<string, unknown> = {
        score: round(top.score),
        action: setting.action,
        classifier: classifier.id,
        transformerScore: round(top.transformer),
        threshold: setting.threshold,
      };
      if (top.embedded !== undefined) {
        evidence.embeddedScore = round(clamp01(top.embedded));
        evidence.mode = mode;
      }
      const finding: Finding = {
        ruleId: TRANSFORMER_CLASSIFIER_ID,
        severity: transformerClassifierMeta.severity,
        message: `transformer classifier ${classifier.id} scores this text ${top.score.toFixed(3)} as a prompt injection or jailbreak (threshold ${setting.threshold})`,
        location: { path: parts[top.index]?.path ?? 'input' },
        evidence,
      };
      result.findings = [...base.findings, finding];
      result.action = worseAction(base.action, setting.action);
      return result;
    },
  };
}

/** The transformer's effective setting: explicit options, then the user's policy, then the guard's. */
function transformerSetting(
  resolved: ResolvedPolicy | undefined,
  options: WithOnnxOptions,
): ResolvedDetectorPolicy {
  const preset = options.policy?.preset ?? resolved?.preset ?? 'balanced';
  const base =
    resolved?.detectors.get(TRANSFORMER_CLASSIFIER_ID) ?? presetSetting(preset, transformerClassifierMeta);
  const own = options.policy?.detectors?.[TRANSFORMER_CLASSIFIER_ID];
  const threshold = options.threshold ?? own?.threshold ?? base.threshold;
  const action = options.action ?? own?.action ?? base.action;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new ParapetError(
      'USAGE',
      `${TRANSFORMER_CLASSIFIER_ID}: threshold must be a number from 0 to 1, got ${threshold}`,
    );
  }
  if (!GUARD_ACTIONS.includes(action)) {
    throw new ParapetError(
      'USAGE',
      `${TRANSFORMER_CLASSIFIER_ID}: action must be one of ${GUARD_ACTIONS.join(', ')}, got ${action}`,
    );
  }
  return { enabled: own?.enabled ?? base.enabled, threshold, action };
}

/** The texts the guard scans as input, with the location each finding should name. */
function inputParts(input: string | readonly GuardMessage[]): { text: string; path: string }[] {
  if (typeof input === 'string') return [{ text: input, path: 'input' }];
  const parts: { text: string; path: string }[] = [];
  input.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'developer') return;
    const text = messageText(message);
    if (text !== '') parts.push({ text, path: `messages[${index}]` });
  });
  return parts;
}

/** The text with every allowed phrase (case-insensitive) replaced by a space. */
function withoutPhrases(text: string, phrases: readonly string[]): string {
  if (phrases.length === 0) return text;
  let out = text;
  for (const phrase of phrases) {
    if (phrase.trim() === '') continue;
    const lower = phrase.toLowerCase();
    let from = 0;
    let result = '';
    const haystack = out.toLowerCase();
    // Lower-casing can change the length of a few characters; fall back to the text as is when it does.
    if (haystack.length !== out.length) continue;
    for (let at = haystack.indexOf(lower); at >= 0; at = haystack.indexOf(lower, from)) {
      result += `${out.slice(from, at)} `;
      from = at + lower.length;
    }
    out = result + out.slice(from);
  }
  return out;
}

function clamp01(x: number): number {
  return Number.isNaN(x) ? 0 : Math.min(1, Math.max(0, x));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
