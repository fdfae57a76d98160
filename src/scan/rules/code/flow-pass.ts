import { PyTokenStream } from '../../../formats/python-imports.ts';
import type { PyToken } from '../../../formats/python-tokenize.ts';
import type { CodeArg, CodeCall, Taint } from './flow.ts';
import {
  type Acc,
  addName,
  addString,
  addTaint,
  constructs,
  type FlowState,
  type Frame,
  HEADERS,
  headOf,
  isCandidate,
  KEYWORD_CONSTANTS,
  lastPart,
  MAX_ARGS,
  MAX_FRAMES,
  MAX_FSTRING_DEPTH,
  MAX_LIST,
  MAX_LITERAL,
  MAX_RECORDED,
  NO_ARGS,
  NO_KEYS,
  newAcc,
  newStmt,
  OPERATOR_WORDS,
  type PassOutput,
  type PathRef,
  type PendingCall,
  pushCapped,
  STATEMENT_WORDS,
  type Stmt,
  sourceByName,
  toArg,
  usesModel,
} from './flow-expr.ts';
import {
  CONTAINER_ADDERS,
  DOWNLOAD_DESTINATIONS,
  DOWNLOADED,
  HANDLE_METHODS,
  LLM_HANDLE,
  LLM_NAMES,
  MODEL_OUTPUT,
  MODEL_OUTPUT_METHODS,
  OPENERS,
  SANITIZERS,
} from './names.ts';

/** One read of the file (or of one f-string field). */
export class FlowPass {
  private readonly ts: PyTokenStream;
  private readonly frames: Frame[] = [];
  private overflow = 0;
  private stmt: Stmt;
  private prev: PyToken | undefined;
  private currentFunction: string | undefined;
  /** Reads of a name that may turn out to be an assignment target (`x` in `x = ...`). */
  private deferReads: [Set<string>, string][] | undefined;

  constructor(
    text: string,
    firstLine: number,
    private readonly state: FlowState,
    private readonly out: PassOutput,
    private readonly depth: number,
    /** An f-string field: one expression, no statements. */
    private readonly expressionOnly: boolean,
  ) {
    this.ts = new PyTokenStream(text, firstLine);
    this.stmt = newStmt(expressionOnly ? 'plain' : 'fresh');
  }

  /** Reads every token; returns the taint of the text when it is one expression. */
  run(): Acc {
    for (let t = this.ts.take(); t !== undefined; t = this.ts.take()) {
      if (t.kind === 'newline' || (this.isOp(t, ';') && this.frames.length === 0)) {
        if (!this.expressionOnly) this.endStatement();
        this.prev = undefined;
        continue;
      }
      if (this.stmt.kind === 'fresh' && this.begin(t)) {
        this.prev = t;
        continue;
      }
      if (this.stmt.kind === 'skip') continue;
      if (this.stmt.kind === 'def' || this.stmt.kind === 'class') this.header(t);
      else this.token(t);
      this.prev = t;
    }
    const acc = this.stmt.acc;
    while (this.frames.length > 0 || this.overflow > 0) this.close(); // unbalanced input: close what is open
    if (!this.expressionOnly) this.endStatement();
    return acc;
  }

  private isOp(t: PyToken | undefined, op: string): boolean {
    return t?.kind === 'op' && t.text === op;
  }

  private acc(): Acc {
    return this.frames.at(-1)?.acc ?? this.stmt.acc;
  }

  /** State reads and writes go through these, so a pass knows whether a later write changed an earlier read. */
  private read<T>(map: Map<string, T>, reads: Set<string>, key: string): T | undefined {
    if (this.deferReads !== undefined) this.deferReads.push([reads, key]);
    else reads.add(key);
    return map.get(key);
  }

  private changed(reads: Set<string>, key: string): void {
    if (reads.has(key)) this.state.again = true;
  }

  private setTaint(map: Map<string, Taint>, reads: Set<string>, key: string, taint: Taint | undefined): void {
    const before = map.get(key)?.mask ?? 0;
    const after = taint?.mask ?? 0;
    if (before !== after) this.changed(reads, key);
    if (after === 0) map.delete(key);
    else map.set(key, taint!);
  }

