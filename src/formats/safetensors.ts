import type { ByteSource } from './byte-source.ts';
import { checkLayout, readMetadata, readTensor } from './safetensors-entries.ts';
import { parseStrictJson } from './strict-json.ts';

/**
 * safetensors, read from the header only: 8 bytes of little-endian u64 header length, that many bytes of
 * JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`), then the
 * data section the offsets point into. Tensor bytes are never read, so a 10 GiB file costs one small read.
 * Every check mirrors what the reference Rust loader (`safetensors::SafeTensors::read_metadata` and
 * `Metadata::validate`) rejects, because a file one loader rejects and another accepts is a parser differential.
 */

/** The reference loader's header cap (`MAX_HEADER_SIZE`, 100,000,000 bytes); larger headers are refused. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Values in the header tree; a 100k-tensor header stays far below it. */
const MAX_JSON_NODES = 2_000_000;
/** Anomalies kept per file (the rest are counted), so a hostile header cannot flood the report. */
const MAX_ANOMALIES = 200;

/** What is wrong, split by rule: structure (`malformed`) vs. values that disagree (`inconsistent`). */
export type SafetensorsAnomalyKind =
  // header cannot be read as loaders read it -> model/safetensors-malformed-header
  | 'header-length'
  | 'invalid-utf8'
  | 'invalid-json'
  | 'duplicate-key'
  | 'lone-surrogate'
  | 'not-an-object'
  | 'bad-entry'
  | 'bad-metadata'
  // entries whose values disagree with each other or the file -> model/safetensors-inconsistent-tensors
  | 'unknown-dtype'
  | 'bad-shape'
  | 'bad-offsets'
  | 'size-mismatch'
  | 'out-of-bounds'
  | 'overlap'
  | 'gap';

/** One problem; `offset` is a file offset (for header positions: 8 + index in the decoded header text). */
export interface SafetensorsAnomaly {
  kind: SafetensorsAnomalyKind;
  offset: number;
  detail: string;
  tensor?: string;
}

/** A tensor entry that passed the structural checks. */
export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: bigint[];
  begin: bigint;
  end: bigint;
  /** File offset of the entry in the header. */
  offset: number;
}

/** The parsed header. */
export interface SafetensorsHeader {
  /** Declared header length (u64, so a bigint). */
  headerLength: bigint;
  /** File offset of the data section, when the header length fits the file. */
  dataOffset: number | undefined;
  tensors: SafetensorsTensor[];
  /** Every string under `__metadata__` (keys and values, any depth), with its file offset. */
  metadataStrings: { key: string; value: string; offset: number }[];
  anomalies: SafetensorsAnomaly[];
  /** Anomalies beyond the cap, not kept. */
  suppressed: number;
}

const isWs = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const asciiIncludes = (bytes: Uint8Array, word: string): boolean =>
  Buffer.from(bytes).includes(word, 0, 'latin1');

/**
 * True for a safetensors file: a header length that fits the file and JSON that opens with `{`, or (for
 * headers that lie about their length) `{"` followed within 4 KiB by a safetensors key. Random tensor bytes
 * almost never pass: the u64 must be small and byte 8 must be `{`.
 */
export function isSafetensors(src: ByteSource): boolean {
  if (src.size < 10) return false;
  const head = src.readAt(0, 8 + 4096);
  const n = Buffer.from(head).readBigUInt64LE(0);
  let i = 8;
  while (i < head.length && i < 8 + 64 && isWs(head[i]!)) i++;
  if (head[i] !== 0x7b) return false;
  if (n >= 2n && n <= BigInt(src.size - 8)) return true;
  const rest = head.subarray(i + 1);
  let j = 0;
  while (j < rest.length && j < 64 && isWs(rest[j]!)) j++;
  return (
    rest[j] === 0x22 &&
    (asciiIncludes(rest, '"data_offsets"') ||
      asciiIncludes(rest, '"__metadata__"') ||
      asciiIncludes(rest, '"dtype"'))
  );
}

/**
 * Parses and validates the header of `src` without reading tensor data. Problems are anomalies, never
 * throws on malformed input; throws ParapetError LIMIT only if the header JSON has too many values to hold.
 */
export function parseSafetensorsHeader(src: ByteSource): SafetensorsHeader {
  const out: SafetensorsHeader = {
    headerLength: 0n,
    dataOffset: undefined,
    tensors: [],
    metadataStrings: [],
    anomalies: [],
    suppressed: 0,
  };
  const add = (a: SafetensorsAnomaly): void => {
    if (out.anomalies.length < MAX_ANOMALIES) out.anomalies.push(a);
    else out.suppressed++;
  };
  const prefix = src.readAt(0, 8);
  if (prefix.length < 8) {
    add({
      kind: 'header-length',
      offset: 0,
      detail: `file is ${src.size} bytes, too short for the 8-byte header length`,
    });
    return out;
  }
  const n = Buffer.from(prefix).readBigUInt64LE(0);
  out.headerLength = n;
  if (n > BigInt(MAX_HEADER_BYTES)) {
    add({
      kind: 'header-length',
      offset: 0,
      detail: `declared header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte cap loaders enforce`,
    });
    return out;
  }
  if (n + 8n > BigInt(src.size)) {
    add({
      kind: 'header-length',
      offset: 0,
      detail: `declared header length ${n} runs past the end of the ${src.size}-byte file`,
    });
    return out;
  }
  const len = Number(n);
  out.dataOffset = 8 + len;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(src.readAt(8, len));
  } catch {
    add({ kind: 'invalid-utf8', offset: 8, detail: 'header is not valid UTF-8' });
    return out;
  }
  if (!text.trimStart().startsWith('{')) {
    add({
      kind: 'not-an-object',
      offset: 8,
      detail: 'header does not start with "{" (safetensors >= 0.4 refuses it)',
    });
  }
  const parsed = parseStrictJson(text, MAX_JSON_NODES);
  for (const q of parsed.quirks) add({ kind: q.kind, offset: 8 + q.at, detail: q.detail });
  if (parsed.error !== undefined) {
    add({
      kind: 'invalid-json',
      offset: 8 + parsed.error.at,
      detail: `header is not valid JSON: ${parsed.error.detail}`,
    });
    return out;
  }
  const root = parsed.root!;
  if (root.kind !== 'object') {
    add({
      kind: 'not-an-object',
      offset: 8 + root.at,
      detail: `header is a JSON ${root.kind}, not an object`,
    });
    return out;
  }
  for (const { key, value } of root.entries) {
    if (key === '__metadata__') readMetadata(value, out, add);
    else readTensor(key, value, out, add);
  }
  checkLayout(out, BigInt(src.size - out.dataOffset), add);
  return out;
}
