/**
 * Tensor and parameter counts from weights headers: safetensors (the JSON header, sharded checkpoints through
 * their `*.safetensors.index.json`) and GGUF (metadata and tensor infos). Built on the scanner's parsers, so
 * tensor data is never read and every declared size is bounded the same way.
 */
import type { GgufFile, GgufValue } from '../../formats/gguf.ts';
import type { SafetensorsHeader } from '../../formats/safetensors.ts';
import type { ShardIndexFacts, WeightFileFacts } from './types.ts';

/** A sharded checkpoint's index is a few MiB even for the largest models. */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;
const MAX_WEIGHT_MAP = 1_000_000;

/** ggml tensor types (ggml.h `enum ggml_type`); gaps are retired types. */
const GGML_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  6: 'Q5_0',
  7: 'Q5_1',
  8: 'Q8_0',
  9: 'Q8_1',
  10: 'Q2_K',
  11: 'Q3_K',
  12: 'Q4_K',
  13: 'Q5_K',
  14: 'Q6_K',
  15: 'Q8_K',
  16: 'IQ2_XXS',
  17: 'IQ2_XS',
  18: 'IQ3_XXS',
  19: 'IQ1_S',
  20: 'IQ4_NL',
  21: 'IQ3_S',
  22: 'IQ2_S',
  23: 'IQ4_XS',
  24: 'I8',
  25: 'I16',
  26: 'I32',
  27: 'I64',
  28: 'F64',
  29: 'IQ1_M',
  30: 'BF16',
  34: 'TQ1_0',
  35: 'TQ2_0',
  39: 'MXFP4',
};

/** GGUF keys recorded as they are (the rest of the metadata, the tokenizer above all, is not BOM material). */
const GGUF_GENERAL_KEYS = [
  'general.architecture',
  'general.name',
  'general.basename',
  'general.organization',
  'general.version',
  'general.finetune',
  'general.size_label',
  'general.license',
  'general.file_type',
  'general.quantization_version',
];
/** Architecture-prefixed keys (`llama.context_length`) recorded without the prefix's ambiguity. */
const GGUF_ARCH_KEYS = [
  'context_length',
  'embedding_length',
  'block_count',
  'feed_forward_length',
  'attention.head_count',
  'attention.head_count_kv',
  'expert_count',
];

/** One weights file read through its header, with what the shard-index check needs. */
export interface ReadWeights {
  facts: WeightFileFacts;
  /** Tensor names (safetensors), for the shard-index cross-check. */
  names: string[];
  /** Bytes of tensor data the header declares (safetensors), for `metadata.total_size`. */
  dataBytes: bigint;
  /** Hugging Face ids named by `general.base_model.N.repo_url` (GGUF). */
  baseModels: string[];
  problems: string[];
}

function product(dims: readonly (bigint | number)[]): bigint {
  let p = 1n;
  for (const d of dims) p *= BigInt(d);
  return p;
}

