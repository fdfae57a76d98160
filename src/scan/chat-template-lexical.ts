import type { TemplateIssue } from './chat-template.ts';

/** Where lexical findings go (the analyser's de-duplicating collector). */
export interface IssueSink {
  add(kind: TemplateIssue['kind'], message: string, evidence: string): void;
}

/** Python string escapes that spell characters a chat template never needs to hide (`\x5f` is "_"). */
const ESCAPE = /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3})/g;
const TAG = /\{\{[\s\S]*?(?:\}\}|$)|\{%[\s\S]*?(?:%\}|$)/g;
const DUNDER = /__[A-Za-z_]\w*__/g;
const GADGET =
  /\b(cycler|joiner|namespace|lipsum|self|request|config|url_for|get_flashed_messages)\s*(?:\.|\[)/g;
const BUILDERS = /\|\s*attr\b|\bgetattr\s*\(|\b(?:eval|exec|compile)\s*\(/g;
const MAX_TAG_TEXT = 4 * 1024 * 1024;

/** Decodes Python-style escapes (`\x5f`, `\u005f`, `\137`) so hidden names can be matched. */
export function decodeEscapes(text: string): string {
  return text.replace(ESCAPE, (_m, body: string) => {
    const code =
      body.startsWith('x') || body.startsWith('u') || body.startsWith('U')
        ? Number.parseInt(body.slice(1), 16)
        : Number.parseInt(body, 8);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** The text inside `{{ }}` and `{% %}` tags (comments and literal text are output, not code). */
export function tagText(source: string): string {
  const parts: string[] = [];
  let total = 0;
  for (const m of source.matchAll(TAG)) {
    parts.push(m[0]);
    total += m[0].length;
    if (total > MAX_TAG_TEXT) break;
  }
  return parts.join('\n');
}

/** Reports escape sequences inside tags: real templates write `\n`, never `\x5f`. */
export function scanEscapes(source: string, out: IssueSink): void {
  const code = tagText(source);
  const m = code.match(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3})/);
  if (m === null) return;
  out.add('suspicious', `uses escape sequence ${m[0]} inside a tag to hide characters`, m[0]);
  const hidden = decodeEscapes(code).match(DUNDER);
  if (hidden !== null && !code.includes(hidden[0])) {
    out.add('escape', `escape sequences spell Python internal ${hidden[0]}`, hidden[0]);
  }
}

/**
 * The fallback when the AST parser rejects a template: the same markers, found by pattern over the tag text.
 * Coarser than the AST walk (a dunder in a printed string counts), which errs toward reporting.
 */
export function lexicalScan(source: string, out: IssueSink): void {
  // Decode escapes and join adjacent string pieces ('__cla' ~ 'ss__' → '__class__') before matching.
  const code = decodeEscapes(tagText(source)).replace(/(['"])\s*[~+]\s*(['"])/g, '');
  for (const m of code.matchAll(DUNDER))
    out.add('escape', `names Python internal ${m[0]} (lexical scan)`, m[0]);
  for (const m of code.matchAll(GADGET)) {
    out.add('suspicious', `uses gadget object ${m[1]} (lexical scan)`, m[1] ?? '');
  }
  for (const m of code.matchAll(BUILDERS)) {
    out.add('suspicious', `looks attributes up by string or evaluates code: ${m[0]} (lexical scan)`, m[0]);
  }
}
