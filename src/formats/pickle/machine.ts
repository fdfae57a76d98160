import type { ByteSource } from '../byte-source.ts';
import type { Anomaly, ImportRecord, LiteralRecord, PickleAnalysis } from './analysis.ts';
import { joblibArraySpan } from './joblib.ts';
import type { PickleLimits } from './limits.ts';
import { type ArgKind, HIGHEST_PROTOCOL, OPCODES } from './opcodes.ts';
import { type Chunk, PickleReader, TruncatedError } from './reader.ts';
import { foldStringCall } from './string-fold.ts';
import { decodeLatin1, decodeLoose, decodeQuotedString, decodeRawUnicodeEscape, decodeUtf8 } from './text.ts';
import { describe, extend, FALSE, FLOAT, NONE, type PValue, seq, TRUE, weightOf } from './values.ts';

/** Raised inside the machine where CPython's unpickler would raise: analysis of this pickle stops there. */
class Halt extends Error {}

/** Anything that pushes the logical (expanded) size of a structure past this is a memory bomb. */
const EXPANSION_LIMIT = 100_000_000;
/** Bytes of each str value kept on the stack/memo while under RETAIN_BUDGET, and after it. */
const MAX_STR_BYTES = 4096;
const MIN_STR_BYTES = 256;
/** Total str bytes retained across stack and memo: memory stays bounded whatever the stream holds. */
const RETAIN_BUDGET = 32 * 1024 * 1024;
/** Longest string the machine builds by folding concatenations (doubling through the memo grows fast). */
const MAX_FOLDED = 4096;

/** Argument-less opcodes the lexical walk treats alike; the rest go through lexicalStep. */
const LEXICAL_PASSTHROUGH: Uint8Array = (() => {
  const table = new Uint8Array(256);
  const keep = new Set(['STOP', 'STACK_GLOBAL', 'MEMOIZE', 'DUP', 'POP', 'MARK']);
  for (const info of OPCODES)
    if (info !== undefined && info.arg === 'none' && !keep.has(info.name)) table[info.code] = 1;
  return table;
})();

/** Distinct callables recorded per pickle; past this the analysis is reported incomplete. */
const MAX_DISTINCT_IMPORTS = 100_000;
/** Call sites kept per callable for evidence (all are counted). */
const MAX_CALLS_KEPT = 8;

/** DUP opcodes beyond this in one pickle are a resource-exhaustion pattern; pickler output never has many. */
const DUP_LIMIT = 100;

/**
 * A symbolic pickle machine: it follows the C unpickler's stack and memo semantics with stand-in values,
 * so it knows which callable each GLOBAL / STACK_GLOBAL / INST names — also through the memo, DUP, string
 * folding and FRAMEs — and which of them are called. It never imports, calls or constructs anything.
 */
export class PickleMachine {
  private readonly r: PickleReader;
  private stack: PValue[] = [];
  private marks: number[] = [];
  private memo = new Map<number, PValue>();
  private readonly imports: ImportRecord[] = [];
  private readonly importsByName = new Map<string, ImportRecord>();
  /** Set when a cap dropped information: the analysis is then not complete, whatever else it found. */
  private incomplete: string | undefined;
  private readonly anomalies: Anomaly[] = [];
  private readonly literals: LiteralRecord[] = [];
  private protocol: number | undefined;
  private frameEnd: number | undefined;
  private opcodeCount = 0;
  private dupCount = 0;
  private expansionReported = false;
  private lexical = false;
  /** The two most recent string literals (older, newer), for the lexical STACK_GLOBAL fallback. */
  private prevString: string | undefined;
  private lastString: string | undefined;
  /** Strings-only memo for the lexical walk, so `GET`-based operand decoys still resolve there. */
  private lexicalMemo = new Map<number, string>();
  private lexicalPuts = 0;
  private literalBudget: number;
  private retained = 0;

  constructor(
    src: ByteSource,
    private readonly start: number,
    private readonly limits: PickleLimits,
  ) {
    this.r = new PickleReader(src, start);
    this.literalBudget = limits.maxLiteralBytes;
  }

