/**
 * Where a Markdown renderer shows text as code: fenced blocks and inline code spans. Markup and links there
 * are displayed, never rendered or fetched, so the output detectors skip them.
 */

/** Fence lines: up to three spaces, then three or more backticks or tildes. */
const FENCE = /^ {0,3}(`{3,}|~{3,})([^\n]*)$/gm;
/** Inline code spans: a run of backticks, content without backticks or line breaks, the same run again. */
const CODE_SPAN = /(?<!`)(`+)([^`\n]{1,500})\1(?!`)/g;

/**
 * Ranges of the text that a Markdown renderer shows as code, never as HTML: fenced blocks and inline code
 * spans. Sorted, non-overlapping.
 */
export function codeRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  let open: { char: string; len: number; start: number; info: boolean } | undefined;
  for (const m of text.matchAll(FENCE)) {
    const marker = m[1] ?? '';
    const info = m[2] ?? '';
    if (open === undefined) {
      // A backtick fence's info string cannot contain backticks (that line is an inline span instead).
      if (marker[0] === '`' && info.includes('`')) continue;
      open = { char: marker[0] ?? '`', len: marker.length, start: m.index, info: info.trim() !== '' };
    } else if (marker[0] === open.char && marker.length >= open.len && info.trim() === '') {
      ranges.push([open.start, m.index + m[0].length]);
      open = undefined;
    }
  }
  // An unclosed fence is code to CommonMark only to the end of the document. A stream shows a detector a
  // window, and a closing fence whose opener fell out of it looks like an opener: counting that as code would
  // let anything after it through. So an unclosed fence is code only when it has an info string (```html),
  // which a closing fence cannot have; a bare one fails closed.
  if (open?.info) ranges.push([open.start, text.length]);

  const spans: [number, number][] = [];
  let r = 0;
  for (const m of text.matchAll(CODE_SPAN)) {
    while (r < ranges.length && (ranges[r]?.[1] ?? 0) <= m.index) r++;
    const fence = ranges[r];
    if (fence && fence[0] <= m.index) continue;
    spans.push([m.index, m.index + m[0].length]);
    if (spans.length >= 10_000) break;
  }
  return [...ranges, ...spans].sort((a, b) => a[0] - b[0]);
}

/** True when `pos` falls inside one of the sorted ranges (binary search). */
export function inRanges(ranges: readonly [number, number][], pos: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = ranges[mid] ?? [0, 0];
    if (pos < s) hi = mid - 1;
    else if (pos >= e) lo = mid + 1;
    else return true;
  }
  return false;
}
