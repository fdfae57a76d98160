/** What every reader shares: default limits, the fatal error type, chunked reads, and one-record decoding. */
import type { ByteSource } from '../../formats/byte-source.ts';
import { normaliseRecord } from '../normalise.ts';
import type { ReaderItem, ReaderLimits } from '../types.ts';

/** Defaults of ReaderLimits (see types.ts). */
export const DEFAULT_READER_LIMITS: ReaderLimits = { maxRecordBytes: 16 * 1024 * 1024, maxDepth: 64 };

/** Bytes read per step: large enough to amortise the syscalls, small enough to keep memory flat. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The file cannot be read as the data set it claims to be (truncated Parquet, a broken Arrow stream, JSON that
 * ends mid-array). Readers throw it; the handler reports the file as unreadable rather than clean.
 */
export class DatasetReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetReadError';
  }
}

/** The source in consecutive chunks, each a fresh buffer the caller may keep. */
export function* chunksOf(
  src: ByteSource,
  start = 0,
  end = src.size,
  size = CHUNK_BYTES,
): Generator<Uint8Array> {
  for (let at = start; at < end; at += size) {
    const chunk = src.readAt(at, Math.min(size, end - at));
    if (chunk.length === 0) return;
    yield chunk;
  }
}

/** Joins pieces of one record that straddled chunk boundaries. */
export function concat(pieces: readonly Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The bytes of one record as it streams in over chunk boundaries. Past `max` bytes it stops keeping them: a
 * record that will not fit is dropped as it streams, never buffered whole.
 */
export class RecordBuffer {
  private pieces: Uint8Array[] = [];
  private length = 0;
  private oversized = false;

  constructor(private readonly max: number) {}

  /** Keeps `piece`: the record goes on in the next chunk. */
  add(piece: Uint8Array): void {
    if (this.oversized) return;
    this.length += piece.length;
    if (this.length > this.max) {
      this.oversized = true;
      this.pieces = [];
      this.length = 0;
    } else this.pieces.push(piece);
  }

  /** The whole record ending with `last`, or undefined when it was over the limit; then starts afresh. */
  take(last: Uint8Array): Uint8Array | undefined {
    this.add(last);
    const record = this.oversized ? undefined : concat(this.pieces, this.length);
    this.pieces = [];
    this.length = 0;
    this.oversized = false;
    return record;
  }

  /** Nothing kept and nothing dropped since the last `take`. */
  get empty(): boolean {
    return this.length === 0 && !this.oversized;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 bytes to text; invalid sequences become U+FFFD rather than failing the record. */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Parses one JSON record's text and normalises it into a reader item (a record, or an error for bad JSON). */
export function jsonItem(text: string, index: number, limits: ReaderLimits, line?: number): ReaderItem[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const error = { index, message: `not valid JSON: ${(err as Error).message}` };
    return [{ kind: 'error', error: line === undefined ? error : { ...error, line } }];
  }
  return recordItems(value, index, limits, line);
}

/** Normalises a decoded value; a record truncated by the limits also yields an error saying what was left out. */
export function recordItems(
  value: unknown,
  index: number,
  limits: ReaderLimits,
  line?: number,
): ReaderItem[] {
  const { record, truncated } = normaliseRecord(value, index, { maxDepth: limits.maxDepth }, line);
  const items: ReaderItem[] = [{ kind: 'record', record }];
  if (truncated !== undefined) {
    const error = { index, message: `record only partly read: ${truncated}` };
    items.push({ kind: 'error', error: line === undefined ? error : { ...error, line } });
  }
  return items;
}

/** The error a reader yields when it stops at ReaderLimits.maxRecords. */
export function stoppedAt(maxRecords: number): ReaderItem {
  return { kind: 'error', error: { message: `stopped after ${maxRecords} records (the record limit)` } };
}
