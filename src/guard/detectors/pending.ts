/**
 * "Is a match still forming at the end of this text?" for the output stream (see `Detector.pending`).
 * Each helper returns an offset into `tail` from which text must be held back; `tail.length` means
 * nothing is in progress. They over-hold rather than under-hold: holding a few characters too many
 * only delays them, releasing one too early could leak the start of a secret.
 */

const WHITESPACE = /\s/;

/** Start of the run of non-whitespace characters the text ends with (a token that may still grow). */
export function trailingTokenStart(tail: string): number {
  let i = tail.length;
  while (i > 0 && !WHITESPACE.test(tail[i - 1] as string)) i--;
  return i;
}

/**
 * The earliest of the last `maxOpeners` occurrences of `opener` that no `closer` follows: an element
 * (`-----BEGIN`, `<`, `[`) opened and not yet closed.
 */
export function lastUnclosed(tail: string, opener: string, closer: string, maxOpeners = 8): number {
  let held = tail.length;
  let from = tail.length;
  for (let n = 0; n < maxOpeners; n++) {
    const at = tail.lastIndexOf(opener, from - 1);
    if (at < 0) break;
    if (tail.indexOf(closer, at + opener.length) < 0) held = at;
    if (at === 0) break;
    from = at;
  }
  return held;
}

/**
 * Markdown links and images still open at the end: `[alt` without `]`, `](url` without `)`,
 * `][ref` without `]`, or `]` / `]:` as the last non-space characters (a URL may follow).
 */
export function openMarkdownLink(tail: string, maxOpeners = 8): number {
  let held = tail.length;
  let from = tail.length;
  for (let n = 0; n < maxOpeners; n++) {
    const at = tail.lastIndexOf('[', from - 1);
    if (at < 0) break;
    if (markdownOpenAfter(tail, at)) held = at > 0 && tail[at - 1] === '!' ? at - 1 : at;
    if (at === 0) break;
    from = at;
  }
  return held;
}

function markdownOpenAfter(tail: string, open: number): boolean {
  const close = tail.indexOf(']', open + 1);
  if (close < 0) return true;
  const rest = tail.slice(close + 1);
  if (rest.trim() === '' || rest.trimStart() === ':') return true;
  if (rest.startsWith('(')) return !rest.includes(')');
  if (rest.startsWith('[')) return !rest.slice(1).includes(']');
  // `]: url` (a reference definition): held while the URL is the trailing token.
  if (rest.startsWith(':'))
    return trailingTokenStart(tail) > close && !/\s/.test(tail[tail.length - 1] ?? ' ');
  return false;
}

/**
 * PII spans groups of digits and capitals split by single spaces, dashes or dots (`4111 1111 1111 1111`,
 * `DE89 3704 0044`, `+1 (555) 123-4567`): the trailing token plus every group before it that could belong
 * to such a number.
 */
export function trailingNumberGroups(tail: string): number {
  let i = trailingTokenStart(tail);
  for (;;) {
    // One separator, then the group before it.
    let j = i;
    if (j > 0 && (tail[j - 1] === ' ' || tail[j - 1] === '\t')) j--;
    else return i;
    let k = j;
    while (k > 0 && !WHITESPACE.test(tail[k - 1] as string)) k--;
    const group = tail.slice(k, j);
    if (group === '' || !/^[(+]?[0-9A-Z][0-9A-Z()./-]*$/.test(group)) return i;
    i = k;
  }
}
