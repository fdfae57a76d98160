/**
 * Token counts for rate limiting, from request and response bodies of the OpenAI and Ollama APIs.
 *
 * The prompt estimate is a heuristic, not a tokenizer: the gateway fronts arbitrary upstream models, each
 * with its own tokenizer, and it must decide before the request goes out, in microseconds. The rule: ASCII
 * text at 4 characters a token (about right for English with BPE tokenizers), every other UTF-16 unit as a
 * whole token (about right for Chinese and Japanese; an overcount for accented Latin or Cyrillic, which
 * errs toward refusal), plus 4 tokens for each chat message (role and delimiters) and 3 to prime the reply,
 * as OpenAI's own counting guide does. Images count a flat 85 (OpenAI's low-detail price). Whatever the
 * estimate gets wrong is corrected once the upstream reports real usage: the gateway calls
 * `limiter.settle(key, actual - estimated)` with `usageFromResponse`.
 *
 * Nothing here throws on junk: a value of the wrong type counts as 0, nesting is followed 64 levels deep
 * at most, and the walk stops after a fixed number of values and characters, so a huge body costs bounded
 * time (the gateway's body-size cap bounds it further).
 */

/** Tokens per chat message for its role and delimiters. */
export const TOKENS_PER_MESSAGE = 4;
/** Tokens that prime the assistant's reply in a chat request. */
export const TOKENS_PER_REPLY = 3;
/** Flat cost of an image part or Ollama image. */
export const TOKENS_PER_IMAGE = 85;
/** Most values visited in one body (messages, parts, tool-definition nodes). */
const MAX_VISITS = 200_000;
/** Most characters inspected one by one in one body; beyond it, text counts at a token per 2 units. */
const MAX_SCANNED_CHARS = 4_000_000;
/** Deepest nesting followed inside tool definitions. */
const MAX_DEPTH = 64;

/** A walk's remaining allowance. */
interface Budget {
  visits: number;
  chars: number;
}

/**
 * A cheap, deterministic estimate of the prompt tokens of an OpenAI chat, completions or embeddings
 * request, or an Ollama chat, generate or embed request. 0 for anything that is not an object.
 */
export function estimatePromptTokens(body: unknown): number {
  if (!isRecord(body)) return 0;
  const budget: Budget = { visits: MAX_VISITS, chars: MAX_SCANNED_CHARS };
  let units = 0;
  if (Array.isArray(body.messages)) {
    units += TOKENS_PER_REPLY * 4;
    for (const message of body.messages) {
      if (!spend(budget)) break;
      units += TOKENS_PER_MESSAGE * 4 + messageUnits(message, budget);
    }
  }
  // Completions and Ollama generate: `prompt` (and Ollama's `system`, `suffix`); embeddings: `input`;
  // Ollama's legacy /api/embeddings: `prompt`.
  for (const field of ['prompt', 'input', 'system', 'suffix'] as const) {
    units += promptUnits(body[field], budget);
  }
  if (Array.isArray(body.images)) units += imageUnits(body.images.length);
  for (const field of ['tools', 'functions'] as const) {
    if (body[field] !== undefined) units += jsonUnits(body[field], budget, 0);
  }
  return Math.ceil(units / 4);
}

/**
 * The completion budget the request asks for: the larger of `max_tokens` and `max_completion_tokens`, or
 * Ollama's `options.num_predict`. Undefined when none is set (or set to something that is not a number).
 * Ollama's negative `num_predict` (-1 no limit, -2 fill the context) comes back as Infinity, so a cap on
 * max tokens refuses it rather than letting an unbounded generation through.
 */
export function requestedMaxTokens(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  let requested: number | undefined;
  for (const value of [body.max_tokens, body.max_completion_tokens]) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      requested = Math.max(requested ?? 0, Math.ceil(value));
    }
  }
  const options = body.options;
  if (isRecord(options) && typeof options.num_predict === 'number' && !Number.isNaN(options.num_predict)) {
    const predict = options.num_predict < 0 ? Number.POSITIVE_INFINITY : Math.ceil(options.num_predict);
    requested = Math.max(requested ?? 0, predict);
  }
  return requested;
}

