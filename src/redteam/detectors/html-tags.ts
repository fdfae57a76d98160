/**
 * HTML start tags found in linear time: a tag runs from `<name` to the next `>` or `<` (at most 4,000
 * characters), so a megabyte of `<img <img <img` is read once, never once per `<`. Detectors then test the
 * short attribute text of each tag with simple patterns.
 */
const TAG = /<([a-zA-Z][a-zA-Z0-9-]{0,30})([^<>]{0,4000})/g;

export interface HtmlTag {
  /** Lower-case tag name. */
  name: string;
  /** Everything after the name up to `>` (or the next `<`, or the cap). */
  attributes: string;
  /** The tag as written, cut for messages. */
  text: string;
}

export function* htmlTags(text: string): Generator<HtmlTag> {
  for (const m of text.matchAll(TAG)) {
    yield { name: (m[1] as string).toLowerCase(), attributes: m[2] as string, text: m[0].slice(0, 80) };
  }
}

/**
 * The value of the first of `names` among `attributes` (quoted or bare), or undefined. An unclosed quote runs to
 * the end (a tag cut at an inner `<`, as in `srcdoc="<b>…"`, still has its attribute).
 */
export function attributeValue(
  attributes: string,
  names: readonly string[],
): { name: string; value: string } | undefined {
  const pattern = new RegExp(
    `(?:^|[\\s"'/])(${names.join('|')})\\s{0,20}=\\s{0,20}(?:"([^"]{0,4096})"?|'([^']{0,4096})'?|([^\\s"'>]{1,4096}))`,
    'i',
  );
  const m = pattern.exec(attributes);
  if (!m) return undefined;
  return { name: (m[1] as string).toLowerCase(), value: m[2] ?? m[3] ?? m[4] ?? '' };
}
