/**
 * `createGateway(config)`: the whole gateway as a Hono app, for `parapet gateway` and for embedding in a
 * server of your own. Everything expensive (key store, limiter, audit log, guards, upstream pools) is
 * built here once; a request only looks things up.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { openAuditLog } from './audit.ts';
import type { GatewayConfig } from './config-types.ts';
import type { AuditLog, KeyStore, Limiter } from './contracts.ts';
import { GatewayError } from './errors.ts';
import { createGatewayGuards } from './filter/index.ts';
import { openKeyStore } from './keys.ts';
import { createLimiter } from './limits/index.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { createAuditTextExtractor } from './routes/audit-text.ts';
import { createTracker, type GatewayDeps } from './routes/deps.ts';
import { errorResponse, handle } from './routes/handle.ts';
import { registerOllamaRoutes } from './routes/ollama.ts';
import { registerOpenAIRoutes } from './routes/openai.ts';
import { registerOpsRoutes } from './routes/ops.ts';
import { cachedKeyLookup } from './routes/request.ts';
import { createUpstreams } from './upstream.ts';

/** Parts a caller may supply instead of having them opened from the config (they are then not closed). */
export interface GatewayOptions {
  keyStore?: KeyStore;
  limiter?: Limiter;
  audit?: AuditLog;
  metrics?: GatewayMetrics;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
  /** How long `close()` waits for requests in flight (default 30 s). */
  drainTimeoutMs?: number;
}

/** A Hono app plus `close()`, which waits for requests in flight and releases what the gateway opened. */
export type Gateway = Hono & {
  /** Requests in progress (streams count until their last byte). */
  readonly inFlight: number;
  close(): Promise<void>;
};

/** Builds the gateway. Throws if the key store or audit log cannot be opened. */
export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const opened: (() => unknown)[] = [];
  const own = <T>(value: T | undefined, open: () => T, close: (v: T) => unknown): T => {
    if (value !== undefined) return value;
    const v = open();
    opened.push(() => close(v));
    return v;
  };
  try {
    const keyStore = own(
      options.keyStore,
      () => openKeyStore(config.keys.store),
      (k) => k.close(),
    );
    const limiter = own(
      options.limiter,
      () => createLimiter(config),
      (l) => l.close(),
    );
    const audit = config.audit.enabled
      ? own(
          options.audit,
          () =>
            openAuditLog(config.audit.path, {
              batchSize: config.audit.batchSize,
              flushIntervalMs: config.audit.flushIntervalMs,
            }),
          (a) => a.close(),
        )
      : undefined;
    const upstreams = createUpstreams(config.upstreams);
    opened.push(() => upstreams.close());
    const now = options.now ?? Date.now;
    const deps: GatewayDeps = {
      config,
      keyStore,
      keys: cachedKeyLookup(keyStore, now),
      limiter,
      audit,
      metrics: config.metrics.enabled ? (options.metrics ?? createGatewayMetrics()) : undefined,
      guards: createGatewayGuards(config.guard),
      upstreams,
      auditText: config.audit.enabled && config.audit.logText ? createAuditTextExtractor() : undefined,
      now,
      tracker: createTracker(),
    };
    return assemble(deps, opened, options.drainTimeoutMs ?? 30_000);
  } catch (err) {
    for (const close of opened.reverse()) Promise.resolve(close()).catch(() => {});
    throw err;
  }
}

function assemble(deps: GatewayDeps, opened: (() => unknown)[], drainTimeoutMs: number): Gateway {
  const app = new Hono();
  const origins = new Set(deps.config.cors.origins);
  if (origins.size > 0) {
    // Only listed origins get CORS headers; with no origins configured there is no CORS middleware at all.
    app.use(
      '*',
      cors({
        origin: (origin) => (origins.has(origin) || origins.has('*') ? origin : null),
        allowMethods: ['GET', 'POST', 'DELETE', 'HEAD', 'OPTIONS'],
        allowHeaders: ['authorization', 'content-type', 'x-api-key'],
        exposeHeaders: ['x-request-id', 'retry-after'],
        maxAge: 600,
      }),
    );
  }
  registerOpsRoutes(app, deps);
  registerOpenAIRoutes(app, deps);
  registerOllamaRoutes(app, deps);
  app.all(
    '*',
    handle(deps, 'unknown', async (c) => {
      throw new GatewayError(
        404,
        'not_found',
        `Unknown route: ${c.req.method} ${new URL(c.req.url).pathname}`,
      );
    }),
  );
  app.onError((err) =>
    errorResponse(
      new GatewayError(500, 'internal_error', 'The gateway failed to handle this request.', { cause: err }),
    ),
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await deps.tracker.drained(drainTimeoutMs);
      for (const release of opened.reverse()) {
        try {
          await release();
        } catch {
          // Closing is best effort: one part failing to close must not keep the others open.
        }
      }
    })();
    return closing;
  };
  // defineProperties, not Object.assign: `inFlight` must stay a live getter.
  return Object.defineProperties(app, {
    inFlight: { get: () => deps.tracker.count, enumerable: true },
    close: { value: close, enumerable: true },
  }) as Gateway;
}
