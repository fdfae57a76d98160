/**
 * The upstream side: which upstream serves a model, and one keep-alive connection pool per upstream with
 * the config's timeouts and retries. Retries happen here, before the gateway has sent the client anything,
 * and only where a retry cannot surprise anyone: the connection was never made (or a reused keep-alive
 * socket was found closed), or the upstream said 502/503/504.
 */
import { type Dispatcher, Pool, errors as undiciErrors } from 'undici';
import type { UpstreamConfig, UpstreamKind } from './config-types.ts';
import { GatewayError } from './errors.ts';
import { globMatch } from './keys.ts';

/** Errors where the request never reached the upstream's application: safe to retry, and a 502. */
const CONNECT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_ERROR_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const RETRY_STATUSES = new Set([502, 503, 504]);
/** First backoff between attempts; doubled each time, and never past the request's total timeout. */
const RETRY_BASE_MS = 25;

/** A request to send upstream. `path` is relative to the upstream's base URL (e.g. `/v1/chat/completions`). */
export interface UpstreamRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | NodeJS.ReadableStream | null;
  /** The client's abort signal: the upstream request is cancelled when the client goes away. */
  signal?: AbortSignal;
  requestId: string;
}

/** An upstream's answer, headers received; the body is read by the caller. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  contentType: string;
  body: Dispatcher.ResponseData['body'];
  /** Whether the total timeout fired (the body then errors). */
  timedOut(): boolean;
  /** Stops the total-timeout timer and releases the body; call once the body is consumed or abandoned. */
  release(): void;
  /** How many attempts were made. */
  attempts: number;
}

