/**
 * `filterResponse`: the output side for complete (non-streaming) responses. Every text the model wrote is
 * scanned with the request's context, redactions are applied to a copy, and every tool call goes through
 * the tool policy and the output guard.
 */
import type { Finding } from '../../core/finding.ts';
import type { GuardContext } from '../../guard/index.ts';
import { checkToolCall } from './tools.ts';
import type { FilterAction, GatewayGuards, PayloadKind, ResponseVerdict } from './types.ts';
import { baseAction, isRecord, relocate, ruleIdsOf, worse } from './verdict.ts';

type Json = Record<string, unknown>;

/** Text fields of a chat message: the answer, a refusal, and the reasoning some servers return beside it. */
export const CHAT_TEXT_FIELDS = ['content', 'refusal', 'reasoning_content', 'reasoning'] as const;
/** Text fields of an Ollama chat message (`thinking`: a reasoning model's thoughts). */
export const OLLAMA_CHAT_TEXT_FIELDS = ['content', 'thinking'] as const;
/** Text fields of an Ollama generate response. */
export const OLLAMA_GENERATE_TEXT_FIELDS = ['response', 'thinking'] as const;

/**
 * Filters one complete response. `context` is the request verdict's. Returns the body to send (the same
 * object when nothing changed, else a redacted copy); on `block` the app sends an error instead.
 */
export function filterResponse(
  kind: PayloadKind,
  body: Json,
  guards: GatewayGuards,
  context: GuardContext,
): ResponseVerdict {
  const state = new ResponseState(body, guards, context);
  if (!isRecord(body)) return state.verdict();
  switch (kind) {
    case 'chat':
    case 'completion': {
      const choices = body.choices;
      if (!Array.isArray(choices)) break;
      const out = choices.map((choice: unknown, i) => {
        if (!isRecord(choice)) return choice;
        const index = typeof choice.index === 'number' ? choice.index : i;
        if (kind === 'completion') {
          const text = state.text(choice, 'text', `response.choices[${index}].text`);
          return text === choice ? choice : { ...text, logprobs: null };
        }
        const message = choice.message;
        if (!isRecord(message)) return choice;
        const base = `response.choices[${index}].message`;
        const filtered = state.openaiCalls(state.texts(message, CHAT_TEXT_FIELDS, base), base);
        // Logprobs spell out the original tokens: once the text is redacted they would undo the redaction.
        return filtered === message ? choice : { ...choice, message: filtered, logprobs: null };
      });
      if (out.some((c, i) => c !== choices[i])) state.replace({ ...body, choices: out });
      break;
    }
    case 'ollama-chat': {
      const message = body.message;
      if (!isRecord(message)) break;
      const filtered = state.ollamaCalls(state.texts(message, OLLAMA_CHAT_TEXT_FIELDS, 'response.message'));
      if (filtered !== message) state.replace({ ...body, message: filtered });
      break;
    }
    case 'ollama-generate': {
      const filtered = state.texts(body, OLLAMA_GENERATE_TEXT_FIELDS, 'response');
      if (filtered !== body) {
        // `context` holds the token ids of the exchange, the unredacted answer included.
        const { context: _tokens, ...rest } = filtered;
        state.replace(rest);
      }
      break;
    }
    case 'embedding':
      // Vectors: nothing a person reads.
      return { action: 'skipped', ruleIds: [], findings: [], body };
  }
  return state.verdict();
}

/** What one response has gathered: its action, findings, and the body once something was rewritten. */
class ResponseState {
  private action: FilterAction;
  private readonly findings: Finding[] = [];
  private body: Json;

  constructor(
    body: Json,
    private readonly guards: GatewayGuards,
    private readonly context: GuardContext,
  ) {
    this.body = body;
    this.action = baseAction(guards.output !== undefined);
  }

  replace(body: Json): void {
    this.body = body;
  }

  verdict(): ResponseVerdict {
    return {
      action: this.action,
      ruleIds: ruleIdsOf(this.findings),
      findings: this.findings,
      body: this.body,
    };
  }

  /**
   * Scans `holder[field]`: a string, or content parts (each text part scanned). Returns the holder, or a
   * copy with the text redacted.
   */
  text(holder: Json, field: string, path: string): Json {
    const value = holder[field];
    if (this.guards.output === undefined) return holder;
    if (Array.isArray(value)) {
      const parts = value.map((part: unknown, k) =>
        isRecord(part) ? this.text(part, 'text', `${path}[${k}].text`) : part,
      );
      return parts.some((p, k) => p !== value[k]) ? { ...holder, [field]: parts } : holder;
    }
    if (typeof value !== 'string' || value === '') return holder;
    const result = this.guards.output.scanOutput(value, this.context);
    this.action = worse(this.action, result.action);
    this.findings.push(...relocate(result.findings, () => path));
    if (result.action !== 'redact' || result.redacted === undefined) return holder;
    return { ...holder, [field]: result.redacted };
  }

  texts(holder: Json, fields: readonly string[], base: string): Json {
    let out = holder;
    for (const field of fields) out = this.text(out, field, `${base}.${field}`);
    return out;
  }

  /** OpenAI `tool_calls` (arguments as a JSON string) and the legacy `function_call`. */
  openaiCalls(message: Json, base: string): Json {
    let out = message;
    const calls = message.tool_calls;
    if (Array.isArray(calls)) {
      const checked = calls.map((call: unknown, j) => this.call(call, `${base}.tool_calls[${j}]`));
      if (checked.some((c, j) => c !== calls[j])) out = { ...out, tool_calls: checked };
    }
    if (isRecord(message.function_call)) {
      const fc = message.function_call;
      const args = typeof fc.arguments === 'string' ? fc.arguments : '';
      const name = typeof fc.name === 'string' ? fc.name : undefined;
      const verdict = checkToolCall(name, args, this.guards, this.context, `${base}.function_call`);
      this.count(verdict.action, verdict.findings);
      if (verdict.arguments !== args)
        out = { ...out, function_call: { ...fc, arguments: verdict.arguments } };
    }
    return out;
  }

  /** Ollama `tool_calls`: arguments are an object, checked JSON-encoded. */
  ollamaCalls(message: Json): Json {
    const calls = message.tool_calls;
    if (!Array.isArray(calls)) return message;
    const checked = calls.map((call: unknown, j) => this.call(call, `response.message.tool_calls[${j}]`));
    return checked.some((c, j) => c !== calls[j]) ? { ...message, tool_calls: checked } : message;
  }

  /**
   * One tool call. Arguments are a JSON string (OpenAI) or an object (Ollama, and some OpenAI-compatible
   * servers): an object is checked JSON-encoded and given back as an object.
   */
  private call(call: unknown, path: string): unknown {
    const fn = isRecord(call) && isRecord(call.function) ? call.function : {};
    const name = typeof fn.name === 'string' ? fn.name : undefined;
    const raw = fn.arguments;
    const asObject = typeof raw === 'object' && raw !== null;
    const args = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : JSON.stringify(raw);
    const verdict = checkToolCall(name, args, this.guards, this.context, path);
    this.count(verdict.action, verdict.findings);
    if (verdict.arguments === args || !isRecord(call)) return call;
    const value = asObject ? JSON.parse(verdict.arguments) : verdict.arguments;
    return { ...call, function: { ...fn, arguments: value } };
  }

  private count(action: FilterAction, findings: readonly Finding[]): void {
    // The tool policy applies with the output guard off too; its block must not read as `skipped`.
    this.action = worse(this.action, action === 'allow' && findings.length === 0 ? 'skipped' : action);
    this.findings.push(...findings);
  }
}
