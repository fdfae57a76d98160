/**
 * guard/invisible-text: characters that render as nothing but reach the model. Unicode tag characters carry
 * whole hidden instructions ("ASCII smuggling"), bidi controls reorder what a reviewer sees (Trojan Source),
 * runs of zero-width characters or variation selectors encode hidden bits, and zero-width characters inside
 * words split keywords past filters. Each run is one detection whose span, redacted with '', strips it.
 *
 * Legitimate uses are left alone: emoji ZWJ sequences (👩‍💻, families), a variation selector after an emoji
 * or CJK character, flag tag sequences (🏴 + tags + cancel tag), a byte-order mark at position 0, and
 * ZWJ/ZWNJ/ZWSP between letters of scripts that need them (Arabic, Persian, Indic, Thai, Khmer, ...).
 */
import { decodeTagCharacters, isInvisible } from '../normalize.ts';
import type { Detection, Detector, DetectorMeta } from '../types.ts';
import { clip, isAllowed, MAX_DETECTIONS } from './phrases.ts';

const meta: DetectorMeta = {
  id: 'guard/invisible-text',
  title: 'Text hides characters that render as nothing (tag characters, bidi controls, zero-width runs)',
  severity: 'medium',
  tags: ['OWASP-LLM01', 'AML.T0051.001', 'AML.T0068', 'CWE-1007', 'CWE-176'],
  references: [
    'https://embracethered.com/blog/posts/2024/hiding-and-finding-text-with-unicode-tags/',
    'https://trojansource.codes/',
    'https://paulbutler.org/2025/smuggling-arbitrary-data-through-an-emoji/',
    'https://www.unicode.org/reports/tr36/',
  ],
  fix: 'Strip the characters before the text reaches the model (the default redaction does this) and review where the text came from: hidden tag characters or zero-width runs in a document or tool result are planted, not typed.',
  directions: ['input', 'output'],
  defaultAction: 'redact',
  defaultThreshold: 0.5,
  window: 8,
};

type Kind = 'tag' | 'bidi' | 'zero-width' | 'variation-selector' | 'other';

function kindOf(cp: number): Kind {
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return 'bidi';
  if (
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef) ||
    (cp >= 0x180b && cp <= 0x180d) ||
    cp === 0x180f
  )
    return 'variation-selector';
  if (
    (cp >= 0x200b && cp <= 0x200d) ||
    cp === 0x2060 ||
    cp === 0xfeff ||
    cp === 0x180e ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x3164 ||
    cp === 0xffa0 ||
    (cp >= 0x2061 && cp <= 0x2064) ||
    (cp >= 0x206a && cp <= 0x206f) ||
    (cp >= 0xfff0 && cp <= 0xfff8)
  )
    return 'zero-width';
  // Soft hyphen, combining grapheme joiner, LRM/RLM, Arabic letter mark, Khmer inherent vowels: ordinary
  // in real text and harmless alone.
  return 'other';
}

/** Scripts that use ZWJ, ZWNJ or ZWSP between letters as part of normal spelling or line breaking. */
const JOINING_SCRIPT =
  /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}\p{Script=Thai}\p{Script=Lao}\p{Script=Tibetan}\p{Script=Myanmar}\p{Script=Khmer}\p{Script=Mongolian}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Hebrew}]/u;
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}]/u;
const LETTER = /\p{L}/u;

interface Run {
  start: number;
  end: number;
  /** Code points in the run. */
  cps: number[];
}

/** The code point that ends just before `index` (handles surrogate pairs), or undefined at the start. */
function codePointBefore(s: string, index: number): string | undefined {
  if (index <= 0) return undefined;
  const low = s.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = s.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return s.slice(index - 2, index);
  }
  return s.slice(index - 1, index);
}

function codePointAfter(s: string, index: number): string | undefined {
  if (index >= s.length) return undefined;
  const cp = s.codePointAt(index) ?? 0;
  return String.fromCodePoint(cp);
}

/** Decodes variation selectors used as bytes (VS1-16 = 0-15, VS17-256 = 16-255), if it reads as text. */
function decodeVariationSelectors(cps: readonly number[]): string | undefined {
  const bytes: number[] = [];
  for (const cp of cps) {
    if (cp >= 0xfe00 && cp <= 0xfe0f) bytes.push(cp - 0xfe00);
    else if (cp >= 0xe0100 && cp <= 0xe01ef) bytes.push(cp - 0xe0100 + 16);
  }
  const text = Buffer.from(bytes).toString('utf8');
  const printable = text.replace(/[^\p{L}\p{N}\p{P}\p{Zs}]/gu, '');
  return text.length > 0 && printable.length / text.length >= 0.8 ? text : undefined;
}

