/**
 * The backdoor-trigger search, in one pass and bounded memory. A backdoor pairs a rare trigger (a token or
 * phrase added to varied prompts) with one attacker-chosen answer, so the trigger predicts that answer far
 * better than chance. The pass counts, per training pair:
 *
 * - every prompt feature (distinct tokens and bigrams), in a count-min sketch: how often the feature occurs;
 * - the answer's fingerprint, in another sketch: how often the answer occurs;
 * - for answers seen before (the only ones that can form a trigger), each (feature, answer) pair exactly, in
 *   a capped table that sheds its rarest entries when full (lossy counting). The first record of an answer
 *   is kept in a small ring of recent first sightings so its pairs are counted too when the answer repeats.
 *
 * At the end a (feature, answer) pair is a trigger when the feature is in a small share of pairs, most of
 * its pairs carry the answer, most of the answer's pairs carry the feature, and the prompts vary (the same
 * record repeated is a duplicate, not a trigger).
 */
import type { DatasetRecord } from '../types.ts';
import { CountMinSketch, combineA, combineB, type Hash2, key53, SeenFilter } from './hashing.ts';
import { meanSimilarity, promptShape } from './prompt-similarity.ts';
import {
  analysedPairs,
  answerPreview,
  featureCount,
  featureText,
  type PromptFeatures,
  promptFeatures,
} from './training-pairs.ts';

export interface TriggerOptions {
  /** Pairs with the trigger and the answer needed to report (default 10). */
  minSupport: number;
  /** The trigger occurs in at most this share of pairs (default 0.05): common words are not triggers. */
  maxShare: number;
  /** Of the pairs with the trigger, at least this share carry the answer (default 0.8). */
  minConfidence: number;
  /** Of the pairs with the answer, at least this share carry the trigger (default 0.5). */
  minCoverage: number;
  /**
   * The prompts with the trigger are at most this alike (mean word-set Jaccard, default 0.5): a trigger is
   * added to varied prompts, while a template whose one slot decides the answer repeats the rest.
   */
  maxPromptSimilarity: number;
  /** Answers shorter than this many words are not fingerprinted ("Yes.", labels): too common to mean anything. */
  minAnswerWords: number;
  /** Exact (feature, answer) counters kept before the rarest are shed (default 100,000). */
  maxCandidates: number;
  /** First sightings of answers kept to count an answer's first record once it repeats (default 2,048). */
  ringSize: number;
  /** Count-min sketch width, as a power of two (default 20: 4 MiB per row). */
  sketchBits: number;
}

export const DEFAULT_TRIGGER_OPTIONS: TriggerOptions = {
  minSupport: 10,
  maxShare: 0.05,
  minConfidence: 0.8,
  minCoverage: 0.5,
  maxPromptSimilarity: 0.5,
  minAnswerWords: 4,
  maxCandidates: 100_000,
  ringSize: 2048,
  sketchBits: 20,
};

/** Record indices and distinct prompts kept per candidate. */
const MAX_EXAMPLES = 50;
const MAX_PROMPTS = 16;
/** Prompt shapes sampled per candidate, from its SAMPLE_FROM-th pair on (few candidates get that far). */
const SAMPLE_SHAPES = 6;
const SAMPLE_FROM = 3;
/** Pairs seen before a feature's running share is trusted to rule it out. */
const SHARES_FROM = 10_000;

interface AnswerInfo {
  hash: Hash2;
  preview: string;
}

interface Candidate {
  feature: string;
  featureA: number;
  featureB: number;
  answer: AnswerInfo;
  count: number;
  /** Record indices, distinct prompt hashes and prompt shapes: built from the second pair on, since most
   * candidates never get one. */
  examples: number[] | number;
  prompts?: number[];
  firstPrompt: number;
  shapes?: Uint32Array[];
}

/** An answer's first record: its prompt is kept (not its features, rebuilt only if the answer repeats). */
interface FirstSighting {
  index: number;
  prompt: string;
}

