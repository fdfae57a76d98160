import type { SafetensorsAnomaly, SafetensorsHeader, SafetensorsTensor } from './safetensors.ts';
import type { JsonNode } from './strict-json.ts';

/**
 * The per-entry checks of a safetensors header: `__metadata__` as a string map, each tensor's dtype, shape
 * and data_offsets, and the layout of all tensors over the data section (what the reference loader's
 * `Metadata::validate` enforces). Split from safetensors.ts to keep each file small.
 */

/** Bits per element of every dtype the reference loader knows (sub-byte floats included). */
export const DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  I64: 64,
  U64: 64,
  F64: 64,
};

/** Records one anomaly (the caller caps how many are kept). */
export type Add = (a: SafetensorsAnomaly) => void;

/** `__metadata__` must be a flat string-to-string map; every string in it is kept for the content rule. */
export function readMetadata(node: JsonNode, out: SafetensorsHeader, add: Add): void {
  if (node.kind !== 'object') {
    add({
      kind: 'bad-metadata',
      offset: 8 + node.at,
      detail: `__metadata__ is a JSON ${node.kind}, not a string map`,
    });
    collectStrings(node, '__metadata__', out);
    return;
  }
  for (const e of node.entries) {
    if (e.value.kind !== 'string') {
      add({
        kind: 'bad-metadata',
        offset: 8 + e.value.at,
        detail: `__metadata__[${JSON.stringify(e.key)}] is a JSON ${e.value.kind}, not a string`,
      });
    }
    collectStrings(e.value, e.key, out);
  }
}

const MAX_METADATA_STRINGS = 10_000;

function collectStrings(node: JsonNode, key: string, out: SafetensorsHeader): void {
  if (out.metadataStrings.length >= MAX_METADATA_STRINGS) return;
  if (node.kind === 'string') out.metadataStrings.push({ key, value: node.value, offset: 8 + node.at });
  else if (node.kind === 'array') for (const item of node.items) collectStrings(item, key, out);
  else if (node.kind === 'object') {
    for (const e of node.entries) {
      out.metadataStrings.push({ key, value: e.key, offset: 8 + e.keyAt });
      collectStrings(e.value, e.key, out);
    }
  }
}

const UINT = /^(0|[1-9]\d*)$/;
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const U64_MAX = 2n ** 64n - 1n;

/** A JSON number that is a u64, as serde reads `usize`: no sign, fraction or exponent. */
function asU64(node: JsonNode): bigint | undefined {
  if (node.kind !== 'number' || !UINT.test(node.text)) return undefined;
  const v = BigInt(node.text);
  return v <= U64_MAX ? v : undefined;
}

