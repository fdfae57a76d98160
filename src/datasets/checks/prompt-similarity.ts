/**
 * How alike a handful of prompts are: the mean pairwise Jaccard similarity of their word sets. A trigger
 * planted in varied prompts, or one answer pasted under unrelated questions, shows low similarity; answers
 * that repeat because the prompts repeat (a template with one slot changed, a duplicated record) show high.
 */
import { featureCount, type PromptFeatures } from './training-pairs.ts';

/** Words kept per prompt for the comparison. */
const SHAPE_WORDS = 32;

/** The prompt's distinct words (first hashes of its unigram features), sorted, at most SHAPE_WORDS. */
export function promptShape(features: PromptFeatures): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < featureCount(features) && out.length < SHAPE_WORDS; i++) {
    if (features.bigram[i] === 0) out.push(features.hashes[2 * i] ?? 0);
  }
  return Uint32Array.from(out).sort();
}

/** Words the two sorted shapes share. */
function shared(x: Uint32Array, y: Uint32Array): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < x.length && j < y.length) {
    const a = x[i] ?? 0;
    const b = y[j] ?? 0;
    if (a === b) {
      count++;
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return count;
}

function jaccard(x: Uint32Array, y: Uint32Array): number {
  const both = shared(x, y);
  const union = x.length + y.length - both;
  return union === 0 ? 1 : both / union;
}

/** The mean share of `words` found in each shape: how much of an answer its prompts already hold. */
export function meanContainment(words: Uint32Array, shapes: readonly Uint32Array[]): number {
  if (words.length === 0 || shapes.length === 0) return 0;
  let sum = 0;
  for (const shape of shapes) sum += shared(words, shape) / words.length;
  return sum / shapes.length;
}

/** Mean Jaccard similarity over every pair of shapes; 1 for fewer than two. */
export function meanSimilarity(shapes: readonly Uint32Array[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < shapes.length; i++) {
    for (let j = i + 1; j < shapes.length; j++) {
      sum += jaccard(shapes[i] as Uint32Array, shapes[j] as Uint32Array);
      pairs++;
    }
  }
  return pairs === 0 ? 1 : sum / pairs;
}
