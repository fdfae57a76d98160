/**
 * Ollama's API: /api/chat, /api/generate and /api/embed filtered like their OpenAI twins (NDJSON streaming,
 * on by default as in Ollama), /api/tags and /api/ps filtered by the key's models, /api/show for a model the
 * key may use, /api/version passed through, and the
 * management endpoints (pull, push, create, delete, copy, blobs) refused unless the key has `admin` scope.
 * A refused management call never reaches the upstream.
 */
import { Readable } from 'node:stream';
import type { Context, Hono } from 'hono';
import type { UpstreamConfig } from '../config-types.ts';
import { GatewayError } from '../errors.ts';
import { modelAllowed } from '../keys.ts';
import { readUpstreamBody } from '../upstream.ts';
import type { GatewayDeps } from './deps.ts';
import type { Exchange } from './exchange.ts';
import { handle } from './handle.ts';
import { handleInference, type InferenceRoute } from './inference.ts';
import { listModels } from './models.ts';
import { passThrough } from './proxy.ts';
import { authorize, parseJsonObject, readBodyCapped, requireModel } from './request.ts';

const ollamaStreams = (body: Record<string, unknown>) => body.stream !== false;

const CHAT: InferenceRoute = {
  kind: 'ollama-chat',
  api: 'ollama',
  path: '/api/chat',
  wantsStream: ollamaStreams,
};
const GENERATE: InferenceRoute = {
  kind: 'ollama-generate',
  api: 'ollama',
  path: '/api/generate',
  wantsStream: ollamaStreams,
};
/** /api/embed takes `input` (a string or a list), as OpenAI's embeddings do, so it is filtered the same way. */
const EMBED: InferenceRoute = {
  kind: 'embedding',
  api: 'ollama',
  path: '/api/embed',
  wantsStream: () => false,
};

/** Management endpoints: method, path, and the body field naming the model (for routing). */
const MANAGEMENT: readonly { method: 'post' | 'delete'; path: string; modelField: string }[] = [
  { method: 'post', path: '/api/pull', modelField: 'model' },
  { method: 'post', path: '/api/push', modelField: 'model' },
  { method: 'post', path: '/api/create', modelField: 'model' },
  { method: 'delete', path: '/api/delete', modelField: 'model' },
  { method: 'post', path: '/api/copy', modelField: 'source' },
];

