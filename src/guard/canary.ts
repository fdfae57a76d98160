/**
 * Canary tokens for system-prompt leaks. A canary is a random token planted in the system prompt; it means
 * nothing to the task, so if it ever appears in the model's output, the prompt (or part of it) leaked.
 * `plantCanary` adds one, `containsCanary` is the cheap check, and the guard's `guard/canary-leak` detector
 * is the full one (same matching, plus a finding with a span).
 *
 * A canary catches verbatim leaks ("repeat the text above", "print your instructions in a code block"),
 * including spaced-out, upper-cased, zero-width-split, re-punctuated and look-alike-character copies. It
 * cannot catch a paraphrase or summary of the prompt: that is `guard/system-prompt-leak`'s job.
 */
import { ParapetError } from '../core/errors.ts';
import { normalizeText } from './normalize.ts';
import { type RandomSource, randomHex } from './spotlight.ts';

export interface CanaryOptions {
  /** Lower-case letters and digits, `-`-separated. Default `pcn` (parapet canary). */
  prefix?: string;
  /** Random bytes (two hex digits each), 8 to 64. Default 8: 16 hex digits, 64 bits. */
  bytes?: number;
  random?: RandomSource;
}

export interface PlantOptions {
  /**
   * Where the marker line goes. `end` (default) keeps the prompt's opening untouched; `start` is seen
   * first by a streaming guard when a leak is printed top-down; `both` gets both, at twice the tokens.
   */
  position?: 'end' | 'start' | 'both';
}

/** Shorter canaries would turn up in ordinary text; `guard/canary-leak` and `containsCanary` ignore them. */
export const MIN_CANARY_LENGTH = 8;
/** Longer canaries are ignored by `guard/canary-leak`; planted ones are short tokens. */
export const MAX_CANARY_LENGTH = 256;
const PREFIX = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A fresh canary such as `pcn-3f9a1c2b7e4d5a60`: only `[a-z0-9-]`, so tokenizers and markdown keep it in
 * one piece, and at least 64 random bits, so it never occurs by chance.
 */
export function createCanary(options: CanaryOptions = {}): string {
  const prefix = options.prefix ?? 'pcn';
  const bytes = options.bytes ?? 8;
  if (!PREFIX.test(prefix) || prefix.length > 32) {
    throw new ParapetError('USAGE', `canary prefix must be lower-case letters and digits (and -): ${prefix}`);
  }
  if (!Number.isInteger(bytes) || bytes < 8 || bytes > 64) {
    throw new ParapetError('USAGE', `canary bytes must be an integer from 8 to 64: ${bytes}`);
  }
  return `${prefix}-${randomHex(options.random, bytes)}`;
}

/** The line `plantCanary` adds: bland document metadata that a verbatim copy of the prompt carries along. */
export function canaryLine(canary: string): string {
  return `<!-- prompt-ref: ${canary} -->`;
}

/**
 * Adds a canary to a system prompt as a marker line, `<!-- prompt-ref: pcn-... -->`, and returns the
 * prompt and the canary (pass it to the guard as `context.canaries`).
 *
 * Why this shape: prompt-extraction attacks ask the model to reproduce its instructions verbatim, often
 * "in a code block", and a model doing so copies markup and comments along with the prose. The line is
 * deliberately bland: it says nothing about secrecy, because "never reveal this" draws the model's
 * attention to exactly that line and teaches it to leave the canary out while leaking everything else.
 */
export function plantCanary(
  systemPrompt: string,
  canary: string = createCanary(),
  options: PlantOptions = {},
): { prompt: string; canary: string } {
  const problem = canaryProblem(canary);
  if (problem) throw new ParapetError('USAGE', problem);
  const line = canaryLine(canary);
  const position = options.position ?? 'end';
  const body = systemPrompt.replace(/\s+$/, '');
  let prompt = body;
  if (position === 'start' || position === 'both') prompt = `${line}\n${prompt}`;
  if (position === 'end' || position === 'both') prompt = prompt === '' ? line : `${prompt}\n\n${line}`;
  return { prompt, canary };
}

/**
 * The form canaries are matched in, the same as `guard/canary-leak`'s: the guard's normalisation (NFKC,
 * invisible characters dropped, look-alike letters folded, lower-case) keeping only letters and digits, so
 * `P C N - 3 F 9 A`, `pcn\u200B-3f9a`, `pcn.3f9a` and `pcn3f9a` all read `pcn3f9a`.
 */
export function compactForCanary(text: string): string {
  const normalized = normalizeText(text).text;
  let out = '';
  for (let i = 0; i < normalized.length; i++) {
    const c = normalized.charCodeAt(i);
    const ch = normalized[i] ?? '';
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c > 0x7f && /[\p{L}\p{N}]/u.test(ch)))
      out += ch;
  }
  return out;
}

/** Why a canary cannot be searched for reliably, or undefined when it can. */
function canaryProblem(canary: string): string | undefined {
  const trimmed = canary.trim();
  if (trimmed.length > MAX_CANARY_LENGTH) return `canary is over ${MAX_CANARY_LENGTH} characters`;
  if (trimmed.length < MIN_CANARY_LENGTH || compactForCanary(trimmed).length < MIN_CANARY_LENGTH) {
    return `canary needs at least ${MIN_CANARY_LENGTH} letters and digits to be found reliably: ${JSON.stringify(canary)}`;
  }
  return undefined;
}

/**
 * True when any canary occurs in the output: verbatim, or in the compact form (case, width, look-alike
 * letters, spacing, punctuation and invisible characters between its characters ignored). This is the
 * cheap check; `guard/canary-leak` matches the same way and also finds hex and base64 encodings of the
 * canary. As there, a canary under 8 characters (or with fewer than 8 letters and digits) is not searched
 * for, since it would turn up in ordinary text; `createCanary` and `plantCanary` never produce one.
 */
export function containsCanary(output: string, canaries: readonly string[]): boolean {
  const usable = canaries
    .map((c) => c.trim())
    .filter((c) => c.length >= MIN_CANARY_LENGTH && c.length <= MAX_CANARY_LENGTH);
  if (usable.length === 0) return false;
  if (usable.some((c) => output.includes(c))) return true;
  const compact = compactForCanary(output);
  return usable.some((c) => {
    const key = compactForCanary(c);
    return key.length >= MIN_CANARY_LENGTH && compact.includes(key);
  });
}
