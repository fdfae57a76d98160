import {
  type ImportStatement,
  looksLikeFromImport,
  type PyImport,
  PyTokenStream,
  parseFromImport,
  parseImport,
} from './python-imports.ts';
import type { PyToken } from './python-tokenize.ts';

export type { PyImport } from './python-imports.ts';

/**
 * What a Python file calls, found from its tokens without parsing or running it: every call site with the
 * dotted name it resolves to through `import x as y` / `from x import y as z` / `name = module.attr` aliases,
 * its line, its first two positional arguments when they are simple, and its keyword arguments. Comments and
 * string literals never produce calls; the `{expressions}` of f-strings do, because Python runs them.
 */

/** A positional argument, as far as a tokenizer can tell. */
export type PyArg =
  | { kind: 'string'; value: string; escapes: number; bytes: boolean }
  | { kind: 'call'; call: PyCall }
  | { kind: 'name'; name: string; written: string }
  | { kind: 'other' };

/** One call site. */
export interface PyCall {
  /** Dotted name after alias resolution (`subprocess.run` for `sp.run`); unbound bare names get `builtins.`. */
  name: string;
  /** Other modules a bare name may come from (`from os import *` then `system(...)`). */
  alternatives: string[];
  /** As written (`sp.run`). */
  written: string;
  line: number;
  /** The first two positional arguments, in order, while they are positional. */
  args: PyArg[];
  /** Keyword arguments: the value's token text when it is one token (`True`, `x`), else `<expr>`. */
  keywords: Record<string, string>;
  /** `*args` or `**kwargs`: arguments the tokenizer cannot see. */
  starArgs: boolean;
}

/** The call sites, imports and simple assignments of one source text. */
export interface PythonSource {
  calls: PyCall[];
  imports: PyImport[];
  /** `NAME = <first operand>` at statement level: what a name passed to exec/eval was last set to. */
  assignments: Map<string, PyArg>;
  /** Local name → dotted target, from imports and `name = module.attr` aliases. */
  bindings: Map<string, string>;
  /** More than MAX_CALLS calls matched `keep`: the rest were not recorded. */
  truncated: boolean;
}

/** How to analyse: which calls to keep, and the aliases in force (for code inside exec strings, f-strings). */
export interface AnalyseOptions {
  keep?: (call: PyCall) => boolean;
  bindings?: ReadonlyMap<string, string>;
  firstLine?: number;
  depth?: number;
}

/** Calls recorded per source; a file with more is reported as truncated rather than silently cut. */
export const MAX_CALLS = 100_000;
/** Nested analyses of f-string expressions. */
const MAX_DEPTH = 3;
/** Python itself refuses more than 200 nested brackets; past this we only count them. */
const MAX_FRAMES = 1000;
/** Builtins a bare call resolves to even under `from x import *`. */
const BUILTINS = new Set([
  'eval',
  'exec',
  'compile',
  '__import__',
  'getattr',
  'open',
  'globals',
  'vars',
  'setattr',
]);
const KEYWORDS = new Set(
  'False None True and as assert async await break continue del elif else except finally for global if in is lambda nonlocal not or pass raise return try while with yield match case'.split(
    ' ',
  ),
);

interface Frame {
  call?: PyCall;
  argIndex: number;
  keywordSeen: boolean;
}

/** Analyses Python source text. Linear in its length; never throws on any input. */
export function analysePython(text: string, options: AnalyseOptions = {}): PythonSource {
  return new Analyser(text, options).run();
}

class Analyser extends PyTokenStream {
  private readonly frames: Frame[] = [];
  private overflow = 0;
  private readonly out: PythonSource;
  private readonly stars: string[] = [];
  private assignTarget: string | undefined;

  constructor(
    text: string,
    private readonly options: AnalyseOptions,
  ) {
    super(text, options.firstLine ?? 1);
    const bindings = new Map(options.bindings ?? []);
    if (!bindings.has('__builtins__')) bindings.set('__builtins__', 'builtins');
    this.out = { calls: [], imports: [], assignments: new Map(), bindings, truncated: false };
  }

