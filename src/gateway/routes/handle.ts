/**
 * Wraps a route so every request gets an Exchange (request id, audit record, in-flight count) and every
 * thrown error becomes an OpenAI-format response. Nothing thrown inside a route reaches Hono's default
 * handler, whose 500 text would be neither OpenAI-shaped nor audited.
 */
import type { Context, Handler } from 'hono';
import { describeError } from '../../core/errors.ts';
import { GatewayError } from '../errors.ts';
import { FilterInputError } from '../filter/index.ts';
import type { GatewayDeps } from './deps.ts';
import { Exchange } from './exchange.ts';
import { CLIENT_CLOSED } from './relay.ts';

export type RouteFn = (c: Context, ex: Exchange) => Promise<Response>;

/** A Hono handler for `fn`, recorded under `route` (the pattern, never the raw path). */
export function handle(deps: GatewayDeps, route: string, fn: RouteFn): Handler {
  return async (c) => {
    const ex = new Exchange(deps, c.req.method, route);
    try {
      // Routes set x-request-id themselves: touching `response.headers` here would build a Headers object.
      const response = await fn(c, ex);
      if (!ex.deferred) ex.finish(response.status);
      return response;
    } catch (err) {
      const gwErr = toGatewayError(err);
      if (c.req.raw.signal.aborted && !(err instanceof GatewayError)) {
        // The client left while we waited (upstream, limiter): nobody reads the answer, but it is audited.
        ex.finish(CLIENT_CLOSED, 'client closed the connection');
      } else {
        if (gwErr.status >= 500 && ex.record.upstream && gwErr.code.startsWith('upstream_')) {
          deps.metrics?.upstreamError(ex.record.upstream, upstreamErrorKind(gwErr));
        }
        ex.finish(gwErr.status, errorText(gwErr));
      }
      return errorResponse(gwErr, ex.id);
    }
  };
}

/** The OpenAI-format response for an error. */
export function errorResponse(err: GatewayError, requestId?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...err.headers };
  if (requestId) headers['x-request-id'] = requestId;
  return new Response(JSON.stringify(err.body()), { status: err.status, headers });
}

/** Anything thrown, as the error the client should see (unknown errors: a 500 with no internals). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof FilterInputError) {
    return new GatewayError(400, 'invalid_request', err.message, { param: err.param });
  }
  return new GatewayError(500, 'internal_error', 'The gateway failed to handle this request.', {
    cause: err,
  });
}

function errorText(err: GatewayError): string {
  // The audit log keeps the underlying cause (socket error, stack-free) next to the client-facing message.
  return err.cause ? `${err.message} (${describeError(err.cause)})` : err.message;
}

function upstreamErrorKind(err: GatewayError): string {
  switch (err.code) {
    case 'upstream_timeout':
      return 'timeout';
    case 'upstream_unavailable':
      return 'connect';
    case 'upstream_response_too_large':
      return 'too_large';
    default:
      return 'invalid';
  }
}
