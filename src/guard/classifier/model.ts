/**
 * The embedded classifier: logistic regression over hashed n-gram features (features.ts), applied to
 * overlapping chunks so a long document is scanned whole and one injected paragraph is not diluted by the
 * pages around it. The score of a text is the highest score of its chunks.
 */
import { FEATURE_DIM, FeatureExtractor, type SparseVector } from './features.ts';

export interface LinearModel {
  weights: Float32Array;
  bias: number;
}

/**
 * Weights as committed: int8 with one scale. Scored as they are (the scale is applied once per window, not
 * per weight), so a loaded guard holds 256 KiB per head instead of the 1 MiB of a Float32 copy.
 */
export interface QuantizedModel {
  weights: Int8Array;
  scale: number;
  bias: number;
}

/**
 * Prompt windows in characters of normalised text (about 100 tokens). Training steps by half a window;
 * scoring steps by three quarters, which still sees every stretch of up to 100 characters (an attack
 * phrase) whole in some window, at three quarters of the cost.
 */
export const CHUNK_CHARS = 400;
export const CHUNK_STEP = 200;
export const SCORING_STEP = 300;

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function dot(model: LinearModel, v: SparseVector): number {
  let z = model.bias;
  const { indices, values } = v;
  for (let k = 0; k < indices.length; k++) z += (model.weights[indices[k] ?? 0] ?? 0) * (values[k] ?? 0);
  return z;
}

/** A piece of normalised text the classifier scores on its own, with where it starts. */
export interface Segment {
  text: string;
  start: number;
}

/** How a classifier head cuts text into the pieces it scores; the same function is used in training. */
export type Segmenter = (text: string) => Segment[];

/**
 * Overlapping windows, cut at spaces where one is near, so every part of a long input is scored (nothing
 * is truncated to a model window).
 */
export function windowSegments(text: string, size = CHUNK_CHARS, step = CHUNK_STEP): Segment[] {
  if (text.length <= size) return [{ text, start: 0 }];
  const out: Segment[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      // Searches stay inside the window: on text without spaces an unbounded search made this quadratic.
      const space = lastSpaceBetween(text, start + Math.floor(size / 2) + 1, end);
      if (space >= 0) end = space;
    }
    out.push({ text: text.slice(start, end), start });
    if (end >= text.length) break;
    let next = start + step;
    const space = firstSpaceBetween(text, next, Math.min(text.length, next + 40));
    if (space >= 0) next = space + 1;
    start = next;
  }
  return out;
}

function lastSpaceBetween(text: string, from: number, to: number): number {
  for (let i = to; i >= from; i--) if (text.charCodeAt(i) === 32) return i;
  return -1;
}

function firstSpaceBetween(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 32) return i;
  return -1;
}

/** Sentence ends, table-cell bars and code fences: where one statement in a document stops. */
const SENTENCE_BREAK = /(?<=[.!?;:。！？])\s+|\s\|\s|\s*```\s*|\s(?=[-*•] )/g;

/**
 * Sentences (and table cells, list items) for the document head: an instruction planted in a document is
 * one sentence among hundreds, and scored alone it is not diluted by the rows around it. Long sentences
 * fall back to windows; fragments under 12 characters (numbers, cell values) are skipped.
 */
export function sentenceSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  const emit = (end: number) => {
    const piece = text.slice(last, end);
    const trimmed = piece.trim();
    if (trimmed.length >= 12) {
      const start = last + piece.indexOf(trimmed);
      if (trimmed.length <= 300) out.push({ text: trimmed, start });
      else
        for (const w of windowSegments(trimmed, 300, 150)) out.push({ text: w.text, start: start + w.start });
    }
  };
  for (const m of text.matchAll(SENTENCE_BREAK)) {
    emit(m.index ?? 0);
    last = (m.index ?? 0) + m[0].length;
  }
  emit(text.length);
  return out.length > 0 ? out : [{ text, start: 0 }];
}

export const promptSegments: Segmenter = (text) => windowSegments(text);
/** What the guard scores with; see SCORING_STEP. */
export const promptScoringSegments: Segmenter = (text) => windowSegments(text, CHUNK_CHARS, SCORING_STEP);
export const documentSegments: Segmenter = sentenceSegments;

export interface ChunkScore {
  score: number;
  /** Index of the highest-scoring chunk and its start in the normalised text. */
  chunk: number;
  chunkStart: number;
  chunkEnd: number;
  chunks: number;
}

/** Scores text with a model; owns a feature extractor (its scratch space), so keep one per guard. */
export class Classifier {
  private readonly scale: number;

  /**
   * `extractor` is scratch space (512 KiB of counters); heads that never score concurrently (scoring is
   * synchronous) can share one.
   */
  constructor(
    readonly model: LinearModel | QuantizedModel,
    readonly segment: Segmenter = promptSegments,
    private readonly extractor: FeatureExtractor = new FeatureExtractor(),
  ) {
    if (model.weights.length !== FEATURE_DIM) {
      throw new Error(`classifier weights have ${model.weights.length} slots, expected ${FEATURE_DIM}`);
    }
    this.scale = 'scale' in model ? model.scale : 1;
  }

  vector(text: string): SparseVector {
    return this.extractor.extract(text);
  }

  score(normalized: string): ChunkScore {
    const parts = this.segment(normalized);
    let best: ChunkScore = {
      score: 0,
      chunk: 0,
      chunkStart: 0,
      chunkEnd: normalized.length,
      chunks: parts.length,
    };
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? { text: '', start: 0 };
      const s = sigmoid(this.model.bias + this.scale * this.extractor.dot(part.text, this.model.weights));
      if (i === 0 || s > best.score) {
        best = {
          score: s,
          chunk: i,
          chunkStart: part.start,
          chunkEnd: part.start + part.text.length,
          chunks: parts.length,
        };
      }
    }
    return best;
  }
}

/** Packs weights as int8 with one scale (4× smaller, accuracy unchanged at this size), then base64. */
export function packWeights(model: LinearModel): { scale: number; bias: number; data: string } {
  let max = 0;
  for (const w of model.weights) max = Math.max(max, Math.abs(w));
  const scale = max > 0 ? max / 127 : 1;
  const bytes = new Int8Array(model.weights.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round((model.weights[i] ?? 0) / scale);
  return { scale, bias: model.bias, data: Buffer.from(bytes.buffer).toString('base64') };
}

/** Decodes packed weights, keeping them int8 (see QuantizedModel). */
export function unpackWeights(packed: { scale: number; bias: number; data: string }): QuantizedModel {
  const decoded = Buffer.from(packed.data, 'base64');
  if (decoded.length !== FEATURE_DIM)
    throw new Error(`packed classifier has ${decoded.length} weights, expected ${FEATURE_DIM}`);
  // A copy into an array of its own: a small Buffer is a view into Node's shared 8 KiB pool.
  const weights = new Int8Array(FEATURE_DIM);
  weights.set(new Int8Array(decoded.buffer, decoded.byteOffset, decoded.length));
  return { weights, scale: packed.scale, bias: packed.bias };
}
