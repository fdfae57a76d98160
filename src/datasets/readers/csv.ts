/**
 * CSV and TSV (RFC 4180): a header row names the columns, each later row is one record. Quoted fields may hold
 * delimiters, doubled quotes and newlines. Parsed at the byte level over chunks: a row that straddles a chunk
 * is carried into the next one, and a row longer than maxRecordBytes is skipped as it streams.
 */
import type { ByteSource } from '../../formats/byte-source.ts';
import type { ReaderItem, ReaderLimits } from '../types.ts';
import {
  chunksOf,
  concat,
  DatasetReadError,
  DEFAULT_READER_LIMITS,
  decodeUtf8,
  recordItems,
  stoppedAt,
} from './common.ts';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** One parsed row: its fields, and how many physical lines it spanned (quoted newlines). */
interface Row {
  fields: string[];
  lines: number;
}

/**
 * Parses one row starting at `start`. Returns the row and where the next one starts, or undefined when the
 * buffer ends first and more bytes may follow (`final` false).
 */
function parseRow(
  buf: Uint8Array,
  start: number,
  delimiter: number,
  final: boolean,
): [Row, number] | undefined {
  const fields: string[] = [];
  let lines = 1;
  let i = start;
  for (;;) {
    // One field.
    if (buf[i] === QUOTE) {
      const parts: Uint8Array[] = [];
      let from = i + 1;
      let j = from;
      for (;;) {
        if (j >= buf.length) {
          if (!final) return undefined;
          throw new DatasetReadError(`a quoted field never closes (truncated or malformed CSV)`);
        }
        const b = buf[j]!;
        if (b === QUOTE) {
          if (buf[j + 1] === QUOTE) {
            parts.push(buf.subarray(from, j + 1));
            j += 2;
            from = j;
            continue;
          }
          if (j + 1 >= buf.length && !final) return undefined;
          break;
        }
        if (b === LF) lines++;
        j++;
      }
      parts.push(buf.subarray(from, j));
      fields.push(
        decodeUtf8(
          concat(
            parts,
            parts.reduce((n, p) => n + p.length, 0),
          ),
        ),
      );
      i = j + 1;
      // Anything between the closing quote and the delimiter is kept, as lenient readers do.
      const tail = i;
      while (i < buf.length && buf[i] !== delimiter && buf[i] !== LF && buf[i] !== CR) i++;
      if (i > tail) fields[fields.length - 1] += decodeUtf8(buf.subarray(tail, i));
    } else {
      const from = i;
      while (i < buf.length && buf[i] !== delimiter && buf[i] !== LF && buf[i] !== CR) i++;
      fields.push(decodeUtf8(buf.subarray(from, i)));
    }
    if (i >= buf.length) {
      if (!final) return undefined;
      return [{ fields, lines }, i];
    }
    const b = buf[i]!;
    if (b === delimiter) {
      i++;
      continue;
    }
    if (b === CR) {
      if (i + 1 >= buf.length && !final) return undefined;
      if (buf[i + 1] === LF) i++;
    }
    return [{ fields, lines }, i + 1];
  }
}

/** Records of a delimited file: `,` for CSV, tab for TSV. The header row gives the column names. */
export function* readDelimited(
  src: ByteSource,
  delimiter: ',' | '\t',
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Generator<ReaderItem> {
  const delim = delimiter.charCodeAt(0);
  let header: string[] | undefined;
  let carry: Uint8Array = new Uint8Array(0);
  let skipping = false;
  let line = 1;
  let index = 0;
  const chunks = chunksOf(src);
  let done = false;
  while (!done) {
    const next = chunks.next();
    done = next.done === true;
    let buf = done
      ? carry
      : carry.length === 0
        ? next.value!
        : concat([carry, next.value!], carry.length + next.value!.length);
    if (skipping) {
      // Drop the rest of an oversized row: up to the next line end (a best effort inside an unclosed quote).
      const nl = buf.indexOf(LF);
      if (nl === -1) {
        carry = new Uint8Array(0);
        continue;
      }
      buf = buf.subarray(nl + 1);
      skipping = false;
      line++;
    }
    let at = 0;
    while (at < buf.length) {
      const parsed = parseRow(buf, at, delim, done);
      if (parsed === undefined) break;
      const [row, end] = parsed;
      const rowLine = line;
      line += row.lines;
      at = end;
      if (row.fields.length === 1 && row.fields[0] === '') continue; // blank line
      if (header === undefined) {
        header = row.fields.map(
          (f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim() || `column${i + 1}`,
        );
        continue;
      }
      const record: Record<string, string> = {};
      header.forEach((name, i) => {
        const v = row.fields[i];
        if (v !== undefined) record[name] = v;
      });
      if (row.fields.length !== header.length) {
        yield {
          kind: 'error',
          error: {
            index,
            line: rowLine,
            message: `row has ${row.fields.length} fields, the header ${header.length}`,
          },
        };
        row.fields.slice(header.length).forEach((v, i) => {
          record[`column${header!.length + i + 1}`] = v;
        });
      }
      yield* recordItems(record, index++, limits, rowLine);
      if (limits.maxRecords !== undefined && index >= limits.maxRecords) {
        yield stoppedAt(limits.maxRecords);
        return;
      }
    }
    carry = buf.subarray(at);
    if (carry.length > limits.maxRecordBytes) {
      yield {
        kind: 'error',
        error: { index: index++, line, message: `row longer than ${limits.maxRecordBytes} bytes, skipped` },
      };
      carry = new Uint8Array(0);
      skipping = true;
    }
  }
  if (header === undefined) throw new DatasetReadError('no header row');
}
