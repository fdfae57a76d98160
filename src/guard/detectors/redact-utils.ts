/**
 * Small pieces the redacting detectors (secret, PII, output checks) share: allow-phrase filtering, masked
 * previews that never echo a value, overlap bookkeeping so two patterns do not report one range twice, and
 * Shannon entropy.
 */
import type { DetectorContext } from '../types.ts';

/** Detections one detector returns per text at most: bounds work and report size on hostile input. */
export const MAX_DETECTIONS = 50;

/** True when the matched text contains one of the policy's allowed phrases (case-insensitive). */
export function containsAllowedPhrase(matched: string, ctx: DetectorContext): boolean {
  if (ctx.allowPhrases.length === 0) return false;
  const lower = matched.toLowerCase();
  for (const phrase of ctx.allowPhrases) {
    const p = phrase.trim().toLowerCase();
    if (p.length > 0 && lower.includes(p)) return true;
  }
  return false;
}

/** First four characters and an ellipsis: enough to recognise a key, never enough to use it. */
export function maskPreview(value: string): string {
  return `${Array.from(value.slice(0, 8)).slice(0, 4).join('')}…`;
}

/** Ranges already reported, so a later, weaker pattern does not report the same text again. */
export class Claims {
  private readonly ranges: [number, number][] = [];

  overlaps(start: number, end: number): boolean {
    for (const [s, e] of this.ranges) if (start < e && end > s) return true;
    return false;
  }

  /** Records the range; false (and nothing recorded) when it overlaps one already claimed. */
  claim(start: number, end: number): boolean {
    if (this.overlaps(start, end)) return false;
    this.ranges.push([start, end]);
    return true;
  }
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
