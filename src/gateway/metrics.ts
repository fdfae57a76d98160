/**
 * The gateway's Prometheus metrics, served on `/metrics`.
 *
 * Each gateway gets its own prom-client Registry rather than the library's global default one: tests and
 * embedders run several gateways in one process, and two registrations of the same metric name on one
 * registry throw.
 *
 * No metric is labelled by API key id. Every label value multiplies the number of series Prometheus stores
 * (each histogram label set alone is ~20 series), keys are created by users without bound, and a revoked
 * key's series would linger until retention expires; per-key detail lives in the audit log, which is made
 * for it. For the same reason every other label value is bounded: past a fixed number of distinct values a
 * label collapses to `other`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GuardAction } from '../guard/types.ts';

const PREFIX = 'parapet_gateway_';

/** Distinct values kept per label before new ones become `other`. Models come from clients, so they are
 * the ones that really need it; the others are bounded by the config but get a cap as a safety net. */
const MAX_MODELS = 100;
const MAX_OTHER_VALUES = 200;
const OTHER = 'other';

/** What one finished request contributes to the metrics (the app calls this where it writes the audit record). */
export interface RequestMetrics {
  /** The route pattern (`/v1/chat/completions`), never the raw path. */
  route: string;
  status: number;
  /** Model name as requested; undefined for routes without one (`/v1/models`). */
  model?: string | undefined;
  /** Accepted for symmetry with the audit record and deliberately not used: see the file comment. */
  keyId?: string | undefined;
  inputAction: GuardAction | 'skipped';
  outputAction: GuardAction | 'skipped';
  /**
   * Rule ids behind the verdicts. When a side blocked, each id is counted in `blocked_total` under that
   * side (input wins when both did, since a blocked input never reaches the model); pass only the
   * blocking side's ids for an exact per-rule count.
   */
  ruleIds: readonly string[];
  /** Total time in the gateway. */
  latencyMs: number;
  /** Time spent waiting on the upstream; undefined when the request never reached one. */
  upstreamMs?: number | undefined;
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
  stream: boolean;
}

/** Typed helpers over the gateway's Prometheus metrics; the app never touches prom-client itself. */
export interface GatewayMetrics {
  requestFinished(request: RequestMetrics): void;
  /** A failed upstream call; `kind` as the app classifies it (`connect`, `timeout`, `status`, `reset`, ...). */
  upstreamError(upstream: string, kind: string): void;
  /** +1 when a request starts, -1 when it ends (whatever the outcome). */
  inFlight(delta: 1 | -1): void;
  /** The exposition text for `/metrics`. */
  render(): Promise<string>;
  /** The Content-Type to serve `render()` with. */
  contentType: string;
  /** The underlying registry, for embedders who add their own metrics. */
  registry: Registry;
}

/** From 1 ms to 60 s: a refused request takes about a millisecond, a long generation a minute. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** The gateway's own overhead: the target is p50 <= 1 ms and p99 <= 5 ms, so the buckets are fine there. */
const ADDED_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1,
  0.25, 1,
];

/** Creates a fresh set of gateway metrics on its own registry. Never throws from its helpers. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: `${PREFIX}requests_total`,
    help: 'Requests answered, by route pattern, HTTP status and model.',
    labelNames: ['route', 'status', 'model'] as const,
    registers,
  });
  const blocked = new Counter({
    name: `${PREFIX}blocked_total`,
    help: 'Requests blocked by the guard, by side (input or output) and rule id.',
    labelNames: ['direction', 'rule'] as const,
    registers,
  });
  const tokens = new Counter({
    name: `${PREFIX}tokens_total`,
    help: 'Tokens used, by direction (prompt or completion) and model.',
    labelNames: ['direction', 'model'] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${PREFIX}request_duration_seconds`,
    help: 'Time from request arrival to the last byte sent, by route pattern.',
    labelNames: ['route'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const added = new Histogram({
    name: `${PREFIX}added_latency_seconds`,
    help: 'Time spent in the gateway itself: total time minus time waiting on the upstream.',
    buckets: ADDED_BUCKETS,
    registers,
  });
  const upstreamErrors = new Counter({
    name: `${PREFIX}upstream_errors_total`,
    help: 'Failed upstream calls, by upstream name and kind of failure.',
    labelNames: ['upstream', 'kind'] as const,
    registers,
  });
  const inFlight = new Gauge({
    name: `${PREFIX}in_flight_requests`,
    help: 'Requests being handled right now.',
    registers,
  });

  const models = boundedLabel(MAX_MODELS);
  const routes = boundedLabel(MAX_OTHER_VALUES);
  const rules = boundedLabel(MAX_OTHER_VALUES);
  const upstreams = boundedLabel(MAX_OTHER_VALUES);
  const kinds = boundedLabel(MAX_OTHER_VALUES);

  return {
    requestFinished(r: RequestMetrics): void {
      const route = routes(r.route);
      const model = r.model === undefined || r.model === '' ? 'none' : models(r.model);
      requests.inc({ route, status: statusLabel(r.status), model });
      const direction =
        r.inputAction === 'block' ? 'input' : r.outputAction === 'block' ? 'output' : undefined;
      if (direction !== undefined) {
        if (r.ruleIds.length === 0) blocked.inc({ direction, rule: 'none' });
        for (const rule of new Set(r.ruleIds)) blocked.inc({ direction, rule: rules(rule) });
      }
      if (isCount(r.promptTokens)) tokens.inc({ direction: 'prompt', model }, r.promptTokens);
      if (isCount(r.completionTokens)) tokens.inc({ direction: 'completion', model }, r.completionTokens);
      if (isCount(r.latencyMs)) {
        duration.observe({ route }, r.latencyMs / 1000);
        if (isCount(r.upstreamMs)) added.observe(Math.max(0, r.latencyMs - r.upstreamMs) / 1000);
      }
    },
    upstreamError(upstream: string, kind: string): void {
      upstreamErrors.inc({ upstream: upstreams(upstream), kind: kinds(kind) });
    },
    inFlight(delta: 1 | -1): void {
      inFlight.inc(delta === 1 ? 1 : -1);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
    registry,
  };
}

/**
 * A label value mapper that passes the first `max` distinct values through and maps any later new value to
 * `other`, so a client sending random model names cannot grow the series count without bound.
 */
function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    const text = String(value);
    if (seen.has(text)) return text;
    if (seen.size >= max) return OTHER;
    seen.add(text);
    return text;
  };
}

/** HTTP statuses are already bounded; anything that is not one is a bug upstream of here, not a new series. */
function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER;
}

/** prom-client throws on NaN and on negative counter increments; a metrics call must never throw. */
function isCount(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
