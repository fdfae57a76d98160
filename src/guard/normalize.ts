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

/**
 * NFKC per code point (so offsets can be mapped), invisible characters dropped, homoglyphs folded,
 * lower-cased, runs of whitespace collapsed to one space. Linear in the input.
 */
export function normalizeText(original: string): NormalizedText {
  const out: string[] = [];
  const map: number[] = [];
  let invisibleCount = 0;
  let lastWasSpace = true;
  let i = 0;
  while (i < original.length) {
    const cp = original.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const ch = original.slice(i, i + width);
    if (isInvisible(cp)) {
      invisibleCount++;
      i += width;
      continue;
    }
    // Lone surrogates (invalid UTF-16) become U+FFFD rather than poisoning later regexes.
    let folded = cp >= 0xd800 && cp <= 0xdfff ? '\uFFFD' : ch;
    if (cp > 0x7f) folded = HOMOGLYPHS[folded] ?? folded.normalize('NFKC');
    folded = folded.toLowerCase();
    for (const c of folded) {
      const mapped = HOMOGLYPHS[c] ?? c;
      if (/\s/.test(mapped)) {
        if (lastWasSpace) continue;
        out.push(' ');
        lastWasSpace = true;
      } else if (/\p{M}/u.test(mapped)) {
        // Combining marks ("zalgo") are dropped: they decorate letters without changing the words.
        continue;
      } else {
        out.push(mapped);
        lastWasSpace = false;
      }
      for (let k = 0; k < mapped.length; k++) map.push(i);
    }
    i += width;
  }
  if (out.length > 0 && out[out.length - 1] === ' ') {
    out.pop();
    map.pop();
  }
  map.push(original.length);
  return { text: out.join(''), toOriginal: Uint32Array.from(map), invisibleCount };
}

/**
 * Undoes "s p a c e d" and "s.p.a.c.e.d" letters: runs of at least four single letters separated by one
 * space or punctuation mark are joined. Applied as an extra view, not to `normalized`, so real one-letter
 * words ("a", "i") are untouched elsewhere.
 */
export function despace(normalized: string): string | undefined {
  const joined = normalized.replace(/\b(?:[a-z0-9][ .\-_*/|]){3,}[a-z0-9]\b/g, (run) =>
    run.replace(/[ .\-_*/|]/g, ''),
  );
  return joined === normalized ? undefined : joined;
}
