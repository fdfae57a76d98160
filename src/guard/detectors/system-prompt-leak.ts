import { normalizeText } from '../normalize.ts';
import { originalSpan } from '../prepare.ts';
import { ScanMemo } from '../scan-memo.ts';
import type { Detection, Detector, DetectorContext, DetectorMeta, PreparedText } from '../types.ts';
import { containsAllowedPhrase, MAX_DETECTIONS } from './redact-utils.ts';

const meta: DetectorMeta = {
  id: 'guard/system-prompt-leak',
  title: 'Output reproduces the system prompt',
  severity: 'high',
  tags: ['OWASP-LLM07', 'AML.T0056', 'CWE-200'],
  references: [
    'https://genai.owasp.org/llmrisk/llm072025-system-prompt-leakage/',
    'https://atlas.mitre.org/techniques/AML.T0056',
  ],
  fix: 'Block the response. Treat the system prompt as something users will eventually see: keep credentials, internal URLs and authorisation rules out of it, and enforce those server-side instead.',
  directions: ['output'],
  defaultAction: 'block',
  defaultThreshold: 0.6,
  // Twelve words of English are under 100 characters; 600 leaves room for long words and markup between them.
  window: 600,
};

/** Words per shingle (fewer when the prompt is shorter). */
const SHINGLE = 8;
/** Contiguous words of the prompt that make a leak on their own. */
const RUN_WORDS = 12;
/** Prompts shorter than this never fire: "You are a helpful assistant." is in half the world's prompts. */
const MIN_PROMPT_WORDS = 6;
/** Share of the prompt's shingles that is a leak even without one long run (a dump with interruptions). */
const SHARE_ALONE = 0.4;
/** Prompt words considered; longer prompts are matched on their first part. */
const MAX_PROMPT_WORDS = 20_000;

/** Han, Hiragana and Katakana: scripts that do not put spaces between words, so each character is a word. */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x3040 && cp <= 0x30ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x3134f)
  );
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Seeds of the two 32-bit word hashes (FNV-1a and a multiply-rotate), packed into 52 bits. */
const SEED1 = 0x811c9dc5;
const SEED2 = 0x9747b28c;

/** One UTF-16 unit into both word hashes; 32-bit integer arithmetic only (no floating-point modulo). */
function mix1(h: number, u: number): number {
  return Math.imul(h ^ u, 0x01000193);
}
function mix2(h: number, u: number): number {
  const x = Math.imul(h + u, 0x5bd1e995);
  return x ^ (x >>> 15);
}
function pack(h1: number, h2: number): number {
  return (h1 >>> 0) * 0x100000 + (h2 >>> 12);
}

/**
 * Calls `emit(start, end, hash)` for each word of a normalised text: runs of letters and digits, and each
 * CJK character on its own. The hash identifies the word without slicing it out (the vocabulary is keyed by
 * it), which is most of what this detector costs per word. Hand-written: a Unicode-property regex costs
 * several times as much per character.
 */
function forEachWord(
  text: string,
  emit: (start: number, end: number, hash: number) => boolean | undefined,
): void {
  let start = -1;
  let h1 = SEED1;
  let h2 = SEED2;
  let i = 0;
  // Non-ASCII code points already classified in this text (texts repeat their few scripts' letters).
  const seen = new Map<number, boolean>();
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let width = 1;
    let word: boolean;
    let cjk = false;
    if (c < 0x80) word = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
    else {
      const cp = text.codePointAt(i) ?? c;
      width = cp > 0xffff ? 2 : 1;
      cjk = isCjk(cp);
      let letter = seen.get(cp);
      if (letter === undefined) {
        letter = LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
        if (seen.size < 4096) seen.set(cp, letter);
      }
      word = cjk || letter;
    }
    if (!word || cjk) {
      if (start >= 0 && emit(start, i, pack(h1, h2)) === false) return;
      start = -1;
      if (cjk && emit(i, i + width, cp2hash(text, i, width)) === false) return;
    } else {
      if (start < 0) {
        start = i;
        h1 = SEED1;
        h2 = SEED2;
      }
      h1 = mix1(h1, c);
      h2 = mix2(h2, c);
      if (width === 2) {
        const low = text.charCodeAt(i + 1);
        h1 = mix1(h1, low);
        h2 = mix2(h2, low);
      }
    }
    i += width;
  }
  if (start >= 0) emit(start, text.length, h1 * 67_108_864 + h2);
}

