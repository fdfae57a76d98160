/**
 * JSON Lines: one JSON value per line. Lines are cut at the byte level (a newline byte never occurs inside a
 * UTF-8 multi-byte sequence), so the file is read in chunks and only one line is ever decoded at a time.
 */
import type { ByteSource } from '../../formats/byte-source.ts';
import type { ReaderItem, ReaderLimits } from '../types.ts';
import { chunksOf, DEFAULT_READER_LIMITS, decodeUtf8, jsonItem, RecordBuffer, stoppedAt } from './common.ts';

const NEWLINE = 0x0a;

/** Every non-empty line as a record, or as an error when it is not JSON or is over maxRecordBytes. */
export function* readJsonl(
  src: ByteSource,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Generator<ReaderItem> {
  const buffer = new RecordBuffer(limits.maxRecordBytes);
  let lineNo = 1;
  let index = 0;
  function* line(bytes: Uint8Array | undefined): Generator<ReaderItem> {
    const at = lineNo++;
    if (bytes === undefined) {
      const message = `line longer than ${limits.maxRecordBytes} bytes, skipped`;
      yield { kind: 'error', error: { index: index++, line: at, message } };
      return;
    }
    const text = decodeUtf8(bytes).trim();
    if (text.length === 0) return;
    yield* jsonItem(text, index++, limits, at);
  }
  for (const chunk of chunksOf(src)) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      yield* line(buffer.take(chunk.subarray(start, nl)));
      start = nl + 1;
      if (limits.maxRecords !== undefined && index >= limits.maxRecords) {
        yield stoppedAt(limits.maxRecords);
        return;
      }
    }
    if (start < chunk.length) buffer.add(chunk.subarray(start));
  }
  if (!buffer.empty) yield* line(buffer.take(new Uint8Array(0)));
}
