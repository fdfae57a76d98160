/**
 * Arrow IPC, file (`ARROW1` ... `ARROW1`) and stream format, through apache-arrow's RecordBatchReader, one
 * record batch at a time, read by position from the ByteSource: memory follows the largest batch, never the
 * file.
 */
import type { FileHandle } from 'node:fs/promises';
import { type RecordBatch, RecordBatchReader, Vector } from 'apache-arrow';
import type { ByteSource } from '../../formats/byte-source.ts';
import type { ReaderItem, ReaderLimits } from '../types.ts';
import { DatasetReadError, DEFAULT_READER_LIMITS, recordItems, stoppedAt } from './common.ts';

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // ARROW1
const CONTINUATION = 0xffffffff;
/** Schema messages are small; a first message claiming more than this is not an Arrow stream. */
const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;

/** An Arrow IPC file: `ARROW1` at the start and at the end. */
export function hasArrowFileMagic(src: ByteSource): boolean {
  if (src.size < 12) return false;
  const head = src.readAt(0, 6);
  const tail = src.readAt(src.size - 6, 6);
  return FILE_MAGIC.every((b, i) => head[i] === b && tail[i] === b);
}

/**
 * An Arrow IPC stream: a continuation marker, then a metadata length that fits the file, then a flatbuffer
 * message. Confirmed by decoding the schema (cheap: the first message only), since 0xFFFFFFFF alone is weak.
 */
export function looksLikeArrowStream(src: ByteSource): boolean {
  if (src.size < 16) return false;
  const head = src.readAt(0, 8);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0, true) !== CONTINUATION) return false;
  const length = view.getInt32(4, true);
  if (length < 8 || length > MAX_SCHEMA_BYTES || length + 8 > src.size) return false;
  try {
    const reader = RecordBatchReader.from([src.readAt(0, 8 + length)]);
    reader.open();
    return reader.schema.fields.length > 0;
  } catch {
    return false;
  }
}

/**
 * The source as the FileHandle apache-arrow reads Node files through: random access by position, so an IPC
 * file is read footer first and then one record batch at a time (its body does not repeat the schema, so it
 * cannot be read as a plain stream), and an IPC stream message by message.
 */
function fileHandleOf(src: ByteSource) {
  return {
    fd: -1,
    stat: async () => ({ size: src.size }),
    read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      const bytes = src.readAt(position, length);
      buffer.set(bytes, offset);
      return { bytesRead: bytes.length, buffer };
    },
    close: async () => {},
  };
}

/** Arrow values → plain JS (structs → objects, lists → arrays); numbers are dropped, since checks read text. */
function plain(v: unknown, depth: number): unknown {
  if (v === null || v === undefined || typeof v !== 'object') return v;
  if (depth > 64) return undefined;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return undefined;
  if (v instanceof Vector) {
    const out: unknown[] = [];
    for (const x of v) out.push(plain(x, depth + 1));
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v instanceof Date) return v.toISOString();
  const obj =
    typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
  if (obj === null || typeof obj !== 'object') return obj;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(obj)) out[k] = plain(x, depth + 1);
  return out;
}

/** Every row of every record batch as a record. */
export async function* readArrow(
  src: ByteSource,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): AsyncGenerator<ReaderItem> {
  let index = 0;
  let batches: AsyncIterator<RecordBatch>;
  try {
    const reader = await RecordBatchReader.from(fileHandleOf(src) as unknown as FileHandle);
    await reader.open();
    batches = reader[Symbol.asyncIterator]();
  } catch (err) {
    throw new DatasetReadError(`not a readable Arrow IPC file or stream: ${(err as Error).message}`);
  }
  for (;;) {
    let next: IteratorResult<RecordBatch>;
    try {
      next = await batches.next();
    } catch (err) {
      throw new DatasetReadError(`an Arrow record batch cannot be read: ${(err as Error).message}`);
    }
    if (next.done === true) break;
    const batch = next.value;
    for (let i = 0; i < batch.numRows; i++) {
      yield* recordItems(plain(batch.get(i), 0), index++, limits);
      if (limits.maxRecords !== undefined && index >= limits.maxRecords) {
        yield stoppedAt(limits.maxRecords);
        return;
      }
    }
  }
}
