import type { ByteSource } from '../byte-source.ts';
import type { PickleAnalysis } from './analysis.ts';
import { Halt, memoKey, readArg } from './args.ts';
import { joblibArraySpan } from './joblib.ts';
import { LEXICAL_PASSTHROUGH, LexicalWalk } from './lexical.ts';
import type { PickleLimits } from './limits.ts';
import { HIGHEST_PROTOCOL, OPCODES } from './opcodes.ts';
import { type Chunk, PickleReader, TruncatedError } from './reader.ts';
import { Recorder } from './recorder.ts';
import { foldStringCall } from './string-fold.ts';
import { decodeLatin1, decodeQuotedString, decodeRawUnicodeEscape, decodeUtf8 } from './text.ts';
import { describe, extend, FALSE, FLOAT, NONE, type PValue, seq, TRUE, weightOf } from './values.ts';

/** Anything that pushes the logical (expanded) size of a structure past this is a memory bomb. */
const EXPANSION_LIMIT = 100_000_000;
/** Longest string the machine builds by folding concatenations (doubling through the memo grows fast). */
const MAX_FOLDED = 4096;
/** DUP opcodes beyond this in one pickle are a resource-exhaustion pattern; pickler output never has many. */
const DUP_LIMIT = 100;

/**
 * A symbolic pickle machine: it follows the C unpickler's stack and memo semantics with stand-in values,
 * so it knows which callable each GLOBAL / STACK_GLOBAL / INST names — also through the memo, DUP, string
 * folding and FRAMEs — and which of them are called. It never imports, calls or constructs anything.
 * What it finds goes to a Recorder; after a cap or a break, a LexicalWalk takes over the rest of the bytes.
 */
export class PickleMachine {
  private readonly r: PickleReader;
  private readonly rec: Recorder;
  /** Set once a cap or a break hands the rest of the stream to the lexical walk. */
  private lexical: LexicalWalk | undefined;
  private stack: PValue[] = [];
  private marks: number[] = [];
  private memo = new Map<number, PValue>();
  private protocol: number | undefined;
  private frameEnd: number | undefined;
  private opcodeCount = 0;
  private dupCount = 0;
  private expansionReported = false;
  private opStart = 0;

  constructor(
    src: ByteSource,
    private readonly start: number,
    private readonly limits: PickleLimits,
  ) {
    this.r = new PickleReader(src, start);
    this.rec = new Recorder(limits);
  }

  /** Runs to STOP, to the end of input, or to the first point where CPython would raise. */
  run(): PickleAnalysis {
    let complete = false;
    try {
      complete = this.loop();
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.rec.anomaly('malformed', this.opStart, detail);
      this.lexicalTail();
    }
    return {
      start: this.start,
      end: this.r.pos,
      protocol: this.protocol,
      complete,
      opcodeCount: this.opcodeCount,
      imports: this.rec.imports,
      anomalies: this.rec.anomalies,
      literals: this.rec.literals,
      incomplete: this.rec.incomplete,
    };
  }

