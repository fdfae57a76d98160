/** OpenAI-compatible routes: chat completions, completions, embeddings (filtered) and the model list. */
import type { Hono } from 'hono';
import type { GatewayDeps } from './deps.ts';
import { handle } from './handle.ts';
import { handleInference, type InferenceRoute } from './inference.ts';
import { listModels } from './models.ts';
import { authorize } from './request.ts';

const streams = (body: Record<string, unknown>) => body.stream === true;

const CHAT: InferenceRoute = {
  kind: 'chat',
  api: 'openai',
  path: '/v1/chat/completions',
  wantsStream: streams,
};
const COMPLETION: InferenceRoute = {
  kind: 'completion',
  api: 'openai',
  path: '/v1/completions',
  wantsStream: streams,
};
const EMBEDDING: InferenceRoute = {
  kind: 'embedding',
  api: 'openai',
  path: '/v1/embeddings',
  wantsStream: () => false,
};

export function registerOpenAIRoutes(app: Hono, deps: GatewayDeps): void {
  for (const route of [CHAT, COMPLETION, EMBEDDING]) {
    app.post(
      route.path,
      handle(deps, route.path, (c, ex) => handleInference(deps, c, ex, route)),
    );
  }
  app.get(
    '/v1/models',
    handle(deps, '/v1/models', async (c, ex) => {
      const key = authorize(deps, c, ex, 'inference');
      const models = await listModels(deps, ex, key, deps.upstreams.all(), c.req.raw.signal);
      const data = models.map((m) =>
        m.upstream.kind === 'openai'
          ? { ...m.entry, id: m.id, object: 'model' }
          : { id: m.id, object: 'model', created: ollamaCreated(m.entry), owned_by: m.upstream.name },
      );
      return Response.json({ object: 'list', data }, { headers: { 'x-request-id': ex.id } });
    }),
  );
}

function ollamaCreated(entry: Record<string, unknown>): number {
  const t = typeof entry.modified_at === 'string' ? Date.parse(entry.modified_at) : Number.NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}