  private addTaintTo(
    map: Map<string, Taint>,
    reads: Set<string>,
    key: string,
    mask: number,
    origin: string | undefined,
  ): void {
    const next = { ...(map.get(key) ?? { mask: 0, origin: undefined }) };
    addTaint(next, mask, origin);
    this.setTaint(map, reads, key, next);
  }

  /** The first token of a statement decides how the rest is read; true when `t` was consumed here. */
  private begin(t: PyToken): boolean {
    let first = t;
    if (t.kind === 'name' && t.text === 'async') {
      const next = this.ts.peek();
      if (next?.kind === 'name' && (next.text === 'def' || next.text === 'for' || next.text === 'with')) {
        first = this.ts.take()!;
      }
    }
    const word = first.kind === 'name' ? first.text : '';
    if (word === 'import') {
      this.stmt = newStmt('skip');
      return true;
    }
    if (word === 'from') {
      this.starImport();
      this.stmt = newStmt('skip');
      return true;
    }
    if (word === 'def' || word === 'class') {
      const name = this.ts.peek();
      this.stmt = newStmt(word);
      if (name?.kind === 'name') {
        this.ts.take();
        if (word === 'def') this.currentFunction = name.text;
        else this.stmt.className = name.text;
      }
      return true;
    }
    if (word === 'for') {
      this.stmt = newStmt('for');
      this.stmt.forTargets = [];
      this.stmt.readingForTargets = true;
      return true;
    }
    if (word === 'with') {
      this.stmt = newStmt('with');
      return true;
    }
    if (word === 'return' || word === 'yield') {
      this.stmt = newStmt('return');
      return true;
    }
    if (HEADERS.has(word)) {
      if (word === 'if') this.mainGuard();
      this.stmt = newStmt('header');
      return true;
    }
    this.stmt = newStmt('plain');
    return false;
  }

  /** `from m import *`: bare names may come from `m`. */
  private starImport(): void {
    let module = '';
    for (let k = 0; k < 130; k++) {
      const t = this.ts.peek(k);
      if (t === undefined || t.kind === 'newline') return;
      if (t.kind === 'name' && t.text === 'import') {
        if (this.isOp(this.ts.peek(k + 1), '*') && module !== '' && !module.startsWith('.')) {
          if (this.state.stars.length < MAX_LIST && !this.state.stars.includes(module))
            this.state.stars.push(module);
        }
        return;
      }
      module += t.text;
    }
  }

  private mainGuard(): void {
    const a = this.ts.peek();
    const op = this.ts.peek(1);
    const b = this.ts.peek(2);
    if (!this.isOp(op, '==')) return;
    const isName = (t: PyToken | undefined) => t?.kind === 'name' && t.text === '__name__';
    const isMain = (t: PyToken | undefined) => t?.kind === 'string' && t.text === '__main__';
    if ((isName(a) && isMain(b)) || (isMain(a) && isName(b))) this.out.mainGuard = true;
  }

  /** `def`/`class` headers are skipped to their colon; a class's bases are remembered (yaml Loader subclasses). */
  private header(t: PyToken): void {
    const s = this.stmt;
    if (t.kind === 'op') {
      if (t.text === '(' || t.text === '[' || t.text === '{') s.skipDepth++;
      else if ((t.text === ')' || t.text === ']' || t.text === '}') && s.skipDepth > 0) s.skipDepth--;
      else if (t.text === ':' && s.skipDepth === 0) this.stmt = newStmt('fresh');
      return;
    }
    if (s.kind === 'class' && t.kind === 'name' && s.skipDepth === 1 && s.className !== undefined) {
      const parts = this.chainParts(t);
      if (this.isOp(this.ts.peek(), '=')) return; // metaclass=...
      const bases = this.state.classBases.get(s.className) ?? [];
      pushCapped(bases, this.resolve(parts)[0]!);
      this.state.classBases.set(s.className, bases);
    }
  }

