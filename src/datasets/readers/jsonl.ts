/**
 * JSON Lines: one JSON value per line. Lines are cut at the byte level (a newline byte never occurs inside a
 * UTF-8 multi-byte sequence), so the file is read in chunks and only one line is ever decoded at a time.
 */
import type { ByteSource } from '../../formats/byte-source.ts';
import type { ReaderItem, ReaderLimits } from '../types.ts';
import { chunksOf, concat, DEFAULT_READER_LIMITS, decodeUtf8, jsonItem, stoppedAt } from './common.ts';

const NEWLINE = 0x0a;

/** Every non-empty line as a record, or as an error when it is not JSON or is over maxRecordBytes. */
export function* readJsonl(
  src: ByteSource,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Generator<ReaderItem> {
  let pieces: Uint8Array[] = [];
  let pending = 0;
  let oversized = false;
  let lineNo = 1;
  let index = 0;
  function* line(bytes: Uint8Array | undefined): Generator<ReaderItem> {
    const at = lineNo++;
    if (oversized) {
      oversized = false;
      yield {
        kind: 'error',
        error: {
          index: index++,
          line: at,
          message: `line longer than ${limits.maxRecordBytes} bytes, skipped`,
        },
      };
      return;
    }
    if (bytes === undefined) return;
    const text = decodeUtf8(bytes).trim();
    if (text.length === 0) return;
    yield* jsonItem(text, index++, limits, at);
  }
  for (const chunk of chunksOf(src)) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      let bytes: Uint8Array | undefined;
      if (!oversized) {
        const piece = chunk.subarray(start, nl);
        bytes = pending === 0 ? piece : concat([...pieces, piece], pending + piece.length);
        if (bytes.length > limits.maxRecordBytes) oversized = true;
      }
      pieces = [];
      pending = 0;
      yield* line(bytes);
      start = nl + 1;
      if (limits.maxRecords !== undefined && index >= limits.maxRecords) {
        yield stoppedAt(limits.maxRecords);
        return;
      }
    }
    if (start < chunk.length && !oversized) {
      const rest = chunk.subarray(start);
      pending += rest.length;
      // A line that will not fit is dropped as it streams, never buffered whole.
      if (pending > limits.maxRecordBytes) {
        oversized = true;
        pieces = [];
        pending = 0;
      } else pieces.push(rest);
    }
  }
  if (pending > 0 || oversized) yield* line(oversized ? undefined : concat(pieces, pending));
}
