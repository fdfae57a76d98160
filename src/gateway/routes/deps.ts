/**
 * What every route needs, built once by `createGateway`: the parts behind their interfaces, the upstream
 * pools and the compiled guards. Nothing here is created per request.
 */
import type { GatewayConfig } from '../config-types.ts';
import type { AuditLog, KeyStore, Limiter } from '../contracts.ts';
import type { GatewayGuards } from '../filter/index.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Upstreams } from '../upstream.ts';
import type { AuditTextExtractor } from './audit-text.ts';

export interface GatewayDeps {
  config: GatewayConfig;
  keyStore: KeyStore;
  /** `keyStore.authenticate` behind a one-second cache of accepted keys (see request.ts). */
  keys: Pick<KeyStore, 'authenticate'>;
  limiter: Limiter;
  /** Undefined when `audit.enabled` is false. */
  audit?: (AuditLog & { stats?: () => { lastError?: string | undefined } }) | undefined;
  /** Undefined when `metrics.enabled` is false. */
  metrics?: GatewayMetrics | undefined;
  guards: GatewayGuards;
  /** Set when `audit.logText` is on: the redacted text of a body for the audit record. */
  auditText?: AuditTextExtractor | undefined;
  upstreams: Upstreams;
  /** Clock in milliseconds (injectable for tests). */
  now: () => number;
  /** Counts requests in progress so `close()` can wait for them. */
  tracker: InFlightTracker;
}

/** In-flight request counter with a way to wait for zero. */
export interface InFlightTracker {
  start(): void;
  end(): void;
  readonly count: number;
  /** Resolves when no request is in flight, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void>;
}

export function createTracker(): InFlightTracker {
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    start() {
      count++;
    },
    end() {
      count--;
      if (count <= 0) {
        count = 0;
        const w = waiters;
        waiters = [];
        for (const resolve of w) resolve();
      }
    },
    get count() {
      return count;
    },
    drained(timeoutMs) {
      if (count === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
