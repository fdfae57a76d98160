/**
 * The checks every inference request passes before anything goes upstream, cheapest first: key, scope,
 * body size (counted while reading), JSON, model allowlist and route, message and max-token caps.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { ApiKeyRecord, KeyScope, KeyStore } from '../contracts.ts';
import { GatewayError, invalidKeyError } from '../errors.ts';
import type { GatewayDeps } from './deps.ts';

/** The client's key from `Authorization: Bearer` or `x-api-key`, or undefined. */
export function presentedSecret(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1];
  }
  return c.req.header('x-api-key')?.trim() || undefined;
}

/** The live key the request carries, or a 401. */
export function authenticate(deps: GatewayDeps, c: Context): ApiKeyRecord {
  const secret = presentedSecret(c);
  const key = secret ? deps.keys.authenticate(secret) : undefined;
  if (!key) throw invalidKeyError();
  return key;
}

/** How long a successful key lookup is reused: a revocation takes effect within this time. */
export const KEY_CACHE_MS = 1000;
const KEY_CACHE_MAX = 10_000;

/**
 * The key store's `authenticate` with known-good keys remembered for a second, so a busy key costs one
 * SQLite lookup and hash per second instead of one per request. Failures are never cached (a stream of
 * made-up keys cannot grow the cache), and the cache only ever holds secrets the store accepted.
 */
export function cachedKeyLookup(store: KeyStore, now: () => number): Pick<KeyStore, 'authenticate'> {
  const cache = new Map<string, { key: ApiKeyRecord; until: number }>();
  return {
    authenticate(secret) {
      const t = now();
      const hit = cache.get(secret);
      if (hit && hit.until > t) return hit.key;
      const key = store.authenticate(secret);
      if (key) {
        if (cache.size >= KEY_CACHE_MAX) cache.clear();
        cache.set(secret, { key, until: t + KEY_CACHE_MS });
      } else cache.delete(secret);
      return key;
    },
  };
}

/**
 * The caller's key, checked for `scope` and recorded on the exchange (so the audit record names the key even
 * when the scope check refuses it): what every authenticated route does first.
 */
export function authorize(
  deps: GatewayDeps,
  c: Context,
  exchange: { setKey(key: ApiKeyRecord): void },
  scope: KeyScope,
): ApiKeyRecord {
  const key = authenticate(deps, c);
  exchange.setKey(key);
  requireScope(key, scope);
  return key;
}

export function requireScope(key: ApiKeyRecord, scope: KeyScope): void {
  if (!key.scopes.includes(scope)) {
    throw new GatewayError(403, 'insufficient_scope', `This API key lacks the "${scope}" scope.`, {
      type: 'permission_error',
    });
  }
}

function tooLarge(max: number): GatewayError {
  return new GatewayError(413, 'request_too_large', `Request body exceeds the limit of ${max} bytes.`);
}

/**
 * Reads the body, refusing it (413) as soon as it passes `max` bytes: never holds more than the cap.
 * Under @hono/node-server the body is read straight from Node's IncomingMessage (`c.env.incoming`):
 * going through `c.req.raw.body` would build a WHATWG Request and a web stream for every request.
 */
export async function readBodyCapped(c: Context, max: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && typeof incoming.on === 'function') return readIncoming(incoming, max);
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function readIncoming(incoming: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        // Stop reading; the server drains (or cuts) the rest once the 413 is sent.
        cleanup();
        incoming.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (incoming.complete) return;
      cleanup();
      reject(new Error('client closed the connection while sending the body'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

const decoder = new TextDecoder();

/** The body as a JSON object, or a 400. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new GatewayError(400, 'invalid_json', 'Request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError(400, 'invalid_json', 'Request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** The `model` field, or a 400. */
export function requireModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    throw new GatewayError(400, 'missing_model', 'The "model" field is required.', { param: 'model' });
  }
  return model;
}

/** Which field carries the requested output length, for a 400 that names it. */
const MAX_TOKEN_FIELDS: readonly (readonly string[])[] = [
  ['max_tokens'],
  ['max_completion_tokens'],
  ['options', 'num_predict'],
];

/** Refuses too many messages or too large a max-tokens value (400 naming the parameter). */
export function checkCaps(deps: GatewayDeps, body: Record<string, unknown>): void {
  const { maxMessages, maxTokens } = deps.config.limits;
  const messages = body.messages;
  if (Array.isArray(messages) && messages.length > maxMessages) {
    throw new GatewayError(
      400,
      'too_many_messages',
      `Too many messages: ${messages.length} (limit ${maxMessages}).`,
      {
        param: 'messages',
      },
    );
  }
  for (const path of MAX_TOKEN_FIELDS) {
    let v: unknown = body;
    for (const part of path)
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    if (typeof v === 'number' && v > maxTokens) {
      const param = path.join('.');
      throw new GatewayError(400, 'max_tokens_too_large', `${param} is ${v}; the limit is ${maxTokens}.`, {
        param,
      });
    }
  }
}
