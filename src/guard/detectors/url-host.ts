/**
 * URL pieces for the output detectors: the host a URL points at, whether the policy allows it, and whether
 * the rest of the URL looks like it carries data (the exfiltration channel of a zero-click image).
 */

/** Index just past `scheme:` (letters, digits, `+.-`, at most 20) when the URL starts with one, else 0. */
function schemeEnd(url: string): number {
  const first = url.charCodeAt(0) | 0x20;
  if (first < 0x61 || first > 0x7a) return 0;
  for (let i = 1; i < Math.min(url.length, 22); i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3a) return i + 1;
    const l = c | 0x20;
    if (!((l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d))
      return 0;
  }
  return 0;
}

/** Where the authority of an absolute or protocol-relative URL starts (after `//`), or -1. */
function authorityStart(url: string): number {
  const at = schemeEnd(url);
  return url.charCodeAt(at) === 0x2f && url.charCodeAt(at + 1) === 0x2f ? at + 2 : -1;
}

/** End of the authority: the first `/ ? # \` or whitespace after `from` (at most 300 characters on). */
function authorityEnd(url: string, from: number): number {
  const limit = Math.min(url.length, from + 300);
  for (let i = from; i < limit; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c || c <= 0x20) return i;
  }
  return limit;
}

/**
 * The lower-cased host of an absolute (`https://h/…`) or protocol-relative (`//h/…`) URL, without user
 * info, port or trailing dot; undefined for relative URLs. Hand-parsed: it runs on every URL in a text.
 */
export function urlHost(url: string): string | undefined {
  const from = authorityStart(url);
  if (from < 0) return undefined;
  let authority = url.slice(from, authorityEnd(url, from));
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    host = close > 0 ? authority.slice(0, close + 1) : authority;
  } else {
    const colon = authority.indexOf(':');
    host = colon >= 0 ? authority.slice(0, colon) : authority;
  }
  let end = host.length;
  while (end > 0 && host.charCodeAt(end - 1) === 0x2e) end--;
  return end > 0 ? host.slice(0, end).toLowerCase() : undefined;
}

/**
 * A test for "host equals or is a subdomain of an allowed domain" (`*.x` and `.x` mean `x`), with the
 * allow list normalised once per text rather than once per URL.
 */
export function hostMatcher(allowDomains: readonly string[]): (host: string) => boolean {
  const domains: string[] = [];
  for (const raw of allowDomains) {
    let d = raw.trim().toLowerCase();
    if (d.startsWith('*.')) d = d.slice(2);
    else if (d.startsWith('.')) d = d.slice(1);
    while (d.endsWith('.')) d = d.slice(0, -1);
    if (d.length > 0) domains.push(d);
  }
  return (host) => {
    for (const d of domains) {
      if (
        host === d ||
        (host.length > d.length && host.endsWith(d) && host[host.length - d.length - 1] === '.')
      )
        return true;
    }
    return false;
  };
}

/** True when `host` is one of the allowed domains or a subdomain of one. */
export function hostAllowed(host: string, allowDomains: readonly string[]): boolean {
  return hostMatcher(allowDomains)(host);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Runs of the base64/base64url alphabet long enough to be an encoded payload rather than a name. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
/** Hex runs: digests, encoded bytes. */
const HEX_RUN = /[0-9a-fA-F]{16,}/;

/** Three or more words in a row: a sentence, a name and address, a chat transcript. */
const WORDS = /(?<![A-Za-z\u00c0-\uffff])[A-Za-z\u00c0-\uffff]{2,}(?:[\s,;:]+[A-Za-z\u00c0-\uffff]{2,}){2}/;

/** Words inside an identifier: `XHR`, `Http`, `request`, `42`. */
const CAMEL_PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

/**
 * A base64-alphabet run that reads as encoded data: mixed case (3+ upper and 3+ lower) or 4+ digits among
 * 4+ letters, and not an identifier made of words (`Synchronous_XHR_restrictions`, `XMLHttpRequest`,
 * `depot-logo-horizontal-on-light-x3`): those split into parts averaging 3+ characters, random data into
 * parts of one or two.
 */
function encodedLooking(run: string): boolean {
  let upper = 0;
  let lower = 0;
  let digits = 0;
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) upper++;
    else if (c >= 0x61 && c <= 0x7a) lower++;
    else if (c >= 0x30 && c <= 0x39) digits++;
  }
  if (!((upper >= 3 && lower >= 3) || (digits >= 4 && upper + lower >= 4))) return false;
  const parts = run.match(CAMEL_PART) ?? [];
  const letters = upper + lower + digits;
  return parts.length > 0 && letters / parts.length < 3;
}

function looksEncoded(part: string): boolean {
  if (HEX_RUN.test(part)) return true;
  for (const m of part.matchAll(BASE64_RUN)) if (encodedLooking(m[0])) return true;
  return false;
}

/** A query value, path segment or fragment that carries data: long, encoded-looking, or words. */
function looksLikeData(part: string, long: number): boolean {
  if (part.length === 0) return false;
  const decoded = safeDecode(part);
  return decoded.length >= long || looksEncoded(part) || WORDS.test(decoded);
}

/**
 * Whether a URL looks like it carries data: a query of 100+ characters or a query value of 32+, an
 * encoded-looking run (24+ base64 characters with mixed case or digits that are not an identifier, 16+ hex
 * digits), or three words in a row. With `path` (auto-loading resources), path segments count too (48+
 * characters, encoded runs, words). The fragment never counts: browsers do not send it.
 * `w=800&h=600`, `/images/logo.png` and `/blog/how-to-cook` do not carry data; `?q=my+password+is+hunter2`
 * and `/log/SGVsbG8gd29ybGQgZnJvbSB0aGUgY2hhdA` do.
 */
export function urlCarriesData(url: string, options: { path: boolean }): boolean {
  // Fast exits: a link without a query, or a URL too short to hold anything.
  const from = authorityStart(url);
  if (from < 0) return false;
  const rest = url.length - authorityEnd(url, from);
  if (rest < 16 || (!options.path && !url.includes('?'))) return false;
  const m = /^(?:[a-z][a-z0-9+.-]{0,20}:)?\/\/[^/?#\\\s]*([^?#]*)(?:\?([^#]*))?/i.exec(url.trim());
  if (!m) return false;
  const [, path = '', query = ''] = m;
  if (query.length >= 100) return true;
  for (const pair of query.split(/[&;]/)) {
    const eq = pair.indexOf('=');
    if (looksLikeData(eq >= 0 ? pair.slice(eq + 1) : pair, 32)) return true;
  }
  if (!options.path) return false;
  for (const segment of path.split('/')) {
    // Words joined by hyphens are how sites name pages; only spaces (%20, +) make a segment prose.
    if (segment.length > 0 && looksLikeData(segment, 48)) return true;
  }
  return false;
}
