/**
 * Bounded decoding of the encodings attackers wrap instructions in, so the decoded text can be scanned
 * like any other. Every step is capped (runs, bytes, depth): a megabyte of base64 costs a bounded amount
 * of work, and decoding never feeds itself forever.
 */
import { decodeTagCharacters, despace, normalizeText } from './normalize.ts';
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

const BASE64_RUN = /[A-Za-z0-9+/_-]{20,}={0,2}/g;
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

const ROT13_FROM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ROT13_TO = 'nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM';

export function rot13(s: string): string {
  let out = '';
  for (const ch of s) {
    const i = ROT13_FROM.indexOf(ch);
    out += i < 0 ? ch : ROT13_TO[i];
  }
  return out;
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

/** Words mixing letters with leet digits/symbols ("1gn0r3", "pr0mpt") are folded; plain numbers are not. */
export function unleet(normalized: string): string | undefined {
  let changed = 0;
  const out = normalized.replace(/[a-z0-9@$!|]*[a-z][a-z0-9@$!|]*/g, (word) => {
    if (!/[0-9@$!|]/.test(word) || /^[0-9]+[a-z]{1,2}$/.test(word)) return word;
    changed++;
    return word.replace(/[0-9@$!|]/g, (c) => LEET[c] ?? c);
  });
  return changed >= 2 ? out : undefined;
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
    // One more level: base64 of base64, URL-encoded base64.
    if (encoding !== 'hex') {
      for (const inner of text.matchAll(BASE64_RUN)) {
        const innerText = decodeBase64(inner[0]);
        if (innerText !== undefined)
          push(layers, budget, {
            encoding: 'base64',
            raw: innerText,
            span: { start, end: start + m[0].length },
          });
        break;
      }
    }
  }
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

  decodeRuns(original, BASE64_RUN, 'base64', decodeBase64, layers, budget);
  decodeRuns(original, HEX_RUN, 'hex', decodeHex, layers, budget);
  if (original.includes('%')) decodeRuns(original, URL_RUN, 'url', decodeUrl, layers, budget);

  const head = normalized.slice(0, DECODE_LIMITS.maxTransformChars);
  const rotated = rot13(head);
  const before = wordHits(head);
  const after = wordHits(rotated);
  if (after >= 3 && after > 2 * before)
    push(layers, budget, { encoding: 'rot13', raw: rotated, span: whole });

  const leet = unleet(head);
  if (leet !== undefined) push(layers, budget, { encoding: 'leetspeak', raw: leet, span: whole });

  const joined = despace(head);
  if (joined !== undefined) push(layers, budget, { encoding: 'spacing', raw: joined, span: whole });
  return layers;
}
