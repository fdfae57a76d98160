/**
 * Operations: `/healthz` (no key: load balancers probe it) and `/metrics` (an `admin` key: per-model
 * counts and upstream names are not for every caller). Health is 503 when a dependency is broken: the
 * audit log cannot write, or the rate limiter (Redis) does not answer.
 */
import type { Hono } from 'hono';
import { GatewayError } from '../errors.ts';
import type { GatewayDeps } from './deps.ts';
import { handle } from './handle.ts';
import { authorize } from './request.ts';

/** The key the health probe counts a zero-cost request under, so probing never touches a real key's budget. */
export const HEALTH_PROBE_KEY = 'parapet:healthz';

export function registerOpsRoutes(app: Hono, deps: GatewayDeps): void {
  app.get('/healthz', async () => {
    const problems: string[] = [];
    const auditError = deps.audit?.stats?.().lastError;
    if (auditError) problems.push(`audit: ${auditError}`);
    try {
      // A no-limit admit is one round trip to Redis (nothing in memory): a real check that it answers.
      await deps.limiter.admit(HEALTH_PROBE_KEY, { requestsPerMinute: 0, tokensPerMinute: 0 }, 0);
    } catch (err) {
      problems.push(`limiter: ${(err as Error).message}`);
    }
    if (problems.length > 0) return Response.json({ status: 'unavailable', problems }, { status: 503 });
    return Response.json({ status: 'ok' });
  });

  app.get(
    '/metrics',
    handle(deps, '/metrics', async (c, ex) => {
      authorize(deps, c, ex, 'admin');
      const metrics = deps.metrics;
      if (!metrics) throw new GatewayError(404, 'not_found', 'Metrics are disabled in the gateway config.');
      return new Response(await metrics.render(), {
        headers: { 'content-type': metrics.contentType, 'x-request-id': ex.id },
      });
    }),
  );
}