  /** Runs to STOP, to the end of input, or to the first point where CPython would raise. */
  run(): PickleAnalysis {
    let complete = false;
    try {
      complete = this.loop();
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.anomaly('malformed', this.opStart, detail);
      this.lexicalTail();
    }
    return {
      start: this.start,
      end: this.r.pos,
      protocol: this.protocol,
      complete,
      opcodeCount: this.opcodeCount,
      imports: this.imports,
      anomalies: this.anomalies,
      literals: this.literals,
      incomplete: this.incomplete,
    };
  }

  private opStart = 0;

  private anomaly(kind: Anomaly['kind'], offset: number, detail: string): void {
    if (this.anomalies.length < 200) this.anomalies.push({ kind, offset, detail });
  }

  /**
   * After a break, the bytes that follow are never executed by CPython, but another loader or a repaired
   * file might run them: walk them lexically so any callable they name is still reported.
   */
  private lexicalTail(): void {
    if (this.r.atEnd()) return;
    this.lexical = true;
    try {
      this.loop();
    } catch {
      // The lexical walk stops at the first byte that is not an opcode; what it saw is already recorded.
    }
  }

  private loop(): boolean {
    const r = this.r;
    for (;;) {
      const at = r.pos;
      this.opStart = at;
      if (this.frameEnd !== undefined && at >= this.frameEnd) this.frameEnd = undefined;
      const code = r.byte();
      if (code < 0) {
        if (this.opcodeCount === 0) throw new TruncatedError('an empty stream');
        throw new Halt('stream ends without STOP');
      }
      const info = OPCODES[code];
      if (info === undefined) throw new Halt(`invalid opcode 0x${code.toString(16).padStart(2, '0')}`);
      this.opcodeCount++;
      if (this.lexical && LEXICAL_PASSTHROUGH[code] === 1) {
        // Hot path of the lexical walk (op floods): argument-less opcodes only break a string pair.
        this.noteString(undefined);
        continue;
      }
      const arg = this.readArg(info.arg, info.name);
      if (this.frameEnd !== undefined && r.pos > this.frameEnd) {
        this.anomaly(
          'frame-mismatch',
          at,
          `${info.name} at ${at} runs ${r.pos - this.frameEnd} bytes past the end of its FRAME (ends at ${this.frameEnd}); CPython's C and Python unpicklers disagree on such streams`,
        );
        this.frameEnd = undefined;
      }
      if (this.lexical) {
        if (this.lexicalStep(info.name, arg, at)) return false;
        continue;
      }
      if (this.step(info.name, arg, at)) return true;
      if (this.stack.length > this.limits.maxStack || this.memo.size > this.limits.maxMemo) {
        this.anomaly(
          'resource-limit',
          at,
          `stack depth ${this.stack.length} / memo size ${this.memo.size} passed the analysis cap; the rest was walked lexically`,
        );
        this.lexical = true;
        this.stack = [];
        this.memo = new Map();
      }
    }
  }

  private readArg(
    kind: ArgKind,
    name: string,
  ): Chunk | number | Uint8Array | [Uint8Array, Uint8Array] | undefined {
    const r = this.r;
    switch (kind) {
      case 'none':
        return undefined;
      case 'u1':
        return r.u8(name);
      case 'u2':
        return r.uintLE(2, name);
      case 'i4':
        return r.uintLE(4, name) | 0;
      case 'u4':
        return r.uintLE(4, name);
      case 'u8':
        return this.u64(r.fixed(8, name), name);
      case 'f8':
        return r.fixed(8, name);
      case 'line':
        return r.line(this.limits.maxLine, name);
      case 'line2':
        return [r.line(this.limits.maxLine, name), r.line(this.limits.maxLine, name)];
      case 'bytes1':
        return r.literal(r.u8(name), this.limits.keepLiteral, name);
      case 'bytes4': {
        const b = r.fixed(4, name);
        const n = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        if (name === 'BINSTRING' && n > 0x7fffffff) throw new Halt('BINSTRING with a negative length');
        return r.literal(n, this.limits.keepLiteral, name);
      }
      case 'bytes8':
        return r.literal(this.u64(r.fixed(8, name), name), this.limits.keepLiteral, name);
      case 'long1':
        return r.literal(r.u8(name), 16, name);
      case 'long4': {
        const b = r.fixed(4, name);
        const n = b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
        if (n < 0) throw new Halt('LONG4 with a negative length');
        return r.literal(n, 16, name);
      }
    }
  }

