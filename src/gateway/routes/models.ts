/**
 * Model lists: the union of what the upstreams serve, limited to the models this gateway routes to that
 * upstream and this key may use. An upstream that fails to answer is left out (and named in the audit
 * record) rather than failing the whole list.
 */

import type { UpstreamConfig } from '../config-types.ts';
import type { ApiKeyRecord } from '../contracts.ts';
import { modelAllowed } from '../keys.ts';
import { readUpstreamBody } from '../upstream.ts';
import type { GatewayDeps } from './deps.ts';
import type { Exchange } from './exchange.ts';

/** One listed model with the upstream entry it came from (OpenAI `model` object or Ollama tag). */
export interface ListedModel {
  id: string;
  upstream: UpstreamConfig;
  entry: Record<string, unknown>;
}

/** Lists the models `key` may use across `upstreams` (each asked in parallel). */
export async function listModels(
  deps: GatewayDeps,
  ex: Exchange,
  key: ApiKeyRecord,
  upstreams: readonly UpstreamConfig[],
  signal: AbortSignal,
): Promise<ListedModel[]> {
  const failures: string[] = [];
  const lists = await Promise.all(
    upstreams.map(async (u) => {
      try {
        return await fetchModels(deps, ex, u, signal);
      } catch (err) {
        failures.push(`${u.name}: ${(err as Error).message}`);
        return [];
      }
    }),
  );
  if (failures.length > 0) ex.record.error = `model list incomplete: ${failures.join('; ')}`;
  const seen = new Set<string>();
  const out: ListedModel[] = [];
  for (const list of lists) {
    for (const m of list) {
      if (seen.has(m.id) || deps.upstreams.route(m.id) !== m.upstream || !modelAllowed(key, m.id)) continue;
      seen.add(m.id);
      out.push(m);
    }
  }
  return out;
}

async function fetchModels(
  deps: GatewayDeps,
  ex: Exchange,
  u: UpstreamConfig,
  signal: AbortSignal,
): Promise<ListedModel[]> {
  const path = u.kind === 'ollama' ? '/api/tags' : '/v1/models';
  const res = await deps.upstreams.send(u, { method: 'GET', path, signal, requestId: ex.id });
  const raw = await readUpstreamBody(u, res);
  if (res.status !== 200) throw new Error(`answered ${res.status}`);
  const json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  const entries = (u.kind === 'ollama' ? json.models : json.data) as unknown;
  if (!Array.isArray(entries)) throw new Error('answered without a model list');
  const out: ListedModel[] = [];
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const id = u.kind === 'ollama' ? (e.name ?? e.model) : e.id;
    if (typeof id === 'string') out.push({ id, upstream: u, entry: e });
  }
  return out;
}
