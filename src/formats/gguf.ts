import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';

/** GGUF value types (ggml/docs/gguf.md `gguf_metadata_value_type`). */
export const GGUF_TYPES = [
  'uint8',
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'float32',
  'bool',
  'string',
  'array',
  'uint64',
  'int64',
  'float64',
] as const;

/** Bounds on everything a GGUF header declares; declared sizes are never trusted beyond these. */
export const GGUF_LIMITS = {
  maxKeyBytes: 64 * 1024,
  maxStringBytes: 16 * 1024 * 1024,
  maxKvCount: 1_000_000,
  maxTensorCount: 1_000_000,
  maxArrayCount: 64 * 1024 * 1024,
  maxArrayDepth: 4,
  maxDims: 8,
  /** Array elements kept in the summary; the rest are skipped, never held. */
  keptArrayElements: 16,
} as const;

/** A metadata value: scalars and strings as read; arrays summarised (type, count, first elements). */
export type GgufValue =
  | { type: Exclude<(typeof GGUF_TYPES)[number], 'string' | 'array'>; value: number | bigint | boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; elementType: string; count: number; head: GgufValue[] };

/** One metadata key/value and where its value starts in the file. */
export interface GgufKv {
  key: string;
  value: GgufValue;
  offset: number;
}

/** A parsed GGUF header. Tensor data is never read. */
export interface GgufFile {
  version: number;
  bigEndian: boolean;
  tensorCount: number;
  kvCount: number;
  kvs: GgufKv[];
  /** Tensor infos, when `tensors` was requested and the metadata parsed completely. */
  tensors: { name: string; dims: number[]; type: number; offset: bigint }[];
  /** Set when the metadata is malformed past the header: the KVs before it are still returned. */
  error?: ParapetError | undefined;
}

const WINDOW = 1 << 20;

/** True when `src` starts with the GGUF magic. */
export function isGguf(src: ByteSource): boolean {
  const head = src.readAt(0, 4);
  return head.length === 4 && head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46;
}

/** A forward cursor over a ByteSource, reading through a 1 MiB window so token arrays cost few reads. */
class Cursor {
  pos = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  constructor(
    private readonly src: ByteSource,
    public little: boolean,
  ) {}

  bytes(n: number): Uint8Array {
    const start = this.take(n);
    return this.buf.subarray(start, start + n);
  }

  /**
   * Skips `count` length-prefixed strings (v2+ u64 lengths) in one tight loop: a llama-3 vocabulary and its
   * merges are 400k strings, and per-string method calls dominated the scan of a GGUF header.
   */
  skipStrings(count: number, maxLength: number): void {
    for (let k = 0; k < count; k++) {
      let i = this.pos - this.bufStart;
      if (i < 0 || i + 8 > this.buf.length) {
        i = this.take(8); // refills the window; the length is consumed below
        this.pos -= 8;
      }
      const b = this.buf;
      const lo = this.little
        ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
        : (b[i + 7]! | (b[i + 6]! << 8) | (b[i + 5]! << 16) | (b[i + 4]! << 24)) >>> 0;
      const hi = this.little
        ? b[i + 4]! | b[i + 5]! | b[i + 6]! | b[i + 7]!
        : b[i + 3]! | b[i + 2]! | b[i + 1]! | b[i]!;
      if (hi !== 0 || lo > maxLength) {
        throw new ParapetError(
          'LIMIT',
          `GGUF string length at offset ${this.pos} exceeds the cap ${maxLength}`,
        );
      }
      this.pos += 8;
      this.skip(lo);
    }
  }

  /** Makes `n` bytes at `pos` available in the window, advances past them, and returns their window index. */
  private take(n: number): number {
    if (n > this.src.size - this.pos) {
      throw new ParapetError('MALFORMED', `GGUF truncated: ${n} bytes needed at offset ${this.pos}`);
    }
    const rel = this.pos - this.bufStart;
    if (rel < 0 || rel + n > this.buf.length) {
      this.buf = this.src.readAt(this.pos, Math.max(n, WINDOW));
      this.bufStart = this.pos;
    }
    const start = this.pos - this.bufStart;
    this.pos += n;
    return start;
  }

