import { type PyToken, PyTokenizer } from './python-tokenize.ts';

/** One import binding: `alias` names `module` (`import x as alias`) or `module.name` (`from x import name`). */
export interface PyImport {
  module: string;
  name?: string;
  alias: string;
  line: number;
}

/** What an import statement binds; `star` is set by `from m import *`. */
export interface ImportStatement {
  bindings: { alias: string; target: string; import: PyImport }[];
  star?: string;
}

/** Tokens with a small lookahead buffer, compacted as it is consumed so memory stays bounded. */
export class PyTokenStream {
  private readonly tokens: PyTokenizer;
  private buf: PyToken[] = [];
  private pos = 0;

  constructor(text: string, firstLine: number) {
    this.tokens = new PyTokenizer(text, firstLine);
  }

  /** The token `k` ahead of the cursor, without consuming it. */
  peek(k = 0): PyToken | undefined {
    while (this.buf.length - this.pos <= k) {
      const t = this.tokens.next();
      if (t === undefined) return undefined;
      this.buf.push(t);
    }
    return this.buf[this.pos + k];
  }

  /** The token consumed before the one `take` last returned, whoever consumed it. */
  beforeLast: PyToken | undefined;
  private last: PyToken | undefined;

  /** Consumes and returns the next token. */
  take(): PyToken | undefined {
    const t = this.peek();
    if (t !== undefined) {
      this.pos++;
      this.beforeLast = this.last;
      this.last = t;
    }
    if (this.pos > 4096) {
      this.buf = this.buf.slice(this.pos);
      this.pos = 0;
    }
    return t;
  }

  /** True when `t` is the operator `op`. */
  isOp(t: PyToken | undefined, op: string): boolean {
    return t?.kind === 'op' && t.text === op;
  }
}

/** A dotted (possibly relative) module name; capped so a hostile `from ....` cannot grow it without end. */
function dotted(ts: PyTokenStream): string {
  let name = '';
  for (let t = ts.peek(); t !== undefined && name.length < 512; t = ts.peek()) {
    if (ts.isOp(t, '.') || (t.kind === 'name' && t.text !== 'import' && t.text !== 'as')) {
      name += t.text;
      ts.take();
    } else break;
  }
  return name;
}

/** After `import`: `a.b as c, d` binds `c` to `a.b`; `d` and `a` (for `import a.b`) name themselves. */
export function parseImport(ts: PyTokenStream, line: number): ImportStatement {
  const out: ImportStatement = { bindings: [] };
  for (;;) {
    const module = dotted(ts);
    if (module === '') return out;
    if (ts.peek()?.text === 'as' && ts.peek(1)?.kind === 'name') {
      ts.take();
      const alias = ts.take()!.text;
      out.bindings.push({ alias, target: module, import: { module, alias, line } });
    } else {
      const head = module.split('.')[0]!;
      out.bindings.push({ alias: head, target: head, import: { module, alias: head, line } });
    }
    if (!ts.isOp(ts.peek(), ',')) return out;
    ts.take();
  }
}

/** After `from`: whether an `import` follows the module name (not `raise X from e` or `yield from g`). */
export function looksLikeFromImport(ts: PyTokenStream): boolean {
  for (let k = 0; k < 256; k++) {
    const t = ts.peek(k);
    if (t?.kind === 'name' && t.text === 'import') return k > 0;
    if (t === undefined || !(ts.isOp(t, '.') || t.kind === 'name')) return false;
  }
  return false;
}

/** After `from`: `m import (a as b, c)` and `m import *`. */
export function parseFromImport(ts: PyTokenStream, line: number): ImportStatement {
  const out: ImportStatement = { bindings: [] };
  const module = dotted(ts);
  ts.take(); // import
  if (ts.isOp(ts.peek(), '(')) ts.take();
  for (;;) {
    const t = ts.peek();
    if (ts.isOp(t, '*')) {
      ts.take();
      out.star = module;
    } else if (t?.kind === 'name') {
      ts.take();
      let alias = t.text;
      if (ts.peek()?.text === 'as' && ts.peek(1)?.kind === 'name') {
        ts.take();
        alias = ts.take()!.text;
      }
      const target = module.endsWith('.') ? module + t.text : `${module}.${t.text}`;
      out.bindings.push({ alias, target, import: { module, name: t.text, alias, line } });
    } else break;
    if (!ts.isOp(ts.peek(), ',')) break;
    ts.take();
  }
  if (ts.isOp(ts.peek(), ')')) ts.take();
  return out;
}