  private chainParts(first: PyToken): string[] {
    const parts = [first.text];
    while (this.isOp(this.ts.peek(), '.') && this.ts.peek(1)?.kind === 'name') {
      this.ts.take();
      const part = this.ts.take()!.text;
      if (parts.length < 64) parts.push(part);
    }
    return parts;
  }

  /** Dotted name through the import bindings; an unbound bare name is a builtin or comes from a star import. */
  private resolve(parts: string[]): string[] {
    const [head, ...rest] = parts;
    const bound = this.state.bindings.get(head!);
    if (bound !== undefined) return [[bound, ...rest].join('.')];
    if (rest.length > 0) return [parts.join('.')];
    return [`builtins.${head}`, ...this.state.stars.map((m) => `${m}.${head}`)];
  }

  private lookup(parts: string[]): Taint {
    const taint: Taint = { mask: 0, origin: undefined };
    let key = '';
    for (const part of parts) {
      key = key === '' ? part : `${key}.${part}`;
      const t = this.read(this.state.env, this.state.reads.env, key);
      if (t !== undefined) addTaint(taint, t.mask, t.origin);
    }
    return taint;
  }

  private token(t: PyToken): void {
    const acc = this.acc();
    // A closing bracket or a comma ends the argument rather than adding to it (`f(a, b,)` has two).
    if (t.kind !== 'op' || (t.text !== ')' && t.text !== ']' && t.text !== '}' && t.text !== ','))
      acc.tokens++;
    if (t.kind === 'name') this.name(t, acc);
    else if (t.kind === 'string') this.strings(t, acc);
    else if (t.kind === 'number') this.operand(acc);
    else if (t.kind === 'op') this.op(t, acc);
  }

  private operand(acc: Acc): void {
    acc.operands++;
    acc.simple = undefined;
    acc.literal = undefined;
    acc.onlyCall = undefined;
  }

  private name(t: PyToken, acc: Acc): void {
    const s = this.stmt;
    const frame = this.frames.at(-1);
    if (KEYWORD_CONSTANTS.has(t.text)) {
      this.operand(acc);
      acc.simple = t.text;
      this.dictValue(t.text);
      return;
    }
    if (OPERATOR_WORDS.has(t.text)) {
      if (t.text === 'in' && frame?.inCompTargets) frame.inCompTargets = false;
      else if (t.text === 'in' && s.kind === 'for' && this.frames.length === 0 && s.readingForTargets) {
        s.readingForTargets = false;
        s.acc = newAcc();
        return;
      }
      if (t.text !== 'await') acc.decorated = true;
      return;
    }
    if (t.text === 'for' && frame !== undefined) {
      frame.compTargets ??= [];
      frame.inCompTargets = true;
      return;
    }
    if (t.text === 'as' && this.frames.length === 0 && s.kind === 'with') {
      s.withAs = true;
      return;
    }
    if (STATEMENT_WORDS.has(t.text)) {
      if (this.frames.length === 0) s.atSegmentStart = false;
      return;
    }
    const continuation = this.isOp(this.prev, '.');
    const parts = this.chainParts(t);
    const written = parts.join('.');
    const next = this.ts.peek();
    // Binding positions: for-targets, comprehension targets, `with ... as x`.
    if (this.frames.length === 0 && s.kind === 'for' && s.readingForTargets) {
      pushCapped(s.forTargets!, written);
      return;
    }
    if (frame?.inCompTargets) {
      pushCapped(frame.compTargets!, written);
      return;
    }
    if (this.frames.length === 0 && s.kind === 'with' && s.withAs) {
      s.withAs = false;
      this.assign(written, s.acc, false);
      s.acc = newAcc();
      return;
    }
    // A keyword argument: `name=` at the start of an argument.
    if (frame?.call !== undefined && acc.tokens === 1 && parts.length === 1 && this.isOp(next, '=')) {
      this.ts.take();
      acc.keyword = t.text;
      acc.tokens = 0;
      return;
    }
    if (this.isOp(next, ':=') && parts.length === 1) {
      this.ts.take();
      acc.walrus = t.text;
      return;
    }
    if (
      s.kind === 'plain' &&
      this.frames.length === 0 &&
      s.atSegmentStart &&
      !continuation &&
      !this.isOp(next, '(')
    ) {
      s.segTargets.push({ name: written, adds: this.isOp(next, '[') });
      // Until a `=` follows, this may be a target rather than a read: its reads wait (see segment()).
      this.deferReads = s.segReads;
    }
    if (this.frames.length === 0) s.atSegmentStart = false;
    this.shape(parts, next, acc, t.line);
    if (this.isOp(next, '(')) {
      this.ts.take();
      this.openCall(parts, continuation, t.line, acc);
      return;
    }
    if (continuation) {
      acc.decorated = true;
      return;
    }
    this.operand(acc);
    acc.constant = false;
    const taint = this.lookup(parts);
    addTaint(acc, taint.mask, taint.origin);
    if (acc.names.length < MAX_LIST) addName(acc, this.resolve(parts)[0]!);
    acc.simple = written;
    const literal =
      parts.length === 1 ? this.read(this.state.literals, this.state.reads.lit, written) : undefined;
    if (literal !== undefined) {
      acc.literal = literal;
      acc.literalVia = written;
      const downloaded = this.read(this.state.downloadedLiterals, this.state.reads.dl, literal);
      if (downloaded !== undefined) addTaint(acc, DOWNLOADED, downloaded);
    }
    this.deferReads = undefined;
    this.dictValue(written);
  }