  /** 8-byte little-endian length; anything past 2^53 cannot fit in any file and is reported as truncation. */
  private u64(b: Uint8Array, name: string): number {
    const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    const hi = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
    if (hi >= 0x200000) throw new TruncatedError(`${name} (declared length ${hi}·2^32+${lo})`);
    return hi * 0x100000000 + lo;
  }

  // ---- stack helpers -------------------------------------------------------------------------

  private push(v: PValue): void {
    this.stack.push(v);
  }

  private pop(what: string): PValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) throw new Halt(`stack underflow in ${what}`);
    return this.stack.pop()!;
  }

  private top(what: string): PValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) throw new Halt(`stack underflow in ${what}`);
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(what: string): PValue[] {
    const m = this.marks.pop();
    if (m === undefined) throw new Halt(`${what} without a MARK`);
    return this.stack.splice(m);
  }

  private str(v: string, derived = false): PValue {
    this.noteString(v);
    return { t: 'str', v, truncated: false, derived };
  }

  private noteString(v: string | undefined): void {
    this.prevString = this.lastString;
    this.lastString = v;
  }

  private record(kind: 'str' | 'bytes', offset: number, c: Chunk): void {
    if (c.length < 8 || this.literals.length >= this.limits.maxLiterals || this.literalBudget <= 0) return;
    const head = c.head.length > this.literalBudget ? c.head.slice(0, this.literalBudget) : c.head;
    this.literalBudget -= head.length;
    this.literals.push({ kind, offset, length: c.length, head });
  }

  /**
   * A str value for the stack. Only a prefix is kept (module and attribute names are short), from fresh bytes
   * so no large buffer stays reachable; past the retained-bytes budget the prefix shrinks further.
   */
  private strLiteral(c: Chunk, offset: number, decode: (b: Uint8Array) => string): PValue {
    this.record('str', offset, c);
    if (c.head.length === c.length) decode(c.head); // strict check of the whole literal, as CPython decodes it
    const keep = this.retained < RETAIN_BUDGET ? MAX_STR_BYTES : MIN_STR_BYTES;
    const truncated = c.length > keep;
    const v = truncated
      ? (decode === decodeUtf8 ? decodeLoose : decode)(c.head.subarray(0, keep))
      : decode(c.head);
    this.retained += Math.min(c.length, keep);
    this.noteString(v);
    return { t: 'str', v, truncated, derived: false };
  }

  private bytesLiteral(c: Chunk, offset: number): PValue {
    this.record('bytes', offset, c);
    this.noteString(undefined);
    return { t: 'bytes', length: c.length, head: c.head.slice(0, 64) };
  }

  private importOf(
    module: string,
    name: string,
    opcode: ImportRecord['opcode'],
    offset: number,
    indirect: boolean,
  ): ImportRecord {
    // One record per distinct callable: a checkpoint names _rebuild_tensor_v2 once per tensor.
    const key = `${module}\0${name}`;
    const seen = this.importsByName.get(key);
    if (seen !== undefined) {
      seen.count++;
      seen.indirect ||= indirect;
      return seen;
    }
    const imp: ImportRecord = { module, name, opcode, offset, indirect, calls: [], callCount: 0, count: 1 };
    if (this.importsByName.size >= MAX_DISTINCT_IMPORTS) {
      if (this.incomplete === undefined) {
        this.incomplete = `more than ${MAX_DISTINCT_IMPORTS} distinct imports; the rest were not classified`;
        this.anomaly('resource-limit', offset, this.incomplete);
      }
      return imp; // still resolves on the stack, but is not recorded
    }
    this.importsByName.set(key, imp);
    this.imports.push(imp);
    return imp;
  }

  private noteCall(imp: ImportRecord, opcode: string, offset: number, args: string): void {
    imp.callCount++;
    if (imp.calls.length < MAX_CALLS_KEPT) imp.calls.push({ opcode, offset, args });
  }

  private checkWeight(v: PValue, at: number): void {
    if (!this.expansionReported && weightOf(v) > EXPANSION_LIMIT) {
      this.expansionReported = true;
      this.anomaly(
        'expansion',
        at,
        `memo references expand one structure to more than ${EXPANSION_LIMIT.toLocaleString('en')} elements ("billion laughs")`,
      );
    }
  }

  /** Records a call of `callee` and returns the symbolic result. */
  private call(callee: PValue, args: PValue | undefined, opcode: string, at: number): PValue {
    if (callee.t === 'global') {
      this.noteCall(callee.imp, opcode, at, describe(args));
      const folded = foldStringCall(callee.imp, args);
      if (folded !== undefined && folded.length <= MAX_FOLDED) return this.str(folded, true);
    } else {
      this.anomaly('unresolved-call', at, `${opcode} calls ${describe(callee)}, which is not a named global`);
    }
    return { t: 'call', callee, offset: at, args };
  }

  /** SETITEM, APPEND, BUILD... on a global (module attribute) rather than a fresh instance mutates the global. */
  private mutate(target: PValue, opcode: string, at: number, items: PValue[]): void {
    if (target.t === 'seq' && (target.kind === 'set' || target.kind === 'dict')) {
      // Set members and dict keys must be hashable: CPython raises TypeError on a list, dict or set there.
      const keys = target.kind === 'set' ? items : items.filter((_, i) => i % 2 === 0);
      const bad = keys.find((k) => k.t === 'seq' && k.kind !== 'tuple' && k.kind !== 'frozenset');
      if (bad !== undefined)
        throw new Halt(
          `${opcode} uses an unhashable ${(bad as { kind: string }).kind} as a set member or dict key`,
        );
    }
    if (target.t === 'seq') {
      if (target.kind !== 'tuple') extend(target, items);
      this.checkWeight(target, at);
    } else if (target.t === 'global') {
      this.anomaly(
        'global-mutation',
        at,
        `${opcode} modifies ${target.imp.module}.${target.imp.name} itself: later lookups through it resolve to attacker-chosen objects`,
      );
    }
  }

  private resolveStackGlobal(at: number): void {
    const nameV = this.pop('STACK_GLOBAL');
    const modV = this.pop('STACK_GLOBAL');
    if (modV.t !== 'str' || nameV.t !== 'str' || modV.truncated || nameV.truncated) {
      this.anomaly(
        'unresolved-global',
        at,
        `STACK_GLOBAL operands are ${describe(modV)} and ${describe(nameV)}, not two strings; CPython raises here, scanners that assume strings crash`,
      );
      throw new Halt('STACK_GLOBAL requires str operands');
    }
    const imp = this.importOf(modV.v, nameV.v, 'STACK_GLOBAL', at, modV.derived || nameV.derived);
    this.push({ t: 'global', imp });
  }

  private memoPut(key: number): void {
    const v = this.top('PUT');
    if (v.t === 'str') v.derived = true;
    this.memo.set(key, v);
  }

  private memoGet(key: number, opcode: string): void {
    const v = this.memo.get(key);
    if (v === undefined) throw new Halt(`${opcode} of memo key ${key}, which was never stored`);
    this.noteString(v.t === 'str' ? v.v : undefined);
    this.push(v);
  }

  private decimalKey(line: Uint8Array, opcode: string): number {
    const s = decodeLatin1(line);
    if (!/^\d{1,15}$/.test(s))
      throw new Halt(`${opcode} argument ${JSON.stringify(s.slice(0, 40))} is not a memo index`);
    return Number(s);
  }

  /** One opcode with full stack semantics. Returns true at STOP. */
  private step(op: string, arg: unknown, at: number): boolean {
    switch (op) {
      case 'MARK':
        this.marks.push(this.stack.length);
        return false;
      case 'STOP':
        this.pop('STOP');
        // Picklers leave exactly one value; leftovers mean hand-built bytes (and crash naive interpreters).
        if (this.stack.length > 0 || this.marks.length > 0) {
          this.anomaly(
            'malformed',
            at,
            `STOP leaves ${this.stack.length} more value(s) and ${this.marks.length} open MARK(s) on the stack`,
          );
        }
        return true;
      case 'POP':
        if (this.stack.length > (this.marks.at(-1) ?? 0)) this.stack.pop();
        else if (this.marks.length > 0)
          this.marks.pop(); // CPython: POP of an empty frame pops the mark
        else throw new Halt('stack underflow in POP');
        return false;
      case 'POP_MARK':
        this.popMark('POP_MARK');
        return false;
      case 'DUP': {
        const v = this.top('DUP');
        if (v.t === 'str') v.derived = true;
        if (++this.dupCount === DUP_LIMIT + 1) {
          this.anomaly(
            'expansion',
            at,
            `more than ${DUP_LIMIT} DUP opcodes: a pattern that multiplies references, not something picklers emit`,
          );
        }
        this.push(v);
        return false;
      }
      case 'FLOAT':
      case 'INT':
      case 'LONG': {
        const s = decodeLatin1(arg as Uint8Array);
        if (op === 'INT' && (s === '01' || s === '00')) this.push(s === '01' ? TRUE : FALSE);
        else if (!/^[-+0-9.eEinfatyINFATY]*L?$/.test(s.trim()))
          throw new Halt(`${op} argument is not a number`);
        else this.push({ t: 'num', v: s });
        this.noteString(undefined);
        return false;
      }
      case 'BININT':
      case 'BININT1':
      case 'BININT2':
        this.push({ t: 'num', v: arg as number });
        this.noteString(undefined);
        return false;
      case 'BINFLOAT':
        // The value never matters to the analysis; one shared stand-in avoids decoding millions of weights.
        this.push(FLOAT);
        return false;
      case 'LONG1':
      case 'LONG4':
        this.push({ t: 'num', v: `long<${(arg as Chunk).length} bytes>` });
        this.noteString(undefined);
        return false;
      case 'NONE':
        this.push(NONE);
        return false;
      case 'NEWTRUE':
        this.push(TRUE);
        return false;
      case 'NEWFALSE':
        this.push(FALSE);
        return false;
      case 'STRING':
        this.push(this.str(decodeQuotedString(arg as Uint8Array)));
        return false;
      case 'UNICODE':
        this.push(this.str(decodeRawUnicodeEscape(arg as Uint8Array)));
        return false;
      case 'BINSTRING':
      case 'SHORT_BINSTRING':
        // Python 3 decodes protocol-1 strings as ASCII by default; torch.load passes encoding='latin1'.
        this.push(this.strLiteral(arg as Chunk, at, decodeLatin1));
        return false;
      case 'BINUNICODE':
      case 'SHORT_BINUNICODE':
      case 'BINUNICODE8':
        this.push(this.strLiteral(arg as Chunk, at, decodeUtf8));
        return false;
      case 'BINBYTES':
      case 'SHORT_BINBYTES':
      case 'BINBYTES8':
      case 'BYTEARRAY8':
        this.push(this.bytesLiteral(arg as Chunk, at));
        return false;
      case 'EMPTY_LIST':
        this.push(seq('list', []));
        return false;
      case 'EMPTY_TUPLE':
        this.push(seq('tuple', []));
        return false;
      case 'EMPTY_DICT':
        this.push(seq('dict', []));
        return false;
      case 'EMPTY_SET':
        this.push(seq('set', []));
        return false;
      case 'LIST':
      case 'TUPLE':
      case 'DICT':
      case 'FROZENSET': {
        const items = this.popMark(op);
        if (op === 'DICT' && items.length % 2 !== 0) throw new Halt('odd number of items for DICT');
        const kind = op === 'LIST' ? 'list' : op === 'TUPLE' ? 'tuple' : op === 'DICT' ? 'dict' : 'frozenset';
        const v = seq(kind, items);
        this.checkWeight(v, at);
        this.push(v);
        return false;
      }
      case 'TUPLE1':
      case 'TUPLE2':
      case 'TUPLE3': {
        const n = op === 'TUPLE1' ? 1 : op === 'TUPLE2' ? 2 : 3;
        const items: PValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(this.pop(op));
        const v = seq('tuple', items);
        this.checkWeight(v, at);
        this.push(v);
        return false;
      }
      case 'APPEND': {
        const v = this.pop(op);
        this.mutate(this.top(op), op, at, [v]);
        return false;
      }
      case 'APPENDS':
      case 'SETITEMS':
      case 'ADDITEMS': {
        const items = this.popMark(op);
        if (op === 'SETITEMS' && items.length % 2 !== 0) throw new Halt('odd number of items for SETITEMS');
        this.mutate(this.top(op), op, at, items);
        return false;
      }
      case 'SETITEM': {
        const v = this.pop(op);
        const k = this.pop(op);
        this.mutate(this.top(op), op, at, [k, v]);
        return false;
      }
      case 'GLOBAL':
      case 'INST': {
        const [m, n] = arg as [Uint8Array, Uint8Array];
        const imp = this.importOf(decodeUtf8(m), decodeUtf8(n), op, at, false);
        this.noteString(undefined);
        if (op === 'GLOBAL') {
          this.push({ t: 'global', imp });
        } else {
          const args = this.popMark('INST');
          this.push(this.call({ t: 'global', imp }, seq('tuple', args), 'INST', at));
        }
        return false;
      }
      case 'STACK_GLOBAL':
        this.resolveStackGlobal(at);
        return false;
      case 'EXT1':
      case 'EXT2':
      case 'EXT4':
        this.anomaly(
          'extension-code',
          at,
          `${op} ${arg} loads a callable from copyreg's extension registry; its target depends on the loading process, not on the file`,
        );
        this.push({ t: 'ext', code: arg as number });
        return false;
      case 'REDUCE': {
        const args = this.pop(op);
        const callee = this.pop(op);
        this.push(this.call(callee, args, op, at));
        return false;
      }
      case 'OBJ': {
        const items = this.popMark(op);
        const cls = items.shift();
        if (cls === undefined) throw new Halt('OBJ without a class');
        this.push(this.call(cls, seq('tuple', items), op, at));
        return false;
      }
      case 'NEWOBJ': {
        const args = this.pop(op);
        const cls = this.pop(op);
        this.push(this.call(cls, args, op, at));
        return false;
      }
      case 'NEWOBJ_EX': {
        const kwargs = this.pop(op);
        const args = this.pop(op);
        const cls = this.pop(op);
        this.push(this.call(cls, seq('tuple', [args, kwargs]), op, at));
        return false;
      }
      case 'BUILD': {
        const state = this.pop(op);
        const obj = this.top(op);
        if (obj.t === 'global') this.mutate(obj, op, at, [state]);
        else if (obj.t === 'call' && obj.callee.t === 'global') {
          this.noteCall(obj.callee.imp, 'BUILD', at, describe(state));
          this.skipJoblibArray(obj, state);
        }
        return false;
      }
      case 'PERSID':
        this.push({ t: 'persid' });
        return false;
      case 'BINPERSID':
        this.pop(op);
        this.push({ t: 'persid' });
        return false;
      case 'GET':
        this.memoGet(this.decimalKey(arg as Uint8Array, op), op);
        return false;
      case 'BINGET':
      case 'LONG_BINGET':
        this.memoGet(arg as number, op);
        return false;
      case 'PUT':
        this.memoPut(this.decimalKey(arg as Uint8Array, op));
        return false;
      case 'BINPUT':
      case 'LONG_BINPUT':
        this.memoPut(arg as number);
        return false;
      case 'MEMOIZE':
        this.memoPut(this.memo.size);
        return false;
      case 'PROTO':
        this.onProto(arg as number, at);
        return false;
      case 'FRAME':
        this.onFrame(arg as number, at);
        return false;
      case 'NEXT_BUFFER':
        this.push({ t: 'buffer' });
        return false;
      case 'READONLY_BUFFER':
        this.top(op);
        return false;
      default:
        throw new Halt(`unhandled opcode ${op}`);
    }
  }

  /** joblib writes array bytes inline after a NumpyArrayWrapper's BUILD; step over them like its unpickler. */
  private skipJoblibArray(obj: PValue, state: PValue): void {
    const span = joblibArraySpan(obj, state);
    if (span === undefined) return;
    const padding = span.padded ? this.r.fixed(1, 'joblib padding length')[0]! : 0;
    this.r.literal(padding + span.bytes, 0, 'joblib array data');
  }

  private onProto(version: number, at: number): void {
    if (version > HIGHEST_PROTOCOL) throw new Halt(`unsupported pickle protocol ${version}`);
    if (at !== this.start) this.anomaly('protocol', at, `PROTO ${version} in the middle of a pickle`);
    this.protocol ??= version;
  }

  private onFrame(length: number, at: number): void {
    if (this.frameEnd !== undefined && this.r.pos < this.frameEnd) {
      this.anomaly(
        'frame-mismatch',
        at,
        `FRAME at ${at} starts inside the previous frame (which ends at ${this.frameEnd})`,
      );
    }
    const end = this.r.pos + length;
    if (end > this.r.size) {
      // Usually a truncated download rather than a trick: reported as malformed, not as a parser differential.
      this.anomaly(
        'malformed',
        at,
        `FRAME at ${at} declares ${length} bytes but only ${this.r.size - this.r.pos} remain`,
      );
    }
    this.frameEnd = end;
  }

  /**
   * The lexical walk used after a cap or a break: no stack, just opcodes and their arguments, resolving
   * STACK_GLOBAL from the two most recent string literals (what picklescan does everywhere).
   */
  private lexicalStep(op: string, arg: unknown, at: number): boolean {
    switch (op) {
      case 'STOP':
        return true;
      case 'GLOBAL':
      case 'INST': {
        const [m, n] = arg as [Uint8Array, Uint8Array];
        this.importOf(decodeUtf8(m), decodeUtf8(n), op, at, false);
        this.noteString(undefined);
        return false;
      }
      case 'STACK_GLOBAL': {
        const m = this.prevString;
        const n = this.lastString;
        if (m !== undefined && n !== undefined) this.importOf(m, n, 'STACK_GLOBAL', at, true);
        else
          this.anomaly(
            'unresolved-global',
            at,
            'STACK_GLOBAL whose operands are not the two preceding string literals',
          );
        return false;
      }
      case 'EXT1':
      case 'EXT2':
      case 'EXT4':
        this.anomaly('extension-code', at, `${op} ${arg} loads a callable from copyreg's extension registry`);
        return false;
      case 'STRING':
        this.noteString(decodeQuotedString(arg as Uint8Array));
        return false;
      case 'UNICODE':
        this.noteString(decodeRawUnicodeEscape(arg as Uint8Array));
        return false;
      case 'BINSTRING':
      case 'SHORT_BINSTRING':
        this.strLiteral(arg as Chunk, at, decodeLatin1);
        return false;
      case 'BINUNICODE':
      case 'SHORT_BINUNICODE':
      case 'BINUNICODE8':
        this.strLiteral(arg as Chunk, at, decodeUtf8);
        return false;
      case 'BINBYTES':
      case 'SHORT_BINBYTES':
      case 'BINBYTES8':
      case 'BYTEARRAY8':
        this.bytesLiteral(arg as Chunk, at);
        return false;
      case 'MEMOIZE':
      case 'BINPUT':
      case 'LONG_BINPUT':
      case 'PUT': {
        this.lexicalPuts++;
        const key =
          op === 'MEMOIZE'
            ? this.lexicalPuts - 1
            : op === 'PUT'
              ? this.decimalKey(arg as Uint8Array, op)
              : (arg as number);
        const last = this.lastString;
        if (last !== undefined && this.lexicalMemo.size < this.limits.maxMemo)
          this.lexicalMemo.set(key, last);
        return false;
      }
      case 'BINGET':
      case 'LONG_BINGET':
      case 'GET':
        this.noteString(
          this.lexicalMemo.get(op === 'GET' ? this.decimalKey(arg as Uint8Array, op) : (arg as number)),
        );
        return false;
      case 'DUP':
      case 'FRAME':
      case 'POP':
      case 'MARK':
        return false; // keep the last strings: memo and stack traffic between two operands is the classic decoy
      default:
        this.noteString(undefined);
        return false;
    }
  }
}