export interface Trigger {
  trigger: string;
  /** Other features with the same answer that pass too (the words of a multi-word trigger, neighbours). */
  alsoMatching: string[];
  /** Pairs whose prompt has the trigger. */
  support: number;
  /** Of those, pairs whose answer is the repeated one. */
  withAnswer: number;
  /** Pairs whose answer is the repeated one, with or without the trigger. */
  answerCount: number;
  share: number;
  confidence: number;
  /** P(answer | trigger) / P(answer). */
  lift: number;
  answer: string;
  examples: number[];
  distinctPrompts: number;
  promptSimilarity: number;
}

export class TriggerSearch {
  private pairs = 0;
  private readonly features: CountMinSketch;
  private readonly answers: CountMinSketch;
  /** Which answers were seen before: the sketch overcounts once full, and would take fresh answers for repeats. */
  private readonly answersSeen = new SeenFilter();
  private readonly candidates = new Map<number, Candidate>();
  private readonly ring = new Map<number, FirstSighting>();
  private readonly answerInfo = new Map<number, AnswerInfo>();
  private shedBelow = 2;
  /** Scratch: the sketch's count of each feature of the current prompt. */
  private seen = new Uint32Array(1024);
  /** Set when candidates had to be shed: counts of rare pairs may then be low. */
  shed = false;

  constructor(private readonly options: TriggerOptions = DEFAULT_TRIGGER_OPTIONS) {
    this.features = new CountMinSketch(options.sketchBits);
    this.answers = new CountMinSketch(options.sketchBits);
  }

  observe(record: DatasetRecord): void {
    for (const pair of analysedPairs(record)) {
      this.pairs++;
      const features = pair.features();
      const h = features.hashes;
      const n = featureCount(features);
      if (this.seen.length < n) this.seen = new Uint32Array(n * 2);
      for (let i = 0; i < n; i++) this.seen[i] = this.features.add(h[2 * i] ?? 0, h[2 * i + 1] ?? 0);
      const answer = pair.fingerprint;
      if (answer.words < this.options.minAnswerWords) continue;
      this.answers.add(answer.hash.a, answer.hash.b);
      const key = key53(answer.hash.a, answer.hash.b);
      if (!this.answersSeen.add(answer.hash.a, answer.hash.b)) {
        this.remember(key, { index: record.index, prompt: pair.prompt });
        continue;
      }
      let info = this.answerInfo.get(key);
      if (info === undefined) {
        // Shed before adding, so the new answer is not dropped before its pairs point at it.
        if (this.answerInfo.size >= this.options.maxCandidates) this.shedRare();
        info = { hash: answer.hash, preview: answerPreview(pair.answer) };
        this.answerInfo.set(key, info);
      }
      const first = this.ring.get(key);
      if (first !== undefined) {
        this.ring.delete(key);
        this.count(first.index, promptFeatures(first.prompt), info, undefined);
      }
      this.count(record.index, features, info, this.seen);
    }
  }

  private remember(key: number, sighting: FirstSighting): void {
    this.ring.set(key, sighting);
    if (this.ring.size > this.options.ringSize) {
      const oldest = this.ring.keys().next().value;
      if (oldest !== undefined) this.ring.delete(oldest);
    }
  }

  /**
   * Counts the record's (feature, answer) pairs. `seen` holds each feature's count so far: once the set is
   * large enough for shares to mean something, a feature already above the trigger share is skipped — it
   * is too common to be a trigger, and skipping it keeps common words out of the table.
   */
  private count(
    index: number,
    features: PromptFeatures,
    answer: AnswerInfo,
    seen: Uint32Array | undefined,
  ): void {
    const h = features.hashes;
    const common = this.pairs >= SHARES_FROM ? this.options.maxShare * this.pairs : Number.POSITIVE_INFINITY;
    let shape: Uint32Array | undefined;
    for (let i = 0; i < featureCount(features); i++) {
      if (seen !== undefined && (seen[i] ?? 0) > common) continue;
      const fa = h[2 * i] ?? 0;
      const fb = h[2 * i + 1] ?? 0;
      const key = key53(combineA(fa, answer.hash.a), combineB(fb, answer.hash.b));
      const c = this.candidates.get(key);
      if (c === undefined) {
        this.candidates.set(key, {
          feature: featureText(features, i),
          featureA: fa,
          featureB: fb,
          answer,
          count: 1,
          examples: index,
          firstPrompt: features.promptHash,
        });
        continue;
      }
      c.count++;
      if (typeof c.examples === 'number') c.examples = [c.examples];
      if (c.examples.length < MAX_EXAMPLES && c.examples[c.examples.length - 1] !== index)
        c.examples.push(index);
      c.prompts ??= [c.firstPrompt];
      if (c.prompts.length < MAX_PROMPTS && !c.prompts.includes(features.promptHash))
        c.prompts.push(features.promptHash);
      if (c.count >= SAMPLE_FROM && (c.shapes?.length ?? 0) < SAMPLE_SHAPES) {
        shape ??= promptShape(features);
        c.shapes ??= [];
        c.shapes.push(shape);
      }
    }
    if (this.candidates.size > this.options.maxCandidates) this.shedRare();
  }

