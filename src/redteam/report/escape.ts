/**
 * Escaping for the HTML report. Everything a target returns is hostile: a reply may hold `<script>`, a
 * markdown image pointing at an attacker's host, ANSI escapes that repaint a terminal, or bidi overrides that
 * make text read differently from what it is. The report shows all of it as inert, visible text.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element's content or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Characters a reader cannot see but that change what text does or seems to say: C0/C1 controls (ANSI starts
 * with ESC), zero-width and bidi controls, the BOM, Unicode tag characters (invisible ASCII smuggling), and
 * lone surrogates. Newline and tab stay, they are layout.
 */
const INVISIBLE =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]|[\u{E0000}-\u{E007F}]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

function codePointLabel(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** How an invisible character is drawn: C0 controls as their Control Pictures glyph (ESC → ␛), others by code. */
function glyphOf(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20) return String.fromCodePoint(0x2400 + cp);
  if (cp === 0x7f) return '\u2421';
  return `\u27E6${codePointLabel(ch)}\u27E7`;
}

/**
 * Escapes hostile text for element content and draws its invisible characters as marked glyphs, so the
 * report neither runs nor hides anything. Returns HTML.
 */
export function escapeVisible(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INVISIBLE)) {
    const at = m.index ?? 0;
    out += escapeHtml(text.slice(last, at));
    out += `<span class="ctl" title="${codePointLabel(m[0])}">${escapeHtml(glyphOf(m[0]))}</span>`;
    last = at + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/**
 * Hostile text for an attribute or a place where markup is unwanted (a `title`): escaped, with invisible
 * characters replaced by their code point labels.
 */
export function escapeAttribute(text: string): string {
  return escapeHtml(text.replace(INVISIBLE, (ch) => glyphOf(ch)));
}

/** A target URL for display, with any user name and password in it masked (they are credentials). */
export function displayTarget(target: string): string {
  try {
    const url = new URL(target);
    if (url.username === '' && url.password === '') return target;
    url.username = url.username === '' ? '' : '***';
    url.password = url.password === '' ? '' : '***';
    return url.toString();
  } catch {
    return target;
  }
}
