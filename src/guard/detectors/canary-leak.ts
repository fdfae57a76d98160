import { MAX_CANARY_LENGTH, MIN_CANARY_LENGTH } from '../canary.ts';
import { normalizeText } from '../normalize.ts';
import { originalSpan } from '../prepare.ts';
import type { Detection, Detector, DetectorContext, DetectorMeta, PreparedText, Span } from '../types.ts';
import { Claims, containsAllowedPhrase, MAX_DETECTIONS, maskPreview } from './redact-utils.ts';

const meta: DetectorMeta = {
  id: 'guard/canary-leak',
  title: 'Output contains a canary token planted in the prompt',
  severity: 'critical',
  tags: ['OWASP-LLM07', 'OWASP-LLM01', 'AML.T0056', 'AML.T0057', 'CWE-200'],
  references: [
    'https://genai.owasp.org/llmrisk/llm072025-system-prompt-leakage/',
    'https://atlas.mitre.org/techniques/AML.T0056',
  ],
  fix: 'The model repeated text it was told to keep hidden, so something in its input made it ignore that instruction. Block the response, look at the input that produced it (often a retrieved document or tool result), and rotate anything else the prompt holds.',
  directions: ['output'],
  defaultAction: 'block',
  defaultThreshold: 0.5,
  window: 256,
};

/*
 * Canaries shorter than MIN_CANARY_LENGTH (8, shared with canary.ts so the planted and the searched-for
 * canaries agree) are ignored. A canary proves a leak only because it cannot appear by chance:
 * eight random alphanumerics occur at random about once in 36^8 ≈ 2.8 × 10^12 positions, while a
 * four-character one turns up in ordinary text, code and every long base64 string (its encodings are
 * searched too, which multiplies the chances). Short canaries would make this detector fire on noise.
 */

/** Canaries considered per call; each is at most MAX_CANARY_LENGTH (planted canaries are short tokens). */
const MAX_CANARIES = 32;

/**
 * What may sit between two characters of a canary in the normalised text, up to three of them: whitespace
 * and punctuation (ASCII, Latin-1, general punctuation, CJK).
 */
function isGap(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x21 && c <= 0x2f) ||
    (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xbf) ||
    (c >= 0x2010 && c <= 0x2027) ||
    (c >= 0x2030 && c <= 0x205e) ||
    (c >= 0x3000 && c <= 0x3003)
  );
}

/** The canary's letters and digits, normalised like the text (lower case, folded), one string per character. */
function foldedChars(canary: string): string[] {
  return Array.from(normalizeText(canary).text).filter((c) => /[\p{L}\p{N}]/u.test(c));
}

/**
 * Where the canary's characters appear in order in the normalised text from `from` on, with up to three gap
 * characters between each pair (`C A N A R Y`, `c-a-n-a-r-y`): [start, end) or undefined. Hand-written
 * rather than a RegExp built per call: compiling one costs more than the search.
 */
function spacedMatch(text: string, chars: readonly string[], from: number): [number, number] | undefined {
  const first = chars[0] ?? '';
  for (let start = text.indexOf(first, from); start >= 0; start = text.indexOf(first, start + 1)) {
    let pos = start + first.length;
    let ok = true;
    for (let k = 1; k < chars.length && ok; k++) {
      const ch = chars[k] ?? '';
      let gaps = 0;
      while (gaps < 3 && !text.startsWith(ch, pos) && isGap(text.charCodeAt(pos))) {
        pos++;
        gaps++;
      }
      if (text.startsWith(ch, pos)) pos += ch.length;
      else ok = false;
    }
    if (ok) return [start, pos];
  }
  return undefined;
}

/**
 * The parts of base64(`canary`) that do not depend on what surrounds it, for each of the three byte
 * alignments it can have inside a longer encoded string. Characters touched by neighbouring bytes are dropped.
 */
function base64Forms(canary: string): string[] {
  const bytes = Buffer.from(canary, 'utf8');
  const forms = new Set<string>();
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Leading characters mix in the padding bytes; trailing ones mix in whatever follows the canary.
    const skip = Math.ceil((shift * 8) / 6);
    const keep = Math.floor(((shift + bytes.length) * 8) / 6);
    const stable = encoded.slice(skip, keep);
    if (stable.length >= MIN_CANARY_LENGTH) {
      forms.add(stable);
      forms.add(stable.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}

function* occurrences(haystack: string, needle: string): Generator<number> {
  let from = 0;
  for (let n = 0; n < MAX_DETECTIONS; n++) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return;
    yield at;
    from = at + needle.length;
  }
}

/**
 * Any canary from `ctx.canaries` in the output: verbatim, case-changed, spaced out or split by invisible
 * characters (matched on the normalised, letters-and-digits view), or base64/hex encoded. Critical: a canary
 * in the output means the prompt it was planted in is leaking.
 */
export const canaryLeakDetector: Detector = {
  meta,
  // Canaries are searched spaced out and encoded too, so with any planted the whole window is held.
  pending: (tail, ctx) => ((ctx.canaries?.length ?? 0) > 0 ? 0 : tail.length),
  detect(text: PreparedText, ctx: DetectorContext): Detection[] {
    const canaries = (ctx.canaries ?? [])
      .map((c) => c.trim())
      .filter((c) => c.length >= MIN_CANARY_LENGTH && c.length <= MAX_CANARY_LENGTH)
      .slice(0, MAX_CANARIES);
    if (canaries.length === 0) return [];
    const out: Detection[] = [];
    const claims = new Claims();
    const report = (canary: string, span: Span, how: string, score: number): void => {
      if (out.length >= MAX_DETECTIONS || claims.overlaps(span.start, span.end)) return;
      if (containsAllowedPhrase(text.original.slice(span.start, span.end), ctx)) return;
      claims.claim(span.start, span.end);
      out.push({
        score,
        message: `canary token ${maskPreview(canary)} appears in the output (${how})`,
        span: { ...span, replacement: '[REDACTED:canary]' },
        evidence: { canary: maskPreview(canary), match: how },
      });
    };

    for (const canary of canaries) {
      for (const at of occurrences(text.original, canary))
        report(canary, { start: at, end: at + canary.length }, 'verbatim', 1);
      // Case, width, homoglyph, invisible-character and spacing changes: search the normalised text.
      const chars = foldedChars(canary);
      if (chars.length >= MIN_CANARY_LENGTH) {
        let from = 0;
        for (let n = 0; n < MAX_DETECTIONS; n++) {
          const hit = spacedMatch(text.normalized, chars, from);
          if (hit === undefined) break;
          report(canary, originalSpan(text, hit[0], hit[1]), 'normalised', 1);
          from = hit[1];
        }
      }
      const hex = Buffer.from(canary, 'utf8').toString('hex');
      for (const form of [hex, hex.toUpperCase()]) {
        for (const at of occurrences(text.original, form))
          report(canary, { start: at, end: at + form.length }, 'hex', 0.95);
      }
      for (const form of base64Forms(canary)) {
        for (const at of occurrences(text.original, form))
          report(canary, { start: at, end: at + form.length }, 'base64', 0.95);
      }
      if (out.length >= MAX_DETECTIONS) break;
    }
    return out.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  },
};