/** The word hash of a single character (CJK words are one character). */
function cp2hash(text: string, i: number, width: number): number {
  let h1 = SEED1;
  let h2 = SEED2;
  for (let k = i; k < i + width; k++) {
    const u = text.charCodeAt(k);
    h1 = mix1(h1, u);
    h2 = mix2(h2, u);
  }
  return pack(h1, h2);
}

/** Two polynomial hashes (moduli just under 2^26) of a shingle's word ids, packed into one safe integer. */
const P1 = 67_108_859;
const B1 = 31_337;
const P2 = 67_108_837;
const B2 = 65_599;

function shingleHash(ids: readonly number[], from: number, k: number): number {
  let a = 0;
  let b = 0;
  for (let j = from; j < from + k; j++) {
    const id = (ids[j] ?? 0) + 1;
    a = (a * B1 + id) % P1;
    b = (b * B2 + id) % P2;
  }
  return a * 67_108_864 + b;
}

/** B^(k-1) mod P: the weight of the oldest word in a window, removed when the window slides. */
function topWeight(base: number, mod: number, k: number): number {
  let w = 1;
  for (let j = 1; j < k; j++) w = (w * base) % mod;
  return w;
}

interface PromptIndex {
  prompt: string;
  /** Word hash → word id. */
  vocab: Map<number, number>;
  /** Hashes of the prompt's k-word shingles. */
  shingles: Set<number>;
  promptWords: number;
}

/**
 * The prompt's vocabulary and shingles, built once per context object: a stream scans its held window many
 * times with the same context, and a long prompt costs more to index than a window to scan. A WeakMap keyed
 * by the context is a memo of a pure function (it never changes an answer) and is freed with the context.
 */
const INDEX_MEMO = new WeakMap<DetectorContext, PromptIndex | undefined>();
/**
 * And by the prompt's text, across contexts: a server sends the same system prompt with every request, each
 * with a fresh context. Bounded by entries and characters; a pure function's memo, as above.
 */
const PROMPT_MEMO = new ScanMemo<PromptIndex | null>(32, 2 * 1024 * 1024);

function promptIndex(ctx: DetectorContext): PromptIndex | undefined {
  const prompt = ctx.systemPrompt ?? '';
  if (INDEX_MEMO.has(ctx)) {
    const memo = INDEX_MEMO.get(ctx);
    if ((memo?.prompt ?? '') === prompt) return memo;
  }
  let index = PROMPT_MEMO.get(prompt);
  if (index === undefined) {
    index = buildIndex(prompt) ?? null;
    PROMPT_MEMO.set(prompt, index);
  }
  INDEX_MEMO.set(ctx, index ?? undefined);
  return index ?? undefined;
}

function buildIndex(prompt: string): PromptIndex | undefined {
  const vocab = new Map<number, number>();
  const promptIds: number[] = [];
  forEachWord(normalizeText(prompt).text, (_s, _e, hash) => {
    let id = vocab.get(hash);
    if (id === undefined) {
      id = vocab.size;
      vocab.set(hash, id);
    }
    promptIds.push(id);
    return promptIds.length < MAX_PROMPT_WORDS;
  });
  const promptWords = promptIds.length;
  if (promptWords < MIN_PROMPT_WORDS) return undefined;
  const k = Math.min(SHINGLE, promptWords);
  const shingles = new Set<number>();
  for (let i = 0; i + k <= promptWords; i++) shingles.add(shingleHash(promptIds, i, k));
  return { prompt, vocab, shingles, promptWords };
}

interface Run {
  start: number;
  end: number;
  words: number;
}

