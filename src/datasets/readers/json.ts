/**
 * A JSON document holding the records: a top-level array, or an object wrapping an array of objects
 * (`{"data": [...]}`, `{"version": 1, "rows": [...]}`). The structure is followed byte by byte (JSON's
 * structural characters are ASCII and never occur inside UTF-8 sequences), each element is cut out and parsed
 * on its own, so a file of any size is read in bounded memory.
 */
import type { ByteSource } from '../../formats/byte-source.ts';
import type { ReaderItem, ReaderLimits } from '../types.ts';
import {
  chunksOf,
  DatasetReadError,
  DEFAULT_READER_LIMITS,
  decodeUtf8,
  jsonItem,
  RecordBuffer,
  stoppedAt,
} from './common.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** The records of a JSON array (or of the first array of objects in a wrapping object), one at a time. */
export function* readJson(
  src: ByteSource,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Generator<ReaderItem> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  let closed = false;
  /** Depth inside the records array (1: top-level array, 2: array member of a wrapper); 0 when outside it. */
  let recordDepth = 0;
  let foundRecords = false;
  /** A wrapper's array just opened: its first element decides whether it holds the records. */
  let probing = false;
  let inElement = false;
  const buffer = new RecordBuffer(limits.maxRecordBytes);
  let pieceStart = 0;
  let index = 0;
  let offset = 0;

  function* finish(chunk: Uint8Array, end: number): Generator<ReaderItem> {
    const bytes = buffer.take(chunk.subarray(pieceStart, end));
    if (bytes === undefined) {
      yield {
        kind: 'error',
        error: { index, message: `record longer than ${limits.maxRecordBytes} bytes, skipped` },
      };
    } else yield* jsonItem(decodeUtf8(bytes), index, limits);
    index++;
    inElement = false;
  }

  for (const chunk of chunksOf(src)) {
    pieceStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        continue;
      }
      if (isSpace(b)) continue;
      if (closed) throw new DatasetReadError(`unexpected data after the JSON document at byte ${offset + i}`);
      if (!started) {
        if (b !== OPEN_ARRAY && b !== OPEN_OBJECT) throw new DatasetReadError('not a JSON array or object');
        started = true;
        depth = 1;
        if (b === OPEN_ARRAY) {
          recordDepth = 1;
          foundRecords = true;
        }
        continue;
      }
      if (probing) {
        probing = false;
        if (b === OPEN_OBJECT) {
          recordDepth = 2;
          foundRecords = true;
        }
      }
      if (recordDepth > 0 && depth === recordDepth && !inElement && b !== COMMA && b !== CLOSE_ARRAY) {
        inElement = true;
        pieceStart = i;
      }
      switch (b) {
        case QUOTE:
          inString = true;
          break;
        case OPEN_ARRAY:
        case OPEN_OBJECT:
          depth++;
          if (b === OPEN_ARRAY && depth === 2 && !foundRecords) probing = true;
          break;
        case CLOSE_ARRAY:
        case CLOSE_OBJECT:
          if (inElement && depth === recordDepth) yield* finish(chunk, i);
          if (depth === recordDepth) recordDepth = 0;
          depth--;
          if (depth === 0) closed = true;
          break;
        case COMMA:
          if (inElement && depth === recordDepth) yield* finish(chunk, i);
          break;
      }
      if (limits.maxRecords !== undefined && index >= limits.maxRecords) {
        yield stoppedAt(limits.maxRecords);
        return;
      }
    }
    if (inElement) buffer.add(chunk.subarray(pieceStart));
    offset += chunk.length;
  }
  if (!started) throw new DatasetReadError('empty JSON document');
  if (!closed) throw new DatasetReadError('the JSON document ends before it closes (truncated)');
  if (!foundRecords) throw new DatasetReadError('a JSON object with no array of records in it');
}
