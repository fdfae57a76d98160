/**
 * The probe's only way onto the network. It can send GET, HEAD and OPTIONS, and a POST whose body is the
 * deliberately invalid `{}` (to tell "needs a key" from "validated my input"); the one exception, a single
 * tiny generation, is only reachable through `generate()` which the runner calls when --allow-generate
 * is given. Paths that change a server (pull, push, create, delete, copy, load) are refused here, below
 * every check, so no future check can call them by mistake.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ProbeTarget } from './targets.ts';

/** The Origin sent with every request: a name that can never be a real site (RFC 2606 `.invalid`). */
export const PROBE_ORIGIN = 'https://probe.invalid';

/** Responses are cut here: enough for any JSON the fingerprints read, never a whole model listing dump. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Path fragments of routes that change a server; refused whatever the method. */
const MUTATING = [
  /\/api\/(pull|push|create|delete|copy|blobs)\b/,
  /\/(load|unload)_lora_adapter\b/,
  /\/v1\/internal\/model\/(load|unload)\b/,
  /\/models\/(apply|delete)\b/,
  /\/backends\/apply\b/,
  /\/slots\/\d/,
  /\/api\/jobs\b/,
];

export function isMutatingPath(path: string): boolean {
  return MUTATING.some((re) => re.test(path));
}

export interface ProbeResponse {
  status: number;
  headers: Record<string, string>;
  /** Body as text (UTF-8), at most MAX_BODY_BYTES. */
  body: string;
}

/** A failed exchange: `refused` (nothing listens), `timeout`, or another network error. */
export interface ProbeFailure {
  failure: 'refused' | 'timeout' | 'error';
  message: string;
}

export type Exchange = ProbeResponse | ProbeFailure;

export function isFailure(x: Exchange | undefined): x is ProbeFailure {
  return x !== undefined && 'failure' in x;
}

export interface ClientOptions {
  timeoutMs: number;
  /** Called before every request; resolves when the per-host rate limit allows it. */
  pace: () => Promise<void>;
  /** Aborts everything in flight (the overall deadline). */
  signal?: AbortSignal;
  /** Extra headers, e.g. a key for an authenticated audit. */
  headers?: Record<string, string>;
  /** Every request, before it leaves: tests and --verbose use it to show exactly what was sent. */
  onRequest?: (method: string, url: string) => void;
}

type SafeMethod = 'GET' | 'HEAD' | 'OPTIONS';

/** One HTTP client per target, keeping one connection alive across the probe's requests to it. */
export class ProbeClient {
  readonly target: ProbeTarget;
  private readonly options: ClientOptions;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(target: ProbeTarget, options: ClientOptions) {
    this.target = target;
    this.options = options;
    const agentOptions = { keepAlive: true, maxSockets: 1 };
    // Self-signed certificates are the norm on internal LLM servers; the probe reads, it does not trust.
    this.agent =
      target.scheme === 'https'
        ? new HttpsAgent({ ...agentOptions, rejectUnauthorized: false })
        : new HttpAgent(agentOptions);
  }

  url(path: string): string {
    return this.target.base + path;
  }

  /** A read-only request. */
  get(path: string, method: SafeMethod = 'GET', headers: Record<string, string> = {}): Promise<Exchange> {
    return this.send(method, path, undefined, headers);
  }

  /** POST of the invalid body `{}`: a server that checks keys answers 401/403, one that does not, 4xx. */
  postInvalid(path: string): Promise<Exchange> {
    return this.send('POST', path, '{}', { 'content-type': 'application/json' });
  }

  /** The one generation --allow-generate permits; the caller builds the smallest body the product takes. */
  generate(path: string, body: Record<string, unknown>): Promise<Exchange> {
    return this.send('POST', path, JSON.stringify(body), { 'content-type': 'application/json' });
  }

  close(): void {
    this.agent.destroy();
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<Exchange> {
    if (isMutatingPath(path)) throw new Error(`refusing to send to a mutating route: ${path}`);
    if (this.options.signal?.aborted) return { failure: 'timeout', message: 'overall deadline reached' };
    await this.options.pace();
    const url = this.url(path);
    this.options.onRequest?.(method, url);
    const request = this.target.scheme === 'https' ? httpsRequest : httpRequest;
    return new Promise<Exchange>((resolve) => {
      let settled = false;
      const finish = (x: Exchange): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.options.signal?.removeEventListener('abort', onAbort);
        resolve(x);
      };
      const req = request(url, {
        method,
        agent: this.agent,
        headers: {
          'user-agent': 'parapet-probe',
          accept: '*/*',
          origin: PROBE_ORIGIN,
          ...this.options.headers,
          ...headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      });
      const timer = setTimeout(() => {
        finish({ failure: 'timeout', message: `no answer within ${this.options.timeoutMs} ms` });
        req.destroy();
      }, this.options.timeoutMs);
      const onAbort = (): void => {
        finish({ failure: 'timeout', message: 'overall deadline reached' });
        req.destroy();
      };
      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const refused =
          err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH';
        finish({ failure: refused ? 'refused' : 'error', message: err.code ?? err.message });
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (): void =>
          finish({
            status: res.statusCode ?? 0,
            headers: flatHeaders(res.headers),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_BODY_BYTES) return;
          chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
          size += chunk.length;
          // Enough read: stop the transfer rather than drain an endless stream.
          if (size >= MAX_BODY_BYTES) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', () => done());
        res.on('close', done);
      });
      req.end(body);
    });
  }
}

function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** The body parsed as JSON, or undefined. */
export function jsonOf(x: Exchange | undefined): unknown {
  if (x === undefined || isFailure(x)) return undefined;
  try {
    return JSON.parse(x.body);
  } catch {
    return undefined;
  }
}

/** The response when it is a 2xx, else undefined. */
export function ok(x: Exchange | undefined): ProbeResponse | undefined {
  return x !== undefined && !isFailure(x) && x.status >= 200 && x.status < 300 ? x : undefined;
}

export function statusOf(x: Exchange | undefined): number | undefined {
  return x === undefined || isFailure(x) ? undefined : x.status;
}
