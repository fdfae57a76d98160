/**
 * What the whole-set rules compare: (prompt, answer) training pairs, the prompt's tokens and bigrams as
 * hashed features, and a fingerprint of the answer that survives case, punctuation and spacing changes.
 */
import type { DatasetRecord } from '../types.ts';
import { combineA, combineB, type Hash2, hash2, hash32, key53, SEED_B } from './hashing.ts';

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

/** Words: letters and digits, with inner `-`, `_`, `'`, `.` kept (`cf-7741`, `don't`, `v1.2`). */
const WORD = /[\p{L}\p{N}]+(?:[-_'.][\p{L}\p{N}]+)*/gu;

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

export function promptFeatures(prompt: string): PromptFeatures {
  let tokens: string[] = prompt.toLowerCase().match(WORD) ?? [];
  if (tokens.length > MAX_PROMPT_TOKENS) {
    const half = MAX_PROMPT_TOKENS / 2;
    tokens = [...tokens.slice(0, half), ...tokens.slice(-half)];
  }
  const n = tokens.length;
  const ta = new Uint32Array(n);
  const tb = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const t = tokens[i] ?? '';
    ta[i] = hash32(t);
    tb[i] = hash32(t, SEED_B);
  }
  const hashes = new Uint32Array(4 * n);
  const starts = new Uint16Array(2 * n);
  const bigram = new Uint8Array(2 * n);
  const seen = new Set<number>();
  let k = 0;
  const add = (a: number, b: number, start: number, isBigram: boolean) => {
    const key = key53(a, b);
    if (seen.has(key)) return;
    seen.add(key);
    hashes[2 * k] = a;
    hashes[2 * k + 1] = b;
    starts[k] = start;
    bigram[k] = isBigram ? 1 : 0;
    k++;
  };
  let whole = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    const a = ta[i] ?? 0;
    const b = tb[i] ?? 0;
    add(a, b, i, false);
    if (i + 1 < n) add(combineA(a, ta[i + 1] ?? 0), combineB(b, tb[i + 1] ?? 0), i, true);
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
  const words = head.toLowerCase().match(WORD) ?? [];
  if (words.length > ANSWER_WORDS) words.length = ANSWER_WORDS;
  return { hash: hash2(words.join(' ')), words: words.length };
}

/** The answer as reported: whitespace collapsed, at most 200 characters. Only built for reported answers. */
export function answerPreview(answer: string): string {
  const flat = answer.slice(0, 400).replace(/\s+/g, ' ').trim();
  return flat.length <= 200 ? flat : `${flat.slice(0, 199)}…`;
}
