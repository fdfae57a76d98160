/**
 * Talking to the model under test: an OpenAI-compatible chat endpoint (`POST /v1/chat/completions`: vLLM,
 * llama.cpp's llama-server, LM Studio, Ollama's /v1, the Parapet gateway) or Ollama's native
 * `POST /api/chat`. `resolveTarget` finds which one answers and which model to use; `chat` sends one
 * conversation and returns the reply text, or a TargetError that the runner records as `errored`.
 */
import type { ChatTurn } from './types.ts';

export type TargetKind = 'openai' | 'ollama';

export interface TargetConnection {
  /** Base URL without a trailing slash and without `/v1`. */
  baseUrl: string;
  kind: TargetKind;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  maxTokens: number;
  seed: number;
}

/** A failed exchange: an HTTP status (when there was a response), a timeout or a network error. */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** The error `code` of an OpenAI-style error body, e.g. `parapet_blocked`. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

/** Replies are cut here: a red-team verdict never needs more, and a runaway server cannot exhaust memory. */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** `http://h:1/v1/` and `http://h:1` both become `http://h:1`; anything but http(s) is refused. */
export function normaliseBaseUrl(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new TargetError(`target "${target}" is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TargetError(`target "${target}" must be http:// or https://`);
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '').replace(/\/v1$/, '');
}

function headersFor(apiKey: string | undefined, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (json) headers['content-type'] = 'application/json';
  if (apiKey !== undefined && apiKey !== '') headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

/** Reads a body as text up to MAX_REPLY_BYTES (more is an error, not a silent cut verdict). */
async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REPLY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new TargetError(`response over ${MAX_REPLY_BYTES} bytes`, res.status);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

interface HttpOptions {
  method: 'GET' | 'POST';
  apiKey: string | undefined;
  timeoutMs: number;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** One request; resolves with the status and parsed JSON (or throws a TargetError). */
async function requestJson(url: string, o: HttpOptions): Promise<{ status: number; json: unknown }> {
  // One controller, a plain timer and a listener on the outer signal, all undone at the end. Not
  // AbortSignal.any([outer, AbortSignal.timeout()]): building that per request was most of the runner's
  // own cost per attempt (each composite signal is tracked by its sources until collected).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, o.timeoutMs);
  const outer = o.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: o.method,
      headers: headersFor(o.apiKey, o.body !== undefined),
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      signal: controller.signal,
      redirect: 'manual',
    });
    // the timer stays armed while the body streams in: a server that trickles its reply times out too
    text = await readCapped(res);
  } catch (err) {
    if (err instanceof TargetError) throw err;
    throw new TargetError(describeFetchError(err, timedOut, o.timeoutMs, outer));
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.status < 200 || res.status > 299) {
    throw new TargetError(`HTTP ${res.status}${errorMessageOf(json, text)}`, res.status, errorCodeOf(json));
  }
  if (json === undefined) throw new TargetError(`HTTP ${res.status} but the body is not JSON`, res.status);
  return { status: res.status, json };
}

