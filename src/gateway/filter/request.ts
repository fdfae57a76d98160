/**
 * `filterRequest`: the input side. Scans what the client sends before it goes upstream, applies the tool
 * allow list to the functions it offers, spotlights untrusted messages, and works out the context the
 * output side needs (system prompt, canaries).
 */
import type { Finding } from '../../core/finding.ts';
import type { GuardContext, GuardMessage, GuardResult } from '../../guard/index.ts';
import { outputContext } from './context.ts';
import { spotlightMessages } from './spotlight.ts';
import { checkDeclaredTools } from './tools.ts';
import {
  type FilterAction,
  FilterInputError,
  type GatewayGuards,
  type PayloadKind,
  type RequestVerdict,
} from './types.ts';
import { baseAction, isRecord, relocate, ruleIdsOf, worse } from './verdict.ts';

type Json = Record<string, unknown>;

/**
 * Filters one request body of the given kind. Returns the verdict and the body to forward (the same object
 * when nothing changed). Throws FilterInputError when a field has a type the filter cannot read: what
 * cannot be scanned is not forwarded.
 */
export function filterRequest(kind: PayloadKind, body: Json, guards: GatewayGuards): RequestVerdict {
  if (!isRecord(body)) throw new FilterInputError('body', 'must be a JSON object');
  switch (kind) {
    case 'chat':
    case 'ollama-chat':
      return filterChat(kind, body, guards);
    case 'completion':
    case 'ollama-generate':
      return filterPrompt(kind, body, guards);
    case 'embedding':
      return filterEmbedding(body, guards);
    default:
      throw new FilterInputError('kind', `unknown payload kind ${JSON.stringify(kind)}`);
  }
}