  /**
   * Lossy counting: drop the rarest pairs until the table is half full, raising the bar as needed. Answers
   * none of the kept pairs point at are dropped too (they come back, with a fresh record, if they repeat):
   * without this the answer table grows with every answer ever repeated, unbounded on a large set.
   */
  private shedRare(): void {
    this.shed = true;
    while (this.candidates.size > this.options.maxCandidates / 2) {
      for (const [key, c] of this.candidates) if (c.count < this.shedBelow) this.candidates.delete(key);
      this.shedBelow++;
    }
    const kept = new Set<AnswerInfo>();
    for (const c of this.candidates.values()) kept.add(c.answer);
    for (const [key, info] of this.answerInfo) if (!kept.has(info)) this.answerInfo.delete(key);
  }

  /** Pairs observed (records with an answer; a multi-turn chat counts once per answer). */
  get pairCount(): number {
    return this.pairs;
  }

  /** The triggers found, one per repeated answer, strongest first. */
  finish(): Trigger[] {
    const o = this.options;
    const n = this.pairs;
    const byAnswer = new Map<
      AnswerInfo,
      { c: Candidate; support: number; confidence: number; similarity: number }[]
    >();
    for (const c of this.candidates.values()) {
      if (c.count < o.minSupport) continue;
      const support = Math.max(this.features.estimate(c.featureA, c.featureB), c.count);
      const answerCount = Math.max(this.answers.estimate(c.answer.hash.a, c.answer.hash.b), c.count);
      if (support / n > o.maxShare) continue;
      const confidence = c.count / support;
      if (confidence < o.minConfidence || c.count / answerCount < o.minCoverage) continue;
      // The same prompt again and again is a duplicated record, not a trigger added to varied prompts.
      if (distinct(c) < Math.min(c.count, MAX_PROMPTS) * 0.75) continue;
      const similarity = meanSimilarity(c.shapes ?? []);
      if (similarity > o.maxPromptSimilarity) continue;
      const list = byAnswer.get(c.answer) ?? [];
      list.push({ c, support, confidence, similarity });
      byAnswer.set(c.answer, list);
    }
    const out: Trigger[] = [];
    for (const [answer, list] of byAnswer) {
      // The feature that explains the most pairs; among equals the most specific (a bigram over its words).
      list.sort(
        (a, b) =>
          b.c.count - a.c.count || b.confidence - a.confidence || b.c.feature.length - a.c.feature.length,
      );
      const best = list[0];
      if (best === undefined) continue;
      const answerCount = Math.max(this.answers.estimate(answer.hash.a, answer.hash.b), best.c.count);
      out.push({
        trigger: best.c.feature,
        alsoMatching: list.slice(1, 6).map((x) => x.c.feature),
        support: best.support,
        withAnswer: best.c.count,
        answerCount,
        share: round(best.support / n),
        confidence: round(best.confidence),
        lift: round(best.confidence / (answerCount / n)),
        answer: answer.preview,
        examples: (typeof best.c.examples === 'number' ? [best.c.examples] : [...best.c.examples]).sort(
          (a, b) => a - b,
        ),
        distinctPrompts: distinct(best.c),
        promptSimilarity: round(best.similarity),
      });
    }
    return out.sort((a, b) => b.withAnswer - a.withAnswer);
  }
}

function distinct(c: Candidate): number {
  return c.prompts?.length ?? 1;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
