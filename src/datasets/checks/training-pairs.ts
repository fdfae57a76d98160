/**
 * What the whole-set rules compare: (prompt, answer) training pairs, the prompt's tokens and bigrams as
 * hashed features, and a fingerprint of the answer that survives case, punctuation and spacing changes.
 */
import type { DatasetRecord } from '../types.ts';
import { combineA, combineB, type Hash2, hash32, mix, SEED_B } from './hashing.ts';
import { splitWords } from './words.ts';

/** One thing the model is taught: the prompt-side text before an answer, and the answer. */
export interface TrainingPair {
  prompt: string;
  answer: string;
  answerField: string;
}

/**
 * The record's pairs: each answer with every prompt-side text since the previous answer (system, prompt and
 * other texts; a chat's user turn, Alpaca's instruction and input). Records without an answer have none.
 */
export function trainingPairs(record: DatasetRecord): TrainingPair[] {
  const pairs: TrainingPair[] = [];
  let prompt: string[] = [];
  for (const t of record.texts) {
    if (t.role !== 'answer') {
      prompt.push(t.text);
      continue;
    }
    pairs.push({ prompt: prompt.join('\n'), answer: t.text, answerField: t.field });
    prompt = [];
  }
  return pairs;
}

/** Tokens kept per prompt: long documents are cut, their start and end kept (triggers sit anywhere, but a
 * document of ten thousand words would cost ten thousand features). */
export const MAX_PROMPT_TOKENS = 256;

/**
 * A prompt's distinct unigrams and bigrams, hashed; the text of a feature is rebuilt only when a rule needs
 * it (few do), so the hot path allocates no strings beyond the tokens.
 */
export interface PromptFeatures {
  tokens: string[];
  /** Two 32-bit hashes per feature: [a0, b0, a1, b1, ...]. */
  hashes: Uint32Array;
  /** Per feature, the index of its first token; bigrams are marked by `bigram`. */
  starts: Uint16Array;
  bigram: Uint8Array;
  /** Hash of the whole normalised prompt: tells duplicated records from varied prompts. */
  promptHash: number;
}

export function featureCount(f: PromptFeatures): number {
  return f.starts.length;
}

export function featureText(f: PromptFeatures, i: number): string {
  const s = f.starts[i] ?? 0;
  return f.bigram[i] === 1 ? `${f.tokens[s]} ${f.tokens[s + 1]}` : (f.tokens[s] ?? '');
}

/**
 * Scratch for promptFeatures, reused across calls (it is synchronous): per-token hashes, and an
 * open-addressing table that drops repeated features. A Set of 53-bit keys cost a heap number per feature;
 * this costs nothing per call. Slots are current when their stamp equals the call's generation, so the
 * table is never cleared.
 */
const MAX_FEATURES = 2 * MAX_PROMPT_TOKENS;
const DEDUPE_SLOTS = 4 * MAX_FEATURES; // load factor at most 1/4: short probe runs
const scratch = {
  tokenA: new Uint32Array(MAX_PROMPT_TOKENS),
  tokenB: new Uint32Array(MAX_PROMPT_TOKENS),
  slotA: new Uint32Array(DEDUPE_SLOTS),
  slotB: new Uint32Array(DEDUPE_SLOTS),
  stamp: new Uint32Array(DEDUPE_SLOTS),
  generation: 0,
};

