/**
 * `probeTargets`: the live probe as a library. Plans the targets, probes them with bounded concurrency, a
 * per-host request rate, a per-request timeout and an overall deadline, and returns a ScanResult the scan
 * writers render: findings, `scanned` (endpoints that answered HTTP), `skipped` (closed ports) and
 * `errors` (timeouts, non-HTTP answers: the audit is then incomplete). Never prints.
 */
import { setMaxListeners } from 'node:events';
import { connect } from 'node:net';
import type { Finding } from '../core/finding.ts';
import { emptyResult, type ScanResult } from '../core/result.ts';
import { evaluate, GENERATION_PATHS, type ProbeEvidence } from './checks.ts';
import { fingerprint, modelList, type Observations, ollamaModels, PROBE_PATHS } from './fingerprints.ts';
import { type Exchange, isFailure, ProbeClient, statusOf } from './http.ts';
import { DEFAULT_PORTS, type ProbeTarget, planTargets } from './targets.ts';

export interface ProbeOptions {
  /** Targets probed at once (default 32). */
  concurrency?: number;
  /** Requests per second to one host, all its ports together (default 20). */
  ratePerHost?: number;
  /** Longest wait for one answer (default 5000 ms). */
  timeoutMs?: number;
  /** Stop everything after this long (default: none); what was not probed is reported as an error. */
  deadlineMs?: number;
  /** Ports tried for hosts and ranges given without one (default DEFAULT_PORTS). */
  ports?: readonly number[];
  /** Send exactly one tiny generation request to a target whose generation endpoint is open. */
  allowGenerate?: boolean;
  /** Extra request headers (e.g. a key, to audit what an authenticated caller sees). */
  headers?: Record<string, string>;
  /** After each target: how many are done of how many. */
  onProgress?: (done: number, total: number, target: ProbeTarget) => void;
  /** Every request, before it is sent. */
  onRequest?: (method: string, url: string) => void;
}

/** After this many timeouts on one target, stop asking it: it is there but not answering. */
const MAX_TIMEOUTS_PER_TARGET = 2;

/** Spaces requests to one host `1000 / rate` ms apart, across all of its ports. */
class HostPacer {
  private readonly next = new Map<string, number>();
  private readonly intervalMs: number;
  constructor(ratePerHost: number) {
    this.intervalMs = ratePerHost > 0 ? 1000 / ratePerHost : 0;
  }
  pace(host: string): Promise<void> {
    if (this.intervalMs === 0) return Promise.resolve();
    const now = Date.now();
    const slot = Math.max(now, this.next.get(host) ?? 0);
    this.next.set(host, slot + this.intervalMs);
    const wait = slot - now;
    return wait <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, wait));
  }
}

type TargetOutcome =
  | { kind: 'answered'; findings: Finding[]; incomplete?: string }
  | { kind: 'closed' }
  | { kind: 'failed'; error: string };