  skip(n: number): void {
    if (n > this.src.size - this.pos) {
      throw new ParapetError('MALFORMED', `GGUF truncated: ${n} bytes declared at offset ${this.pos}`);
    }
    this.pos += n;
  }

  private view(n: number): DataView {
    const b = this.bytes(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
  u32(): number {
    return this.view(4).getUint32(0, this.little);
  }
  u64(): bigint {
    return this.view(8).getBigUint64(0, this.little);
  }
  /**
   * A u64 as a plain number, without DataView or BigInt: counts and string lengths are read 400k times in a
   * llama-3 vocabulary, so this is the hot path. Values past 2^53 come back as Infinity (over any cap).
   */
  count64(): number {
    const i = this.take(8);
    const b = this.buf;
    const lo = this.little
      ? b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
      : b[i + 7]! | (b[i + 6]! << 8) | (b[i + 5]! << 16) | (b[i + 4]! << 24);
    const hi = this.little
      ? b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24)
      : b[i + 3]! | (b[i + 2]! << 8) | (b[i + 1]! << 16) | (b[i]! << 24);
    const high = hi >>> 0;
    return high >= 0x200000 ? Number.POSITIVE_INFINITY : high * 0x100000000 + (lo >>> 0);
  }
  scalar(type: number): number | bigint | boolean {
    switch (type) {
      case 0:
        return this.view(1).getUint8(0);
      case 1:
        return this.view(1).getInt8(0);
      case 2:
        return this.view(2).getUint16(0, this.little);
      case 3:
        return this.view(2).getInt16(0, this.little);
      case 4:
        return this.u32();
      case 5:
        return this.view(4).getInt32(0, this.little);
      case 6:
        return this.view(4).getFloat32(0, this.little);
      case 7:
        return this.view(1).getUint8(0) !== 0;
      case 10:
        return this.u64();
      case 11:
        return this.view(8).getBigInt64(0, this.little);
      default:
        return this.view(8).getFloat64(0, this.little);
    }
  }
  text(n: number): string {
    return this.decoder.decode(this.bytes(n));
  }
}

const SCALAR_SIZE: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

/** Reads a count or length: uint32 in v1, uint64 after; anything above `cap` is hostile. */
function readCount(cur: Cursor, version: number, cap: number, what: string): number {
  const n = version === 1 ? cur.u32() : cur.count64();
  if (n > cap) {
    throw new ParapetError(
      'LIMIT',
      `GGUF ${what} ${Number.isFinite(n) ? n : '≥ 2^53'} exceeds the cap ${cap}`,
    );
  }
  return n;
}

function readString(cur: Cursor, version: number, cap: number, what: string): string {
  return cur.text(readCount(cur, version, cap, `${what} length`));
}

function readValue(cur: Cursor, version: number, type: number, depth: number): GgufValue {
  if (type === 8)
    return { type: 'string', value: readString(cur, version, GGUF_LIMITS.maxStringBytes, 'string') };
  if (type === 9) {
    if (depth >= GGUF_LIMITS.maxArrayDepth) {
      throw new ParapetError('LIMIT', `GGUF arrays nested deeper than ${GGUF_LIMITS.maxArrayDepth}`);
    }
    const elementType = cur.u32();
    if (elementType > 12) throw new ParapetError('MALFORMED', `GGUF array of unknown type ${elementType}`);
    const count = readCount(cur, version, GGUF_LIMITS.maxArrayCount, 'array count');
    const head: GgufValue[] = [];
    const size = SCALAR_SIZE[elementType];
    if (size !== undefined) {
      // Fixed-size elements: keep a few, skip the rest in one step (checked against the file size).
      const kept = Math.min(count, GGUF_LIMITS.keptArrayElements);
      for (let i = 0; i < kept; i++) head.push(readValue(cur, version, elementType, depth + 1));
      cur.skip((count - kept) * size);
    } else {
      const kept = Math.min(count, GGUF_LIMITS.keptArrayElements);
      for (let i = 0; i < kept; i++) head.push(readValue(cur, version, elementType, depth + 1));
      if (elementType === 8 && version > 1) cur.skipStrings(count - kept, GGUF_LIMITS.maxStringBytes);
      else for (let i = kept; i < count; i++) skipValue(cur, version, elementType, depth + 1);
    }
    return { type: 'array', elementType: GGUF_TYPES[elementType]!, count, head };
  }
  if (type > 12) throw new ParapetError('MALFORMED', `GGUF value of unknown type ${type}`);
  return { type: GGUF_TYPES[type] as 'uint8', value: cur.scalar(type) };
}

/** Skips a value without keeping it (token vocabularies hold 100k+ strings). */
function skipValue(cur: Cursor, version: number, type: number, depth: number): void {
  const size = SCALAR_SIZE[type];
  if (size !== undefined) cur.skip(size);
  else if (type === 8) cur.skip(readCount(cur, version, GGUF_LIMITS.maxStringBytes, 'string length'));
  else readValue(cur, version, type, depth);
}

/**
 * Parses a GGUF header (v1–v3, either byte order) and its metadata key/values, optionally the tensor infos.
 * Throws ParapetError when the header itself is not GGUF; later damage is returned in `error` with the KVs
 * read so far, since a template before the damage still matters.
 */
export function parseGguf(src: ByteSource, options: { tensors?: boolean } = {}): GgufFile {
  if (!isGguf(src)) throw new ParapetError('MALFORMED', 'not a GGUF file (no GGUF magic)');
  const cur = new Cursor(src, true);
  cur.skip(4);
  let version = cur.u32();
  // Big-endian GGUF files exist (s390x); their version reads as 0x0N000000 in little-endian.
  let bigEndian = false;
  if (version > 0xffff) {
    cur.little = false;
    bigEndian = true;
    cur.pos = 4;
    version = cur.u32();
  }
  if (version < 1 || version > 3) throw new ParapetError('MALFORMED', `unsupported GGUF version ${version}`);
  const tensorCount = readCount(cur, version, GGUF_LIMITS.maxTensorCount, 'tensor count');
  const kvCount = readCount(cur, version, GGUF_LIMITS.maxKvCount, 'metadata count');
  const file: GgufFile = { version, bigEndian, tensorCount, kvCount, kvs: [], tensors: [] };
  try {
    for (let i = 0; i < kvCount; i++) {
      const key = readString(cur, version, GGUF_LIMITS.maxKeyBytes, 'key');
      const type = cur.u32();
      const offset = cur.pos;
      file.kvs.push({ key, value: readValue(cur, version, type, 0), offset });
    }
    if (options.tensors) {
      for (let i = 0; i < tensorCount; i++) {
        const name = readString(cur, version, GGUF_LIMITS.maxKeyBytes, 'tensor name');
        const nDims = cur.u32();
        if (nDims > GGUF_LIMITS.maxDims)
          throw new ParapetError('LIMIT', `GGUF tensor ${name} has ${nDims} dims`);
        const dims: number[] = [];
        for (let d = 0; d < nDims; d++) dims.push(version === 1 ? cur.u32() : Number(cur.u64()));
        file.tensors.push({ name, dims, type: cur.u32(), offset: cur.u64() });
      }
    }
  } catch (err) {
    if (!(err instanceof ParapetError)) throw err;
    file.error = err;
  }
  return file;
}

/** The string value of a KV, if it is one. */
export function ggufString(kv: GgufKv): string | undefined {
  return kv.value.type === 'string' ? kv.value.value : undefined;
}
