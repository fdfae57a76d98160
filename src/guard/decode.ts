/**
 * Bounded decoding of the encodings attackers wrap instructions in, so the decoded text can be scanned
 * like any other. Every step is capped (runs, bytes, depth): a megabyte of base64 costs a bounded amount
 * of work, and decoding never feeds itself forever.
 */
import { decodeTagCharacters, normalizeText } from './normalize.ts';
import type { DecodedLayer } from './types.ts';

/** Caps that keep decoding linear and small whatever the input. */
export const DECODE_LIMITS = {
  /** Encoded runs considered per text, per encoding. */
  maxRuns: 8,
  /** Decoded characters kept in all layers together. */
  maxDecodedChars: 64 * 1024,
  /** Shortest base64 run worth decoding (shorter ones are ids and hashes, not sentences). */
  minBase64: 20,
  /** Text examined for rot13 and leetspeak (whole-text transforms). */
  maxTransformChars: 16 * 1024,
} as const;

// Runs start only where the alphabet starts, so a long word is not re-scanned from each of its letters.
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,}={0,2}/g;
const HEX_RUN = /(?:\\x|0x)?(?:[0-9a-fA-F]{2}(?:[\s:,]|\\x|0x)?){10,}/g;
const URL_RUN = /(?:[^\s%]*%[0-9a-fA-F]{2}){3,}[^\s%]*/g;

/** Share of characters that are letters, digits, punctuation or spaces: decoded text must look like text. */
function printableShare(s: string): number {
  if (s.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || (c >= 0xa0 && c !== 0xfffd)) ok++;
  }
  return ok / s.length;
}

/** Words that show a decoded string is language, not noise. */
const COMMON_WORDS =
  /\b(?:the|and|you|your|to|of|is|are|ignore|instructions?|system|prompt|password|secret|say|print|reveal|tell|all|previous|now|from|with|this|that|not|what)\b/g;

function wordHits(s: string): number {
  return (s.match(COMMON_WORDS) ?? []).length;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesToText(bytes: Uint8Array): string | undefined {
  try {
    const s = utf8.decode(bytes);
    return printableShare(s) >= 0.9 ? s : undefined;
  } catch {
    return undefined;
  }
}

function decodeBase64(run: string): string | undefined {
  const clean = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (clean.length < DECODE_LIMITS.minBase64 || clean.length % 4 === 1) return undefined;
  // Identifiers, hashes and paths also match the alphabet; real base64 of text mixes cases and digits.
  if (!/[a-z]/.test(clean) || !/[A-Z]/.test(clean)) return undefined;
  const text = bytesToText(Buffer.from(clean, 'base64'));
  return text !== undefined && wordHits(text.toLowerCase()) + (/\s/.test(text) ? 1 : 0) >= 2
    ? text
    : undefined;
}

function decodeHex(run: string): string | undefined {
  const digits = run.replace(/\\x|0x|[\s:,]/g, '');
  if (digits.length % 2 !== 0) return undefined;
  return bytesToText(Buffer.from(digits, 'hex'));
}

function decodeUrl(run: string): string | undefined {
  try {
    const s = decodeURIComponent(run.replace(/\+/g, ' '));
    return s !== run && printableShare(s) >= 0.9 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** rot13 of ASCII letters; everything else unchanged. */
export function rot13(s: string): string {
  const out = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) out[i] = ((c - 97 + 13) % 26) + 97;
    else if (c >= 65 && c <= 90) out[i] = ((c - 65 + 13) % 26) + 65;
    else out[i] = c;
  }
  let text = '';
  for (let k = 0; k < out.length; k += 8192) text += String.fromCharCode(...out.subarray(k, k + 8192));
  return text;
}

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};

/** A letter next to a leet digit or symbol inside a word: only then is unleet worth running. */
const LEET_HINT = /[a-z][0-9@$!|][a-z0-9]|[0-9@$|][a-z]{2}/;

const NUMBER_WITH_SUFFIX =
  /^[0-9]+(?:[a-z]|st|nd|rd|th|am|pm|kb|mb|gb|tb|kg|km|cm|mm|ms|px|em|hz|hp|mg|ml|pt|fps|mph|kph|rpm|bit|kbps|mbps)$/;

/** Words mixing letters with leet digits/symbols ("1gn0r3", "pr0mpt") are folded; plain numbers are not. */
export function unleet(normalized: string): string | undefined {
  return changedExcerpts(
    normalized,
    /(?<![%a-z0-9@$!|+/=])[a-z0-9@$!|]*[a-z][a-z0-9@$!|]*(?![+/=])/g,
    // Leet words are short; long mixed runs are ids, hashes and base64, not words. A number with an ordinal,
    // time or unit suffix ("2nd", "10am", "4gb", "5k") is left alone, but not any two letters: "4ll" is "all".
    (word) =>
      word.length > 20 || !/[0-9@$!|]/.test(word) || NUMBER_WITH_SUFFIX.test(word)
        ? word
        : word.replace(/[0-9@$!|]/g, (c) => LEET[c] ?? c),
    2,
  );
}

/** Runs of single letters separated by one space or mark ("i g n o r e", "i.g.n.o.r.e"). */
const SPACED_RUN = /\b(?:[a-z0-9][ .\-_*/|]){3,}[a-z0-9]\b/g;

/** The de-spaced view: spaced-out runs joined, with their surroundings. */
export function despaceExcerpts(normalized: string): string | undefined {
  return changedExcerpts(normalized, SPACED_RUN, (run) => run.replace(/[ .\-_*/|]/g, ''), 1);
}