function sortedCounts(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Counts from a parsed safetensors header; anomalies become one problem line. */
export function safetensorsWeights(header: SafetensorsHeader): ReadWeights {
  const dtypes = new Map<string, number>();
  let parameters = 0n;
  let dataBytes = 0n;
  const names: string[] = [];
  for (const t of header.tensors) {
    parameters += product(t.shape);
    dataBytes += t.end - t.begin;
    dtypes.set(t.dtype, (dtypes.get(t.dtype) ?? 0) + 1);
    names.push(t.name);
  }
  const problems: string[] = [];
  const count = header.anomalies.length + header.suppressed;
  if (count > 0) {
    problems.push(
      `safetensors header: ${count} problem${count === 1 ? '' : 's'} (first: ${header.anomalies[0]?.detail ?? 'unknown'}); counts cover the readable entries only`,
    );
  }
  return {
    facts: {
      format: 'safetensors',
      tensors: header.tensors.length,
      parameters,
      dtypes: sortedCounts(dtypes),
    },
    names,
    dataBytes,
    baseModels: [],
    problems,
  };
}

function ggufText(v: GgufValue): string | undefined {
  if (v.type === 'string') return v.value.length > 256 ? `${v.value.slice(0, 256)}…` : v.value;
  if (v.type === 'array') return undefined;
  return String(v.value);
}

/** A Hugging Face repository id from a `https://huggingface.co/OWNER/NAME[/...]` address. */
export function hubIdFromUrl(url: string): string | undefined {
  const m = /^https?:\/\/(?:www\.)?huggingface\.co\/([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)\/?$/.exec(
    url.trim(),
  );
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** Counts and recorded metadata from a parsed GGUF header (tensor infos requested). */
export function ggufWeights(file: GgufFile): ReadWeights {
  const dtypes = new Map<string, number>();
  let parameters = 0n;
  for (const t of file.tensors) {
    parameters += product(t.dims);
    const name = GGML_TYPES[t.type] ?? `type${t.type}`;
    dtypes.set(name, (dtypes.get(name) ?? 0) + 1);
  }
  const kv = new Map(file.kvs.map((k) => [k.key, k.value]));
  const metadata: Record<string, string> = {};
  for (const key of GGUF_GENERAL_KEYS) {
    const v = kv.get(key);
    const text = v === undefined ? undefined : ggufText(v);
    if (text !== undefined) metadata[key] = text;
  }
  const arch = metadata['general.architecture'];
  if (arch !== undefined) {
    for (const suffix of GGUF_ARCH_KEYS) {
      const v = kv.get(`${arch}.${suffix}`);
      const text = v === undefined ? undefined : ggufText(v);
      if (text !== undefined) metadata[`${arch}.${suffix}`] = text;
    }
  }
  const baseModels: string[] = [];
  for (const { key, value } of file.kvs) {
    if (!/^general\.base_model\.\d+\.repo_url$/.test(key) || value.type !== 'string') continue;
    const id = hubIdFromUrl(value.value);
    if (id !== undefined && !baseModels.includes(id)) baseModels.push(id);
  }
  const problems: string[] = [];
  if (file.error !== undefined) {
    problems.push(
      `GGUF header unreadable past ${file.kvs.length} of ${file.kvCount} metadata keys and ${file.tensors.length} of ${file.tensorCount} tensor infos: ${file.error.message}`,
    );
  }
  return {
    facts: {
      format: 'gguf',
      tensors: file.tensors.length,
      parameters,
      dtypes: sortedCounts(dtypes),
      metadata,
    },
    names: [],
    dataBytes: 0n,
    baseModels,
    problems,
  };
}

/** A parsed `*.safetensors.index.json`. */
export interface ShardIndex {
  /** tensor name → shard path relative to the index's directory. */
  weightMap: Map<string, string>;
  totalSize?: number;
  problems: string[];
}

/** Reads an index file's JSON. Never throws. */
export function parseShardIndex(text: string): ShardIndex {
  const out: ShardIndex = { weightMap: new Map(), problems: [] };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    out.problems.push(
      `not valid JSON: ${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)}`,
    );
    return out;
  }
  const obj =
    typeof root === 'object' && root !== null && !Array.isArray(root)
      ? (root as Record<string, unknown>)
      : undefined;
  const map = obj?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    out.problems.push('no "weight_map" object; shards not read');
    return out;
  }
  let bad = 0;
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (out.weightMap.size >= MAX_WEIGHT_MAP) {
      out.problems.push(`"weight_map" has more than ${MAX_WEIGHT_MAP} entries; the rest were not read`);
      break;
    }
    // A shard path must stay inside the model: no absolute paths, no `..`.
    if (
      typeof shard !== 'string' ||
      shard === '' ||
      shard.startsWith('/') ||
      shard.split(/[\\/]/).includes('..')
    )
      bad++;
    else out.weightMap.set(name, shard);
  }
  if (bad > 0)
    out.problems.push(`"weight_map": ${bad} entr${bad === 1 ? 'y names' : 'ies name'} no usable shard path`);
  const meta = obj?.metadata;
  if (typeof meta === 'object' && meta !== null) {
    const total = (meta as Record<string, unknown>).total_size;
    if (typeof total === 'number' && Number.isSafeInteger(total) && total >= 0) out.totalSize = total;
  }
  return out;
}

/**
 * Cross-checks an index with the shard headers it names: every shard present, every mapped tensor in its
 * shard, the declared total size equal to the shards' tensor bytes. `shardOf(path)` gives a read shard.
 */
