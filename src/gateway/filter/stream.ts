/**
 * `createStreamFilter`: the output side for streaming responses, payload by payload.
 *
 * The guarantee: nothing the output guard would block or redact reaches the client, however the text is
 * split across chunks. Each choice's text goes through its own guard output stream, which releases text
 * only once no detector could still match it; what it releases goes out as a chunk shaped like the
 * upstream's (same id, model, created, object). Fields that carry no text (role, finish_reason, usage)
 * never overtake held text: a choice's finish_reason goes out after its held text is released, and usage
 * chunks after every choice finished. Tool calls are withheld until their choice finishes, then checked
 * whole. On a block nothing more of the text goes out: each unfinished choice gets one last chunk with
 * `finish_reason: "content_filter"` (Ollama: a `done` object with `done_reason: "content_filter"`).
 *
 * Logprobs are dropped from rewritten chunks: they spell out the tokens, held or redacted ones included.
 */
import type { GuardContext } from '../../guard/index.ts';
import { CHAT_TEXT_FIELDS, OLLAMA_CHAT_TEXT_FIELDS, OLLAMA_GENERATE_TEXT_FIELDS } from './response.ts';
import { type ChoiceFilter as Choice, ChoiceFilter, type ChoiceFlush, StreamTally } from './stream-choice.ts';
import {
  FilterInputError,
  type GatewayGuards,
  type PayloadKind,
  type StreamEmit,
  type StreamFilter,
} from './types.ts';
import { isRecord, ruleIdsOf } from './verdict.ts';

type Json = Record<string, unknown>;

/** OpenAI's own finish_reason for filtered content, and what Ollama gets as `done_reason`. */
export const CONTENT_FILTER = 'content_filter';

/** Highest choice count handled; OpenAI caps `n` at 128. */
const MAX_CHOICES = 128;

/** Creates the filter for one streaming response; `context` is the request verdict's. */
export function createStreamFilter(
  kind: PayloadKind,
  guards: GatewayGuards,
  context: GuardContext,
): StreamFilter {
  switch (kind) {
    case 'chat':
    case 'completion':
      return new OpenAIStreamFilter(kind, guards, context);
    case 'ollama-chat':
    case 'ollama-generate':
      return new OllamaStreamFilter(kind, guards, context);
    default:
      throw new FilterInputError('kind', `${JSON.stringify(kind)} responses do not stream`);
  }
}

/** What both wire formats share: the choices, the verdict, usage, and the blocked/ended state. */
abstract class BaseStreamFilter implements StreamFilter {
  protected readonly tally: StreamTally;
  protected readonly choices = new Map<number, Choice>();
  protected blocked = false;
  protected ended = false;
  private promptTokens?: number;
  private completionTokens?: number;

  constructor(
    protected readonly guards: GatewayGuards,
    protected readonly context: GuardContext,
    /** The field holding the answer, for `completionText`. */
    private readonly mainField: string,
  ) {
    this.tally = new StreamTally(guards.output !== undefined);
  }

  abstract push(payload: Record<string, unknown>): StreamEmit;
  abstract end(): StreamEmit;

