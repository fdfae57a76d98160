/**
 * Which data-set container a file is, decided from its content: Parquet and Arrow by their magic, JSON Lines
 * and JSON by the shape of their first records, CSV/TSV by name plus a look at the header. A name alone
 * (`train.parquet`, `data.jsonl`) only says the file CLAIMS to be a data set: one that then cannot be read is
 * reported as unreadable, never passed over as clean.
 */
import type { ByteSource } from '../formats/byte-source.ts';
import { hasArrowFileMagic, looksLikeArrowStream } from './readers/arrow.ts';
import { decodeUtf8 } from './readers/common.ts';
import type { DatasetFormat } from './types.ts';

/** How much of the head is sniffed: enough for several long records, small enough to do for every file. */
const SNIFF_BYTES = 256 * 1024;

/** Keys that wrap a data set's records in a JSON object (`{"data": [...]}`). */
const WRAPPER_KEYS =
  /^(data|rows|records|examples|instances|items|samples|train|test|validation|dataset|entries|conversations)$/i;

/** The container `src` is by its bytes alone (Parquet, Arrow file or stream), or undefined. */
export function detectBinaryDataset(src: ByteSource): DatasetFormat | undefined {
  if (src.size < 8) return undefined;
  const head = src.readAt(0, 6);
  // PAR1 at the start is enough to claim Parquet: a file cut short loses the trailing magic and must still be
  // reported (as unreadable), not skipped.
  if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet';
  if (hasArrowFileMagic(src) || (head[0] === 0x41 && decodeUtf8(head) === 'ARROW1')) return 'arrow';
  if (looksLikeArrowStream(src)) return 'arrow';
  return undefined;
}

/** The format a file's name claims, if any. */
export function datasetFormatOfName(name: string): DatasetFormat | undefined {
  const lower = name.toLowerCase();
  if (/\.(jsonl|ndjson)$/.test(lower)) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  if (/\.(tsv|tab)$/.test(lower)) return 'tsv';
  if (lower.endsWith('.parquet')) return 'parquet';
  if (/\.(arrow|feather|ipc)$/.test(lower)) return 'arrow';
  return undefined;
}

/**
 * The text container `src` is: JSON Lines (several lines, each a JSON object), JSON (an array of objects or a
 * wrapper of one), or CSV/TSV when the name says so and the head looks like a header row.
 */
export function detectTextDataset(src: ByteSource, name: string): DatasetFormat | undefined {
  // The engine asks more than once per file (before the pickle reader, then among the text formats, and the
  // JSON config handler to leave data sets alone): the 256 KiB sniff is decoded once per source and name.
  const known = sniffed.get(src);
  if (known !== undefined && known.name === name) return known.format;
  const format = sniffTextDataset(src, name);
  sniffed.set(src, { name, format });
  return format;
}

const sniffed = new WeakMap<ByteSource, { name: string; format: DatasetFormat | undefined }>();

function sniffTextDataset(src: ByteSource, name: string): DatasetFormat | undefined {
  if (src.size === 0) return undefined;
  const claimed = datasetFormatOfName(name);
  // A name that claims a format is taken at its word: if the content then cannot be read, that is reported.
  if (claimed === 'jsonl') {
    // Exports named .jsonl that hold one JSON array are common enough to read as what they are.
    const first = decodeUtf8(src.readAt(0, 4096))
      .replace(/^\uFEFF/, '')
      .trimStart();
    return first.startsWith('[') ? 'json' : 'jsonl';
  }
  if (claimed !== undefined && claimed !== 'csv' && claimed !== 'tsv') return claimed;
  const headBytes = src.readAt(0, Math.min(src.size, SNIFF_BYTES));
  const head = decodeUtf8(headBytes).replace(/^\uFEFF/, '');
  if (claimed !== undefined) return delimiterOf(head, claimed);
  if (headBytes.includes(0)) return undefined; // binary, not text
  const start = head.trimStart();
  if (start.startsWith('{') && isJsonLines(head, src.size <= SNIFF_BYTES)) return 'jsonl';
  if (start.startsWith('[') && /^\[\s*\{/.test(start)) return 'json';
  if (start.startsWith('{') && isWrappedRecords(start)) return 'json';
  return undefined;
}

/** Each complete line of the head is a JSON object, and there are at least two. */
function isJsonLines(head: string, whole: boolean): boolean {
  const lines = head.split('\n');
  // The last line of a partial head is cut off mid-record: only complete lines are judged.
  if (!whole && lines.length > 1) lines.pop();
  let objects = 0;
  for (const line of lines) {
    const text = line.trim();
    if (text.length === 0) continue;
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      objects++;
    } catch {
      // Pretty-printed JSON fails on its first line; a JSONL file with a bad line still has good ones before.
      return objects >= 2;
    }
  }
  return objects >= 2;
}

/** `{"data": [{` possibly after scalar members: an object wrapping an array of records under a known key. */
function isWrappedRecords(start: string): boolean {
  const str = String.raw`"(?:[^"\\]|\\.)*"`;
  const scalar = String.raw`(?:${str}|-?[\d.eE+-]+|true|false|null)`;
  const m = new RegExp(
    String.raw`^\{\s*(?:${str}\s*:\s*${scalar}\s*,\s*)*"((?:[^"\\]|\\.)*)"\s*:\s*\[\s*\{`,
  ).exec(start);
  return m !== null && WRAPPER_KEYS.test(m[1]!);
}

/** CSV or TSV by the header: a `.csv` whose first line has tabs and no commas is really tab-separated. */
function delimiterOf(head: string, claimed: 'csv' | 'tsv'): 'csv' | 'tsv' {
  const first = head.split(/\r?\n/, 1)[0] ?? '';
  if (claimed === 'csv' && !first.includes(',') && first.includes('\t')) return 'tsv';
  if (claimed === 'tsv' && !first.includes('\t') && first.includes(',')) return 'csv';
  return claimed;
}
