import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** One field of a message, schema-less: its number, wire type and where its value lies. */
export interface WireField {
  field: number;
  wire: number;
  /** VARINT, I64 and I32 values (as a double: exact below 2^53, which covers every size we compare). */
  value: number;
  /** Absolute offset of the value (of the payload for LEN) in the source. */
  offset: number;
  /** Payload length for LEN; 0 otherwise. */
  length: number;
}

/** Caps on work, shared by every message of one parse so a file cannot make the walk unbounded. */
export interface WireBudget {
  /** Fields still allowed to be decoded, across all messages. */
  fields: number;
}

/** Largest field number protobuf allows (2^29 - 1). */
const MAX_FIELD = 0x1fffffff;
/** Nested groups deeper than this are hostile: real TF and ONNX protos use no groups at all. */
const MAX_GROUP_DEPTH = 32;
/** Bytes read from the source at a time, so a file on disk is not read one syscall per varint. */
const WINDOW = 64 * 1024;

/** A cached window over a source, so tag and varint reads are cheap on files as well as buffers. */
class Window {
  private start = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  constructor(private readonly src: ByteSource) {}
  byte(offset: number): number | undefined {
    if (offset < this.start || offset >= this.start + this.bytes.length) {
      this.start = offset;
      this.bytes = this.src.readAt(offset, WINDOW);
    }
    return this.bytes[offset - this.start];
  }
}

const windows = new WeakMap<ByteSource, Window>();
/** Lenient: a name with invalid UTF-8 is still shown (with U+FFFD), never a reason to stop. */
const utf8 = new TextDecoder('utf-8', { fatal: false });

function malformed(message: string, offset: number): ParapetError {
  return new ParapetError('MALFORMED', `protobuf: ${message} at offset ${offset}`);
}

/** Reads a varint at `pos` (below `end`); returns its value and the position after it. */
function readVarint(win: Window, pos: number, end: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) throw malformed('truncated varint', pos);
    const b = win.byte(pos + i);
    if (b === undefined) throw malformed('truncated varint', pos);
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  throw malformed('varint longer than 10 bytes', pos);
}

/**
 * The fields of the message in `[start, end)` of `src`, in order. Validates every tag, wire type and length
 * against the window, never trusting a declared length; skips groups (bounded depth). Throws ParapetError
 * MALFORMED on bytes that are not a protobuf message and LIMIT when `budget` runs out.
 */
export function* wireFields(
  src: ByteSource,
  start: number,
  end: number,
  budget: WireBudget,
): Generator<WireField> {
  // One window per source, shared by nested messages: a NodeDef walk must not re-read 64 KiB per node.
  let win = windows.get(src);
  if (win === undefined) {
    win = new Window(src);
    windows.set(src, win);
  }
  const stop = Math.min(end, src.size);
  let pos = start;
  let groups = 0;
  while (pos < stop) {
    if (--budget.fields < 0) throw new ParapetError('LIMIT', 'protobuf: too many fields to analyse');
    const tagAt = pos;
    const [tag, afterTag] = readVarint(win, pos, stop);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field < 1 || field > MAX_FIELD) throw malformed(`invalid field number ${field}`, tagAt);
    pos = afterTag;
    let value = 0;
    let length = 0;
    const offset = pos;
    switch (wire) {
      case WireType.VARINT:
        [value, pos] = readVarint(win, pos, stop);
        break;
      case WireType.I64:
      case WireType.I32: {
        const n = wire === WireType.I64 ? 8 : 4;
        if (pos + n > stop) throw malformed('truncated fixed-width value', pos);
        // Only 32-bit values are ever needed as numbers; 64-bit ones are kept as their low word.
        for (let i = 3; i >= 0; i--) value = value * 256 + (win.byte(pos + i) ?? 0);
        pos += n;
        break;
      }
      case WireType.LEN:
        [length, pos] = readVarint(win, pos, stop);
        if (length > stop - pos) throw malformed(`length ${length} runs past the end of its message`, tagAt);
        pos += length;
        break;
      case WireType.SGROUP:
        if (++groups > MAX_GROUP_DEPTH) throw malformed('groups nested too deep', tagAt);
        continue;
      case WireType.EGROUP:
        if (--groups < 0) throw malformed('end of a group that was never started', tagAt);
        continue;
      default:
        throw malformed(`invalid wire type ${wire}`, tagAt);
    }
    // Fields inside a group belong to an unknown group field, which no schema we read has: skip them.
    if (groups === 0)
      yield { field, wire, value, offset: wire === WireType.LEN ? pos - length : offset, length };
  }
  if (pos !== stop) throw malformed('message overruns its end', pos);
  if (groups !== 0) throw malformed('unterminated group', pos);
}

/** Decodes a LEN field as UTF-8, reading at most `cap` bytes; `truncated` says whether it was longer. */
export function wireString(src: ByteSource, f: WireField, cap = 1024): { text: string; truncated: boolean } {
  const bytes = src.readAt(f.offset, Math.min(f.length, cap));
  return { text: utf8.decode(bytes), truncated: f.length > cap };
}

/** Throws ParapetError MALFORMED unless `f` has wire type `wire` (a field of the wrong type fails to parse upstream too). */
export function expectWire(f: WireField, wire: number, what: string): void {
  if (f.wire !== wire)
    throw malformed(`${what} (field ${f.field}) has wire type ${f.wire}, expected ${wire}`, f.offset);
}
