/**
 * The optional transformer backend: a local ONNX sequence classifier (Llama Prompt Guard 2, ProtectAI
 * deberta-v3 prompt-injection v2, or any Hugging Face text-classification export) run by onnxruntime-node.
 *
 * Nothing here loads at import time: onnxruntime-node and @huggingface/tokenizers are optionalDependencies,
 * imported inside `loadOnnxClassifier` only, so the default guard never pays for a 45 MB native module.
 *
 * A text longer than the model's window is never truncated: it is cut into overlapping windows of
 * `maxTokens` (special tokens included), every window is scored, and the text's score is the highest.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { describeError, ParapetError } from '../../core/errors.ts';
import { importOptional } from './optional-import.ts';
import { createWindowTokenizer, isRecord, splitWindows, type WindowTokenizer } from './tokenizer.ts';

/** A text classifier that answers, per text, the probability that it is an attack. */
export interface TextClassifier {
  /** Names the classifier in findings, e.g. `onnx:prompt-guard-2-86m`. */
  readonly id: string;
  /** Probability in [0, 1] that each text is malicious (injection or jailbreak), in input order. */
  score(texts: readonly string[]): Promise<number[]>;
  /** Releases the native session. Scoring after close throws. */
  close(): Promise<void>;
}

/** What `loadOnnxClassifier` resolved, for callers that want to show it. */
export interface OnnxClassifier extends TextClassifier {
  readonly modelPath: string;
  /** Label names by index, from config.json `id2label` (empty when there is none). */
  readonly labels: readonly string[];
  /** Indices of the labels whose probabilities are summed into the score. */
  readonly maliciousIndices: readonly number[];
  readonly maxTokens: number;
  /** Tokens shared by consecutive windows. */
  readonly stride: number;
}

export interface OnnxClassifierOptions {
  /** Model file, relative to the directory or absolute. Default: `model.onnx`, else `onnx/model.onnx`. */
  modelFile?: string;
  /** Default: `tokenizer.json` in the directory, else beside the model. tokenizer_config.json is read beside it. */
  tokenizerFile?: string;
  /**
   * Labels that mean "attack"; their probabilities are summed. Default: every `id2label` name matching
   * /injection|jailbreak|malicious|unsafe/i; with no config.json (or no id2label), index 1; with two labels
   * and no matching name (e.g. `LABEL_0`/`LABEL_1`), index 1. Names are matched case-insensitively;
   * `LABEL_<n>` or a bare index also work when the config has no names.
   */
  maliciousLabels?: readonly string[];
  /** Tokens per window, special tokens included. Default 512 (or the tokenizer's smaller model_max_length). */
  maxTokens?: number;
  /** Tokens shared by consecutive windows (as in Hugging Face's `stride`). Default: a quarter of a window. */
  stride?: number;
  /** Windows per inference call. Default 8. */
  batchSize?: number;
}

/** Label names that mean "attack" when the caller names none. */
export const MALICIOUS_LABEL = /injection|jailbreak|malicious|unsafe/i;

const MAX_JSON_BYTES = 64 * 1024 * 1024;
const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);

type Ort = typeof import('onnxruntime-node');

