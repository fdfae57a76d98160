import { memoKey } from './args.ts';
import type { PickleLimits } from './limits.ts';
import { OPCODES } from './opcodes.ts';
import type { Chunk } from './reader.ts';
import type { Recorder } from './recorder.ts';
import { decodeLatin1, decodeQuotedString, decodeRawUnicodeEscape, decodeUtf8 } from './text.ts';

/** Argument-less opcodes the lexical walk treats alike (they only break a string pair); the hot path. */
export const LEXICAL_PASSTHROUGH: Uint8Array = (() => {
  const table = new Uint8Array(256);
  const keep = new Set(['STOP', 'STACK_GLOBAL', 'MEMOIZE', 'DUP', 'POP', 'MARK']);
  for (const info of OPCODES) {
    if (info !== undefined && info.arg === 'none' && !keep.has(info.name)) table[info.code] = 1;
  }
  return table;
})();

/**
 * The walk used after a cap or a break: no stack, just opcodes and their arguments, resolving STACK_GLOBAL
 * from the two most recent string literals (what picklescan does everywhere) and a strings-only memo, so
 * `GET`-based operand decoys still resolve. Linear, and bounded like the machine.
 */
export class LexicalWalk {
  private readonly memo = new Map<number, string>();
  private puts = 0;

  constructor(
    private readonly rec: Recorder,
    private readonly limits: PickleLimits,
  ) {}

  /** One opcode; returns true at STOP. */
  step(op: string, arg: unknown, at: number): boolean {
    const rec = this.rec;
    switch (op) {
      case 'STOP':
        return true;
      case 'GLOBAL':
      case 'INST': {
        const [m, n] = arg as [Uint8Array, Uint8Array];
        rec.importOf(decodeUtf8(m), decodeUtf8(n), op, at, false);
        rec.noteString(undefined);
        return false;
      }
      case 'STACK_GLOBAL': {
        const m = rec.prevString;
        const n = rec.lastString;
        if (m !== undefined && n !== undefined) rec.importOf(m, n, 'STACK_GLOBAL', at, true);
        else
          rec.anomaly(
            'unresolved-global',
            at,
            'STACK_GLOBAL whose operands are not the two preceding string literals',
          );
        return false;
      }
      case 'EXT1':
      case 'EXT2':
      case 'EXT4':
        rec.anomaly('extension-code', at, `${op} ${arg} loads a callable from copyreg's extension registry`);
        return false;
      case 'STRING':
        rec.noteString(decodeQuotedString(arg as Uint8Array));
        return false;
      case 'UNICODE':
        rec.noteString(decodeRawUnicodeEscape(arg as Uint8Array));
        return false;
      case 'BINSTRING':
      case 'SHORT_BINSTRING':
        rec.strLiteral(arg as Chunk, at, decodeLatin1);
        return false;
      case 'BINUNICODE':
      case 'SHORT_BINUNICODE':
      case 'BINUNICODE8':
        rec.strLiteral(arg as Chunk, at, decodeUtf8);
        return false;
      case 'BINBYTES':
      case 'SHORT_BINBYTES':
      case 'BINBYTES8':
      case 'BYTEARRAY8':
        rec.bytesLiteral(arg as Chunk, at);
        return false;
      case 'MEMOIZE':
      case 'BINPUT':
      case 'LONG_BINPUT':
      case 'PUT': {
        this.puts++;
        const key =
          op === 'MEMOIZE' ? this.puts - 1 : op === 'PUT' ? memoKey(arg as Uint8Array, op) : (arg as number);
        const last = rec.lastString;
        if (last !== undefined && this.memo.size < this.limits.maxMemo) this.memo.set(key, last);
        return false;
      }
      case 'BINGET':
      case 'LONG_BINGET':
      case 'GET':
        rec.noteString(this.memo.get(op === 'GET' ? memoKey(arg as Uint8Array, op) : (arg as number)));
        return false;
      case 'DUP':
      case 'FRAME':
      case 'POP':
      case 'MARK':
        return false; // keep the last strings: memo and stack traffic between two operands is the classic decoy
      default:
        rec.noteString(undefined);
        return false;
    }
  }
}