/**
 * A whole-text transform's layer holds only what the transform changed, each change with `context`
 * characters around it (nearby changes merged): re-scanning the unchanged rest would double the guard's
 * work on every long input and find nothing the plain text did not.
 */
export function changedExcerpts(
  text: string,
  pattern: RegExp,
  replace: (match: string) => string,
  minChanges: number,
  context = 120,
): string | undefined {
  const pieces: string[] = [];
  let buffer = '';
  let pieceEnd = -1;
  let changes = 0;
  for (const m of text.matchAll(pattern)) {
    const replaced = replace(m[0]);
    if (replaced === m[0]) continue;
    changes++;
    const start = m.index ?? 0;
    if (pieceEnd >= 0 && start - 2 * context <= pieceEnd) buffer += text.slice(pieceEnd, start) + replaced;
    else {
      if (pieceEnd >= 0) pieces.push(buffer + text.slice(pieceEnd, pieceEnd + context));
      buffer = text.slice(Math.max(0, start - context), start) + replaced;
    }
    pieceEnd = start + m[0].length;
  }
  if (pieceEnd >= 0) pieces.push(buffer + text.slice(pieceEnd, pieceEnd + context));
  return changes >= minChanges ? pieces.join(' … ') : undefined;
}

interface Budget {
  chars: number;
}

function push(
  layers: DecodedLayer[],
  budget: Budget,
  layer: Omit<DecodedLayer, 'text'> & { raw: string },
): boolean {
  if (budget.chars <= 0) return false;
  const raw = layer.raw.slice(0, budget.chars);
  budget.chars -= raw.length;
  layers.push({ encoding: layer.encoding, span: layer.span, text: normalizeText(raw).text });
  return true;
}

function decodeRuns(
  original: string,
  pattern: RegExp,
  encoding: 'base64' | 'hex' | 'url',
  decode: (run: string) => string | undefined,
  layers: DecodedLayer[],
  budget: Budget,
): void {
  let runs = 0;
  for (const m of original.matchAll(pattern)) {
    if (runs++ >= DECODE_LIMITS.maxRuns) break;
    const text = decode(m[0]);
    if (text === undefined) continue;
    const start = m.index ?? 0;
    if (!push(layers, budget, { encoding, raw: text, span: { start, end: start + m[0].length } })) return;
    // One more level, the first run only: base64 of base64, URL-encoded base64.
    if (encoding !== 'hex') {
      const inner = text.matchAll(BASE64_RUN).next().value;
      const innerText = inner === undefined ? undefined : decodeBase64(inner[0]);
      if (innerText !== undefined) {
        push(layers, budget, {
          encoding: 'base64',
          raw: innerText,
          span: { start, end: start + m[0].length },
        });
      }
    }
  }
}

/**
 * One pass over the text for the longest run of base64 characters and the most hex digits in a run of hex
 * digits and separators: most prompts have neither, and then the two run regexes are not needed at all.
 */
function longestRuns(text: string): { base64: number; hexDigits: number } {
  let base64 = 0;
  let run = 0;
  let hexDigits = 0;
  let hexRun = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const hexLetter = (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    if (digit || letter || c === 43 || c === 47 || c === 95 || c === 45) {
      run++;
      if (run > base64) base64 = run;
    } else run = 0;
    if (digit || hexLetter) {
      hexRun++;
      if (hexRun > hexDigits) hexDigits = hexRun;
    } else if (c !== 32 && c !== 58 && c !== 44 && c !== 9 && c !== 10) hexRun = 0;
  }
  return { base64, hexDigits };
}

/**
 * Every decoding of `original` that yields text: base64, hex and URL-encoded runs; Unicode tag characters;
 * and, for the first 16 KiB, rot13, leetspeak and de-spaced views when they read more like language.
 */
export function decodeLayers(original: string, normalized: string): DecodedLayer[] {
  const layers: DecodedLayer[] = [];
  const budget: Budget = { chars: DECODE_LIMITS.maxDecodedChars };
  const whole = { start: 0, end: original.length };

  const tags = decodeTagCharacters(original);
  if (tags.length > 0) push(layers, budget, { encoding: 'unicode-tags', raw: tags, span: whole });

  const runs = longestRuns(original);
  if (runs.base64 >= DECODE_LIMITS.minBase64)
    decodeRuns(original, BASE64_RUN, 'base64', decodeBase64, layers, budget);
  if (runs.hexDigits >= 20 || original.includes('\\x') || original.includes('0x')) {
    decodeRuns(original, HEX_RUN, 'hex', decodeHex, layers, budget);
  }
  if (original.includes('%')) decodeRuns(original, URL_RUN, 'url', decodeUrl, layers, budget);

  const head = normalized.slice(0, DECODE_LIMITS.maxTransformChars);
  const before = wordHits(head);
  // Text that already reads as English (a common word every ~200 characters) is not rot13.
  if (before < 3 + head.length / 200) {
    const rotated = rot13(head);
    const after = wordHits(rotated);
    if (after >= 3 && after > 2 * before)
      push(layers, budget, { encoding: 'rot13', raw: rotated, span: whole });
  }

  const leet = LEET_HINT.test(head) ? unleet(head) : undefined;
  if (leet !== undefined) push(layers, budget, { encoding: 'leetspeak', raw: leet, span: whole });

  const joined = despaceExcerpts(head);
  if (joined !== undefined) push(layers, budget, { encoding: 'spacing', raw: joined, span: whole });
  return layers;
}
