/**
 * Features for the embedded classifier: hashed character n-grams (3 to 5, inside word boundaries) and
 * hashed word unigrams and bigrams of the normalised text. Character n-grams carry across languages,
 * misspellings and inflections, which is what lets a small linear model generalise past its training
 * sources; word n-grams add phrase-level cues. Hashing keeps the model a fixed size with no vocabulary.
 */

/** log2 of the number of hashed feature slots. */
export const FEATURE_BITS = 18;
export const FEATURE_DIM = 1 << FEATURE_BITS;
const MASK = FEATURE_DIM - 1;

const CHAR_SEED = [0, 0, 0, 0x9e3779b1, 0x85ebca6b, 0xc2b2ae35];
const WORD_SEED = 0x27d4eb2f;
const BIGRAM_SEED = 0x165667b1;

/**
 * Sparse feature vector: slot indices and weights (sublinear term frequency, L2-normalised).
 * `scratch` is a per-caller counter array of FEATURE_DIM entries, left zeroed on return.
 */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** 1 + ln(c) for small counts, so the hot loop does not call Math.log. */
const SUBLINEAR = Float64Array.from({ length: 256 }, (_, c) => (c === 0 ? 0 : 1 + Math.log(c)));

export class FeatureExtractor {
  private readonly counts = new Uint16Array(FEATURE_DIM);
  private touched = new Int32Array(4096);
  private n = 0;

  /** Features of an already-normalised text (see normalize.ts). */
  extract(text: string): SparseVector {
    this.count(text);
    const n = this.n;
    const indices = this.touched.slice(0, n);
    const values = new Float32Array(n);
    let norm = 0;
    for (let k = 0; k < n; k++) {
      const v = this.weightOf(indices[k] ?? 0);
      values[k] = v;
      norm += v * v;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < n; k++) values[k] = (values[k] ?? 0) * inv;
    return { indices, values };
  }

  /**
   * `weights · features(text)` without materialising the vector: the hot path of scoring, which runs
   * once per window of every input.
   */
  dot(text: string, weights: Float32Array | Int8Array): number {
    this.count(text);
    let norm = 0;
    let z = 0;
    const touched = this.touched;
    for (let k = 0; k < this.n; k++) {
      const slot = touched[k] ?? 0;
      const v = this.weightOf(slot);
      norm += v * v;
      z += (weights[slot] ?? 0) * v;
    }
    return norm > 0 ? z / Math.sqrt(norm) : 0;
  }

  /** Sublinear term frequency of a counted slot; resets the slot for the next text. */
  private weightOf(slot: number): number {
    const c = this.counts[slot] ?? 1;
    this.counts[slot] = 0;
    return c < 256 ? (SUBLINEAR[c] ?? 1) : 1 + Math.log(c);
  }

  /**
   * Counts every feature of the text into `counts`, listing touched slots. One flat loop with the counters
   * in locals: this runs over every character of every input, so calls and property loads add up. The
   * hashes are exactly those the model was trained with (see git history before changing any of them).
   */
  private count(text: string): void {
    const counts = this.counts;
    let touched = this.touched;
    let n = 0;
    const len = text.length;
    let prevWord = 0;
    let wordStart = 0;
    const seed3 = CHAR_SEED[3] ?? 0;
    const seed4 = CHAR_SEED[4] ?? 0;
    const seed5 = CHAR_SEED[5] ?? 0;
    for (let i = 0; i <= len; i++) {
      if (i < len && text.charCodeAt(i) !== 32) continue;
      if (i > wordStart) {
        if (n + 256 >= touched.length) {
          const grown = new Int32Array(touched.length * 2 + 256);
          grown.set(touched.subarray(0, n));
          touched = grown;
        }
        const w = wordHash(text, wordStart, i);
        let slot = Math.imul(w ^ WORD_SEED, 0x01000193) & MASK;
        let c = counts[slot] ?? 0;
        if (c === 0) touched[n++] = slot;
        if (c < 0xffff) counts[slot] = c + 1;
        if (prevWord !== 0) {
          slot = Math.imul((prevWord * 31 + w) ^ BIGRAM_SEED, 0x01000193) & MASK;
          c = counts[slot] ?? 0;
          if (c === 0) touched[n++] = slot;
          if (c < 0xffff) counts[slot] = c + 1;
        }
        prevWord = w;
        // 3- to 5-grams of " word " (space-padded); a long word contributes at most 40 positions.
        const padded = i - wordStart + 2;
        const last = Math.min(padded, 42);
        for (let p = 0; p < last; p++) {
          let h = 0x811c9dc5;
          const kMax = Math.min(5, padded - p);
          for (let k = 0; k < kMax; k++) {
            const q = p + k;
            const code = q === 0 || q === padded - 1 ? 32 : text.charCodeAt(wordStart + q - 1);
            h = Math.imul(h ^ code, 0x01000193);
            if (k < 2) continue;
            const slot = (h ^ (k === 2 ? seed3 : k === 3 ? seed4 : seed5)) & MASK;
            const c = counts[slot] ?? 0;
            if (c === 0) touched[n++] = slot;
            if (c < 0xffff) counts[slot] = c + 1;
          }
        }
      }
      wordStart = i + 1;
    }
    this.touched = touched;
    this.n = n;
  }
}

function wordHash(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 1;
}
