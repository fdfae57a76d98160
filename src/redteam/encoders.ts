/**
 * Text transforms the encoding probes hide instructions with. Each is the plain, well-known mapping
 * (RFC 4648 base64, hex, ROT13, common leetspeak, Unicode tag characters U+E0020–U+E007E, Cyrillic
 * lookalikes) so a guard's decoders can be tested against exactly what real attacks send.
 */

export const toBase64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export const toHex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

export function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7', g: '9', b: '8' };

/** Leetspeak of lower-case letters; upper case (the marker words) is left readable. */
export const toLeet = (text: string): string => text.replace(/[aeiostgb]/g, (c) => LEET[c] ?? c);

/**
 * Unicode tag characters: each printable ASCII character c becomes U+E0000 + c. Most renderers draw them as
 * nothing, but tokenizers keep them, so a model can "see" text a human reviewer cannot (ASCII smuggling).
 */
export const toUnicodeTags = (text: string): string =>
  Array.from(text)
    .map((c) => {
      const code = c.charCodeAt(0);
      return code >= 0x20 && code <= 0x7e ? String.fromCodePoint(0xe0000 + code) : c;
    })
    .join('');

/**
 * Lower-case Latin letters → visually identical Cyrillic ones (the confusables a keyword filter misses).
 * Capitals are left alone so the marker words the probes ask for stay plain ASCII.
 */
const HOMOGLYPHS: Record<string, string> = {
  a: '\u0430',
  c: '\u0441',
  e: '\u0435',
  i: '\u0456',
  o: '\u043e',
  p: '\u0440',
  x: '\u0445',
  y: '\u0443',
};

export const toHomoglyphs = (text: string): string => text.replace(/[aceiopxy]/g, (c) => HOMOGLYPHS[c] ?? c);
