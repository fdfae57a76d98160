/**
 * A Python tokenizer, not a parser: it splits source text into names, strings, numbers, operators and
 * logical-line ends, so that callers can tell code from comments and string literals. One forward pass,
 * constant work per character, no regular expressions over unbounded input: hostile text costs linear time.
 */

/** Token kinds the call extractor needs; everything else is an `op`. */
export type PyTokenKind = 'name' | 'string' | 'number' | 'op' | 'newline';

/** One token. `text` is the NFKC-normalised identifier, the decoded string value, or the operator. */
export interface PyToken {
  kind: PyTokenKind;
  text: string;
  /** 1-based line where the token starts. */
  line: number;
  /** String prefix, lower-cased (`r`, `b`, `f`, `rb`...); empty for plain strings and other tokens. */
  prefix: string;
  /** Strings: how many `\x`, `\u`, `\U`, `\N` and octal escapes the literal spells (obfuscation signal). */
  escapes: number;
  /** f-strings: the source of each `{expression}`, with the line it starts on. */
  fExprs?: { text: string; line: number }[];
}

const QUOTE_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);
const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};
const ID_CHAR = /[\p{ID_Start}\p{ID_Continue}]/u;
const TWO_CHAR_OPS = new Set([
  '==',
  '!=',
  '<=',
  '>=',
  '**',
  '//',
  '->',
  ':=',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
]);

function isAsciiIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Streams tokens from Python source text; `next()` returns undefined at the end. */
export class PyTokenizer {
  private pos = 0;
  private line = 1;
  /** Open brackets: Python joins lines inside them, so no newline token is emitted there. */
  private depth = 0;
  private lastWasNewline = true;

  constructor(
    private readonly src: string,
    firstLine = 1,
  ) {
    this.line = firstLine;
  }

  /** The next token, or undefined at the end of the source. */
  next(): PyToken | undefined {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 10 || c === 13) {
        this.pos += c === 13 && s.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
        const line = this.line++;
        if (this.depth === 0 && !this.lastWasNewline) return this.emitNewline(line);
        continue;
      }
      if (c === 32 || c === 9 || c === 12) {
        this.pos++;
        continue;
      }
      if (c === 35) {
        // A comment runs to the end of the line; code in it never runs.
        while (this.pos < s.length && s.charCodeAt(this.pos) !== 10 && s.charCodeAt(this.pos) !== 13)
          this.pos++;
        continue;
      }
      if (c === 92) {
        // Backslash continuation: the next line belongs to this logical line.
        this.pos++;
        const n = s.charCodeAt(this.pos);
        if (n === 10 || n === 13) {
          this.pos += n === 13 && s.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
          this.line++;
        }
        continue;
      }
      this.lastWasNewline = false;
      if (c === 34 || c === 39) return this.readString('');
      if (isAsciiIdStart(c) || (c >= 0x80 && this.isIdAt(this.pos))) return this.readName();
      if (isAsciiDigit(c) || (c === 46 && isAsciiDigit(s.charCodeAt(this.pos + 1)))) return this.readNumber();
      return this.readOp();
    }
    if (!this.lastWasNewline) return this.emitNewline(this.line);
    return undefined;
  }

  private emitNewline(line: number): PyToken {
    this.lastWasNewline = true;
    return { kind: 'newline', text: '', line, prefix: '', escapes: 0 };
  }

  private isIdAt(pos: number): boolean {
    const cp = this.src.codePointAt(pos);
    return cp !== undefined && ID_CHAR.test(String.fromCodePoint(cp));
  }

  private readName(): PyToken {
    const s = this.src;
    const start = this.pos;
    let ascii = true;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (isAsciiIdStart(c) || isAsciiDigit(c)) this.pos++;
      else if (c >= 0x80 && this.isIdAt(this.pos)) {
        ascii = false;
        this.pos += (s.codePointAt(this.pos) ?? 0) > 0xffff ? 2 : 1;
      } else break;
    }
    const raw = s.slice(start, this.pos);
    const q = s.charCodeAt(this.pos);
    if ((q === 34 || q === 39) && raw.length <= 2 && QUOTE_PREFIXES.has(raw.toLowerCase())) {
      return this.readString(raw.toLowerCase());
    }
    // Python folds identifiers with NFKC, so a full-width `ｅｘｅｃ` is the builtin exec.
    const text = ascii ? raw : raw.normalize('NFKC');
    return { kind: 'name', text, line: this.line, prefix: '', escapes: 0 };
  }

  private readNumber(): PyToken {
    const s = this.src;
    const start = this.pos;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      const prev = s.charCodeAt(this.pos - 1);
      if (isAsciiIdStart(c) || isAsciiDigit(c) || c === 46) this.pos++;
      else if ((c === 43 || c === 45) && (prev === 101 || prev === 69) && this.pos > start) this.pos++;
      else break;
    }
    return { kind: 'number', text: s.slice(start, this.pos), line: this.line, prefix: '', escapes: 0 };
  }

  private readOp(): PyToken {
    const s = this.src;
    const c = s[this.pos]!;
    const two = s.slice(this.pos, this.pos + 2);
    const line = this.line;
    if (TWO_CHAR_OPS.has(two)) {
      this.pos += 2;
      return { kind: 'op', text: two, line, prefix: '', escapes: 0 };
    }
    this.pos += c.length;
    if (c === '(' || c === '[' || c === '{') this.depth++;
    else if ((c === ')' || c === ']' || c === '}') && this.depth > 0) this.depth--;
    return { kind: 'op', text: c, line, prefix: '', escapes: 0 };
  }

  private readString(prefix: string): PyToken {
    const s = this.src;
    const line = this.line;
    const quote = s.charCodeAt(this.pos);
    const triple = s.charCodeAt(this.pos + 1) === quote && s.charCodeAt(this.pos + 2) === quote;
    this.pos += triple ? 3 : 1;
    const bodyStart = this.pos;
    let bodyEnd = s.length;
    let backslashes = false;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 92) {
        // Even in raw strings a backslash keeps the next character (quote or newline) inside the literal.
        backslashes = true;
        const n = s.charCodeAt(this.pos + 1);
        if (n === 10 || n === 13) this.line++;
        this.pos += n === 13 && s.charCodeAt(this.pos + 2) === 10 ? 3 : 2;
        continue;
      }
      if (c === 10 || c === 13) {
        if (!triple) {
          bodyEnd = this.pos; // unterminated: Python rejects it; the literal ends here for us
          break;
        }
        this.line++;
        this.pos += c === 13 && s.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
        continue;
      }
      if (
        c === quote &&
        (!triple || (s.charCodeAt(this.pos + 1) === quote && s.charCodeAt(this.pos + 2) === quote))
      ) {
        bodyEnd = this.pos;
        this.pos += triple ? 3 : 1;
        break;
      }
      this.pos++;
    }
    if (this.pos > s.length) this.pos = s.length;
    const body = s.slice(bodyStart, Math.min(bodyEnd, s.length));
    const raw = prefix.includes('r');
    const decoded = raw || !backslashes ? { text: body, escapes: 0 } : decodeEscapes(body);
    const token: PyToken = { kind: 'string', text: decoded.text, line, prefix, escapes: decoded.escapes };
    if (prefix.includes('f') || prefix.includes('t')) token.fExprs = fStringExpressions(body, line);
    return token;
  }
}

