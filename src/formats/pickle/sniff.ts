import type { ByteSource } from '../byte-source.ts';
import { HIGHEST_PROTOCOL, OPCODES } from './opcodes.ts';

/**
 * True when the bytes at `offset` start a pickle with an explicit protocol header (`\x80` + 0..5, then an opcode).
 * Protocol 2+ pickles always start this way; torch, joblib and numpy write protocol 2 or higher.
 */
export function startsWithProto(src: ByteSource, offset = 0): boolean {
  const b = src.readAt(offset, 3);
  return b.length >= 3 && b[0] === 0x80 && b[1]! <= HIGHEST_PROTOCOL && OPCODES[b[2]!] !== undefined;
}

/** Opcodes a protocol 0/1 pickle plausibly starts with (no PROTO header): ASCII GLOBAL, MARK, containers, literals. */
const PROTO0_FIRST = new Set(
  [
    'c',
    '(',
    '}',
    ']',
    ')',
    'N',
    'I',
    'L',
    'F',
    'S',
    'V',
    'X',
    'U',
    'T',
    'J',
    'K',
    'M',
    'l',
    'd',
    'i',
    'G',
    'B',
    'C',
  ].map((c) => c.charCodeAt(0)),
);

/**
 * A cheap test for pickles without a PROTO header (protocol 0/1, CVE-2025-1889-style members named `.txt`).
 * It only says "worth parsing"; the caller confirms by running the machine.
 */
export function mayStartProto0(src: ByteSource, offset = 0): boolean {
  const b = src.readAt(offset, 1);
  return b.length === 1 && PROTO0_FIRST.has(b[0]!);
}
