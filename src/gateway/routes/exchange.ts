/**
 * One request's bookkeeping from arrival to its audit record. Every route opens an Exchange first and
 * finishes it exactly once, whatever happens (refused, blocked, upstream failure, stream cut, client gone):
 * that is what makes "one audit record per request" and the in-flight count hold.
 */
import { randomUUID } from 'node:crypto';
import type { ApiKeyRecord, AuditRecord } from '../contracts.ts';
import type { GatewayDeps } from './deps.ts';

export class Exchange {
  readonly id = randomUUID();
  readonly started: number;
  readonly record: AuditRecord;
  key?: ApiKeyRecord;
  /** Tokens counted by `limiter.admit`, corrected by `settle` once the real usage is known. */
  admittedTokens = 0;
  admitted = false;
  /** Set when the upstream answered (or failed): the rest of `latencyMs` is the gateway's own time. */
  upstreamStarted?: number;
  /** True while a streamed response is still being written: the route must not finish the exchange. */
  deferred = false;
  private finished = false;

  constructor(
    private readonly deps: GatewayDeps,
    method: string,
    route: string,
  ) {
    this.started = deps.now();
    this.record = {
      id: this.id,
      time: new Date(this.started).toISOString(),
      method,
      route,
      status: 0,
      stream: false,
      inputAction: 'skipped',
      outputAction: 'skipped',
      ruleIds: [],
      latencyMs: 0,
    };
    deps.tracker.start();
    deps.metrics?.inFlight(1);
  }

  setKey(key: ApiKeyRecord): void {
    this.key = key;
    this.record.keyId = key.id;
  }

  setUsage(usage: { promptTokens?: number | undefined; completionTokens?: number | undefined }): void {
    if (usage.promptTokens !== undefined) this.record.promptTokens = usage.promptTokens;
    if (usage.completionTokens !== undefined) this.record.completionTokens = usage.completionTokens;
  }

  addRuleIds(ids: readonly string[]): void {
    for (const id of ids) if (!this.record.ruleIds.includes(id)) this.record.ruleIds.push(id);
  }

  upstreamDone(): void {
    if (this.upstreamStarted !== undefined && this.record.upstreamMs === undefined) {
      this.record.upstreamMs = this.deps.now() - this.upstreamStarted;
    }
  }

  /** Writes the audit record and metrics, corrects the token count, releases the in-flight slot. Once. */
  finish(status: number, error?: string): void {
    if (this.finished) return;
    this.finished = true;
    const r = this.record;
    r.status = status;
    if (error !== undefined && r.error === undefined) r.error = error;
    r.latencyMs = this.deps.now() - this.started;
    if (this.upstreamStarted !== undefined && r.upstreamMs === undefined) r.upstreamMs = r.latencyMs;
    if (this.admitted && this.key) {
      // No upstream usage: served requests keep their estimate, failed ones give their tokens back.
      const used =
        r.promptTokens !== undefined || r.completionTokens !== undefined
          ? (r.promptTokens ?? 0) + (r.completionTokens ?? 0)
          : status < 400
            ? this.admittedTokens
            : 0;
      const delta = used - this.admittedTokens;
      if (delta !== 0) this.deps.limiter.settle(this.key.id, delta).catch(() => {});
    }
    this.deps.audit?.write(r);
    const m = this.deps.metrics;
    if (m) {
      m.inFlight(-1);
      m.requestFinished(r);
    }
    this.deps.tracker.end();
  }
}
