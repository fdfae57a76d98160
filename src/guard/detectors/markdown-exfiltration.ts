import type { Detection, Detector, DetectorContext, DetectorMeta, PreparedText } from '../types.ts';
import { codeRanges, inRanges } from './markdown-code.ts';
import { lastUnclosed, openMarkdownLink, trailingTokenStart } from './pending.ts';
import { Claims, containsAllowedPhrase, MAX_DETECTIONS } from './redact-utils.ts';
import { hostMatcher, urlCarriesData, urlHost } from './url-host.ts';

const meta: DetectorMeta = {
  id: 'guard/markdown-exfiltration',
  title: 'Output loads or links an outside URL that can carry data away',
  severity: 'high',
  tags: ['OWASP-LLM02', 'OWASP-LLM05', 'OWASP-LLM01', 'AML.T0077', 'AML.T0057', 'CWE-200', 'CWE-201'],
  references: [
    'https://embracethered.com/blog/posts/2023/bing-chat-data-exfiltration-poc-and-fix/',
    'https://simonwillison.net/2023/Apr/14/new-prompt-injection-attack-on-chatgpt-web-version-markdown-images/',
    'https://atlas.mitre.org/techniques/AML.T0077',
  ],
  fix: 'Do not let rendered output fetch from arbitrary hosts: list the hosts your UI may load images from in the policy (allow.domains) and serve a Content-Security-Policy with the same list (img-src, frame-src, script-src). Find the injected instruction that made the model build the URL, usually in a retrieved document or tool result.',
  directions: ['output'],
  defaultAction: 'redact',
  defaultThreshold: 0.5,
  // `![` + 400 characters of alt text + `](` + a 2,048-character URL.
  window: 2400,
  // Everything a match needs is held by `pending` (the open bracket, tag or URL token).
  lookback: 64,
};

/** The longest URL examined; a prefix that long is enough to see the host and the data. */
const URL_CHARS = 2048;
/** Plain links without data score below the threshold; their own small cap keeps them from crowding out hits. */
const MAX_LOW = 10;

type Element =
  | 'markdown-image'
  | 'markdown-link'
  | 'reference-image'
  | 'reference-link'
  | 'autolink'
  | 'html-resource'
  | 'html-link'
  | 'css-url'
  | 'bare-url';

const AUTO_LOADING: ReadonlySet<Element> = new Set([
  'markdown-image',
  'reference-image',
  'html-resource',
  'css-url',
]);

const URL = String.raw`((?:https?:)?\/\/[^\s)>"'\]]{1,${URL_CHARS}})`;

/**
 * `](` then a URL: every inline link and image. Whether it is an image (`![…](`) is decided by walking back
 * to the matching `[`, so nested forms (`[![badge](img)](link)`) are seen. No closing parenthesis is
 * required: the prefix is enough, which is what lets a stream be stopped before the URL is complete.
 */
const INLINE = new RegExp(String.raw`\]\(\s{0,10}<?${URL}`, 'gi');

/** `[label]: url` reference definitions. */
const DEFINITION = new RegExp(
  String.raw`^[ \t]{0,3}\[([^\[\]\n]{1,200})\]:[ \t]{0,10}\n?[ \t]{0,10}<?${URL}`,
  'gim',
);

/** Reference uses: `![alt][label]`, `![label][]`, `![label]` (images: group 1 is `!`), and links alike. */
const REF_USE = /(!?)\[([^[\]\n]{0,400})\](?:\[([^[\]\n]{0,200})\])?/g;

/** `<https://…>` autolinks (the closing `>` is not required). */
const AUTOLINK = new RegExp(String.raw`<(https?:\/\/[^\s<>]{1,${URL_CHARS}})`, 'gi');

/** An HTML element with a URL attribute. Group 1 the tag, 2 the attribute, 3 the URL. */
const HTML_URL = new RegExp(
  String.raw`<(img|image|iframe|frame|script|link|video|audio|source|track|embed|object|input|body|table|td|svg|use|a|area|form|base)\b[^<>]{0,1000}?\b(src|href|data|poster|background|action|srcset|xlink:href)[ \t]*=[ \t]*["']?[ \t]*${URL}`,
  'gi',
);