function describeFetchError(
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): string {
  if (signal?.aborted) return 'aborted';
  if (timedOut) return `timed out after ${timeoutMs} ms`;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message ?? 'request failed'} (${cause})` : (e?.message ?? String(err));
}

/** `: message` from an OpenAI (`{error:{message}}`) or Ollama (`{error:"..."}`) error body, cut short. */
function errorMessageOf(json: unknown, text: string): string {
  const err = (json as { error?: unknown } | undefined)?.error;
  const message =
    typeof err === 'string'
      ? err
      : typeof (err as { message?: unknown } | undefined)?.message === 'string'
        ? (err as { message: string }).message
        : text;
  const short = message.replace(/\s+/g, ' ').trim().slice(0, 200);
  return short === '' ? '' : `: ${short}`;
}

function errorCodeOf(json: unknown): string | undefined {
  const code = ((json as { error?: unknown } | undefined)?.error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Error codes that mean "a defence refused this request or reply" (the Parapet gateway's guard, an
 * OpenAI-style content filter): the attack was stopped, so the attempt is resisted, not errored.
 */
const BLOCK_CODES = new Set(['parapet_blocked', 'parapet_blocked_output', 'content_filter']);

/** A reply: its text, or the defence that blocked it. */
export interface ChatReply {
  text: string;
  /** Set when a guard in front of the model refused the request or its reply: why, as it said. */
  blockedBy?: string;
}

/** Model ids from `/v1/models` (`{data:[{id}]}`) or `/api/tags` (`{models:[{name}]}`). */
function modelIds(json: unknown, kind: TargetKind): string[] | undefined {
  const list =
    kind === 'openai' ? (json as { data?: unknown })?.data : (json as { models?: unknown })?.models;
  if (!Array.isArray(list)) return undefined;
  const key = kind === 'openai' ? 'id' : 'name';
  return list
    .map((m) => (m && typeof m === 'object' ? (m as Record<string, unknown>)[key] : undefined))
    .filter((id): id is string => typeof id === 'string' && id !== '');
}

export interface ResolveOptions {
  target: string;
  kind: 'auto' | TargetKind;
  model?: string | undefined;
  apiKey?: string | undefined;
  timeoutMs: number;
  maxTokens: number;
  seed: number;
  signal?: AbortSignal | undefined;
}

/**
 * Finds the API and the model. With `auto`, GET /v1/models then /api/tags; a 401/403 from the first is
 * reported as such (a key is missing) rather than hidden behind "not Ollama either".
 */
export async function resolveTarget(o: ResolveOptions): Promise<TargetConnection> {
  const baseUrl = normaliseBaseUrl(o.target);
  const kinds: TargetKind[] = o.kind === 'auto' ? ['openai', 'ollama'] : [o.kind];
  const problems: string[] = [];
  for (const kind of kinds) {
    const path = kind === 'openai' ? '/v1/models' : '/api/tags';
    try {
      const { json } = await requestJson(`${baseUrl}${path}`, {
        method: 'GET',
        apiKey: o.apiKey,
        timeoutMs: o.timeoutMs,
        signal: o.signal,
      });
      const ids = modelIds(json, kind);
      if (ids === undefined) {
        problems.push(`${path}: not a model list`);
        continue;
      }
      const model = o.model ?? ids[0];
      if (model === undefined) throw new TargetError(`${baseUrl}${path} lists no models; pass --model`);
      return {
        baseUrl,
        kind,
        model,
        ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
        timeoutMs: o.timeoutMs,
        maxTokens: o.maxTokens,
        seed: o.seed,
      };
    } catch (err) {
      if (!(err instanceof TargetError)) throw err;
      if (err.status === 401 || err.status === 403)
        throw new TargetError(
          `${baseUrl}${path}: ${err.message} (an API key is needed: --api-key)`,
          err.status,
        );
      if (err.message.startsWith(baseUrl)) throw err;
      problems.push(`${path}: ${err.message}`);
    }
  }
  throw new TargetError(
    `${baseUrl} answers neither as an OpenAI-compatible nor as an Ollama server (${problems.join('; ')})`,
  );
}

/** Sends one conversation and returns the reply, or the defence's refusal; other failures throw. */
export async function chat(
  conn: TargetConnection,
  messages: readonly ChatTurn[],
  signal?: AbortSignal,
): Promise<ChatReply> {
  try {
    return { text: await chatText(conn, messages, signal) };
  } catch (err) {
    if (err instanceof TargetError && err.code !== undefined && BLOCK_CODES.has(err.code))
      return { text: '', blockedBy: `${err.code}: ${err.message}` };
    throw err;
  }
}

async function chatText(
  conn: TargetConnection,
  messages: readonly ChatTurn[],
  signal?: AbortSignal,
): Promise<string> {
  const wire = messages.map((m) => ({ role: m.role, content: m.content }));
  const ollama = conn.kind === 'ollama';
  const { json } = await requestJson(`${conn.baseUrl}${ollama ? '/api/chat' : '/v1/chat/completions'}`, {
    method: 'POST',
    apiKey: conn.apiKey,
    timeoutMs: conn.timeoutMs,
    signal,
    body: {
      model: conn.model,
      messages: wire,
      stream: false,
      // greedy and seeded, so a rerun asks the same question the same way
      ...(ollama
        ? { options: { temperature: 0, seed: conn.seed, num_predict: conn.maxTokens } }
        : { temperature: 0, seed: conn.seed, max_tokens: conn.maxTokens }),
    },
  });
  if (ollama) {
    const content = (json as { message?: { content?: unknown } } | null)?.message?.content;
    if (typeof content !== 'string') throw new TargetError('Ollama reply has no message.content');
    return content;
  }
  const message = (json as { choices?: { message?: { content?: unknown; refusal?: unknown } }[] } | null)
    ?.choices?.[0]?.message;
  if (!message) throw new TargetError('reply has no choices[0].message');
  if (typeof message.content === 'string') return message.content;
  // a content-filtered reply (null content with a refusal) is the model resisting, not an error
  if (typeof message.refusal === 'string') return message.refusal;
  if (message.content === null) return '';
  throw new TargetError('reply has no text content');
}