/** Token usage the upstream reported: OpenAI's `usage`, or Ollama's `prompt_eval_count` / `eval_count`. */
export function usageFromResponse(body: unknown): { promptTokens?: number; completionTokens?: number } {
  const usage: { promptTokens?: number; completionTokens?: number } = {};
  if (!isRecord(body)) return usage;
  const openai = isRecord(body.usage) ? body.usage : undefined;
  const prompt = count(openai?.prompt_tokens) ?? count(openai?.input_tokens) ?? count(body.prompt_eval_count);
  const completion =
    count(openai?.completion_tokens) ?? count(openai?.output_tokens) ?? count(body.eval_count);
  if (prompt !== undefined) usage.promptTokens = prompt;
  if (completion !== undefined) usage.completionTokens = completion;
  return usage;
}

/** Quarter-token units of one chat message: its content, name, tool calls and Ollama images. */
function messageUnits(message: unknown, budget: Budget): number {
  if (!isRecord(message)) return 0;
  let units = contentUnits(message.content, budget) + textUnits(message.name, budget);
  if (Array.isArray(message.tool_calls)) units += jsonUnits(message.tool_calls, budget, 0);
  if (isRecord(message.function_call)) units += jsonUnits(message.function_call, budget, 0);
  if (Array.isArray(message.images)) units += imageUnits(message.images.length);
  return units;
}

/** A content string, or an array of parts: text parts are text, image and audio parts a flat cost. */
function contentUnits(content: unknown, budget: Budget): number {
  if (typeof content === 'string') return textUnits(content, budget);
  if (!Array.isArray(content)) return 0;
  let units = 0;
  for (const part of content) {
    if (!spend(budget)) break;
    if (typeof part === 'string') units += textUnits(part, budget);
    else if (isRecord(part)) {
      if (typeof part.text === 'string') units += textUnits(part.text, budget);
      else if (part.type !== 'text') units += TOKENS_PER_IMAGE * 4;
    }
  }
  return units;
}

/** A prompt or input: a string, an array of strings, token ids (one token each), or arrays of token ids. */
function promptUnits(prompt: unknown, budget: Budget): number {
  if (typeof prompt === 'string') return textUnits(prompt, budget);
  if (!Array.isArray(prompt)) return 0;
  let units = 0;
  for (const item of prompt) {
    if (!spend(budget)) break;
    if (typeof item === 'string') units += textUnits(item, budget);
    else if (typeof item === 'number') units += 4;
    else if (Array.isArray(item)) units += 4 * item.length;
  }
  return units;
}

/** Any JSON value (tool definitions, tool calls): the text of its strings and keys, bounded. */
function jsonUnits(value: unknown, budget: Budget, depth: number): number {
  if (!spend(budget) || depth > MAX_DEPTH) return 0;
  if (typeof value === 'string') return textUnits(value, budget);
  if (typeof value === 'number' || typeof value === 'boolean') return 4;
  if (Array.isArray(value)) {
    let units = 0;
    for (const item of value) units += jsonUnits(item, budget, depth + 1);
    return units;
  }
  if (isRecord(value)) {
    let units = 0;
    for (const key of Object.keys(value)) {
      units += textUnits(key, budget) + jsonUnits(value[key], budget, depth + 1);
    }
    return units;
  }
  return 0;
}

/**
 * Quarter-token units of a text: 1 per ASCII code unit, 4 per other UTF-16 unit. Past the scan budget the
 * rest counts 2 units a character, between the two, without being read.
 */
function textUnits(text: unknown, budget: Budget): number {
  if (typeof text !== 'string') return 0;
  const scanned = Math.min(text.length, budget.chars);
  budget.chars -= scanned;
  let units = scanned;
  for (let i = 0; i < scanned; i += 1) {
    if (text.charCodeAt(i) > 0x7f) units += 3;
  }
  return units + 2 * (text.length - scanned);
}

function imageUnits(images: number): number {
  return TOKENS_PER_IMAGE * 4 * images;
}

function spend(budget: Budget): boolean {
  if (budget.visits <= 0) return false;
  budget.visits -= 1;
  return true;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