/** Probes every target; resolves with findings and what answered, was closed or failed. */
export async function probeTargets(
  specs: readonly string[],
  options: ProbeOptions = {},
): Promise<ScanResult> {
  const plan = planTargets(specs, options.ports ?? DEFAULT_PORTS);
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const pacer = new HostPacer(options.ratePerHost ?? 20);
  const deadline = new AbortController();
  // Every target in flight listens for the deadline: up to two listeners per worker.
  setMaxListeners(concurrency * 2 + 10, deadline.signal);
  const timer =
    options.deadlineMs === undefined ? undefined : setTimeout(() => deadline.abort(), options.deadlineMs);
  const result = emptyResult();
  const iterator = plan.targets();
  let done = 0;
  let notStarted = 0;

  const worker = async (): Promise<void> => {
    for (;;) {
      const next = iterator.next();
      if (next.done) return;
      const target = next.value;
      if (deadline.signal.aborted) {
        notStarted++;
        continue;
      }
      const outcome = await probeOne(target, options, pacer, deadline.signal);
      if (outcome.kind === 'answered') {
        result.scanned.push(target.base);
        result.findings.push(...outcome.findings);
        if (outcome.incomplete) result.errors.push({ path: target.base, error: outcome.incomplete });
      } else if (outcome.kind === 'closed') result.skipped.push({ path: target.base, why: 'closed' });
      else result.errors.push({ path: target.base, error: outcome.error });
      options.onProgress?.(++done, plan.count, target);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (notStarted > 0)
    result.errors.push({
      path: 'probe',
      error: `${notStarted} target(s) not probed: overall deadline reached`,
    });
  return result;
}

async function probeOne(
  target: ProbeTarget,
  options: ProbeOptions,
  pacer: HostPacer,
  signal: AbortSignal,
): Promise<TargetOutcome> {
  // A bare TCP connect first: most of a sweep is closed ports, and a refused connect costs a fraction of an
  // HTTP request set up through an agent. It also bounds hosts that drop SYNs by the request timeout.
  const reach = await tcpReach(target, options.timeoutMs ?? 5000, signal);
  if (reach !== 'open') return reach === 'refused' ? { kind: 'closed' } : { kind: 'failed', error: reach };
  const client = new ProbeClient(target, {
    timeoutMs: options.timeoutMs ?? 5000,
    pace: () => pacer.pace(target.host),
    signal,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
  try {
    const first = await client.get('/');
    if (isFailure(first)) {
      if (first.failure === 'refused') return { kind: 'closed' };
      return {
        kind: 'failed',
        error: first.failure === 'timeout' ? `timed out: ${first.message}` : first.message,
      };
    }
    const observations: Observations = { '/': first };
    let timeouts = 0;
    for (const path of PROBE_PATHS.slice(1)) {
      if (timeouts >= MAX_TIMEOUTS_PER_TARGET) break;
      const x = await client.get(path);
      observations[path] = x;
      if (isFailure(x) && x.failure === 'timeout') timeouts++;
    }
    const fp = fingerprint(observations);
    const evidence: ProbeEvidence = { target, observations, fingerprint: fp, invalidPosts: {} };
    if (timeouts < MAX_TIMEOUTS_PER_TARGET)
      for (const path of GENERATION_PATHS[fp.product] ?? [])
        evidence.invalidPosts[path] = await client.postInvalid(path);
    if (options.allowGenerate) {
      const generated = await generateOnce(client, evidence);
      if (generated) evidence.generated = generated;
    }
    const incomplete =
      timeouts > 0
        ? `incomplete: ${timeouts} request(s) timed out after the server first answered`
        : undefined;
    return { kind: 'answered', findings: evaluate(evidence), ...(incomplete ? { incomplete } : {}) };
  } finally {
    client.close();
  }
}

/**
 * --allow-generate: one request, one token, to a model the server itself listed, and only where the
 * invalid-body check (or Ollama's open listing) already showed that no key is asked for.
 */
async function generateOnce(
  client: ProbeClient,
  e: ProbeEvidence,
): Promise<{ path: string; exchange: Exchange } | undefined> {
  const o = e.observations;
  if (e.fingerprint.product === 'ollama') {
    const model = ollamaModels(o['/api/tags'])?.[0];
    if (!model) return undefined;
    const body = { model, prompt: 'Hi', stream: false, options: { num_predict: 1 } };
    return { path: '/api/generate', exchange: await client.generate('/api/generate', body) };
  }
  const open = Object.entries(e.invalidPosts).find(([path, x]) => {
    const s = statusOf(x);
    return path === '/v1/chat/completions' && (s === 400 || s === 422);
  });
  const model = modelList(o['/v1/models'])?.ids[0];
  if (!open || !model) return undefined;
  const body = { model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1, stream: false };
  return { path: open[0], exchange: await client.generate(open[0], body) };
}

/** `open`, `refused`, or why the connect failed otherwise (timeout, unreachable network...). */
function tcpReach(
  target: ProbeTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<'open' | 'refused' | string> {
  if (signal.aborted) return Promise.resolve('timed out: overall deadline reached');
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const finish = (outcome: string): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(`timed out: no TCP answer within ${timeoutMs} ms`), timeoutMs);
    const onAbort = (): void => finish('timed out: overall deadline reached');
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish('open'));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish(err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? err.message)),
    );
  });
}