  run(): PythonSource {
    let stmtStart = true;
    let afterDef = false;
    for (let t = this.take(); t !== undefined; t = this.take()) {
      // The token before this one in the text, even when a helper consumed it (a call's `(`): keyword
      // arguments and `*args` are told by what precedes them.
      const prev = this.beforeLast;
      if (t.kind === 'newline' || (this.isOp(t, ';') && this.frames.length === 0)) {
        stmtStart = true;
        this.assignTarget = undefined;
        continue;
      }
      const atStart = stmtStart;
      stmtStart = false;
      if (t.kind === 'name') {
        if (t.text === 'import') this.bindAll(parseImport(this, t.line));
        else if (t.text === 'from' && looksLikeFromImport(this)) this.bindAll(parseFromImport(this, t.line));
        else if (t.text === 'def' || t.text === 'class') afterDef = true;
        else if (afterDef)
          afterDef = false; // a definition's own name is not a call
        else if (t.text === 'lambda') this.operand({ kind: 'other' });
        else if (!KEYWORDS.has(t.text)) this.nameChain(t, atStart, prev, this.isOp(prev, '.'));
      } else if (t.kind === 'string') this.strings(t);
      else if (t.kind === 'op') this.op(t, prev);
      else this.operand({ kind: 'other' });
    }
    return this.out;
  }

  /** A name and its `.attr` chain: a call, a keyword argument, an assignment target or a plain operand. */
  private nameChain(first: PyToken, atStart: boolean, prev: PyToken | undefined, ofExpr: boolean): void {
    // `model.cuda().eval()`: an attribute of an expression result, never the builtin of the same name.
    const parts = ofExpr ? ['<expr>', first.text] : [first.text];
    while (this.isOp(this.peek(), '.') && this.peek(1)?.kind === 'name') {
      this.take();
      const part = this.take()!.text;
      if (parts.length < 64) parts.push(part);
    }
    const written = parts.join('.');
    const next = this.peek();
    const top = this.frames.at(-1);
    if (this.isOp(next, '=')) {
      this.take();
      if (top !== undefined && (this.isOp(prev, '(') || this.isOp(prev, ','))) {
        top.keywordSeen = true;
        if (top.call !== undefined) top.call.keywords[written] = this.keywordValue();
      } else if (atStart && this.frames.length === 0 && parts.length === 1) this.assignTarget = written;
      return;
    }
    if (this.isOp(next, '(')) {
      this.take();
      const call = this.makeCall(parts, first.line);
      this.operand({ kind: 'call', call });
      this.push({ call, argIndex: 0, keywordSeen: false });
      return;
    }
    const name = this.resolve(parts)[0]!;
    const target = this.assignTarget;
    this.operand({ kind: 'name', name, written });
    // `run = subprocess.run` or `e = eval`: later calls through the new name mean the same callable.
    if (target !== undefined && (next === undefined || next.kind === 'newline') && name !== written) {
      this.out.bindings.set(target, name);
    }
  }

  private keywordValue(): string {
    const v = this.peek();
    const after = this.peek(1);
    const simple = v !== undefined && v.kind !== 'op' && v.kind !== 'newline';
    return simple && (this.isOp(after, ',') || this.isOp(after, ')')) ? v.text : '<expr>';
  }

  /** Adjacent literals concatenate; f-string expressions are code and are analysed as such. */
  private strings(first: PyToken): void {
    let value = first.text;
    let escapes = first.escapes;
    let bytes = first.prefix.includes('b');
    let dynamic = false;
    for (let t: PyToken | undefined = first; t !== undefined; ) {
      if (t.fExprs !== undefined && t.fExprs.length > 0) {
        dynamic = true;
        this.fExpressions(t.fExprs);
      }
      if (this.peek()?.kind !== 'string') break;
      t = this.take()!;
      value += t.text;
      escapes += t.escapes;
      bytes ||= t.prefix.includes('b');
    }
    const next = this.peek();
    const whole =
      this.isOp(next, ',') || this.isOp(next, ')') || next === undefined || next.kind === 'newline';
    this.operand(whole && !dynamic ? { kind: 'string', value, escapes, bytes } : { kind: 'other' });
  }

  private fExpressions(exprs: { text: string; line: number }[]): void {
    const depth = (this.options.depth ?? 0) + 1;
    if (depth > MAX_DEPTH) return;
    for (const e of exprs) {
      const sub = analysePython(e.text, {
        ...this.options,
        bindings: this.out.bindings,
        firstLine: e.line,
        depth,
      });
      for (const c of sub.calls) this.record(c);
    }
  }