/** Elements whose URL is followed only when the user clicks (or submits). */
const CLICK_TAGS: ReadonlySet<string> = new Set(['a', 'area', 'form', 'base']);

/** CSS `url(…)` and `@import "…"`: fetched as soon as the style applies. */
const CSS_URL = new RegExp(String.raw`(?:url\([ \t]*["']?|@import[ \t]+["'])${URL}`, 'gi');

/** Bare `https://…` URLs, which most Markdown renderers turn into links. */
const BARE_URL = new RegExp(String.raw`(?<![\w/.:@%=?&#-])https?:\/\/[^\s<>"'\x60)\]]{1,${URL_CHARS}}`, 'gi');

function labelKey(label: string): string {
  return label.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Characters the bracket matcher may walk back over per text, so `](` floods stay linear. */
const BACKSCAN_BUDGET = 64 * 1024;

/** Scan state for inline links: the back-scan budget and a forward cursor over `![` positions. */
interface InlineState {
  budget: number;
  /** Last `![` before the current position (-1 for none), and the first one after it (-1 when none is left). */
  lastBang: number;
  nextBang: number;
}

/**
 * Whether the `](` at `close` ends an image (`![…](`), a link, or neither (no matching `[` within 400
 * characters, or a blank line first). Once the budget is spent, a `![` within 400 characters before it
 * decides, erring towards image; that position comes from a cursor that only moves forward.
 */
function inlineKind(text: string, close: number, state: InlineState): 'image' | 'link' | undefined {
  if (state.budget <= 0) {
    while (state.nextBang !== -1 && state.nextBang < close) {
      state.lastBang = state.nextBang;
      state.nextBang = text.indexOf('![', state.nextBang + 1);
    }
    return state.lastBang >= 0 && close - state.lastBang <= 400 ? 'image' : 'link';
  }
  let depth = 0;
  for (let i = close; i >= 0 && close - i <= 400; i--) {
    state.budget--;
    const c = text[i];
    if (c === '\n' && i < close && text[i - 1] === '\n') return undefined;
    if (c === ']') depth++;
    else if (c === '[' && --depth === 0) return text[i - 1] === '!' ? 'image' : 'link';
  }
  return undefined;
}

const DESCRIBE: Record<Element, string> = {
  'markdown-image': 'Markdown image',
  'markdown-link': 'Markdown link',
  'reference-image': 'Markdown reference image',
  'reference-link': 'Markdown reference link',
  autolink: 'autolink',
  'html-resource': 'HTML element',
  'html-link': 'HTML link',
  'css-url': 'CSS url()',
  'bare-url': 'link',
};

/**
 * Zero-click exfiltration through rendered output: Markdown images (inline and reference-style), HTML
 * elements that fetch (`<img>`, `<iframe>`, `<script>`, `<link>`, media), and CSS `url()` pointing at a host
 * outside `allowDomains` score 0.8, or 0.95 when the URL carries data. Clickable links (Markdown, autolinks,
 * `<a href>`, bare URLs) score 0.7 with data in the query and 0.3 without (below the default threshold).
 */
export const markdownExfiltrationDetector: Detector = {
  meta,
  // Open `[`/`](`, an unclosed `<` tag or `url(`, or a URL token still growing.
  pending: (tail) =>
    Math.min(
      trailingTokenStart(tail),
      openMarkdownLink(tail),
      lastUnclosed(tail, '<', '>'),
      lastUnclosed(tail, 'url(', ')'),
    ),
  detect(text: PreparedText, ctx: DetectorContext): Detection[] {
    const original = text.original;
    const out: Detection[] = [];
    let low = 0;
    const claims = new Claims();
    const allowed = hostMatcher(ctx.allowDomains);
    // Code blocks and spans are displayed, not rendered: nothing in them is fetched or clickable.
    const code = original.includes('`') || original.includes('~~~') ? codeRanges(original) : [];

    /** Returns false once the main cap is reached, so callers can stop scanning. */
    const consider = (element: Element, url: string, start: number): boolean => {
      const end = start + url.length;
      const host = urlHost(url);
      // Allowed hosts are not claimed: claims stay few (cheap to check), and a later pass finding the same
      // URL reaches the same answer.
      if (host === undefined || allowed(host) || claims.overlaps(start, end) || inRanges(code, start))
        return true;
      const loads = AUTO_LOADING.has(element);
      const data = urlCarriesData(url, { path: loads });
      const score = loads ? (data ? 0.95 : 0.8) : data ? 0.7 : 0.3;
      if ((score < meta.defaultThreshold && low >= MAX_LOW) || containsAllowedPhrase(url, ctx)) return true;
      claims.claim(start, end);
      if (score < meta.defaultThreshold) low++;
      out.push({
        score,
        message: `${DESCRIBE[element]} ${loads ? 'loads' : 'links to'} ${host}, a host not on the allow list${data ? ', with data in its URL' : ''}`,
        span: { start, end, replacement: '[REDACTED:url]' },
        evidence: { element, host, carriesData: data, autoLoads: loads },
      });
      return out.length - low < MAX_DETECTIONS;
    };

    const definitions = new Map<string, { url: string; start: number }>();
    for (const m of original.includes(']:') ? original.matchAll(DEFINITION) : []) {
      const url = m[2] ?? '';
      const key = labelKey(m[1] ?? '');
      if (!definitions.has(key)) definitions.set(key, { url, start: m.index + m[0].length - url.length });
      if (definitions.size >= 200) break;
    }
    // Which definitions images use, and which only links use. A definition whose use is not in the text is
    // treated as an image: in a stream the reference may have scrolled out of the window while the renderer
    // will still see both.
    const imageLabels = new Set<string>();
    const linkLabels = new Set<string>();
    if (definitions.size > 0) {
      for (const m of original.matchAll(REF_USE)) {
        const next = original[m.index + m[0].length];
        if (next === '(' || next === ':') continue;
        const label = labelKey(m[3] || m[2] || '');
        if (definitions.has(label)) (m[1] === '!' ? imageLabels : linkLabels).add(label);
      }
    }

    const inline: InlineState = { budget: BACKSCAN_BUDGET, lastBang: -1, nextBang: original.indexOf('![') };
    const passes: (() => boolean)[] = [
      () => {
        for (const m of original.matchAll(INLINE)) {
          const url = m[1] ?? '';
          const kind = inlineKind(original, m.index, inline);
          if (kind === undefined) continue;
          const element = kind === 'image' ? 'markdown-image' : 'markdown-link';
          if (!consider(element, url, m.index + m[0].length - url.length)) return false;
        }
        return true;
      },
      () => {
        for (const [key, d] of definitions) {
          const element = imageLabels.has(key) || !linkLabels.has(key) ? 'reference-image' : 'reference-link';
          if (!consider(element, d.url, d.start)) return false;
        }
        return true;
      },
      () => {
        for (const m of original.matchAll(HTML_URL)) {
          const url = m[3] ?? '';
          const element = CLICK_TAGS.has((m[1] ?? '').toLowerCase()) ? 'html-link' : 'html-resource';
          if (!consider(element, url, m.index + m[0].length - url.length)) return false;
        }
        return true;
      },
      () => {
        for (const m of original.matchAll(CSS_URL)) {
          const url = m[1] ?? '';
          if (!consider('css-url', url, m.index + m[0].length - url.length)) return false;
        }
        return true;
      },
      () => {
        for (const m of original.matchAll(AUTOLINK)) {
          const url = m[1] ?? '';
          if (!consider('autolink', url, m.index + 1)) return false;
        }
        return true;
      },
      () => {
        for (const m of original.matchAll(BARE_URL)) {
          const url = m[0].replace(/[.,;:!?*_~]+$/, '');
          if (!consider('bare-url', url, m.index)) return false;
        }
        return true;
      },
    ];
    for (const pass of passes) if (!pass()) break;
    return out.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  },
};