/** Decodes Python escapes in one pass, counting the numeric ones that obfuscators use. */
function decodeEscapes(body: string): { text: string; escapes: number } {
  let out = '';
  let escapes = 0;
  let i = 0;
  let chunk = 0;
  while (i < body.length) {
    if (body.charCodeAt(i) !== 92) {
      i++;
      continue;
    }
    out += body.slice(chunk, i);
    const e = body[i + 1] ?? '';
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (width > 0) {
      const hex = body.slice(i + 2, i + 2 + width);
      const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === width ? Number.parseInt(hex, 16) : Number.NaN;
      if (cp <= 0x10ffff) {
        out += String.fromCodePoint(cp);
        escapes++;
        i += 2 + width;
      } else {
        out += e;
        i += 2;
      }
    } else if (e >= '0' && e <= '7') {
      let j = i + 1;
      while (j < i + 4 && body[j]! >= '0' && body[j]! <= '7') j++;
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, j), 8));
      escapes++;
      i = j;
    } else if (e === 'N' && body[i + 2] === '{') {
      const close = body.indexOf('}', i + 3);
      const end = close < 0 || close > i + 80 ? i + 2 : close + 1;
      out += '?';
      escapes++;
      i = end;
    } else if (e === '\n' || e === '\r') {
      i += e === '\r' && body[i + 2] === '\n' ? 3 : 2;
    } else {
      out += SIMPLE_ESCAPES[e] ?? `\\${e}`;
      i += 2;
    }
    chunk = i;
  }
  out += body.slice(chunk);
  return { text: out, escapes };
}

/** The `{expression}` parts of an f-string body: unlike the rest of the literal, they run. */
function fStringExpressions(body: string, line: number): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current = line;
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === '\n') current++;
    if (c === '{' && body[i + 1] === '{') {
      i += 2;
      continue;
    }
    if (c !== '{') {
      i++;
      continue;
    }
    const startLine = current;
    let depth = 1;
    let j = i + 1;
    for (; j < body.length && depth > 0; j++) {
      const d = body[j]!;
      if (d === '\n') current++;
      if (d === '{' || d === '(' || d === '[') depth++;
      else if (d === '}' || d === ')' || d === ']') depth--;
    }
    out.push({ text: body.slice(i + 1, depth === 0 ? j - 1 : j), line: startLine });
    i = j;
  }
  return out;
}