  /** Model output by shape: `.choices[0].message.content`, `["choices"][0]["text"]`, `.generated_text`. */
  private shape(parts: readonly string[], next: PyToken | undefined, acc: Acc, line: number): void {
    for (const [i, part] of parts.entries()) {
      if (part === 'choices' && (i < parts.length - 1 || this.isOp(next, '['))) acc.choices = true;
      else if ((part === 'content' || part === 'text') && acc.choices) {
        addTaint(acc, MODEL_OUTPUT, `.choices[...].${part} on line ${line}`);
      } else if (part === 'generated_text' || part === 'output_text') {
        addTaint(acc, MODEL_OUTPUT, `.${part} on line ${line}`);
      }
    }
  }

  /** Inside `{...}`: a value right after `"key":` is remembered on the nearest call (`model_kwargs={...}`). */
  private dictValue(text: string): void {
    const frame = this.frames.at(-1);
    if (frame?.open !== '{' || frame.dictKey === undefined) return;
    const next = this.ts.peek();
    const key = frame.dictKey;
    frame.dictKey = undefined;
    if (!this.isOp(next, ',') && !this.isOp(next, '}')) return;
    const owner = this.frames.findLast((f) => f.call !== undefined)?.call;
    if (owner !== undefined) {
      if (owner.call.dictKeys === NO_KEYS) owner.call.dictKeys = new Map();
      owner.call.dictKeys.set(key, text);
    } else if (key === 'trust_remote_code') this.looseDict(key, text);
  }

  /** A top-level dict literal that sets trust_remote_code (`kwargs = {"trust_remote_code": True}`). */
  private looseDict(key: string, text: string): void {
    const line = this.prev?.line ?? 1;
    const call: CodeCall = {
      name: '<dict>',
      alternatives: [],
      written: '{...}',
      line,
      args: [],
      keywords: new Map(),
      starArgs: false,
      dictKeys: new Map([[key, text]]),
    };
    this.record(call);
  }