  get action() {
    return this.tally.action;
  }
  get findings() {
    return this.tally.findings;
  }
  get ruleIds() {
    return ruleIdsOf(this.tally.findings);
  }
  get completionText(): string {
    return [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, c]) => c.released(this.mainField))
      .join('\n');
  }
  get usage(): { promptTokens?: number; completionTokens?: number } | undefined {
    if (this.promptTokens === undefined && this.completionTokens === undefined) return undefined;
    return {
      ...(this.promptTokens === undefined ? {} : { promptTokens: this.promptTokens }),
      ...(this.completionTokens === undefined ? {} : { completionTokens: this.completionTokens }),
    };
  }

  protected setUsage(prompt: unknown, completion: unknown): void {
    if (typeof prompt === 'number' && Number.isFinite(prompt)) this.promptTokens = prompt;
    if (typeof completion === 'number' && Number.isFinite(completion)) this.completionTokens = completion;
  }

  protected choice(
    index: number,
    fieldPath: (field: string) => string,
    callPath: (i: number) => string,
  ): Choice {
    let choice = this.choices.get(index);
    if (choice === undefined) {
      choice = new ChoiceFilter({
        guards: this.guards,
        context: this.context,
        tally: this.tally,
        fieldPath,
        callPath,
      });
      this.choices.set(index, choice);
    }
    return choice;
  }

  protected anyOpen(): boolean {
    for (const c of this.choices.values()) if (c.open) return true;
    return false;
  }

  /**
   * Marks the response blocked; returns the indices of the unfinished choices, each to get a content_filter
   * end. Choice indices run from 0, so a choice below the highest seen that has not sent anything yet (n > 1,
   * interleaved) is unfinished too: its client must not wait for it.
   */
  protected blockAll(): number[] {
    this.blocked = true;
    const highest = Math.max(-1, ...this.choices.keys());
    const open: number[] = [];
    for (let i = 0; i <= highest; i++) {
      const c = this.choices.get(i);
      if (c === undefined || c.open) open.push(i);
      if (c !== undefined) c.finished = true;
    }
    return open;
  }

  protected stopped(): StreamEmit | undefined {
    if (this.blocked) return { emit: [], blocked: true };
    if (this.ended) return { emit: [], blocked: false };
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// OpenAI: chat.completion.chunk and text_completion chunks

class OpenAIStreamFilter extends BaseStreamFilter {
  private template: Json = {};
  /** Payloads with no choices (usage) that arrived while text was held; they go out once it is released. */
  private deferred: Json[] = [];
  private readonly fields: readonly string[];

  constructor(
    private readonly kind: 'chat' | 'completion',
    guards: GatewayGuards,
    context: GuardContext,
  ) {
    super(guards, context, kind === 'chat' ? 'content' : 'text');
    this.fields = kind === 'chat' ? CHAT_TEXT_FIELDS : ['text'];
  }

  push(payload: Record<string, unknown>): StreamEmit {
    if (isRecord(payload) && isRecord(payload.usage)) {
      this.setUsage(payload.usage.prompt_tokens, payload.usage.completion_tokens);
    }
    const stop = this.stopped();
    if (stop !== undefined || !isRecord(payload)) return stop ?? { emit: [], blocked: false };
    const choices = Array.isArray(payload.choices) ? payload.choices : [];
    if (choices.length === 0) {
      // An error event carries no model text and must not wait; a usage chunk must not overtake held text.
      if (payload.error === undefined && this.anyOpen()) {
        this.deferred.push(payload);
        return { emit: [], blocked: false };
      }
      return { emit: [payload], blocked: false };
    }
    // Everything but the choices is kept on the chunks built from this payload: id, model, created, and the
    // usage some servers (llama.cpp) put on their last chunk.
    const { choices: _choices, ...template } = payload;
    this.template = template;

    const emit: Json[] = [];
    const partial: Json[] = [];
    const finishing: [Choice, number, string][] = [];
    for (const raw of choices) {
      if (!isRecord(raw)) continue;
      const index = raw.index === undefined ? 0 : raw.index;
      // A choice index is small (the request's `n`); anything else is dropped rather than trusted.
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= MAX_CHOICES)
        continue;
      const choice = this.openaiChoice(index);
      if (choice.finished) continue;
      const delta = this.kind === 'chat' ? (isRecord(raw.delta) ? raw.delta : {}) : raw;
      const out: Json = {};
      let worth = false;
      if (this.kind === 'chat' && typeof delta.role === 'string') {
        out.role = delta.role;
        worth = true;
      }
      for (const field of this.fields) {
        const value = delta[field];
        if (typeof value !== 'string') continue;
        const released = choice.text(field, value);
        if (released === null) return this.block(emit, partial);
        out[field] = released;
        if (released !== '') worth = true;
      }
      if (this.kind === 'chat') {
        if (Array.isArray(delta.tool_calls) && !choice.addToolCallDeltas(delta.tool_calls)) {
          return this.block(emit, partial);
        }
        if (delta.function_call !== undefined && !choice.addFunctionCallDelta(delta.function_call)) {
          return this.block(emit, partial);
        }
      }
      if (worth) partial.push(this.shape(index, out, null));
      if (typeof raw.finish_reason === 'string') finishing.push([choice, index, raw.finish_reason]);
    }
    if (partial.length > 0) emit.push({ ...this.template, choices: partial });
    for (const [choice, index, reason] of finishing) {
      const flush = choice.finish();
      if (flush === null) return this.block(emit, []);
      emit.push(...this.flushChunks(index, flush));
      emit.push({ ...this.template, choices: [this.shape(index, {}, reason)] });
    }
    if (!this.anyOpen()) emit.push(...this.deferred.splice(0));
    return { emit, blocked: false };
  }

  end(): StreamEmit {
    const stop = this.stopped();
    if (stop !== undefined) return stop;
    this.ended = true;
    const emit: Json[] = [];
    // A choice the upstream never finished: its held text goes out, but no finish_reason is made up.
    for (const [index, choice] of [...this.choices.entries()].sort(([a], [b]) => a - b)) {
      if (!choice.open) continue;
      const flush = choice.finish();
      if (flush === null) return this.block(emit, []);
      emit.push(...this.flushChunks(index, flush));
    }
    emit.push(...this.deferred.splice(0));
    return { emit, blocked: false };
  }

  private openaiChoice(index: number): Choice {
    const base = `response.choices[${index}]`;
    return this.choice(
      index,
      (field) => (this.kind === 'chat' ? `${base}.delta.${field}` : `${base}.${field}`),
      (i) => (i < 0 ? `${base}.delta.function_call` : `${base}.delta.tool_calls[${i}]`),
    );
  }

  /** One choice of a chunk: `delta` for chat, `text` for completions. */
  private shape(index: number, out: Json, finishReason: string | null): Json {
    if (this.kind === 'chat') return { index, delta: out, logprobs: null, finish_reason: finishReason };
    return {
      index,
      text: typeof out.text === 'string' ? out.text : '',
      logprobs: null,
      finish_reason: finishReason,
    };
  }

  private flushChunks(index: number, flush: ChoiceFlush): Json[] {
    const chunks: Json[] = [];
    if (flush.texts.length > 0) {
      chunks.push({ ...this.template, choices: [this.shape(index, Object.fromEntries(flush.texts), null)] });
    }
    if (flush.toolCalls.length > 0 || flush.functionCall !== undefined) {
      const delta: Json = {};
      if (flush.toolCalls.length > 0) delta.tool_calls = flush.toolCalls;
      if (flush.functionCall !== undefined) delta.function_call = flush.functionCall;
      chunks.push({ ...this.template, choices: [this.shape(index, delta, null)] });
    }
    return chunks;
  }

  private block(emit: Json[], partial: Json[]): StreamEmit {
    // Text in `partial` was released by its own choice's guard stream before the block: it is clean.
    if (partial.length > 0) emit.push({ ...this.template, choices: partial });
    for (const index of this.blockAll()) {
      emit.push({ ...this.template, choices: [this.shape(index, {}, CONTENT_FILTER)] });
    }
    this.deferred = [];
    return { emit, blocked: true };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Ollama: NDJSON objects from /api/chat and /api/generate

class OllamaStreamFilter extends BaseStreamFilter {
  private template: Json = {};
  private readonly fields: readonly string[];
  private readonly chat: boolean;

  constructor(kind: 'ollama-chat' | 'ollama-generate', guards: GatewayGuards, context: GuardContext) {
    super(guards, context, kind === 'ollama-chat' ? 'content' : 'response');
    this.chat = kind === 'ollama-chat';
    this.fields = this.chat ? OLLAMA_CHAT_TEXT_FIELDS : OLLAMA_GENERATE_TEXT_FIELDS;
  }

  push(payload: Record<string, unknown>): StreamEmit {
    if (isRecord(payload) && payload.done === true)
      this.setUsage(payload.prompt_eval_count, payload.eval_count);
    const stop = this.stopped();
    if (stop !== undefined || !isRecord(payload)) return stop ?? { emit: [], blocked: false };
    if (payload.error !== undefined) return { emit: [payload], blocked: false };
    const choice = this.ollamaChoice();
    if (choice.finished) return { emit: [], blocked: false };
    // Ollama's in-between objects carry only these besides the text; statistics belong to the done object.
    this.template = {};
    if (payload.model !== undefined) this.template.model = payload.model;
    if (payload.created_at !== undefined) this.template.created_at = payload.created_at;
    const message = payload.message;
    const holder = this.chat ? (isRecord(message) ? message : {}) : payload;

    const emit: Json[] = [];
    const texts: [string, string][] = [];
    for (const field of this.fields) {
      const value = holder[field];
      if (typeof value !== 'string' || value === '') continue;
      const released = choice.text(field, value);
      if (released === null) return this.block(emit);
      if (released !== '') texts.push([field, released]);
    }
    if (this.chat && Array.isArray(holder.tool_calls) && !choice.addOllamaCalls(holder.tool_calls)) {
      return this.block(emit);
    }
    if (texts.length > 0) emit.push(this.piece(texts, holder));
    if (payload.done !== true) return { emit, blocked: false };

    const flush = choice.finish();
    if (flush === null) return this.block(emit);
    emit.push(...this.flushPieces(flush, holder));
    emit.push(this.finalObject(payload, holder));
    return { emit, blocked: false };
  }

  end(): StreamEmit {
    const stop = this.stopped();
    if (stop !== undefined) return stop;
    this.ended = true;
    const choice = this.choices.get(0);
    if (choice === undefined || !choice.open) return { emit: [], blocked: false };
    // Upstream stopped without `done`: send the held text, but no made-up `done` object.
    const flush = choice.finish();
    if (flush === null) return this.block([]);
    return { emit: this.flushPieces(flush, {}), blocked: false };
  }

  private ollamaChoice(): Choice {
    const base = this.chat ? 'response.message' : 'response';
    return this.choice(
      0,
      (field) => `${base}.${field}`,
      (i) => `response.message.tool_calls[${i}]`,
    );
  }

  /** A `done: false` object carrying released text, shaped like the upstream's. */
  private piece(texts: readonly [string, string][], holder: Json, toolCalls?: Json[]): Json {
    if (!this.chat) return { ...this.template, ...Object.fromEntries(texts), done: false };
    const { content: _c, thinking: _t, tool_calls: _tc, ...rest } = holder;
    const message: Json = { role: 'assistant', ...rest, content: '', ...Object.fromEntries(texts) };
    if (toolCalls !== undefined) message.tool_calls = toolCalls;
    return { ...this.template, message, done: false };
  }

  private flushPieces(flush: ChoiceFlush, holder: Json): Json[] {
    const pieces: Json[] = [];
    if (flush.texts.length > 0) pieces.push(this.piece(flush.texts, holder));
    if (flush.ollamaCalls.length > 0) pieces.push(this.piece([], holder, flush.ollamaCalls));
    return pieces;
  }

  /** The upstream's `done` object with its text moved out (already sent) and, after a redaction, no tokens. */
  private finalObject(payload: Json, holder: Json): Json {
    const { context, ...rest } = payload;
    const out: Json = { ...rest };
    // `context` holds the token ids of the whole exchange, the unredacted answer included.
    if (context !== undefined && this.tally.action !== 'redact') out.context = context;
    if (this.chat) {
      const { content: _c, thinking: _t, tool_calls: _tc, ...message } = holder;
      out.message = { role: 'assistant', ...message, content: '' };
    } else {
      out.response = '';
      delete out.thinking;
    }
    return out;
  }

  private block(emit: Json[]): StreamEmit {
    // One choice, and it cannot have finished: its `done` object is the last thing processed.
    this.blockAll();
    const final: Json = this.chat
      ? {
          ...this.template,
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: CONTENT_FILTER,
        }
      : { ...this.template, response: '', done: true, done_reason: CONTENT_FILTER };
    emit.push(final);
    return { emit, blocked: true };
  }
}