export function registerOllamaRoutes(app: Hono, deps: GatewayDeps): void {
  for (const route of [CHAT, GENERATE, EMBED]) {
    app.post(
      route.path,
      handle(deps, route.path, (c, ex) => handleInference(deps, c, ex, route)),
    );
  }

  app.get(
    '/api/tags',
    handle(deps, '/api/tags', async (c, ex) => {
      const key = authorize(deps, c, ex, 'inference');
      const ollamas = deps.upstreams.all().filter((u) => u.kind === 'ollama');
      const models = await listModels(deps, ex, key, ollamas, c.req.raw.signal);
      return Response.json({ models: models.map((m) => m.entry) }, { headers: { 'x-request-id': ex.id } });
    }),
  );

  // Running models: only those the key may use, like /api/tags.
  app.get(
    '/api/ps',
    handle(deps, '/api/ps', async (c, ex) => {
      const key = authorize(deps, c, ex, 'inference');
      const upstream = firstOllama(deps);
      ex.record.upstream = upstream.name;
      ex.upstreamStarted = deps.now();
      const res = await deps.upstreams.send(upstream, {
        method: 'GET',
        path: '/api/ps',
        headers: {},
        body: null,
        signal: c.req.raw.signal,
        requestId: ex.id,
      });
      let raw: Buffer;
      try {
        raw = await readUpstreamBody(upstream, res);
      } finally {
        ex.upstreamDone();
      }
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new GatewayError(
          502,
          'upstream_invalid_response',
          `upstream ${upstream.name} answered /api/ps with a body that is not JSON`,
        );
      }
      const listed = (json as { models?: unknown })?.models;
      const models = Array.isArray(listed)
        ? listed.filter((m) => {
            const name =
              (m as { name?: unknown; model?: unknown })?.name ?? (m as { model?: unknown })?.model;
            return (
              typeof name === 'string' && deps.upstreams.route(name) === upstream && modelAllowed(key, name)
            );
          })
        : [];
      return Response.json(
        { models },
        { status: res.status === 200 ? 200 : 502, headers: { 'x-request-id': ex.id } },
      );
    }),
  );

  // Model details (template, parameters): read-only, but only for a model the key may use.
  app.post(
    '/api/show',
    handle(deps, '/api/show', async (c, ex) => {
      const key = authorize(deps, c, ex, 'inference');
      const bytes = await readBodyCapped(c, deps.config.limits.maxBodyBytes);
      const body = parseJsonObject(bytes);
      // Ollama accepts the older `name` for `model`.
      const named = requireModel(body.model === undefined ? { model: body.name } : body);
      ex.record.model = named;
      const upstream = deps.upstreams.route(named);
      if (!modelAllowed(key, named) || upstream === undefined || upstream.kind !== 'ollama') {
        throw new GatewayError(404, 'model_not_found', `The model "${named}" does not exist.`, {
          param: 'model',
        });
      }
      return forward(deps, c, ex, upstream, bytes);
    }),
  );

  app.get(
    '/api/version',
    handle(deps, '/api/version', async (c, ex) => {
      authorize(deps, c, ex, 'inference');
      return forward(deps, c, ex, firstOllama(deps), undefined);
    }),
  );

  for (const m of MANAGEMENT) {
    app[m.method](
      m.path,
      handle(deps, m.path, async (c, ex) => {
        requireAdmin(deps, c, ex);
        const bytes = await readBodyCapped(c, deps.config.limits.maxBodyBytes);
        const body = bytes.byteLength > 0 ? parseJsonObject(bytes) : {};
        const named = body[m.modelField] ?? body.name;
        if (typeof named === 'string') ex.record.model = named;
        const upstream =
          (typeof named === 'string' ? deps.upstreams.route(named) : undefined) ?? firstOllama(deps);
        if (upstream.kind !== 'ollama') {
          throw new GatewayError(
            400,
            'wrong_api_for_model',
            `Upstream ${upstream.name} is not an Ollama server.`,
          );
        }
        return forward(deps, c, ex, upstream, bytes);
      }),
    );
  }

  // Blobs (model layers for /api/create) can be gigabytes: streamed through, not held, admin keys only.
  for (const method of ['head', 'post'] as const) {
    app.on(
      method.toUpperCase(),
      '/api/blobs/:digest',
      handle(deps, '/api/blobs/:digest', async (c, ex) => {
        requireAdmin(deps, c, ex);
        const raw = c.req.raw.body;
        const body = raw
          ? Readable.fromWeb(raw as import('node:stream/web').ReadableStream<Uint8Array>)
          : null;
        return forward(
          deps,
          c,
          ex,
          firstOllama(deps),
          body,
          `/api/blobs/${encodeURIComponent(c.req.param('digest') ?? '')}`,
        );
      }),
    );
  }
}

function requireAdmin(deps: GatewayDeps, c: Context, ex: Exchange): void {
  authorize(deps, c, ex, 'admin');
}

function firstOllama(deps: GatewayDeps): UpstreamConfig {
  const u = deps.upstreams.firstOfKind('ollama');
  if (!u) throw new GatewayError(404, 'not_found', 'No Ollama upstream is configured.');
  return u;
}

/** Sends the request on unchanged (method, body, content type) and streams the answer back. */
async function forward(
  deps: GatewayDeps,
  c: Context,
  ex: Exchange,
  upstream: UpstreamConfig,
  body: Uint8Array | Readable | null | undefined,
  path = new URL(c.req.url).pathname,
): Promise<Response> {
  ex.record.upstream = upstream.name;
  const headers: Record<string, string> = {};
  const type = c.req.header('content-type');
  if (type) headers['content-type'] = type;
  const length = c.req.header('content-length');
  if (length && body instanceof Readable) headers['content-length'] = length;
  ex.upstreamStarted = deps.now();
  const res = await deps.upstreams.send(upstream, {
    method: c.req.method,
    path,
    headers,
    body: body ?? null,
    signal: c.req.raw.signal,
    requestId: ex.id,
  });
  return passThrough(ex, res);
}
