/**
 * The classifier's tokenizer: a Hugging Face `tokenizer.json` (+ `tokenizer_config.json`) run by
 * @huggingface/tokenizers, and the windowing that lets a classifier with a 512-token limit read a text of
 * any length. A text is encoded once without special tokens, cut into overlapping windows, and each window
 * is wrapped in the model's special tokens ([CLS] … [SEP] for BERT and DeBERTa), so nothing is truncated.
 */
import { describeError, ParapetError } from '../../core/errors.ts';
import { importOptional } from './optional-import.ts';

/** A tokenizer ready to produce model inputs. */
export interface WindowTokenizer {
  /** Special-token ids the model expects before and after each sequence (e.g. [CLS] and [SEP]). */
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
  /** Id used to pad shorter sequences of a batch (their attention mask is 0 there). */
  readonly padId: number;
  /** `model_max_length` from tokenizer_config.json when it is a sane number, else undefined. */
  readonly modelMaxLength: number | undefined;
  /** Token ids of the text, without special tokens. */
  encode(text: string): number[];
}

/** The part of @huggingface/tokenizers' Tokenizer used here. */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  token_to_id(token: string): number | undefined;
}

/**
 * Builds a tokenizer from parsed `tokenizer.json` and `tokenizer_config.json` objects. `source` names the
 * file in error messages.
 */
export async function createWindowTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig: Record<string, unknown>,
  source: string,
): Promise<WindowTokenizer> {
  const { Tokenizer } = await importOptional(
    () => import('@huggingface/tokenizers'),
    '@huggingface/tokenizers',
  );
  let tokenizer: HfTokenizer;
  try {
    // The constructor reads `added_tokens` as an array; a tokenizer.json without one is still valid.
    const json =
      isRecord(tokenizerJson) && !Array.isArray(tokenizerJson.added_tokens)
        ? { ...tokenizerJson, added_tokens: [] }
        : tokenizerJson;
    tokenizer = new Tokenizer(json as object, tokenizerConfig);
  } catch (err) {
    throw new ParapetError(
      'MALFORMED',
      `${source}: not a tokenizer @huggingface/tokenizers can run: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  const { prefix, suffix } = specialTokens(tokenizer, source);
  return {
    prefix,
    suffix,
    padId: padId(tokenizer, tokenizerJson, tokenizerConfig),
    modelMaxLength: modelMaxLength(tokenizerConfig),
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
  };
}

/**
 * Finds the special tokens the post-processor wraps a single sequence in, by encoding a probe with and
 * without them: whatever surrounds the plain ids is the prefix and the suffix. This works for every
 * post-processor type (TemplateProcessing, BertProcessing, RobertaProcessing) without reading their configs.
 */
function specialTokens(tokenizer: HfTokenizer, source: string): { prefix: number[]; suffix: number[] } {
  const probe = 'hello world';
  let plain: number[];
  let wrapped: number[];
  try {
    plain = tokenizer.encode(probe, { add_special_tokens: false }).ids;
    wrapped = tokenizer.encode(probe, { add_special_tokens: true }).ids;
  } catch (err) {
    throw new ParapetError(
      'MALFORMED',
      `${source}: the tokenizer fails on plain text: ${describeError(err)}`,
      { cause: err },
    );
  }
  const at = indexOfRun(wrapped, plain);
  if (at < 0 || plain.length === 0) {
    throw new ParapetError(
      'MALFORMED',
      `${source}: the tokenizer's special tokens do not wrap the text (a pair or chat template?); expected [prefix] text [suffix]`,
    );
  }
  return { prefix: wrapped.slice(0, at), suffix: wrapped.slice(at + plain.length) };
}

function indexOfRun(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function padId(tokenizer: HfTokenizer, tokenizerJson: unknown, config: Record<string, unknown>): number {
  const padding = isRecord(tokenizerJson) ? tokenizerJson.padding : undefined;
  if (isRecord(padding) && Number.isInteger(padding.pad_id)) return padding.pad_id as number;
  const padToken = tokenText(config.pad_token);
  const id = padToken === undefined ? undefined : tokenizer.token_to_id(padToken);
  return id ?? 0;
}

/** A token in tokenizer_config.json is a string or an AddedToken object `{ content: ... }`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

function modelMaxLength(config: Record<string, unknown>): number | undefined {
  const n = config.model_max_length;
  // Transformers writes 1e30 ("no limit") when a tokenizer has none.
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 1_000_000 ? n : undefined;
}

/**
 * Cuts `ids` into windows of at most `length` tokens, consecutive windows sharing `overlap` tokens, so that
 * every token is in some window and an attack straddling a cut is whole in the next window (when it is
 * shorter than the overlap). The last window ends at the last token. An empty text gives one empty window.
 */
export function splitWindows(ids: readonly number[], length: number, overlap: number): number[][] {
  if (!Number.isInteger(length) || length < 1)
    throw new RangeError(`window length must be ≥ 1, got ${length}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= length) {
    throw new RangeError(`window overlap must be in [0, ${length - 1}], got ${overlap}`);
  }
  if (ids.length <= length) return [ids.slice()];
  const step = length - overlap;
  const windows: number[][] = [];
  for (let start = 0; ; start += step) {
    if (start + length >= ids.length) {
      // Align the last window with the end instead of leaving a short tail.
      windows.push(ids.slice(ids.length - length));
      break;
    }
    windows.push(ids.slice(start, start + length));
  }
  return windows;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
