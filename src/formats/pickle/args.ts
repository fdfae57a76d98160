import type { PickleLimits } from './limits.ts';
import type { ArgKind } from './opcodes.ts';
import { type Chunk, type PickleReader, TruncatedError } from './reader.ts';
import { decodeLatin1 } from './text.ts';

/** Raised where CPython's unpickler would raise: analysis of this pickle stops there. */
export class Halt extends Error {}

/** A decoded opcode argument. */
export type OpArg = Chunk | number | Uint8Array | [Uint8Array, Uint8Array] | undefined;

/** Reads the argument of an opcode of the given kind, with every length checked against the input. */
export function readArg(r: PickleReader, kind: ArgKind, name: string, limits: PickleLimits): OpArg {
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
      return u64(r.fixed(8, name), name);
    case 'f8':
      return r.fixed(8, name);
    case 'line':
      return r.line(limits.maxLine, name);
    case 'line2':
      return [r.line(limits.maxLine, name), r.line(limits.maxLine, name)];
    case 'bytes1':
      return r.literal(r.u8(name), limits.keepLiteral, name);
    case 'bytes4': {
      const n = r.uintLE(4, name);
      if (name === 'BINSTRING' && n > 0x7fffffff) throw new Halt('BINSTRING with a negative length');
      return r.literal(n, limits.keepLiteral, name);
    }
    case 'bytes8':
      return r.literal(u64(r.fixed(8, name), name), limits.keepLiteral, name);
    case 'long1':
      return r.literal(r.u8(name), 16, name);
    case 'long4': {
      const n = r.uintLE(4, name) | 0;
      if (n < 0) throw new Halt('LONG4 with a negative length');
      return r.literal(n, 16, name);
    }
  }
}

/** 8-byte little-endian length; anything past 2^53 cannot fit in any file and is reported as truncation. */
function u64(b: Uint8Array, name: string): number {
  const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  const hi = (b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)) >>> 0;
  if (hi >= 0x200000) throw new TruncatedError(`${name} (declared length ${hi}·2^32+${lo})`);
  return hi * 0x100000000 + lo;
}

/** The decimal memo index of protocol-0 PUT/GET. */
export function memoKey(line: Uint8Array, opcode: string): number {
  const s = decodeLatin1(line);
  if (!/^\d{1,15}$/.test(s))
    throw new Halt(`${opcode} argument ${JSON.stringify(s.slice(0, 40))} is not a memo index`);
  return Number(s);
}
