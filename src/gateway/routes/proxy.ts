/**
 * Plain pass-through for routes the gateway does not filter (Ollama's version and management endpoints):
 * the upstream's status, content type and body, streamed back as they come. Only allowed headers go
 * either way: never the client's Authorization, never hop-by-hop headers.
 */

import type { UpstreamResponse } from '../upstream.ts';
import type { Exchange } from './exchange.ts';

/** Response headers worth passing on; everything else (hop-by-hop, upstream internals) is dropped. */
const PASSED_RESPONSE_HEADERS = ['content-type', 'content-length', 'location', 'etag', 'last-modified'];

/** Streams an upstream response to the client and finishes the exchange when it ends. */
export function passThrough(ex: Exchange, res: UpstreamResponse): Response {
  const headers: Record<string, string> = { 'x-request-id': ex.id };
  for (const name of PASSED_RESPONSE_HEADERS) {
    const v = res.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  if (res.status === 204 || res.status === 304) {
    res.body.dump().catch(() => {});
    res.release();
    ex.upstreamDone();
    return new Response(null, { status: res.status, headers });
  }
  const chunks = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let done = false;
  const end = (status: number, error?: string) => {
    if (done) return;
    done = true;
    res.release();
    ex.upstreamDone();
    ex.finish(status, error);
  };
  ex.deferred = true;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) {
          controller.close();
          end(res.status);
        } else controller.enqueue(new Uint8Array(next.value));
      } catch (err) {
        if (done) return;
        // Headers are out: all that is left is to end the body; the audit record says why.
        controller.close();
        end(res.status, `upstream broke off the response: ${(err as Error).message}`);
      }
    },
    cancel() {
      res.body.destroy();
      end(499, 'client closed the connection');
    },
  });
  return new Response(body, { status: res.status, headers });
}
