/**
 * Streams an upstream's SSE or NDJSON response to the client through the stream filter.
 *
 * Pull-driven: the next upstream chunk is read only when the client has taken the last one, so a slow
 * client slows the upstream read instead of filling memory. Every way a stream can end is handled here and
 * finishes the exchange once:
 * - upstream finished: the filter's last payloads, then `data: [DONE]` (SSE);
 * - output blocked: the filter's final payloads, `data: [DONE]`, upstream request cancelled;
 * - upstream reset, went silent, timed out or sent garbage: a last event `data: {"error":{...}}` (SSE) or
 *   line `{"error":"..."}` (NDJSON, Ollama's own mid-stream error shape), then the stream closes. OpenAI
 *   SDKs raise an APIError on such an event, so a cut stream is never mistaken for a complete answer;
 * - client went away: the upstream request is aborted.
 */
import type { GuardContext } from '../../guard/types.ts';
import type { UpstreamConfig } from '../config-types.ts';
import { GatewayError } from '../errors.ts';
import { createStreamFilter, type PayloadKind, type StreamEmit } from '../filter/index.ts';
import { createNdjsonReader, createSseReader, FramingError, ndjsonLine, SSE_DONE, sseEvent } from '../sse.ts';
import { mapUpstreamError, type UpstreamResponse } from '../upstream.ts';
import type { GatewayDeps } from './deps.ts';
import type { Exchange } from './exchange.ts';

/** Status recorded when the client closed the connection first (nginx's convention). */
export const CLIENT_CLOSED = 499;

export function relayStream(
  deps: GatewayDeps,
  ex: Exchange,
  upstream: UpstreamConfig,
  res: UpstreamResponse,
  kind: PayloadKind,
  format: 'sse' | 'ndjson',
  context: GuardContext,
): Response {
  const reader =
    format === 'sse'
      ? createSseReader(upstream.maxResponseBytes)
      : createNdjsonReader(upstream.maxResponseBytes);
  const frame = format === 'sse' ? sseEvent : ndjsonLine;
  const filter = createStreamFilter(kind, deps.guards, context);
  const chunks = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let sawEnd = false;
  let closed = false;
  ex.deferred = true;

  const record = () => {
    ex.upstreamDone();
    ex.record.outputAction = filter.action;
    ex.addRuleIds(filter.ruleIds);
    const usage = filter.usage;
    if (usage) {
      ex.setUsage(usage);
    } else if (filter.completionText) {
      // No usage from upstream (the client did not ask for it): about four characters per token.
      ex.record.completionTokens = Math.ceil(filter.completionText.length / 4);
    }
    if (deps.auditText) ex.record.completion = deps.auditText({ response: filter.completionText });
  };
  const stopUpstream = () => {
    res.body.destroy();
    res.release();
  };

  /** Frames a filter step; true when the stream must end because the output was blocked. */
  const enqueue = (controller: ReadableStreamDefaultController<Uint8Array>, step: StreamEmit): boolean => {
    for (const payload of step.emit) controller.enqueue(frame(payload));
    return step.blocked;
  };

  const endBlocked = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (format === 'sse') controller.enqueue(SSE_DONE);
    closed = true;
    controller.close();
    stopUpstream();
    record();
    ex.finish(200, 'response blocked by policy mid-stream');
  };

  const endWithError = (controller: ReadableStreamDefaultController<Uint8Array>, err: GatewayError) => {
    if (closed) return;
    try {
      enqueue(controller, filter.end());
    } catch {
      // The filter could not finish the held text: it is dropped, never sent unchecked.
    }
    controller.enqueue(
      format === 'sse'
        ? sseEvent({ error: { message: err.message, type: 'api_error', param: null, code: err.code } })
        : ndjsonLine({ error: err.message }),
    );
    closed = true;
    controller.close();
    stopUpstream();
    record();
    deps.metrics?.upstreamError(upstream.name, err.code === 'upstream_timeout' ? 'timeout' : 'stream');
    ex.finish(200, err.message);
  };

  const handleItems = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    items: ReturnType<typeof reader.feed>,
  ): 'continue' | 'blocked' | 'upstream-error' => {
    for (const item of items) {
      if (item.done) {
        sawEnd = true;
        continue;
      }
      const payload = item.payload;
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new FramingError('upstream sent a stream event that is not a JSON object');
      }
      const p = payload as Record<string, unknown>;
      if ('error' in p && !('choices' in p) && !('message' in p) && !('response' in p)) {
        const msg = typeof p.error === 'string' ? p.error : (p.error as { message?: string })?.message;
        throw new GatewayError(
          502,
          'upstream_stream_error',
          `upstream ${upstream.name} reported an error mid-stream: ${msg ?? 'unknown'}`,
        );
      }
      if (format === 'ndjson' && p.done === true) sawEnd = true;
      if (enqueue(controller, filter.push(p))) return 'blocked';
    }
    return 'continue';
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (closed) return;
        try {
          for (;;) {
            const next = await chunks.next();
            if (closed) return;
            if (next.done) {
              const outcome = handleItems(controller, reader.end());
              if (outcome === 'blocked') return endBlocked(controller);
              if (!sawEnd) {
                throw new GatewayError(
                  502,
                  'upstream_stream_error',
                  `upstream ${upstream.name} ended the stream before its end marker`,
                );
              }
              if (enqueue(controller, filter.end())) return endBlocked(controller);
              if (format === 'sse') controller.enqueue(SSE_DONE);
              closed = true;
              controller.close();
              res.release();
              record();
              ex.finish(200);
              return;
            }
            const before = controller.desiredSize;
            const outcome = handleItems(controller, reader.feed(next.value));
            if (outcome === 'blocked') return endBlocked(controller);
            // Return once something was queued; otherwise (text held back) read on.
            if (controller.desiredSize !== before) return;
          }
        } catch (err) {
          if (closed) return;
          const mapped =
            err instanceof GatewayError
              ? err
              : err instanceof FramingError
                ? new GatewayError(
                    502,
                    'upstream_invalid_response',
                    `upstream ${upstream.name}: ${err.message}`,
                  )
                : res.timedOut()
                  ? new GatewayError(
                      504,
                      'upstream_timeout',
                      `upstream ${upstream.name} took longer than ${upstream.timeouts.totalMs} ms`,
                    )
                  : mapStreamError(upstream, err);
          endWithError(controller, mapped);
        }
      },
      cancel() {
        if (closed) return;
        closed = true;
        stopUpstream();
        record();
        ex.finish(CLIENT_CLOSED, 'client closed the connection mid-stream');
      },
    },
    { highWaterMark: 1 },
  );

  const headers: Record<string, string> = {
    'content-type': format === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson',
    'cache-control': 'no-cache',
    'x-request-id': ex.id,
  };
  return new Response(stream, { status: 200, headers });
}

/** A transport failure after headers: a timeout keeps its meaning, anything else is a cut stream. */
function mapStreamError(upstream: UpstreamConfig, err: unknown): GatewayError {
  const mapped = mapUpstreamError(upstream, err);
  if (mapped.code === 'upstream_timeout') return mapped;
  return new GatewayError(
    502,
    'upstream_stream_error',
    `upstream ${upstream.name} broke off the stream (${mapped.message})`,
  );
}