  private strings(first: PyToken, acc: Acc): void {
    let value = first.text;
    let dynamic = false;
    for (let t: PyToken | undefined = first; t !== undefined; ) {
      if (t.fExprs !== undefined && t.fExprs.length > 0) {
        dynamic = true;
        for (const e of t.fExprs) this.fField(e.text, e.line, acc);
      }
      if (this.ts.peek()?.kind !== 'string') break;
      t = this.ts.take()!;
      if (value.length < MAX_LITERAL) value += t.text;
    }
    const next = this.ts.peek();
    const frame = this.frames.at(-1);
    if (this.isOp(this.prev, '[') && this.isOp(next, ']')) {
      // `x["choices"]`: the key sits in the subscript's own frame; the shape belongs to the expression around it.
      const outer = this.frames.at(-2)?.acc ?? this.stmt.acc;
      if (value === 'choices') outer.choices = true;
      else if ((value === 'content' || value === 'text') && outer.choices) {
        addTaint(outer, MODEL_OUTPUT, `["choices"][...]["${value}"] on line ${first.line}`);
      } else if (value === 'generated_text')
        addTaint(outer, MODEL_OUTPUT, `["generated_text"] on line ${first.line}`);
    }
    if (frame?.open === '{' && this.isOp(next, ':') && !dynamic) {
      frame.dictKey = value;
      return;
    }
    this.operand(acc);
    if (dynamic) acc.constant = false;
    else {
      const downloaded = this.read(this.state.downloadedLiterals, this.state.reads.dl, value);
      if (downloaded !== undefined) addTaint(acc, DOWNLOADED, downloaded);
      acc.literal = value.slice(0, MAX_LITERAL);
      acc.literalVia = undefined;
      addString(acc, value.slice(0, 512));
      this.dictValue(JSON.stringify(value.slice(0, 512)));
    }
  }

  /** An f-string `{field}` is code: its names and calls count, and its taint joins the string's. */
  private fField(text: string, line: number, acc: Acc): void {
    acc.constant = false;
    if (this.depth + 1 > MAX_FSTRING_DEPTH) return;
    const inner = new FlowPass(text, line, this.state, this.out, this.depth + 1, true).run();
    addTaint(acc, inner.mask, inner.origin);
    for (const n of inner.names) addName(acc, n);
  }

  private op(t: PyToken, acc: Acc): void {
    const s = this.stmt;
    const frame = this.frames.at(-1);
    switch (t.text) {
      case '(':
        if (this.isOp(this.prev, ')') || this.isOp(this.prev, ']')) {
          // A call on a call's result: `pipeline(...)(prompt)`.
          this.openCall(['<expr>'], true, t.line, acc);
        } else {
          this.operand(acc);
          this.push('(');
        }
        return;
      case '[': {
        const subscript =
          this.prev !== undefined &&
          (this.prev.kind === 'name' ||
            this.prev.kind === 'string' ||
            this.isOp(this.prev, ')') ||
            this.isOp(this.prev, ']'));
        if (subscript) acc.decorated = true;
        else this.operand(acc);
        this.push('[');
        return;
      }
      case '{':
        this.operand(acc);
        this.push('{');
        return;
      case ')':
      case ']':
      case '}':
        this.close();
        return;
      case ',':
        if (frame?.call !== undefined) {
          this.finishArg(frame);
          frame.acc = newAcc();
        } else if (frame !== undefined) {
          frame.dictKey = undefined;
          frame.acc.decorated = true;
        } else if (s.kind === 'with') {
          s.acc = newAcc();
        } else {
          acc.decorated = true;
          if (s.kind === 'plain') s.atSegmentStart = true;
        }
        return;
      case '*':
      case '**':
        if (frame?.call !== undefined && acc.tokens === 1) {
          acc.star = true;
          frame.call.call.starArgs = true;
        } else acc.decorated = true;
        return;
      case ':':
        if (this.frames.length === 0 && (s.kind === 'header' || s.kind === 'for' || s.kind === 'with')) {
          this.endHeader();
        } else acc.decorated = true;
        return;
      case '=':
        if (this.frames.length === 0 && s.kind === 'plain') this.segment(false);
        return;
      case '+=':
      case '-=':
      case '*=':
      case '/=':
        if (this.frames.length === 0 && s.kind === 'plain') this.segment(true);
        return;
      case '.':
        return;
      default:
        acc.decorated = true;
    }
  }

  /** A depth-0 `=`: what came before is a list of targets, what follows is a new segment. */
  private segment(augmented: boolean): void {
    const s = this.stmt;
    s.targetSegments.push({ targets: s.segTargets, augmented });
    s.segTargets = [];
    s.segReads = [];
    s.acc = newAcc();
    s.atSegmentStart = true;
  }