/** Checks one tensor entry and, when its offsets are readable, keeps it for the layout check. */
export function readTensor(name: string, node: JsonNode, out: SafetensorsHeader, add: Add): void {
  const offset = 8 + node.at;
  if (node.kind !== 'object') {
    add({
      kind: 'bad-entry',
      offset,
      tensor: name,
      detail: `tensor ${JSON.stringify(name)} is a JSON ${node.kind}, not an object`,
    });
    return;
  }
  const field = (k: string): JsonNode | undefined => node.entries.find((e) => e.key === k)?.value;
  const dtype = field('dtype');
  const shape = field('shape');
  const offsets = field('data_offsets');
  const missing = [
    dtype?.kind === 'string' ? undefined : 'dtype (a string)',
    shape?.kind === 'array' ? undefined : 'shape (an array)',
    offsets?.kind === 'array' ? undefined : 'data_offsets (an array)',
  ].filter((m) => m !== undefined);
  if (
    missing.length > 0 ||
    dtype?.kind !== 'string' ||
    shape?.kind !== 'array' ||
    offsets?.kind !== 'array'
  ) {
    add({
      kind: 'bad-entry',
      offset,
      tensor: name,
      detail: `tensor ${JSON.stringify(name)} lacks ${missing.join(', ')}`,
    });
    return;
  }
  const q = JSON.stringify(name);
  let ok = true;
  if (DTYPE_BITS[dtype.value] === undefined) {
    add({
      kind: 'unknown-dtype',
      offset: 8 + dtype.at,
      tensor: name,
      detail: `tensor ${q} has unknown dtype ${JSON.stringify(dtype.value)}`,
    });
    ok = false;
  }
  const dims = shape.items.map(asU64);
  if (dims.some((d) => d === undefined)) {
    add({
      kind: 'bad-shape',
      offset: 8 + shape.at,
      tensor: name,
      detail: `tensor ${q} shape has a dimension that is not a non-negative integer`,
    });
    ok = false;
  }
  const [begin, end] = offsets.items.map(asU64);
  if (offsets.items.length !== 2 || begin === undefined || end === undefined || begin > end) {
    add({
      kind: 'bad-offsets',
      offset: 8 + offsets.at,
      tensor: name,
      detail: `tensor ${q} data_offsets must be [begin, end] with 0 <= begin <= end`,
    });
    return;
  }
  // An entry with a bad dtype or shape still claims its byte range: keep it for the layout checks.
  if (!ok) {
    out.tensors.push({ name, dtype: dtype.value, shape: [], begin, end, offset });
    return;
  }
  const shapeN = dims as bigint[];
  const elements = shapeN.reduce((a, b) => a * b, 1n);
  const bits = elements * BigInt(DTYPE_BITS[dtype.value]!);
  if (bits % 8n !== 0n || bits / 8n !== end - begin) {
    add({
      kind: 'size-mismatch',
      offset: 8 + offsets.at,
      tensor: name,
      detail: `tensor ${q} is ${dtype.value}[${shapeN.join(', ')}] = ${bits % 8n === 0n ? bits / 8n : `${bits} bits`} bytes but data_offsets span ${end - begin}`,
    });
  }
  out.tensors.push({ name, dtype: dtype.value, shape: shapeN, begin, end, offset });
}

/** Sorted by offsets, tensors must tile the data section exactly: no overlap, no gap, nothing past the end. */
export function checkLayout(out: SafetensorsHeader, dataSize: bigint, add: Add): void {
  // An entry whose range could not be read leaves its bytes unclaimed: gaps would only echo that problem.
  const rangesKnown = !out.anomalies.some((a) => a.kind === 'bad-offsets' || a.kind === 'bad-entry');
  const sorted = [...out.tensors].sort((a, b) =>
    a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0,
  );
  let cursor = 0n;
  let previous: SafetensorsTensor | undefined;
  for (const t of sorted) {
    if (t.end > dataSize) {
      add({
        kind: 'out-of-bounds',
        offset: t.offset,
        tensor: t.name,
        detail: `tensor ${JSON.stringify(t.name)} data_offsets [${t.begin}, ${t.end}] leave the ${dataSize}-byte data section`,
      });
    }
    if (t.begin < cursor && previous !== undefined) {
      add({
        kind: 'overlap',
        offset: t.offset,
        tensor: t.name,
        detail: `tensor ${JSON.stringify(t.name)} [${t.begin}, ${t.end}] overlaps ${JSON.stringify(previous.name)} [${previous.begin}, ${previous.end}]`,
      });
    } else if (rangesKnown && t.begin > cursor && cursor < dataSize) {
      add({
        kind: 'gap',
        offset: t.offset,
        tensor: t.name,
        detail: `${min(t.begin, dataSize) - cursor} unreferenced bytes at data offsets [${cursor}, ${min(t.begin, dataSize)}) before tensor ${JSON.stringify(t.name)}`,
      });
    }
    if (t.end >= cursor) {
      cursor = t.end;
      previous = t;
    }
  }
  if (rangesKnown && cursor < dataSize) {
    const offset = out.dataOffset === undefined ? 0 : out.dataOffset + Number(cursor);
    add({
      kind: 'gap',
      offset,
      detail: `${dataSize - cursor} unreferenced bytes after the last tensor (data offsets [${cursor}, ${dataSize}))`,
    });
  }
}