/** Judges one run: undefined when it is legitimate, else the detection. */
function judge(original: string, run: Run, splitsWords: number): Detection | undefined {
  const kinds = new Set<Kind>(run.cps.map(kindOf));
  const prev = codePointBefore(original, run.start);
  const next = codePointAfter(original, run.end);
  const span = { start: run.start, end: run.end, replacement: '' };
  const count = run.cps.length;

  if (kinds.has('tag')) {
    // Subdivision flags: 🏴 followed by tag letters and CANCEL TAG (U+E007F).
    const flag = prev === '\u{1F3F4}' && run.cps[run.cps.length - 1] === 0xe007f && count <= 8;
    if (!flag) {
      const tags = run.cps.filter((cp) => cp >= 0xe0000 && cp <= 0xe007f).length;
      const decoded = decodeTagCharacters(original.slice(run.start, run.end));
      return {
        score: 0.9,
        message: `Invisible text: ${tags} Unicode tag character${tags === 1 ? '' : 's'} hide text${decoded.length > 0 ? ` ("${clip(decoded, 60)}")` : ''}`,
        span,
        evidence: { kind: 'tag', count: tags, decoded: clip(decoded, 200) },
      };
    }
    kinds.delete('tag');
  }
  if (kinds.has('bidi')) {
    const n = run.cps.filter((cp) => kindOf(cp) === 'bidi').length;
    return {
      score: 0.7,
      message: `Invisible text: ${n} bidirectional control character${n === 1 ? '' : 's'} can reorder what is displayed`,
      span,
      evidence: { kind: 'bidi', count: n, codePoints: codes(run.cps) },
    };
  }
  const selectors = run.cps.filter((cp) => kindOf(cp) === 'variation-selector').length;
  if (selectors >= 2) {
    // One selector picks an emoji or ideograph presentation; a run of them encodes bytes.
    const decoded = decodeVariationSelectors(run.cps);
    return {
      score: 0.7,
      message: `Invisible text: ${selectors} variation selectors in a row can carry hidden data`,
      span,
      evidence: {
        kind: 'variation-selector',
        count: selectors,
        ...(decoded === undefined ? {} : { decoded: clip(decoded, 200) }),
      },
    };
  }
  const zw = run.cps.filter((cp) => kindOf(cp) === 'zero-width');
  if (zw.length === 0) return undefined;
  // A byte-order mark at the very start of the text.
  if (run.start === 0 && count === 1 && run.cps[0] === 0xfeff) return undefined;
  // Emoji ZWJ sequences (👩‍💻, ❤️‍🔥, families): only ZWJ and selectors between two emoji.
  const onlyJoiners = run.cps.every((cp) => cp === 0x200d || kindOf(cp) === 'variation-selector');
  if (onlyJoiners && prev !== undefined && next !== undefined && EMOJI.test(prev) && EMOJI.test(next))
    return undefined;
  // ZWJ/ZWNJ/ZWSP inside words of scripts that use them (Persian, Hindi, Thai, Japanese, ...).
  if (
    zw.length <= 2 &&
    ((prev !== undefined && JOINING_SCRIPT.test(prev)) || (next !== undefined && JOINING_SCRIPT.test(next)))
  )
    return undefined;
  const split = prev !== undefined && next !== undefined && LETTER.test(prev) && LETTER.test(next);
  const strong = zw.length >= 5 || split || splitsWords >= 5;
  return {
    score: strong ? 0.7 : 0.4,
    message: split
      ? `Invisible text: ${zw.length} zero-width character${zw.length === 1 ? '' : 's'} split a word`
      : `Invisible text: ${zw.length} zero-width character${zw.length === 1 ? '' : 's'}`,
    span,
    evidence: { kind: 'zero-width', count: zw.length, splitsWord: split, codePoints: codes(run.cps) },
  };
}

function codes(cps: readonly number[]): string[] {
  return [...new Set(cps)].slice(0, 8).map((cp) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
}

/** Maximal runs of invisible characters (as `isInvisible` defines them), at most `limit`. */
function findRuns(s: string, limit: number): Run[] {
  const runs: Run[] = [];
  let current: Run | undefined;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    // Fast path: nothing below U+00AD is invisible.
    if (c < 0xad) {
      current = undefined;
      i++;
      continue;
    }
    const cp = s.codePointAt(i) ?? c;
    const width = cp > 0xffff ? 2 : 1;
    if (isInvisible(cp)) {
      if (current === undefined) {
        if (runs.length >= limit) break;
        current = { start: i, end: i + width, cps: [] };
        runs.push(current);
      }
      current.end = i + width;
      if (current.cps.length < 4096) current.cps.push(cp);
    } else {
      current = undefined;
    }
    i += width;
  }
  return runs;
}

/** Runs of invisible characters that hide text or split words; legitimate joiners and selectors left alone. */
export const invisibleTextDetector: Detector = {
  meta,
  detect(text, ctx) {
    const o = text.original;
    const runs = findRuns(o, 4 * MAX_DETECTIONS);
    if (runs.length === 0) return [];
    // How many runs sit inside words (letters on both sides): many of them is a pattern, not an accident.
    let splitsWords = 0;
    for (const r of runs) {
      const prev = codePointBefore(o, r.start);
      const next = codePointAfter(o, r.end);
      if (
        prev !== undefined &&
        next !== undefined &&
        LETTER.test(prev) &&
        LETTER.test(next) &&
        !JOINING_SCRIPT.test(prev) &&
        !JOINING_SCRIPT.test(next)
      )
        splitsWords++;
    }
    const out: Detection[] = [];
    for (const run of runs) {
      if (out.length >= MAX_DETECTIONS) break;
      const d = judge(o, run, splitsWords);
      if (d === undefined) continue;
      // The matched text is the run itself (allow "\u200b" to accept zero-width spaces) or what it decodes to.
      const decoded = typeof d.evidence?.decoded === 'string' ? d.evidence.decoded : '';
      if (isAllowed(ctx, o.slice(run.start, run.end), decoded)) continue;
      out.push(d);
    }
    return out;
  },
};