  private push(open: string): void {
    if (this.frames.length >= MAX_FRAMES) {
      this.overflow++;
      return;
    }
    this.frames.push({
      open,
      call: undefined,
      acc: newAcc(),
      compTargets: undefined,
      inCompTargets: false,
      dictKey: undefined,
    });
  }

  private openCall(parts: string[], continuation: boolean, line: number, acc: Acc): void {
    const onResult = continuation && parts[0] === '<expr>';
    const receiverText = acc.lastCall === undefined ? '<expr>' : `${acc.lastCall}(...)`;
    const written = onResult
      ? receiverText
      : continuation
        ? `${receiverText}.${parts.join('.')}`
        : parts.join('.');
    const [name, ...alternatives] = continuation ? [written] : this.resolve(parts);
    const callee = continuation ? { mask: 0, origin: undefined } : this.lookup(parts);
    let handleCall = false;
    if (onResult) {
      // `pipeline(...)(prompt)`: the callee is the result just read.
      handleCall = (acc.mask & LLM_HANDLE) !== 0;
    } else if (!continuation) {
      // `pipe(prompt)`, `self.generator(prompt)`: the callee itself holds an LLM handle.
      handleCall = ((this.read(this.state.env, this.state.reads.env, written)?.mask ?? 0) & LLM_HANDLE) !== 0;
    }
    if (!continuation) {
      this.operand(acc);
      acc.constant = false;
    } else {
      acc.decorated = true;
      acc.onlyCall = undefined;
    }
    const call: CodeCall = {
      name: name!,
      alternatives,
      written,
      line,
      args: [],
      keywords: NO_ARGS as Map<string, CodeArg>,
      starArgs: false,
      dictKeys: NO_KEYS as Map<string, string>,
    };
    const receiver = !continuation && parts.length > 1 ? parts.slice(0, -1).join('.') : undefined;
    const method = parts.length > 1 || continuation ? parts.at(-1) : undefined;
    if (this.frames.length >= MAX_FRAMES) {
      this.overflow++;
      return;
    }
    this.frames.push({
      open: '(',
      call: { call, callee, handleCall, receiver, method },
      acc: newAcc(),
      compTargets: undefined,
      inCompTargets: false,
      dictKey: undefined,
    });
  }

  private finishArg(frame: Frame): void {
    const acc = frame.acc;
    this.walrusOf(acc);
    if (acc.tokens === 0 && !acc.star && acc.keyword === undefined) return;
    const call = frame.call!.call;
    if (acc.keyword !== undefined) {
      if (call.keywords === NO_ARGS) call.keywords = new Map();
      if (call.keywords.size < 64) call.keywords.set(acc.keyword, toArg(acc));
    } else if (call.args.length < MAX_ARGS) call.args.push(toArg(acc));
  }

  private walrusOf(acc: Acc): void {
    if (acc.walrus !== undefined) this.assign(acc.walrus, acc, false);
  }

  /** Closes the innermost bracket: a call is judged and its result flows into the enclosing expression. */
  private close(): void {
    if (this.overflow > 0) {
      this.overflow--;
      return;
    }
    const frame = this.frames.pop();
    if (frame === undefined) return;
    const parent = this.acc();
    if (frame.call === undefined) {
      this.walrusOf(frame.acc);
      addTaint(parent, frame.acc.mask, frame.acc.origin);
      if (!frame.acc.constant) parent.constant = false;
      for (const n of frame.acc.names) addName(parent, n);
      for (const str of frame.acc.strings) addString(parent, str);
      if (parent.operands === 1 && frame.open === '(' && !frame.acc.decorated && frame.acc.operands === 1) {
        // `(x)` is `x`.
        parent.literal = frame.acc.literal;
        parent.simple = frame.acc.simple;
      }
      if (frame.compTargets !== undefined) {
        for (const target of frame.compTargets) this.assign(target, frame.acc, true);
      }
      return;
    }
    this.finishArg(frame);
    const pending = frame.call;
    const call = pending.call;
    const result = this.result(pending);
    addTaint(parent, result.mask, result.origin);
    if (parent.operands === 1 && !parent.decorated) parent.onlyCall = call;
    parent.lastCall = call.written;
    this.sideEffects(pending);
    if (isCandidate(call)) this.record(call);
  }