export function checkShardIndex(
  indexPath: string,
  index: ShardIndex,
  shardOf: (path: string) => ReadWeights | undefined,
): { facts: ShardIndexFacts; problems: string[] } {
  const dir = indexPath.includes('/') ? indexPath.slice(0, indexPath.lastIndexOf('/') + 1) : '';
  const byShard = new Map<string, string[]>();
  for (const [tensor, shard] of index.weightMap) {
    const path = dir + shard.replaceAll('\\', '/');
    const list = byShard.get(path);
    if (list) list.push(tensor);
    else byShard.set(path, [tensor]);
  }
  const shards = [...byShard.keys()].sort();
  const problems: string[] = [];
  let parameters: bigint | undefined = 0n;
  let dataBytes = 0n;
  let misplaced = 0;
  for (const shard of shards) {
    const read = shardOf(shard);
    if (read === undefined) {
      problems.push(`shard ${shard} is named by the index but missing or unreadable`);
      parameters = undefined;
      continue;
    }
    if (parameters !== undefined) parameters += read.facts.parameters;
    dataBytes += read.dataBytes;
    const names = new Set(read.names);
    for (const tensor of byShard.get(shard)!) if (!names.has(tensor)) misplaced++;
  }
  if (misplaced > 0)
    problems.push(
      `${misplaced} tensor${misplaced === 1 ? '' : 's'} of the index not found in the shard it names`,
    );
  if (parameters !== undefined && index.totalSize !== undefined && BigInt(index.totalSize) !== dataBytes) {
    problems.push(
      `metadata.total_size ${index.totalSize} differs from the ${dataBytes} tensor bytes the shard headers declare`,
    );
  }
  const facts: ShardIndexFacts = { path: indexPath, shards, tensors: index.weightMap.size };
  if (parameters !== undefined) facts.parameters = parameters;
  if (index.totalSize !== undefined) facts.declaredTotalSize = index.totalSize;
  return { facts, problems };
}

/** Parameters and tensors of one weight set. */
export interface WeightTotals {
  parameters: bigint;
  tensors: number;
}

const SPLIT_GGUF = /^(.*)-\d{5}-of-\d{5}\.gguf$/i;

function larger(a: WeightTotals | undefined, b: WeightTotals): WeightTotals {
  return a === undefined || b.parameters > a.parameters ? b : a;
}

/**
 * The model's parameter and tensor counts, from its weight sets. In safetensors, sets in one directory are
 * alternatives (a sharded checkpoint beside a `consolidated.safetensors`, an fp16 variant), so the largest
 * counts, while sets in different directories are parts (a diffusers pipeline's unet/, vae/, text_encoder/)
 * and add up; a set is an index with its shards, or a file no index names. Every GGUF file (or split
 * `-0000N-of-0000M.gguf` group) is a whole model, so the largest counts. GGUF files are conversions of the
 * same model, so the model's count is the larger of the two formats' — never their sum. Undefined when there
 * are no weights, or when a shard index names a shard that could not be read (the count would be a guess).
 */
export function modelTotals(
  files: readonly { path: string; weights?: WeightFileFacts }[],
  indexes: readonly ShardIndexFacts[],
): WeightTotals | undefined {
  if (indexes.some((i) => i.parameters === undefined)) return undefined;
  const sharded = new Set(indexes.flatMap((i) => i.shards));
  const perDir = new Map<string, WeightTotals>();
  const offer = (path: string, totals: WeightTotals): void => {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    perDir.set(dir, larger(perDir.get(dir), totals));
  };
  for (const i of indexes)
    if (i.parameters !== undefined) offer(i.path, { parameters: i.parameters, tensors: i.tensors });
  const splits = new Map<string, WeightTotals>();
  let gguf: WeightTotals | undefined;
  for (const f of files) {
    const w = f.weights;
    if (w === undefined) continue;
    if (w.format === 'safetensors') {
      if (!sharded.has(f.path)) offer(f.path, { parameters: w.parameters, tensors: w.tensors });
      continue;
    }
    const split = SPLIT_GGUF.exec(f.path);
    if (split === null) {
      gguf = larger(gguf, { parameters: w.parameters, tensors: w.tensors });
      continue;
    }
    const group = splits.get(split[1]!) ?? { parameters: 0n, tensors: 0 };
    splits.set(split[1]!, {
      parameters: group.parameters + w.parameters,
      tensors: group.tensors + w.tensors,
    });
  }
  for (const group of splits.values()) gguf = larger(gguf, group);
  let safetensors: WeightTotals | undefined;
  for (const t of perDir.values()) {
    safetensors = {
      parameters: (safetensors?.parameters ?? 0n) + t.parameters,
      tensors: (safetensors?.tensors ?? 0) + t.tensors,
    };
  }
  if (safetensors === undefined) return gguf;
  return gguf === undefined ? safetensors : larger(safetensors, gguf);
}