/** Findings and the action they add up to, gathered while filtering one request. */
class Tally {
  action: FilterAction;
  readonly findings: Finding[] = [];
  constructor(guardOn: boolean) {
    this.action = baseAction(guardOn);
  }
  add(action: FilterAction, findings: readonly Finding[]): void {
    this.action = worse(this.action, action);
    this.findings.push(...findings);
  }
  verdict(body: Json, context: GuardContext): RequestVerdict {
    return { action: this.action, ruleIds: ruleIdsOf(this.findings), findings: this.findings, body, context };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Chat: OpenAI /v1/chat/completions and Ollama /api/chat

function filterChat(kind: PayloadKind, body: Json, guards: GatewayGuards): RequestVerdict {
  const messages = readMessages(body.messages, kind);
  const instructions = [
    typeof body.system === 'string' ? body.system : '',
    ...messages.filter((m) => m.role === 'system' || m.role === 'developer').map(plainText),
  ]
    .filter((t) => t !== '')
    .join('\n');
  const context = outputContext(instructions === '' ? undefined : instructions, guards.systemPrompt);
  const tally = new Tally(guards.input !== undefined);

  const offered = checkDeclaredTools(body, guards.tools);
  if (offered.length > 0) tally.add('block', offered);

  let out: Json[] = messages;
  let changed = false;
  if (guards.input !== undefined) {
    const guard = guards.input;
    const result = guard.scanInput(messages.map(toGuardMessage), context);
    tally.add(
      result.action,
      relocate(result.findings, (p) => `request.${p}`),
    );
    if (result.redactedMessages !== undefined) {
      out = messages.map((m, i) => withRedactedContent(m, result.redactedMessages?.[i]));
      changed = true;
    }
    // Arguments of tool calls in the history: produced under the influence of whatever the model read, and
    // replayed to it now, so they are scanned like tool results.
    out = out.map((m, i) => {
      if (!Array.isArray(m.tool_calls)) return m;
      let calls: unknown[] = m.tool_calls;
      m.tool_calls.forEach((call, j) => {
        const path = `messages[${i}].tool_calls[${j}].function.arguments`;
        const args = argumentsText(call, path);
        if (args === undefined || args.text === '') return;
        const scanned = guard.scanInput(args.text, { ...context, source: 'tool' });
        tally.add(
          scanned.action,
          relocate(scanned.findings, () => `request.${path}`),
        );
        if (scanned.redacted === undefined) return;
        const replaced = replaceArguments(call as Json, args.asObject, scanned.redacted);
        if (replaced === undefined) {
          // The redaction broke the JSON: nothing usable is left to forward, so the request is refused.
          tally.add('block', []);
          return;
        }
        calls = calls === m.tool_calls ? [...calls] : calls;
        calls[j] = replaced;
      });
      if (calls === m.tool_calls) return m;
      changed = true;
      return { ...m, tool_calls: calls };
    });
  }
  if (tally.action === 'block') return tally.verdict(body, context);

  const spotlit = spotlightMessages(out, guards.spotlight);
  if (spotlit !== undefined) {
    out = spotlit;
    changed = true;
  }
  return tally.verdict(changed ? { ...body, messages: out } : body, context);
}

/** Checks the shape of `messages`, so nothing the guard cannot read slips through unscanned. */
function readMessages(value: unknown, kind: PayloadKind): Json[] {
  if (!Array.isArray(value)) throw new FilterInputError('messages', 'must be an array');
  return value.map((m, i) => {
    if (!isRecord(m)) throw new FilterInputError(`messages[${i}]`, 'must be an object');
    if (typeof m.role !== 'string') throw new FilterInputError(`messages[${i}].role`, 'must be a string');
    const content = m.content;
    if (content === undefined || content === null || typeof content === 'string') return m;
    if (kind === 'ollama-chat' || !Array.isArray(content)) {
      throw new FilterInputError(
        `messages[${i}].content`,
        kind === 'ollama-chat' ? 'must be a string' : 'must be a string or an array of content parts',
      );
    }
    content.forEach((part, k) => {
      if (!isRecord(part) || typeof part.type !== 'string') {
        throw new FilterInputError(`messages[${i}].content[${k}]`, 'must be an object with a type');
      }
      if (part.type === 'text' && typeof part.text !== 'string') {
        throw new FilterInputError(`messages[${i}].content[${k}].text`, 'must be a string');
      }
    });
    return m;
  });
}

/** The message as the guard reads it: string content, or its parts' types and texts. */
function toGuardMessage(m: Json): GuardMessage {
  const content = m.content;
  const role = m.role as string;
  if (typeof content === 'string') return { role, content };
  if (!Array.isArray(content)) return { role, content: null };
  return {
    role,
    content: content.map((part: Json) =>
      typeof part.text === 'string'
        ? { type: part.type as string, text: part.text }
        : { type: part.type as string },
    ),
  };
}

function plainText(m: Json): string {
  const g = toGuardMessage(m);
  if (typeof g.content === 'string') return g.content;
  return (g.content ?? [])
    .map((p) => p.text ?? '')
    .filter((t) => t !== '')
    .join('\n');
}

/** The original message with the guard's redacted text put back (non-text parts kept as sent). */
function withRedactedContent(original: Json, redacted: GuardMessage | undefined): Json {
  if (redacted === undefined) return original;
  if (typeof redacted.content === 'string') {
    return redacted.content === original.content ? original : { ...original, content: redacted.content };
  }
  if (!Array.isArray(original.content) || !Array.isArray(redacted.content)) return original;
  const parts = redacted.content;
  let changed = false;
  const content = (original.content as Json[]).map((part, k) => {
    const text = parts[k]?.text;
    if (typeof part.text !== 'string' || text === undefined || text === part.text) return part;
    changed = true;
    return { ...part, text };
  });
  return changed ? { ...original, content } : original;
}

/** A history tool call's arguments as text: OpenAI's JSON string, or Ollama's object JSON-encoded. */
function argumentsText(call: unknown, path: string): { text: string; asObject: boolean } | undefined {
  if (!isRecord(call) || !isRecord(call.function)) return undefined;
  const args = call.function.arguments;
  if (args === undefined || args === null) return undefined;
  if (typeof args === 'string') return { text: args, asObject: false };
  if (typeof args === 'object') return { text: JSON.stringify(args), asObject: true };
  throw new FilterInputError(path, 'must be a JSON string or an object');
}

/** The call with redacted arguments, or undefined when the redacted text is no longer valid JSON. */
function replaceArguments(call: Json, asObject: boolean, redacted: string): Json | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(redacted);
  } catch {
    return undefined;
  }
  const fn = call.function as Json;
  return { ...call, function: { ...fn, arguments: asObject ? parsed : redacted } };
}