  private record(call: CodeCall): void {
    if (this.out.calls.length >= MAX_RECORDED) this.out.truncated = true;
    else this.out.calls.push(call);
  }

  /** What a call returns: its own source taint, plus what its receiver and arguments carried. */
  private result(pending: PendingCall): Taint {
    const { call, callee } = pending;
    const source = this.sourceOf(pending);
    let origin: string | undefined;
    const where = (): string => {
      origin ??= `${call.written}() on line ${call.line}`;
      return origin;
    };
    if (
      this.out.modelUse === undefined &&
      ((source & (MODEL_OUTPUT | LLM_HANDLE)) !== 0 || usesModel(call))
    ) {
      this.out.modelUse = where();
    }
    const taint: Taint = { mask: 0, origin: undefined };
    if (source !== 0) addTaint(taint, source, where());
    const fn = this.userFunction(call);
    if (fn !== undefined) addTaint(taint, fn.mask, fn.origin);
    if (SANITIZERS.has(call.name)) return taint;
    addTaint(taint, callee.mask & ~LLM_HANDLE, callee.origin);
    for (const arg of call.args) addTaint(taint, arg.mask & ~LLM_HANDLE, arg.origin);
    for (const arg of call.keywords.values()) addTaint(taint, arg.mask & ~LLM_HANDLE, arg.origin);
    return taint;
  }

  /** The taint bits a call creates by itself: model output, downloaded data, an LLM handle. */
  private sourceOf(pending: PendingCall): number {
    const { call, method, receiver } = pending;
    let mask = pending.handleCall ? MODEL_OUTPUT : 0;
    mask |= sourceByName(call.name);
    for (const n of call.alternatives) mask |= sourceByName(n);
    if (call.written !== call.name) mask |= sourceByName(call.written);
    const head = headOf(call.written);
    if (method !== undefined) {
      if (MODEL_OUTPUT_METHODS.has(method) && !this.state.bindings.has(head)) mask |= MODEL_OUTPUT;
      if (HANDLE_METHODS.has(method) && receiver !== undefined && this.isHandle(receiver))
        mask |= MODEL_OUTPUT;
    } else if (
      call.written === head &&
      LLM_NAMES.has(head) &&
      !this.state.bindings.has(head) &&
      this.read(this.state.functions, this.state.reads.fn, head) === undefined
    ) {
      mask |= MODEL_OUTPUT; // `llm(prompt)`
    }
    return mask | constructs(call.name);
  }

  /** A receiver that holds an LLM handle, or is conventionally named like one (`chain.run(...)`). */
  private isHandle(receiver: string): boolean {
    const held = this.read(this.state.env, this.state.reads.env, receiver)?.mask ?? 0;
    return (held & LLM_HANDLE) !== 0 || (LLM_NAMES.has(receiver) && !this.state.bindings.has(receiver));
  }

  /** A function defined in this file whose `return` returns tainted data (by its bare or method name). */
  private userFunction(call: CodeCall): Taint | undefined {
    const head = headOf(call.written);
    if (head !== call.written && head !== 'self' && head !== 'cls' && this.state.bindings.has(head))
      return undefined;
    return this.read(this.state.functions, this.state.reads.fn, lastPart(call.written));
  }

  /** What a call does to names: downloads to a path, writes downloaded bytes to a file, fills a container. */
  private sideEffects(pending: PendingCall): void {
    const { call, receiver, method } = pending;
    const origin = `${call.written}() on line ${call.line}`;
    for (const n of [call.name, ...call.alternatives]) {
      const dest = DOWNLOAD_DESTINATIONS.get(n);
      if (dest === undefined) continue;
      const arg =
        dest.keywords.map((k) => call.keywords.get(k)).find((a) => a !== undefined) ?? call.args[dest.index];
      if (arg !== undefined) this.markDownloaded(arg, origin);
    }
    if (receiver === undefined || method === undefined) return;
    const argMask = [...call.args, ...call.keywords.values()].reduce((m, a) => m | a.mask, 0);
    const argOrigin = [...call.args, ...call.keywords.values()].find((a) => a.mask !== 0)?.origin;
    if (CONTAINER_ADDERS.has(method) && argMask !== 0) {
      this.addTaintTo(this.state.env, this.state.reads.env, receiver, argMask & ~LLM_HANDLE, argOrigin);
    }
    if ((method === 'write' || method === 'writelines') && (argMask & DOWNLOADED) !== 0) {
      const path = this.state.fileHandles.get(receiver);
      if (path !== undefined) this.markPath(path, argOrigin ?? origin);
    }
  }