  /**
   * After a break, the bytes that follow are never executed by CPython, but another loader or a repaired
   * file might run them: walk them lexically so any callable they name is still reported.
   */
  private lexicalTail(): void {
    if (this.r.atEnd()) return;
    this.lexical ??= new LexicalWalk(this.rec, this.limits);
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
      if (this.lexical !== undefined && LEXICAL_PASSTHROUGH[code] === 1) {
        // Hot path of the lexical walk (op floods): argument-less opcodes only break a string pair.
        this.rec.noteString(undefined);
        continue;
      }
      const arg = readArg(r, info.arg, info.name, this.limits);
      if (this.frameEnd !== undefined && r.pos > this.frameEnd) {
        this.rec.anomaly(
          'frame-mismatch',
          at,
          `${info.name} at ${at} runs ${r.pos - this.frameEnd} bytes past the end of its FRAME (ends at ${this.frameEnd}); CPython's C and Python unpicklers disagree on such streams`,
        );
        this.frameEnd = undefined;
      }
      if (this.lexical !== undefined) {
        if (this.lexical.step(info.name, arg, at)) return false;
        continue;
      }
      if (this.step(info.name, arg, at)) return true;
      if (this.stack.length > this.limits.maxStack || this.memo.size > this.limits.maxMemo) {
        this.rec.anomaly(
          'resource-limit',
          at,
          `stack depth ${this.stack.length} / memo size ${this.memo.size} passed the analysis cap; the rest was walked lexically`,
        );
        this.lexical = new LexicalWalk(this.rec, this.limits);
        this.stack = [];
        this.memo = new Map();
      }
    }
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
    this.rec.noteString(v);
    return { t: 'str', v, truncated: false, derived };
  }

  private checkWeight(v: PValue, at: number): void {
    if (!this.expansionReported && weightOf(v) > EXPANSION_LIMIT) {
      this.expansionReported = true;
      this.rec.anomaly(
        'expansion',
        at,
        `memo references expand one structure to more than ${EXPANSION_LIMIT.toLocaleString('en')} elements ("billion laughs")`,
      );
    }
  }

  /** Records a call of `callee` and returns the symbolic result. */
  private call(callee: PValue, args: PValue | undefined, opcode: string, at: number): PValue {
    if (callee.t === 'global') {
      this.rec.noteCall(callee.imp, opcode, at, describe(args));
      const folded = foldStringCall(callee.imp, args);
      if (folded !== undefined && folded.length <= MAX_FOLDED) return this.str(folded, true);
    } else {
      this.rec.anomaly(
        'unresolved-call',
        at,
        `${opcode} calls ${describe(callee)}, which is not a named global`,
      );
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
      this.rec.anomaly(
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
      this.rec.anomaly(
        'unresolved-global',
        at,
        `STACK_GLOBAL operands are ${describe(modV)} and ${describe(nameV)}, not two strings; CPython raises here, scanners that assume strings crash`,
      );
      throw new Halt('STACK_GLOBAL requires str operands');
    }
    const imp = this.rec.importOf(modV.v, nameV.v, 'STACK_GLOBAL', at, modV.derived || nameV.derived);
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
    this.rec.noteString(v.t === 'str' ? v.v : undefined);
    this.push(v);
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
          this.rec.anomaly(
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
          this.rec.anomaly(
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
        this.rec.noteString(undefined);
        return false;
      }
      case 'BININT':
      case 'BININT1':
      case 'BININT2':
        this.push({ t: 'num', v: arg as number });
        this.rec.noteString(undefined);
        return false;
      case 'BINFLOAT':
        // The value never matters to the analysis; one shared stand-in avoids decoding millions of weights.
        this.push(FLOAT);
        return false;
      case 'LONG1':
      case 'LONG4':
        this.push({ t: 'num', v: `long<${(arg as Chunk).length} bytes>` });
        this.rec.noteString(undefined);
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
        this.push(this.rec.strLiteral(arg as Chunk, at, decodeLatin1));
        return false;
      case 'BINUNICODE':
      case 'SHORT_BINUNICODE':
      case 'BINUNICODE8':
        this.push(this.rec.strLiteral(arg as Chunk, at, decodeUtf8));
        return false;
      case 'BINBYTES':
      case 'SHORT_BINBYTES':
      case 'BINBYTES8':
      case 'BYTEARRAY8':
        this.push(this.rec.bytesLiteral(arg as Chunk, at));
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
        const imp = this.rec.importOf(decodeUtf8(m), decodeUtf8(n), op, at, false);
        this.rec.noteString(undefined);
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
        this.rec.anomaly(
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
          this.rec.noteCall(obj.callee.imp, 'BUILD', at, describe(state));
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
        this.memoGet(memoKey(arg as Uint8Array, op), op);
        return false;
      case 'BINGET':
      case 'LONG_BINGET':
        this.memoGet(arg as number, op);
        return false;
      case 'PUT':
        this.memoPut(memoKey(arg as Uint8Array, op));
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
    if (at !== this.start) this.rec.anomaly('protocol', at, `PROTO ${version} in the middle of a pickle`);
    this.protocol ??= version;
  }

  private onFrame(length: number, at: number): void {
    if (this.frameEnd !== undefined && this.r.pos < this.frameEnd) {
      this.rec.anomaly(
        'frame-mismatch',
        at,
        `FRAME at ${at} starts inside the previous frame (which ends at ${this.frameEnd})`,
      );
    }
    const end = this.r.pos + length;
    if (end > this.r.size) {
      // Usually a truncated download rather than a trick: reported as malformed, not as a parser differential.
      this.rec.anomaly(
        'malformed',
        at,
        `FRAME at ${at} declares ${length} bytes but only ${this.r.size - this.r.pos} remain`,
      );
    }
    this.frameEnd = end;
  }
}