  private op(t: PyToken, prev: PyToken | undefined): void {
    const top = this.frames.at(-1);
    switch (t.text) {
      case '(':
      case '[':
      case '{':
        this.operand({ kind: 'other' });
        this.push({ argIndex: 0, keywordSeen: false });
        return;
      case ')':
      case ']':
      case '}':
        this.pop();
        return;
      case ',':
        if (top !== undefined) top.argIndex++;
        return;
      case '*':
      case '**':
        if (top?.call !== undefined && (this.isOp(prev, '(') || this.isOp(prev, ',')))
          top.call.starArgs = true;
        this.operand({ kind: 'other' });
        return;
      default:
        if (t.text !== '.' && t.text !== ':' && t.text !== '=') this.operand({ kind: 'other' });
    }
  }

  /** Records `arg` as the current positional argument of the innermost call, and as an assignment's value. */
  private operand(arg: PyArg): void {
    const top = this.frames.at(-1);
    if (
      top?.call !== undefined &&
      !top.keywordSeen &&
      top.call.args.length === top.argIndex &&
      top.argIndex < 2
    ) {
      top.call.args.push(arg);
    }
    if (this.assignTarget !== undefined && this.frames.length === 0) {
      this.out.assignments.set(this.assignTarget, arg);
      this.assignTarget = undefined;
    }
  }

  private push(frame: Frame): void {
    if (this.frames.length >= MAX_FRAMES) this.overflow++;
    else this.frames.push(frame);
  }

  /** Closes a bracket; `__import__('os').system(...)` resolves through the import call's literal. */
  private pop(): void {
    if (this.overflow > 0) {
      this.overflow--;
      return;
    }
    const frame = this.frames.pop();
    const call = frame?.call;
    if (call === undefined || !this.isOp(this.peek(), '.') || this.peek(1)?.kind !== 'name') return;
    const arg = call.args[0];
    const imports = call.name === 'builtins.__import__' || call.name === 'importlib.import_module';
    if (!imports || arg?.kind !== 'string') return;
    const parts = [arg.value];
    while (this.isOp(this.peek(), '.') && this.peek(1)?.kind === 'name') {
      this.take();
      const part = this.take()!.text;
      if (parts.length < 64) parts.push(part);
    }
    if (!this.isOp(this.peek(), '(')) return;
    const open = this.take()!;
    const inner = this.makeCall(parts.slice(1), open.line, parts.join('.'));
    this.push({ call: inner, argIndex: 0, keywordSeen: false });
  }

  private makeCall(parts: string[], line: number, resolved?: string): PyCall {
    const [name, ...alternatives] = resolved === undefined ? this.resolve(parts) : [resolved];
    const written = resolved === undefined ? parts.join('.') : `__import__(...).${parts.join('.')}`;
    const call: PyCall = {
      name: name!,
      alternatives,
      written,
      line,
      args: [],
      keywords: {},
      starArgs: false,
    };
    this.record(call);
    return call;
  }

  private record(call: PyCall): void {
    if (this.options.keep !== undefined && !this.options.keep(call)) return;
    if (this.out.calls.length >= MAX_CALLS) this.out.truncated = true;
    else this.out.calls.push(call);
  }

  /** Dotted name through the bindings; an unbound bare name is a builtin or comes from a star import. */
  private resolve(parts: string[]): string[] {
    const [head, ...rest] = parts;
    const bound = this.out.bindings.get(head!);
    if (bound !== undefined) return [[bound, ...rest].join('.')];
    if (rest.length > 0) return [parts.join('.')];
    if (BUILTINS.has(head!) || this.stars.length === 0) return [`builtins.${head}`];
    return [...this.stars.map((m) => `${m}.${head}`), `builtins.${head}`];
  }

  private bindAll(statement: ImportStatement): void {
    if (statement.star !== undefined) this.stars.push(statement.star);
    for (const b of statement.bindings) {
      this.out.bindings.set(b.alias, b.target);
      if (this.out.imports.length < MAX_CALLS) this.out.imports.push(b.import);
    }
  }
}