  /** A download's destination: the literal path and the variable naming it both hold downloaded bytes now. */
  private markDownloaded(arg: CodeArg, origin: string): void {
    if (arg.literal !== undefined) this.markPath({ literal: arg.literal }, origin);
    if (arg.simple !== undefined && !KEYWORD_CONSTANTS.has(arg.simple))
      this.markPath({ name: arg.simple }, origin);
  }

  private markPath(path: PathRef, origin: string): void {
    if ('literal' in path) {
      if (!this.state.downloadedLiterals.has(path.literal)) {
        this.state.downloadedLiterals.set(path.literal, origin);
        this.changed(this.state.reads.dl, path.literal);
      }
      return;
    }
    this.addTaintTo(this.state.env, this.state.reads.env, path.name, DOWNLOADED, origin);
  }

  /** Binds `name` to `value`'s taint (replacing it, or adding for `+=`, `x[k] =`, comprehension targets). */
  private assign(name: string, value: Acc, adds: boolean): void {
    const single = value.operands === 1 && !value.decorated;
    if (adds) {
      if (value.mask !== 0)
        this.addTaintTo(this.state.env, this.state.reads.env, name, value.mask, value.origin);
      return;
    }
    this.setTaint(this.state.env, this.state.reads.env, name, { mask: value.mask, origin: value.origin });
    const literal = single ? value.literal : undefined;
    if (this.state.literals.get(name) !== literal) this.changed(this.state.reads.lit, name);
    if (literal !== undefined) this.state.literals.set(name, literal);
    else this.state.literals.delete(name);
    const opened = single ? value.onlyCall : undefined;
    const path = opened !== undefined && OPENERS.has(opened.name) ? opened.args[0] : undefined;
    if (path?.literal !== undefined) this.state.fileHandles.set(name, { literal: path.literal });
    else if (path?.simple !== undefined) this.state.fileHandles.set(name, { name: path.simple });
    else this.state.fileHandles.delete(name);
  }

  /** The colon of `if`/`for`/`with` headers: bind `for` targets; what follows on the line is a new statement. */
  private endHeader(): void {
    const s = this.stmt;
    if (s.kind === 'for' && s.forTargets !== undefined && !s.readingForTargets) {
      for (const target of s.forTargets) this.assign(target, s.acc, false);
    }
    this.stmt = newStmt('fresh');
  }

  private endStatement(): void {
    while (this.frames.length > 0 || this.overflow > 0) this.close();
    const s = this.stmt;
    for (const [reads, key] of s.segReads) reads.add(key);
    this.walrusOf(s.acc);
    if (s.kind === 'plain' && s.targetSegments.length > 0) {
      for (const segment of s.targetSegments) {
        for (const target of segment.targets)
          this.assign(target.name, s.acc, target.adds || segment.augmented);
      }
    } else if (
      s.kind === 'return' &&
      this.currentFunction !== undefined &&
      (s.acc.mask & ~LLM_HANDLE) !== 0
    ) {
      this.addTaintTo(
        this.state.functions,
        this.state.reads.fn,
        this.currentFunction,
        s.acc.mask & ~LLM_HANDLE,
        s.acc.origin,
      );
    } else if (s.kind === 'for' || s.kind === 'header' || s.kind === 'with') {
      if (s.kind === 'for' && !s.readingForTargets) {
        for (const target of s.forTargets ?? []) this.assign(target, s.acc, false);
      }
    }
    this.stmt = newStmt('fresh');
  }
}
