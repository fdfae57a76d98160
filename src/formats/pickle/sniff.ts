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

/**
 * A cheap test for pickles without a PROTO header. CPython's unpickler does not require one, so any opcode
 * can start a loadable pickle (protocol 0/1 files, CVE-2025-1889-style members named `.txt`, hand-built
 * streams starting with FRAME or SHORT_BINUNICODE). It only says "worth parsing"; the caller confirms by
 * running the machine and asking for evidence a loader would act on.
 */
export function mayStartProto0(src: ByteSource, offset = 0): boolean {
  const b = src.readAt(offset, 1);
  return b.length === 1 && OPCODES[b[0]!] !== undefined;
}