/** Loads a classifier from a directory holding an ONNX export and its tokenizer. */
export async function loadOnnxClassifier(
  dir: string,
  options: OnnxClassifierOptions = {},
): Promise<OnnxClassifier> {
  const root = resolve(dir);
  if ((await fileKind(root)) !== 'directory') {
    throw new ParapetError('NOT_FOUND', `ONNX classifier directory not found: ${root}`);
  }
  const modelPath = await findModel(root, options.modelFile);
  const tokenizerPath = await findTokenizer(root, modelPath, options.tokenizerFile);
  const tokenizerJson = await readJson(tokenizerPath);
  const tokenizerConfig =
    (await readJsonIfPresent(join(dirname(tokenizerPath), 'tokenizer_config.json'))) ??
    (await readJsonIfPresent(join(root, 'tokenizer_config.json'))) ??
    {};
  const configPath = await firstFile([join(root, 'config.json'), join(dirname(modelPath), 'config.json')]);
  const config = configPath === undefined ? undefined : await readJson(configPath);
  const labels = labelsOf(config, configPath);
  const maliciousIndices = resolveMaliciousLabels(labels, options.maliciousLabels, configPath);

  const tokenizer = await createWindowTokenizer(
    tokenizerJson,
    isRecord(tokenizerConfig) ? tokenizerConfig : {},
    tokenizerPath,
  );
  const maxTokens = options.maxTokens ?? Math.min(512, tokenizer.modelMaxLength ?? 512);
  const specials = tokenizer.prefix.length + tokenizer.suffix.length;
  if (!Number.isInteger(maxTokens) || maxTokens <= specials) {
    throw new ParapetError(
      'USAGE',
      `maxTokens must be an integer above ${specials} (the special tokens), got ${maxTokens}`,
    );
  }
  const body = maxTokens - specials;
  const stride = options.stride ?? Math.floor(body / 4);
  if (!Number.isInteger(stride) || stride < 0 || stride >= body) {
    throw new ParapetError(
      'USAGE',
      `stride must be an integer in [0, ${body - 1}] for maxTokens ${maxTokens}, got ${stride}`,
    );
  }
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ParapetError('USAGE', `batchSize must be a positive integer, got ${batchSize}`);
  }

  const ort = await importOptional<Ort>(() => import('onnxruntime-node'), 'onnxruntime-node');
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new ParapetError(
      'MALFORMED',
      `${modelPath}: onnxruntime cannot load the model: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  const unknown = session.inputNames.filter((name) => !KNOWN_INPUTS.has(name));
  if (!session.inputNames.includes('input_ids') || unknown.length > 0) {
    await session.release();
    throw new ParapetError(
      'MALFORMED',
      `${modelPath}: not a text classifier: inputs are ${session.inputNames.join(', ')}; expected input_ids and optionally ${[...KNOWN_INPUTS].slice(1).join(', ')}`,
    );
  }
  const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  if (outputName === undefined) {
    await session.release();
    throw new ParapetError('MALFORMED', `${modelPath}: the model has no outputs`);
  }

  const id = `onnx:${basename(root)}`;
  const run = batchRunner(ort, session, tokenizer, outputName, labels, maliciousIndices, modelPath);
  let closed = false;
  return {
    id,
    modelPath,
    labels,
    maliciousIndices,
    maxTokens,
    stride,
    async score(texts) {
      if (closed) throw new ParapetError('USAGE', `${id}: the classifier was closed`);
      const windows: { text: number; ids: number[] }[] = [];
      texts.forEach((text, index) => {
        if (typeof text !== 'string')
          throw new ParapetError('USAGE', `${id}: texts[${index}] is not a string`);
        for (const ids of splitWindows(tokenizer.encode(text), body, stride))
          windows.push({ text: index, ids });
      });
      const scores = texts.map(() => 0);
      for (let start = 0; start < windows.length; start += batchSize) {
        const batch = windows.slice(start, start + batchSize);
        const probabilities = await run(batch.map((w) => w.ids));
        batch.forEach((w, k) => {
          scores[w.text] = Math.max(scores[w.text] ?? 0, probabilities[k] ?? 0);
        });
      }
      return scores;
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

/** Runs one batch of windows (plain ids) and returns each window's probability of the malicious labels. */
function batchRunner(
  ort: Ort,
  session: InferenceSession,
  tokenizer: WindowTokenizer,
  outputName: string,
  labels: readonly string[],
  malicious: readonly number[],
  modelPath: string,
): (windows: readonly (readonly number[])[]) => Promise<number[]> {
  const { prefix, suffix, padId } = tokenizer;
  return async (windows) => {
    const rows = windows.length;
    const width = Math.max(...windows.map((w) => w.length)) + prefix.length + suffix.length;
    const inputIds = new BigInt64Array(rows * width).fill(BigInt(padId));
    const mask = new BigInt64Array(rows * width);
    windows.forEach((window, r) => {
      const sequence = [...prefix, ...window, ...suffix];
      sequence.forEach((tokenId, c) => {
        inputIds[r * width + c] = BigInt(tokenId);
        mask[r * width + c] = 1n;
      });
    });
    const dims = [rows, width];
    const feeds: Record<string, Tensor> = {};
    for (const name of session.inputNames) {
      if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', inputIds, dims);
      else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', mask, dims);
      else if (name === 'token_type_ids')
        feeds[name] = new ort.Tensor('int64', new BigInt64Array(rows * width), dims);
      else if (name === 'position_ids') {
        const positions = new BigInt64Array(rows * width);
        for (let i = 0; i < positions.length; i++) positions[i] = BigInt(i % width);
        feeds[name] = new ort.Tensor('int64', positions, dims);
      }
    }
    let logits: Tensor | undefined;
    try {
      logits = (await session.run(feeds))[outputName];
    } catch (err) {
      throw new ParapetError('MALFORMED', `${modelPath}: inference failed: ${describeError(err)}`, {
        cause: err,
      });
    }
    if (logits === undefined || (logits.type !== 'float32' && logits.type !== 'float64')) {
      throw new ParapetError('MALFORMED', `${modelPath}: output "${outputName}" is not float logits`);
    }
    const classes = logits.dims.length === 2 && logits.dims[0] === rows ? logits.dims[1] : undefined;
    if (classes === undefined || classes < 1) {
      throw new ParapetError(
        'MALFORMED',
        `${modelPath}: logits have shape [${logits.dims.join(', ')}], expected [${rows}, labels]`,
      );
    }
    if (labels.length > 0 && classes !== labels.length) {
      throw new ParapetError(
        'MALFORMED',
        `${modelPath}: the model gives ${classes} logits but config.json names ${labels.length} labels`,
      );
    }
    if (classes > 1 && malicious.some((i) => i >= classes)) {
      throw new ParapetError(
        'MALFORMED',
        `${modelPath}: the model gives ${classes} logits, fewer than the malicious label index`,
      );
    }
    const data = logits.data as Float32Array | Float64Array;
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = Array.from(data.subarray(r * classes, (r + 1) * classes));
      out.push(classes === 1 ? sigmoid(row[0] ?? 0) : maliciousProbability(row, malicious));
    }
    return out;
  };
}

/** Softmax over `logits`, summed over the malicious indices; numerically stable. */
export function maliciousProbability(logits: readonly number[], malicious: readonly number[]): number {
  const top = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - top));
  const total = exps.reduce((a, b) => a + b, 0);
  const hit = malicious.reduce((sum, i) => sum + (exps[i] ?? 0), 0);
  const p = hit / total;
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Label names by index from config.json `id2label`; empty when there is no config or no id2label. */
export function labelsOf(config: unknown, source = 'config.json'): string[] {
  if (!isRecord(config) || !isRecord(config.id2label)) return [];
  const labels: string[] = [];
  for (const [key, value] of Object.entries(config.id2label)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index > 10_000 || typeof value !== 'string') {
      throw new ParapetError(
        'MALFORMED',
        `${source}: id2label entry ${JSON.stringify(key)} is not "<index>": "<label>"`,
      );
    }
    labels[index] = value;
  }
  return Array.from(labels, (l, i) => l ?? `LABEL_${i}`);
}

/** Which label indices count as malicious (see `OnnxClassifierOptions.maliciousLabels`). */
export function resolveMaliciousLabels(
  labels: readonly string[],
  requested: readonly string[] | undefined,
  source = 'config.json',
): number[] {
  if (requested !== undefined) {
    if (requested.length === 0) throw new ParapetError('USAGE', 'maliciousLabels is empty');
    return requested.map((name) => {
      const byName = labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
      if (byName >= 0) return byName;
      const index = /^(?:label_)?(\d{1,5})$/i.exec(name)?.[1];
      if (index !== undefined && (labels.length === 0 || Number(index) < labels.length)) return Number(index);
      throw new ParapetError(
        'USAGE',
        labels.length > 0
          ? `malicious label "${name}" is not one of the model's labels (${labels.join(', ')})`
          : `malicious label "${name}": the model has no config.json id2label, so name labels by index (e.g. 1 or LABEL_1)`,
      );
    });
  }
  if (labels.length === 0) return [1];
  const matching = labels.flatMap((l, i) => (MALICIOUS_LABEL.test(l) ? [i] : []));
  if (matching.length > 0) return matching;
  if (labels.length === 2) return [1];
  throw new ParapetError(
    'USAGE',
    `${source}: none of the labels (${labels.join(', ')}) names an attack; pass maliciousLabels to say which do`,
  );
}

