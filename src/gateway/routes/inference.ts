/**
 * The inference pipeline shared by OpenAI's and Ollama's chat, completion and embedding routes:
 * key → scope → body (capped) → model allowlist and route → caps → rate limit → input filter → upstream →
 * output filter (whole body, or chunk by chunk while streaming) → client. The limiter runs before the
 * input filter so a caller probing the filter still spends their request budget; a blocked request gets
 * its estimated tokens back.
 */
import type { Context } from 'hono';
import type { GuardContext } from '../../guard/types.ts';
import type { UpstreamConfig } from '../config-types.ts';
import { GatewayError } from '../errors.ts';
import { filterRequest, filterResponse, type PayloadKind } from '../filter/index.ts';
import { modelAllowed } from '../keys.ts';
import { LimiterUnavailableError } from '../limits/index.ts';
import { estimatePromptTokens, requestedMaxTokens, usageFromResponse } from '../tokens.ts';
import { readUpstreamBody, type UpstreamResponse } from '../upstream.ts';
import type { GatewayDeps } from './deps.ts';
import type { Exchange } from './exchange.ts';
import { relayStream } from './relay.ts';
import { authorize, checkCaps, parseJsonObject, readBodyCapped, requireModel } from './request.ts';

/** What differs between the inference routes. */
export interface InferenceRoute {
  kind: PayloadKind;
  /** Which API the route speaks: Ollama routes need an Ollama upstream. */
  api: 'openai' | 'ollama';
  /** Path sent upstream. */
  path: string;
  /** Whether this request asks for a stream. */
  wantsStream(body: Record<string, unknown>): boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Runs one inference request to its response. Throws GatewayError for every refusal. */
export async function handleInference(
  deps: GatewayDeps,
  c: Context,
  ex: Exchange,
  route: InferenceRoute,
): Promise<Response> {
  const key = authorize(deps, c, ex, 'inference');
  const bytes = await readBodyCapped(c, deps.config.limits.maxBodyBytes);
  const body = parseJsonObject(bytes);
  const model = requireModel(body);
  ex.record.model = model;
  const stream = route.wantsStream(body);
  ex.record.stream = stream;
  if (!modelAllowed(key, model)) {
    throw new GatewayError(403, 'model_not_allowed', `This API key may not use the model "${model}".`, {
      param: 'model',
      type: 'permission_error',
    });
  }
  const upstream = deps.upstreams.route(model);
  if (!upstream) {
    throw new GatewayError(404, 'model_not_found', `The model "${model}" does not exist.`, {
      param: 'model',
    });
  }
  ex.record.upstream = upstream.name;
  if (route.api === 'ollama' && upstream.kind !== 'ollama') {
    throw new GatewayError(
      400,
      'wrong_api_for_model',
      `The model "${model}" is served by an OpenAI-compatible upstream; use the /v1 routes for it.`,
      { param: 'model' },
    );
  }
  checkCaps(deps, body);
  await admit(deps, ex, body);

  const verdict = filterRequest(route.kind, body, deps.guards);
  ex.record.inputAction = verdict.action;
  ex.addRuleIds(verdict.ruleIds);
  if (deps.auditText) ex.record.prompt = deps.auditText(verdict.body);
  if (verdict.action === 'block') {
    throw new GatewayError(
      400,
      'parapet_blocked',
      `Request blocked by Parapet policy: ${verdict.ruleIds.join(', ')}`,
      {
        param:
          route.kind === 'chat' || route.kind === 'ollama-chat'
            ? 'messages'
            : route.kind === 'embedding'
              ? 'input'
              : 'prompt',
        extra: { rule_ids: verdict.ruleIds },
      },
    );
  }
  // Unchanged bodies go upstream as the client's own bytes: no re-serialisation on the fast path.
  const outgoing = verdict.body === body ? bytes : JSON.stringify(verdict.body);

  ex.upstreamStarted = deps.now();
  let res: UpstreamResponse;
  try {
    res = await deps.upstreams.send(upstream, {
      method: 'POST',
      path: route.path,
      headers: {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      },
      body: outgoing,
      signal: c.req.raw.signal,
      requestId: ex.id,
    });
  } catch (err) {
    ex.upstreamDone();
    throw err;
  }

  const ok = res.status >= 200 && res.status < 300;
  if (stream && ok) {
    const format = route.api === 'ollama' ? 'ndjson' : 'sse';
    const expected = format === 'sse' ? /text\/event-stream/i : /ndjson|json/i;
    if (!expected.test(res.contentType)) {
      await res.body.dump().catch(() => {});
      res.release();
      ex.upstreamDone();
      throw new GatewayError(
        502,
        'upstream_invalid_response',
        `upstream ${upstream.name} answered a streaming request with "${res.contentType || 'no content type'}"`,
      );
    }
    return relayStream(deps, ex, upstream, res, route.kind, format, verdict.context);
  }
  return relayJson(deps, ex, upstream, res, route, verdict.context);
}

/** Counts the request and its estimated tokens (prompt estimate plus requested max tokens) against the key. */
async function admit(deps: GatewayDeps, ex: Exchange, body: Record<string, unknown>): Promise<void> {
  const key = ex.key!;
  const limits = {
    requestsPerMinute: key.limits.requestsPerMinute ?? deps.config.limits.requestsPerMinute,
    tokensPerMinute: key.limits.tokensPerMinute ?? deps.config.limits.tokensPerMinute,
  };
  const prompt = estimatePromptTokens(body);
  // Reserve the requested output too (settled to the real count afterwards); Ollama's unbounded
  // num_predict reserves the configured cap.
  const requested = requestedMaxTokens(body) ?? 0;
  const estimate = prompt + (Number.isFinite(requested) ? requested : deps.config.limits.maxTokens);
  let decision: Awaited<ReturnType<typeof deps.limiter.admit>>;
  try {
    decision = await deps.limiter.admit(key.id, limits, estimate);
  } catch (err) {
    if (err instanceof LimiterUnavailableError) {
      throw new GatewayError(
        503,
        'limiter_unavailable',
        'The rate limiter is unavailable; try again shortly.',
        {
          cause: err,
        },
      );
    }
    throw err;
  }
  if (!decision.allowed) {
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new GatewayError(
      429,
      'rate_limit_exceeded',
      `Rate limit reached for ${decision.reason === 'tokens' ? 'tokens' : 'requests'} per minute (limit ${decision.limit}). Retry after ${seconds} s.`,
      {
        headers: {
          'retry-after': String(seconds),
          [`x-ratelimit-limit-${decision.reason === 'tokens' ? 'tokens' : 'requests'}`]: String(
            decision.limit,
          ),
        },
      },
    );
  }
  ex.admitted = true;
  ex.admittedTokens = estimate;
}

/** A whole upstream body: filtered when it is a success, passed on when it is the upstream's own JSON error. */
async function relayJson(
  deps: GatewayDeps,
  ex: Exchange,
  upstream: UpstreamConfig,
  res: UpstreamResponse,
  route: InferenceRoute,
  context: GuardContext,
): Promise<Response> {
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
      `upstream ${upstream.name} answered ${res.status} with a body that is not JSON`,
    );
  }
  if (res.status < 200 || res.status >= 300) {
    // The upstream's own error (unknown model, bad parameter): the client needs it to fix the request.
    if (json && typeof json === 'object' && 'error' in json) {
      ex.record.error = `upstream ${upstream.name} answered ${res.status}`;
      return new Response(raw, { status: res.status, headers: { ...JSON_HEADERS, 'x-request-id': ex.id } });
    }
    throw new GatewayError(
      502,
      'upstream_invalid_response',
      `upstream ${upstream.name} answered ${res.status}`,
    );
  }
  if (json === null || typeof json !== 'object') {
    throw new GatewayError(
      502,
      'upstream_invalid_response',
      `upstream ${upstream.name} answered with a non-object`,
    );
  }
  const usage = usageFromResponse(json);
  ex.setUsage(usage);
  if (route.kind === 'embedding') {
    return new Response(raw, { status: 200, headers: { ...JSON_HEADERS, 'x-request-id': ex.id } });
  }
  const verdict = filterResponse(route.kind, json as Record<string, unknown>, deps.guards, context);
  ex.record.outputAction = verdict.action;
  ex.addRuleIds(verdict.ruleIds);
  if (verdict.action === 'block') {
    // The output never reaches the client: an error it cannot mistake for an answer, and a 400 so SDKs
    // do not retry (and re-generate) as they would after a 5xx.
    throw new GatewayError(
      400,
      'parapet_blocked_output',
      `Response blocked by Parapet policy: ${verdict.ruleIds.join(', ')}`,
      { extra: { rule_ids: verdict.ruleIds } },
    );
  }
  if (deps.auditText) ex.record.completion = deps.auditText(verdict.body);
  const out = verdict.body === json ? raw : JSON.stringify(verdict.body);
  return new Response(out, { status: 200, headers: { ...JSON_HEADERS, 'x-request-id': ex.id } });
}