export function promptFeatures(prompt: string): PromptFeatures {
  let tokens = splitWords(prompt.toLowerCase());
  if (tokens.length > MAX_PROMPT_TOKENS) {
    const half = MAX_PROMPT_TOKENS / 2;
    tokens = [...tokens.slice(0, half), ...tokens.slice(-half)];
  }
  const n = tokens.length;
  const { tokenA, tokenB, slotA, slotB, stamp } = scratch;
  for (let i = 0; i < n; i++) {
    const t = tokens[i] ?? '';
    tokenA[i] = hash32(t);
    tokenB[i] = hash32(t, SEED_B);
  }
  if (++scratch.generation === 0xffffffff) {
    stamp.fill(0);
    scratch.generation = 1;
  }
  const generation = scratch.generation;
  const hashes = new Uint32Array(4 * n);
  const starts = new Uint16Array(2 * n);
  const bigram = new Uint8Array(2 * n);
  let k = 0;
  /** Appends the feature unless this prompt already has it. */
  const add = (a: number, b: number, start: number, isBigram: number): void => {
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & (DEDUPE_SLOTS - 1);
    while (stamp[slot] === generation) {
      if (slotA[slot] === a && slotB[slot] === b) return;
      slot = (slot + 1) & (DEDUPE_SLOTS - 1);
    }
    stamp[slot] = generation;
    slotA[slot] = a;
    slotB[slot] = b;
    hashes[2 * k] = a;
    hashes[2 * k + 1] = b;
    starts[k] = start;
    bigram[k] = isBigram;
    k++;
  };
  let whole = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    const a = tokenA[i] ?? 0;
    const b = tokenB[i] ?? 0;
    add(a, b, i, 0);
    if (i + 1 < n) add(combineA(a, tokenA[i + 1] ?? 0), combineB(b, tokenB[i + 1] ?? 0), i, 1);
    whole = combineA(whole, a);
  }
  return {
    tokens,
    hashes: hashes.subarray(0, 2 * k),
    starts: starts.subarray(0, k),
    bigram: bigram.subarray(0, k),
    promptHash: whole,
  };
}

/** Answers are compared on their first words only: a poisoned answer may carry a varying tail. */
export const ANSWER_WORDS = 48;

/** Characters of an answer read for its fingerprint: ANSWER_WORDS words fit well within it. */
const ANSWER_HEAD = 1024;

export interface AnswerFingerprint {
  hash: Hash2;
  /** Words in the fingerprinted head, at most ANSWER_WORDS. */
  words: number;
}

/** Lower-cased words (punctuation and spacing ignored), the first ANSWER_WORDS of them, hashed. */
export function answerFingerprint(answer: string): AnswerFingerprint {
  const head = answer.length > ANSWER_HEAD ? answer.slice(0, ANSWER_HEAD) : answer;
  const words = splitWords(head.toLowerCase(), ANSWER_WORDS);
  // Each word hashed, then the word hashes chained in order: order-sensitive like hashing the joined words,
  // without building the joined string.
  let a = 0x811c9dc5;
  let b = SEED_B;
  for (const w of words) {
    a = mix(a ^ hash32(w));
    b = mix(b ^ hash32(w, SEED_B));
  }
  return { hash: { a, b }, words: words.length };
}

/** A training pair with what both whole-set rules compute from it, computed once per record. */
export interface AnalysedPair extends TrainingPair {
  fingerprint: AnswerFingerprint;
  /** The prompt's features, computed on first use and kept. */
  features(): PromptFeatures;
}

/**
 * The record's pairs with their answer fingerprints, shared by the rules that observe the same record
 * (trigger search, repeated answers) so each prompt and answer is split and hashed once, not once per rule.
 * The rules observe each record in turn, so the last record's pairs are all the cache needs to hold: one
 * slot, not a map (a WeakMap of every record cost more in collection than it saved).
 */
let lastRecord: DatasetRecord | undefined;
let lastPairs: AnalysedPair[] = [];

export function analysedPairs(record: DatasetRecord): AnalysedPair[] {
  if (record === lastRecord) return lastPairs;
  const out = trainingPairs(record).map((pair): AnalysedPair => {
    let features: PromptFeatures | undefined;
    return {
      ...pair,
      fingerprint: answerFingerprint(pair.answer),
      features: () => {
        features ??= promptFeatures(pair.prompt);
        return features;
      },
    };
  });
  lastRecord = record;
  lastPairs = out;
  return out;
}

/** The answer as reported: whitespace collapsed, at most 200 characters. Only built for reported answers. */
export function answerPreview(answer: string): string {
  const flat = answer.slice(0, 400).replace(/\s+/g, ' ').trim();
  return flat.length <= 200 ? flat : `${flat.slice(0, 199)}…`;
}
