import type { Detection, Detector, DetectorContext, DetectorMeta, PreparedText } from '../types.ts';
import { codeRanges, inRanges } from './markdown-code.ts';
import { lastUnclosed, trailingTokenStart } from './pending.ts';
import { Claims, containsAllowedPhrase, MAX_DETECTIONS } from './redact-utils.ts';

const meta: DetectorMeta = {
  id: 'guard/html-injection',
  title: 'Output carries active HTML (script, event handler, javascript: URL)',
  severity: 'high',
  tags: ['OWASP-LLM05', 'OWASP-LLM01', 'CWE-79', 'CWE-80'],
  references: [
    'https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/',
    'https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html',
  ],
  fix: 'Render model output as text, or through a Markdown renderer with raw HTML disabled and a sanitiser (DOMPurify) behind it, under a Content-Security-Policy that forbids inline script. Find the instruction that made the model emit markup.',
  directions: ['output'],
  defaultAction: 'redact',
  defaultThreshold: 0.5,
  window: 512,
  lookback: 64,
};

interface Pattern {
  kind: string;
  label: string;
  re: RegExp;
  score: number;
  /** How far the redaction reaches: the opening tag, the element through its closing tag, or the URL. */
  extent: 'tag' | 'element' | 'url';
}

const PATTERNS: readonly Pattern[] = [
  {
    kind: 'script',
    label: '<script> element',
    re: /(?<![\w$])<script(?=[\s/>])/gi,
    score: 0.95,
    extent: 'element',
  },
  {
    kind: 'event-handler',
    label: 'event-handler attribute',
    re: /(?<![\w$])<[a-z][a-z0-9:-]{0,30}(?=[\s/])[^<>]{0,1000}?[\s/"']on[a-z]{3,30}[ \t\r\n]*=/gi,
    score: 0.9,
    extent: 'tag',
  },
  {
    kind: 'iframe',
    label: '<iframe> element',
    re: /(?<![\w$])<iframe(?=[\s/>])/gi,
    score: 0.85,
    extent: 'tag',
  },
  {
    kind: 'object',
    label: '<object> element',
    re: /(?<![\w$])<object(?=[\s/>])/gi,
    score: 0.85,
    extent: 'tag',
  },
  { kind: 'embed', label: '<embed> element', re: /(?<![\w$])<embed(?=[\s/>])/gi, score: 0.85, extent: 'tag' },
  {
    kind: 'meta-refresh',
    label: '<meta http-equiv="refresh"> redirect',
    re: /(?<![\w$])<meta(?=[\s/])[^<>]{0,500}?http-equiv[ \t]*=[ \t]*["']?[ \t]*refresh/gi,
    score: 0.85,
    extent: 'tag',
  },
  {
    kind: 'form-action',
    label: '<form action> that submits elsewhere',
    re: /(?<![\w$])<form(?=[\s/])[^<>]{0,1000}?\baction[ \t]*=/gi,
    score: 0.75,
    extent: 'tag',
  },
  {
    kind: 'base-href',
    label: '<base href> that rebases every link',
    re: /(?<![\w$])<base(?=[\s/])[^<>]{0,500}?\bhref[ \t]*=/gi,
    score: 0.7,
    extent: 'tag',
  },
  // URL-only spans last: inside an <iframe> or <a> the whole tag is already claimed.
  {
    kind: 'script-url',
    label: 'javascript:/vbscript:/data:text/html URL',
    re: /(?:\b(?:href|src|action|formaction|data|xlink:href|background|poster|lowsrc|dynsrc)[ \t]*=[ \t]*["']?[ \t]*|\]\([ \t]*<?)(?=(?:javascript|vbscript)[ \t]*:|data:[ \t]*text\/html)/gi,
    score: 0.9,
    extent: 'url',
  },
];

/** End of the tag opened before `from`: just past the next `>` within 1,000 characters, else `fallback`. */
function tagEnd(text: string, from: number, fallback: number): number {
  const gt = text.slice(from, from + 1000).indexOf('>');
  return gt >= 0 ? from + gt + 1 : fallback;
}

function extentEnd(text: string, p: Pattern, start: number, matchEnd: number): number {
  if (p.extent === 'url') {
    const url = /^[^\s"'<>)]{1,1000}/.exec(text.slice(matchEnd, matchEnd + 1000))?.[0] ?? '';
    return matchEnd + url.length;
  }
  const openEnd = tagEnd(text, start, matchEnd);
  if (p.extent === 'element') {
    const close = /<\/script\s*>/i.exec(text.slice(openEnd, openEnd + 2048));
    if (close) return openEnd + close.index + close[0].length;
  }
  return openEnd;
}

/**
 * Markup that runs code or navigates when output is rendered as HTML (or as Markdown with raw HTML on):
 * `<script>`, `on*=` event handlers (including `<svg onload>`), `javascript:`/`vbscript:`/`data:text/html`
 * URLs in attributes and Markdown links, `<iframe>`, `<object>`, `<embed>`, `<meta http-equiv="refresh">`,
 * `<form action>` and `<base href>`. Markup inside fenced code blocks and inline code spans is skipped: a
 * Markdown renderer shows it as text.
 */
export const htmlInjectionDetector: Detector = {
  meta,
  // An unclosed tag or `<script>` element, or a `javascript:` URL token still growing.
  pending: (tail) =>
    Math.min(
      trailingTokenStart(tail),
      lastUnclosed(tail, '<', '>'),
      lastUnclosed(tail.toLowerCase(), '<script', '</script'),
    ),
  detect(text: PreparedText, ctx: DetectorContext): Detection[] {
    const original = text.original;
    // Cheap exit: every pattern needs `<` or `](` (or `=` before a script URL).
    if (!original.includes('<') && !/script|data:/i.test(original)) return [];
    const code = original.includes('`') || original.includes('~~~') ? codeRanges(original) : [];
    const out: Detection[] = [];
    const claims = new Claims();
    for (const p of PATTERNS) {
      for (const m of original.matchAll(p.re)) {
        if (out.length >= MAX_DETECTIONS) break;
        const start = p.extent === 'url' ? m.index + m[0].length : m.index;
        if (inRanges(code, m.index)) continue;
        const end = extentEnd(original, p, start, m.index + m[0].length);
        if (end <= start || !claims.claim(start, end)) continue;
        if (containsAllowedPhrase(original.slice(start, end), ctx)) continue;
        out.push({
          score: p.score,
          message: `raw HTML outside code blocks: ${p.label}`,
          span: { start, end, replacement: '[REDACTED:html]' },
          evidence: { kind: p.kind },
        });
      }
    }
    return out.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  },
};