/**
 * How much of `ctx.systemPrompt` the output reproduces, by 8-word shingles of the normalised texts (case,
 * punctuation, spacing and look-alike letters do not matter). Fires on a contiguous run of 12 or more
 * prompt words (the whole prompt when it has 6–11 words), or when 40% of the prompt's shingles reappear;
 * the score grows with the share reproduced. One pass over the output; the prompt's shingles are hashed once.
 */
export const systemPromptLeakDetector: Detector = {
  meta,
  // Overlap is measured over the whole window, and only when there is a system prompt to leak.
  pending: (tail, ctx) => (ctx.systemPrompt ? 0 : tail.length),
  detect(text: PreparedText, ctx: DetectorContext): Detection[] {
    if (!ctx.systemPrompt) return [];
    const index = promptIndex(ctx);
    if (index === undefined) return [];
    const { vocab, shingles, promptWords } = index;
    const k = Math.min(SHINGLE, promptWords);
    const need = Math.min(RUN_WORDS, promptWords);

    // Rolling hashes over the last k output words, reset by any word outside the prompt's vocabulary (no
    // shingle can contain it). A ring buffer keeps those words' ids and start offsets.
    const w1 = topWeight(B1, P1, k);
    const w2 = topWeight(B2, P2, k);
    const ids: number[] = new Array(k).fill(0);
    const starts: number[] = new Array(k).fill(0);
    const normalized = text.normalized;
    let h1 = 0;
    let h2 = 0;
    let inVocab = 0;
    let wordIndex = -1;
    let lastMatchedAt = -2;
    const matched = new Set<number>();
    const runs: Run[] = [];
    let current: Run | undefined;
    let currentFirstWord = 0;

    forEachWord(normalized, (start, end, hash) => {
      wordIndex++;
      const id = vocab.get(hash);
      if (id === undefined) {
        inVocab = 0;
        h1 = 0;
        h2 = 0;
        return true;
      }
      const slot = wordIndex % k;
      if (inVocab >= k) {
        // Drop the oldest word (the one this slot still holds) from both hashes.
        const old = (ids[slot] ?? 0) + 1;
        h1 = (h1 - ((old * w1) % P1) + P1) % P1;
        h2 = (h2 - ((old * w2) % P2) + P2) % P2;
      }
      h1 = (h1 * B1 + id + 1) % P1;
      h2 = (h2 * B2 + id + 1) % P2;
      ids[slot] = id;
      starts[slot] = start;
      if (++inVocab < k) return true;
      const key = h1 * 67_108_864 + h2;
      if (!shingles.has(key)) return true;
      matched.add(key);
      if (current && lastMatchedAt === wordIndex - 1) {
        current.end = end;
        current.words = wordIndex - currentFirstWord + 1;
      } else {
        currentFirstWord = wordIndex - k + 1;
        current = { start: starts[currentFirstWord % k] ?? start, end, words: k };
        runs.push(current);
      }
      lastMatchedAt = wordIndex;
      return true;
    });
    if (runs.length === 0) return [];

    const share = matched.size / shingles.size;
    const longest = runs.reduce((a, r) => Math.max(a, r.words), 0);
    let score: number;
    let reported: Run[];
    if (longest >= need) {
      score = 0.75 + 0.25 * share;
      reported = runs.filter((r) => r.words >= need);
    } else if (share >= SHARE_ALONE) {
      score = 0.5 + 0.5 * share;
      reported = runs;
    } else return [];

    const out: Detection[] = [];
    for (const r of reported) {
      if (out.length >= MAX_DETECTIONS) break;
      const span = originalSpan(text, r.start, r.end);
      if (containsAllowedPhrase(text.original.slice(span.start, span.end), ctx)) continue;
      out.push({
        score: Math.min(1, score),
        message: `output repeats ${r.words} consecutive words of the system prompt (${Math.round(share * 100)}% of the prompt reproduced)`,
        span: { ...span, replacement: '[REDACTED:system-prompt]' },
        evidence: {
          runWords: r.words,
          longestRunWords: longest,
          promptWords,
          reproducedShare: Math.round(share * 100) / 100,
        },
      });
    }
    return out;
  },
};