/** The gateway's upstreams, each with its pool. */
export interface Upstreams {
  /** The first upstream whose model globs match, or undefined. */
  route(model: string): UpstreamConfig | undefined;
  /** The first upstream of a kind (for routes without a model, like Ollama's /api/version). */
  firstOfKind(kind: UpstreamKind): UpstreamConfig | undefined;
  all(): readonly UpstreamConfig[];
  /** Sends a request with retries; throws GatewayError (502/504) when no answer came. */
  send(upstream: UpstreamConfig, request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/** Builds one pool per upstream. Pools are created here once, never per request. */
export function createUpstreams(configs: readonly UpstreamConfig[]): Upstreams {
  const pools = new Map<string, { pool: Pool; basePath: string }>();
  for (const u of configs) {
    const url = new URL(u.url);
    pools.set(u.name, {
      pool: new Pool(url.origin, {
        connections: 256,
        connect: { timeout: u.timeouts.connectMs },
        headersTimeout: u.timeouts.headersMs,
        bodyTimeout: u.timeouts.idleMs,
        keepAliveTimeout: 10_000,
      }),
      basePath: url.pathname.replace(/\/+$/, ''),
    });
  }
  const routeCache = new Map<string, UpstreamConfig | null>();

  async function attempt(
    u: UpstreamConfig,
    req: UpstreamRequest,
    attemptNo: number,
  ): Promise<UpstreamResponse> {
    const entry = pools.get(u.name);
    if (!entry) throw new Error(`unknown upstream ${u.name}`);
    const total = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      total.abort(
        new GatewayError(
          504,
          'upstream_timeout',
          `upstream ${u.name} took longer than ${u.timeouts.totalMs} ms`,
        ),
      );
    }, u.timeouts.totalMs);
    const onClientAbort = () => total.abort(req.signal?.reason ?? new Error('client closed the request'));
    if (req.signal?.aborted) onClientAbort();
    else req.signal?.addEventListener('abort', onClientAbort, { once: true });
    const release = () => {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onClientAbort);
    };
    const headers: Record<string, string> = { ...req.headers, 'x-request-id': req.requestId };
    if (u.apiKey) headers.authorization = `Bearer ${u.apiKey}`;
    try {
      const res: Dispatcher.ResponseData = await entry.pool.request({
        method: req.method as Dispatcher.HttpMethod,
        path: entry.basePath + req.path,
        headers,
        body: (req.body ?? null) as string | Uint8Array | NodeJS.ReadableStream | null,
        signal: total.signal,
      } as Dispatcher.RequestOptions);
      const ct = res.headers['content-type'];
      return {
        status: res.statusCode,
        headers: res.headers,
        contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '',
        body: res.body,
        timedOut: () => timedOut,
        release,
        attempts: attemptNo,
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  return {
    route(model) {
      const cached = routeCache.get(model);
      if (cached !== undefined) return cached ?? undefined;
      const found = configs.find((u) => u.models.some((g) => globMatch(g, model)));
      // Model names come from clients: only short ones are cached, and the cache is capped, so made-up
      // names cannot grow it without bound.
      if (model.length <= 256) {
        if (routeCache.size >= 10_000) routeCache.clear();
        routeCache.set(model, found ?? null);
      }
      return found;
    },
    firstOfKind(kind) {
      return configs.find((u) => u.kind === kind);
    },
    all() {
      return configs;
    },
    async send(u, req) {
      const started = Date.now();
      const canRetryBody = req.body == null || typeof req.body === 'string' || req.body instanceof Uint8Array;
      const maxAttempts = 1 + (canRetryBody ? Math.max(0, u.retries) : 0);
      for (let n = 1; ; n++) {
        let res: UpstreamResponse;
        try {
          res = await attempt(u, req, n);
        } catch (err) {
          if (req.signal?.aborted) throw err;
          const mapped = mapUpstreamError(u, err);
          if (n < maxAttempts && isRetryable(err) && (await backoff(n, started, u, req.signal))) continue;
          throw mapped;
        }
        if (RETRY_STATUSES.has(res.status) && n < maxAttempts) {
          await res.body.dump().catch(() => {});
          res.release();
          if (await backoff(n, started, u, req.signal)) continue;
          throw new GatewayError(502, 'upstream_unavailable', `upstream ${u.name} answered ${res.status}`);
        }
        return res;
      }
    },
    async close() {
      await Promise.all([...pools.values()].map(({ pool }) => pool.close().catch(() => pool.destroy())));
    },
  };
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isRetryable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (CONNECT_ERROR_CODES.has(code) || code === 'UND_ERR_CONNECT_TIMEOUT');
}

/** Waits before the next attempt; false when the total timeout would pass first or the client left. */
async function backoff(
  attempt: number,
  started: number,
  u: UpstreamConfig,
  signal?: AbortSignal,
): Promise<boolean> {
  const wait = RETRY_BASE_MS * 2 ** (attempt - 1);
  if (Date.now() - started + wait >= u.timeouts.totalMs || signal?.aborted) return false;
  await new Promise((resolve) => setTimeout(resolve, wait));
  return !signal?.aborted;
}

/** Turns a transport error into the client-facing 502/504 (the cause stays for the audit log). */
export function mapUpstreamError(u: UpstreamConfig, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const reason = (err as { reason?: unknown })?.reason;
  if (reason instanceof GatewayError) return reason;
  const code = errorCode(err);
  if (code && TIMEOUT_ERROR_CODES.has(code)) {
    const what =
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? `did not accept a connection within ${u.timeouts.connectMs} ms`
        : code === 'UND_ERR_HEADERS_TIMEOUT'
          ? `sent no response headers within ${u.timeouts.headersMs} ms`
          : `went silent for more than ${u.timeouts.idleMs} ms`;
    return new GatewayError(504, 'upstream_timeout', `upstream ${u.name} ${what}`, { cause: err });
  }
  if (err instanceof undiciErrors.RequestAbortedError) {
    return new GatewayError(504, 'upstream_timeout', `upstream ${u.name} request was aborted`, {
      cause: err,
    });
  }
  return new GatewayError(
    502,
    'upstream_unavailable',
    `upstream ${u.name} is unavailable (${code ?? 'error'})`,
    {
      cause: err,
    },
  );
}

/**
 * Reads a whole (non-streaming) body, refusing more than `max` bytes without buffering past it.
 */
export async function readUpstreamBody(u: UpstreamConfig, res: UpstreamResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > u.maxResponseBytes) {
        res.body.destroy();
        throw new GatewayError(
          502,
          'upstream_response_too_large',
          `upstream ${u.name} sent a response larger than ${u.maxResponseBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw mapUpstreamError(u, err);
  } finally {
    res.release();
  }
  return Buffer.concat(chunks, size);
}
