/**
 * The words of a text, as the whole-set rules count them: runs of letters and digits, with an inner `-`, `_`,
 * `'` or `.` kept (`cf-7741`, `don't`, `v1.2`) — exactly what the regex `[\p{L}\p{N}]+(?:[-_'.][\p{L}\p{N}]+)*` with the `u` flag matches.
 *
 * A hand-written scanner rather than that regex because the trigger search splits every prompt and answer of
 * a data set, and the Unicode-property regex was a quarter of its time: ASCII is decided by char code, and
 * only other characters are tested against the property class (one code point at a time, surrogate pairs
 * joined, so astral letters count as the regex counts them).
 */

const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

/** Length in UTF-16 units of the letter or digit at `i`, or 0 when there is none. */
function wordCharAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0x80) {
    return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? 1 : 0;
  }
  const cp = text.codePointAt(i) ?? c;
  const width = cp > 0xffff ? 2 : 1;
  return LETTER_OR_DIGIT.test(text.slice(i, i + width)) ? width : 0;
}

function isConnector(c: number): boolean {
  return c === 0x2d || c === 0x5f || c === 0x27 || c === 0x2e; // - _ ' .
}

/**
 * The first `limit` words of `text` (all of them by default), in order. Case is kept: callers lower-case the
 * text first when they compare words.
 */
export function splitWords(text: string, limit = Number.POSITIVE_INFINITY): string[] {
  const words: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n && words.length < limit) {
    const w = wordCharAt(text, i);
    if (w === 0) {
      i++;
      continue;
    }
    const start = i;
    i += w;
    for (;;) {
      const next = i < n ? wordCharAt(text, i) : 0;
      if (next > 0) {
        i += next;
        continue;
      }
      // A connector joins only when a letter or digit follows it.
      if (i + 1 < n && isConnector(text.charCodeAt(i))) {
        const after = wordCharAt(text, i + 1);
        if (after > 0) {
          i += 1 + after;
          continue;
        }
      }
      break;
    }
    words.push(text.slice(start, i));
  }
  return words;
}
