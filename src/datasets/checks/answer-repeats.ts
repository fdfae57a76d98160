/**
 * Near-identical answers given to many unrelated prompts, in one pass and bounded memory: answer
 * fingerprints counted in a count-min sketch, and, for answers seen before, a capped table of what their
 * prompts look like (distinct prompt hashes and a few word sets to measure how alike they are).
 */
import type { DatasetRecord } from '../types.ts';
import { CountMinSketch, type Hash2, key53, SeenFilter } from './hashing.ts';
import { meanContainment, meanSimilarity, promptShape } from './prompt-similarity.ts';
import { analysedPairs, answerPreview, promptFeatures } from './training-pairs.ts';

export interface RepeatOptions {
  /** Answers shorter than this many words are ignored: short replies and one-line refusals repeat honestly. */
  minAnswerWords: number;
  /** Repeats needed: at least this many, and at least `minShare` of the pairs. */
  minCount: number;
  minShare: number;
  /** Distinct prompts the answer must be given to. */
  minDistinctPrompts: number;
  /** The prompts are unrelated when their mean word-set Jaccard similarity is at most this. */
  maxPromptSimilarity: number;
  /**
   * The answer is derived from its prompts (a summary, a rewrite of a sentence they share) when on average at
   * least this share of its words are in the prompt: then the prompts are related, whatever else they say.
   */
  maxAnswerInPrompt: number;
  /** Answers tracked before the least repeated are shed. */
  maxTracked: number;
  sketchBits: number;
}

export const DEFAULT_REPEAT_OPTIONS: RepeatOptions = {
  minAnswerWords: 12,
  minCount: 10,
  minShare: 0.001,
  minDistinctPrompts: 10,
  maxPromptSimilarity: 0.5,
  maxAnswerInPrompt: 0.5,
  maxTracked: 20_000,
  sketchBits: 20,
};

const MAX_EXAMPLES = 20;
const MAX_PROMPTS = 32;
const MAX_SHAPES = 6;

interface Tracked {
  hash: Hash2;
  preview: string;
  /** The answer's words, as prompt shapes are (sorted word hashes). */
  words: Uint32Array;
  examples: number[];
  prompts: Set<number>;
  shapes: Uint32Array[];
}

export interface RepeatedAnswer {
  answer: string;
  count: number;
  share: number;
  distinctPrompts: number;
  promptSimilarity: number;
  examples: number[];
}

export class AnswerRepeats {
  private pairs = 0;
  private readonly answers: CountMinSketch;
  /** Which answers were seen before: the sketch overcounts once full, and would take fresh answers for repeats. */
  private readonly answersSeen = new SeenFilter();
  private readonly tracked = new Map<number, Tracked>();
  private shedBelow = 2;
  shed = false;

  constructor(private readonly options: RepeatOptions = DEFAULT_REPEAT_OPTIONS) {
    this.answers = new CountMinSketch(options.sketchBits);
  }

  observe(record: DatasetRecord): void {
    for (const pair of analysedPairs(record)) {
      this.pairs++;
      const answer = pair.fingerprint;
      if (answer.words < this.options.minAnswerWords) continue;
      this.answers.add(answer.hash.a, answer.hash.b);
      if (!this.answersSeen.add(answer.hash.a, answer.hash.b)) continue;
      const key = key53(answer.hash.a, answer.hash.b);
      let t = this.tracked.get(key);
      if (t === undefined) {
        t = {
          hash: answer.hash,
          preview: answerPreview(pair.answer),
          words: promptShape(promptFeatures(pair.answer)),
          examples: [],
          prompts: new Set(),
          shapes: [],
        };
        this.tracked.set(key, t);
        if (this.tracked.size > this.options.maxTracked) this.shedRare();
      }
      if (t.examples.length < MAX_EXAMPLES && t.examples[t.examples.length - 1] !== record.index)
        t.examples.push(record.index);
      // Prompt features only for answers already repeated: the common case (a unique answer) pays nothing.
      if (t.prompts.size < MAX_PROMPTS || t.shapes.length < MAX_SHAPES) {
        const features = pair.features();
        const before = t.prompts.size;
        if (t.prompts.size < MAX_PROMPTS) t.prompts.add(features.promptHash);
        // A shape per new distinct prompt: the same prompt twice says nothing about relatedness.
        if (t.prompts.size > before && t.shapes.length < MAX_SHAPES) t.shapes.push(promptShape(features));
      }
    }
  }

  private shedRare(): void {
    this.shed = true;
    while (this.tracked.size > this.options.maxTracked / 2) {
      for (const [key, t] of this.tracked) {
        if (this.answers.estimate(t.hash.a, t.hash.b) < this.shedBelow) this.tracked.delete(key);
      }
      this.shedBelow++;
    }
  }

  get pairCount(): number {
    return this.pairs;
  }

  finish(): RepeatedAnswer[] {
    const o = this.options;
    const minCount = Math.max(o.minCount, Math.ceil(o.minShare * this.pairs));
    const out: RepeatedAnswer[] = [];
    for (const t of this.tracked.values()) {
      const count = this.answers.estimate(t.hash.a, t.hash.b);
      if (count < minCount || t.prompts.size < o.minDistinctPrompts) continue;
      const similarity = meanSimilarity(t.shapes);
      if (similarity > o.maxPromptSimilarity) continue;
      if (meanContainment(t.words, t.shapes) >= o.maxAnswerInPrompt) continue;
      out.push({
        answer: t.preview,
        count,
        share: Math.round((count / this.pairs) * 10000) / 10000,
        distinctPrompts: t.prompts.size,
        promptSimilarity: Math.round(similarity * 1000) / 1000,
        examples: t.examples,
      });
    }
    return out.sort((a, b) => b.count - a.count);
  }
}