// ---------------------------------------------------------------------------------------------------------
// Prompts: OpenAI /v1/completions and Ollama /api/generate

function filterPrompt(kind: PayloadKind, body: Json, guards: GatewayGuards): RequestVerdict {
  const system = body.system;
  if (system !== undefined && system !== null && typeof system !== 'string') {
    throw new FilterInputError('system', 'must be a string');
  }
  const context = outputContext(typeof system === 'string' ? system : undefined, guards.systemPrompt);
  const tally = new Tally(guards.input !== undefined);
  const guard = guards.input;
  if (guard === undefined) return tally.verdict(body, context);

  const scan = (text: string, path: string): GuardResult => {
    const result = guard.scanInput(text, context);
    tally.add(
      result.action,
      relocate(result.findings, () => `request.${path}`),
    );
    return result;
  };
  let out = body;
  const set = (key: string, value: unknown) => {
    out = out === body ? { ...body } : out;
    out[key] = value;
  };

  const prompt = body.prompt;
  if (typeof prompt === 'string') {
    const r = scan(prompt, 'prompt');
    if (r.redacted !== undefined) set('prompt', r.redacted);
  } else if (Array.isArray(prompt) && kind === 'completion') {
    if (!prompt.every((p) => typeof p === 'string')) {
      // Token ids cannot be read without the model's tokenizer: refusing them keeps the filter closed.
      throw new FilterInputError(
        'prompt',
        'token ids cannot be filtered by the gateway; send the prompt as text',
      );
    }
    const redacted = prompt.map((p: string, i) => scan(p, `prompt[${i}]`).redacted ?? p);
    if (redacted.some((p, i) => p !== prompt[i])) set('prompt', redacted);
  } else if (prompt !== undefined && prompt !== null) {
    throw new FilterInputError(
      'prompt',
      kind === 'completion' ? 'must be a string or an array of strings' : 'must be a string',
    );
  }
  const suffix = body.suffix;
  if (typeof suffix === 'string') {
    const r = scan(suffix, 'suffix');
    if (r.redacted !== undefined) set('suffix', r.redacted);
  } else if (suffix !== undefined && suffix !== null) {
    throw new FilterInputError('suffix', 'must be a string');
  }
  return tally.verdict(tally.action === 'block' ? body : out, context);
}

// ---------------------------------------------------------------------------------------------------------
// Embeddings: OpenAI /v1/embeddings (and Ollama's `input` / `prompt` if routed here)

/**
 * Embedding inputs are scanned but only ever flagged. They are documents being indexed (RAG ingestion),
 * not instructions to a model: an injection in them does nothing here, and becomes dangerous only when the
 * document is retrieved into a chat prompt, where the chat request is scanned and blocked. Blocking or
 * redacting at ingestion would refuse every security article that quotes an attack and would change the
 * vectors of ordinary documents; flagging still puts the finding in the audit log next to the key.
 */
function filterEmbedding(body: Json, guards: GatewayGuards): RequestVerdict {
  const context: GuardContext = {};
  const tally = new Tally(guards.input !== undefined);
  const guard = guards.input;
  if (guard === undefined) return tally.verdict(body, context);
  const findings: Finding[] = [];
  for (const key of ['input', 'prompt'] as const) {
    const value = body[key];
    const texts: [string, string][] =
      typeof value === 'string'
        ? [[value, key]]
        : Array.isArray(value)
          ? // Token-id inputs (tiktoken clients send them) carry nothing the guard can read; they are skipped.
            value.flatMap((v, i): [string, string][] => (typeof v === 'string' ? [[v, `${key}[${i}]`]] : []))
          : [];
    for (const [text, path] of texts) {
      if (text === '') continue;
      const result = guard.scanInput(text, { source: 'document' });
      findings.push(...relocate(result.findings, () => `request.${path}`));
    }
  }
  tally.add(findings.length > 0 ? 'flag' : 'allow', findings);
  return tally.verdict(body, context);
}
