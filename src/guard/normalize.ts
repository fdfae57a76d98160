/**
 * Folds a text into the form detectors match against, keeping a map back to the original offsets.
 * Attackers spread instructions over look-alike letters, full-width forms, zero-width joiners, bidi
 * controls, Unicode tag characters and "s p a c e d" letters; every one of those is undone here once,
 * so no detector has to know about them.
 */

/** Code-point ranges that render as nothing (or reorder text) and carry no meaning in a prompt. */
const INVISIBLE_RANGES: readonly [number, number][] = [
  [0x00ad, 0x00ad], // soft hyphen
  [0x034f, 0x034f], // combining grapheme joiner
  [0x061c, 0x061c], // Arabic letter mark
  [0x115f, 0x1160], // Hangul fillers
  [0x17b4, 0x17b5],
  [0x180b, 0x180f], // Mongolian variation selectors
  [0x200b, 0x200f], // zero-width space/joiners, LRM/RLM
  [0x202a, 0x202e], // bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // BOM / zero-width no-break space
  [0xffa0, 0xffa0],
  [0xfff0, 0xfff8],
  [0xe0000, 0xe007f], // Unicode tag characters ("ASCII smuggling")
  [0xe0100, 0xe01ef], // variation selectors supplement
];

/** True for a code point that is invisible formatting rather than text. */
export function isInvisible(cp: number): boolean {
  if (cp < 0xad) return false;
  for (const [lo, hi] of INVISIBLE_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

/** Confusable letters (Cyrillic, Greek, Latin extensions, mathematical forms survive NFKC) folded to ASCII. */
const HOMOGLYPHS: Record<string, string> = {
  а: 'a',
  в: 'b',
  с: 'c',
  е: 'e',
  һ: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɑ: 'a',
  ɡ: 'g',
  ɩ: 'i',
  ο: 'o',
  ν: 'v',
  α: 'a',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  ι: 'i',
  κ: 'k',
  χ: 'x',
  ε: 'e',
  ѵ: 'v',
  ӏ: 'l',
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '«': '"',
  '»': '"',
  '–': '-',
  '—': '-',
  '‐': '-',
  '‑': '-',
  '−': '-',
};

export interface NormalizedText {
  text: string;
  /** For each UTF-16 index of `text`, the original index it came from; one extra entry maps the end. */
  toOriginal: Uint32Array;
  /** How many invisible characters were dropped (reported by the invisible-text detector). */
  invisibleCount: number;
}

/** Tag characters U+E0020..U+E007E mirror ASCII; "ASCII smuggling" hides whole instructions in them. */
export function decodeTagCharacters(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

const UTF16 = new TextDecoder('utf-16le');
const WHITESPACE = /\s/;
const MARK = /\p{M}/u;

/**
 * Memo of folded non-ASCII code points. A pure function's cache, bounded, shared by every guard: text in
 * one script repeats the same few hundred code points, and NFKC per character is the costly part.
 */
const FOLD_CACHE = new Map<number, readonly number[]>();
const FOLD_CACHE_LIMIT = 8192;
/** Basic-plane code points index straight into this (a Map lookup per character was the slow part). */
const FOLD_BMP: (readonly number[] | undefined)[] = new Array(0x10000);

/** One code point folded to UTF-16 units: homoglyph, NFKC, lower case; spaces as 32, marks dropped. */
function foldCodePoint(cp: number): readonly number[] {
  const cached = cp < 0x10000 ? FOLD_BMP[cp] : FOLD_CACHE.get(cp);
  if (cached !== undefined) return cached;
  // Lone surrogates (invalid UTF-16) become U+FFFD rather than poisoning later regexes.
  const ch = cp >= 0xd800 && cp <= 0xdfff ? '\uFFFD' : String.fromCodePoint(cp);
  const folded = (HOMOGLYPHS[ch] ?? ch.normalize('NFKC')).toLowerCase();
  const codes: number[] = [];
  for (const f of folded) {
    const mapped = HOMOGLYPHS[f] ?? f;
    if (WHITESPACE.test(mapped)) codes.push(32);
    // Combining marks ("zalgo") decorate letters without changing the words.
    else if (!MARK.test(mapped)) for (let k = 0; k < mapped.length; k++) codes.push(mapped.charCodeAt(k));
  }
  if (cp < 0x10000) FOLD_BMP[cp] = codes;
  else if (FOLD_CACHE.size < FOLD_CACHE_LIMIT) FOLD_CACHE.set(cp, codes);
  return codes;
}

/**
 * NFKC per code point (so offsets can be mapped), invisible characters dropped, homoglyphs folded,
 * lower-cased, runs of whitespace collapsed to one space, combining marks dropped. Linear in the input;
 * ASCII takes a fast path without regexes or allocation, since it is most of what a guard sees.
 */
export function normalizeText(original: string): NormalizedText {
  const n = original.length;
  // No closures over these: a captured, mutated variable lives in a heap context, and this loop is the
  // hottest in the guard.
  let map = new Uint32Array(n + 16);
  let out = new Uint16Array(n + 16);
  let len = 0;
  let invisibleCount = 0;
  let lastWasSpace = true;
  let i = 0;
  while (i < n) {
    const c = original.charCodeAt(i);
    if (c < 0x80) {
      if (c <= 32 || c === 127) {
        // Whitespace collapses to one space; other C0 controls carry no text (ANSI escapes are the
        // output detectors' business).
        if (!lastWasSpace) {
          out[len] = 32;
          map[len++] = i;
          lastWasSpace = true;
        }
      } else {
        out[len] = c >= 65 && c <= 90 ? c + 32 : c;
        map[len++] = i;
        lastWasSpace = false;
      }
      i++;
      continue;
    }
    const cp = original.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    if (isInvisible(cp)) {
      invisibleCount++;
      i += width;
      continue;
    }
    const folded = foldCodePoint(cp);
    // NFKC can expand one code point into several units (ﬁ → fi, ㈱ → (株)); grow before writing.
    if (len + folded.length + 1 >= out.length) {
      const size = 2 * out.length + folded.length;
      const biggerOut = new Uint16Array(size);
      biggerOut.set(out);
      out = biggerOut;
      const biggerMap = new Uint32Array(size);
      biggerMap.set(map);
      map = biggerMap;
    }
    for (let k = 0; k < folded.length; k++) {
      const code = folded[k] ?? 0;
      if (code === 32) {
        if (lastWasSpace) continue;
        lastWasSpace = true;
      } else lastWasSpace = false;
      out[len] = code;
      map[len++] = i;
    }
    i += width;
  }
  if (len > 0 && out[len - 1] === 32) len--;
  const toOriginal = new Uint32Array(len + 1);
  toOriginal.set(map.subarray(0, len));
  toOriginal[len] = n;
  // Lone surrogates were replaced by U+FFFD in foldCodePoint, so the units are valid UTF-16.
  return { text: UTF16.decode(out.subarray(0, len)), toOriginal, invisibleCount };
}