async function findModel(root: string, modelFile: string | undefined): Promise<string> {
  if (modelFile !== undefined) {
    const path = resolve(root, modelFile);
    if ((await fileKind(path)) !== 'file')
      throw new ParapetError('NOT_FOUND', `ONNX model not found: ${path}`);
    return path;
  }
  const candidates = [join(root, 'model.onnx'), join(root, 'onnx', 'model.onnx')];
  const found = await firstFile(candidates);
  if (found === undefined) {
    throw new ParapetError(
      'NOT_FOUND',
      `ONNX model not found: looked for ${candidates.join(' and ')} (pass modelFile for another name)`,
    );
  }
  return found;
}

async function findTokenizer(
  root: string,
  modelPath: string,
  tokenizerFile: string | undefined,
): Promise<string> {
  if (tokenizerFile !== undefined) {
    const path = resolve(root, tokenizerFile);
    if ((await fileKind(path)) !== 'file')
      throw new ParapetError('NOT_FOUND', `tokenizer not found: ${path}`);
    return path;
  }
  const candidates = [join(root, 'tokenizer.json'), join(dirname(modelPath), 'tokenizer.json')];
  const found = await firstFile(candidates);
  if (found === undefined) {
    throw new ParapetError(
      'NOT_FOUND',
      `tokenizer not found: looked for ${[...new Set(candidates)].join(' and ')}`,
    );
  }
  return found;
}

async function firstFile(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if ((await fileKind(path)) === 'file') return path;
  return undefined;
}

async function fileKind(path: string): Promise<'file' | 'directory' | 'other' | 'missing'> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

async function readJsonIfPresent(path: string): Promise<unknown> {
  return (await fileKind(path)) === 'file' ? readJson(path) : undefined;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_JSON_BYTES) {
      throw new ParapetError(
        'LIMIT',
        `${path}: ${size} bytes, over the ${MAX_JSON_BYTES}-byte cap for a JSON file`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof ParapetError) throw err;
    throw new ParapetError('UNREADABLE', `${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ParapetError('MALFORMED', `${path}: not valid JSON: ${describeError(err)}`, { cause: err });
  }
}
