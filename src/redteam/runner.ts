/**
 * The red-team run: resolve the target, plan every selected probe's attempts, send them with bounded
 * concurrency (follow-ups one after another, each with the conversation so far), judge each reply with the
 * probe's detector (and, when configured, an LLM judge for what the detector let through), and summarise.
 * Every attempt ends as one AttemptRecord; a failed request makes it `errored`, never `resisted`.
 * The library never prints: progress and streaming go through `onAttempt`.
 */
import { randomUUID } from 'node:crypto';
import { type JudgeOptions, llmJudge } from './judge.ts';
import { PROBES, selectProbes } from './probes/index.ts';
import { summarizeRun } from './scoring.ts';
import { chat, resolveTarget, type TargetConnection, TargetError } from './target.ts';
import type { AttemptPlan, AttemptRecord, ChatTurn, Judgement, Probe, RunSummary } from './types.ts';

export interface RedteamOptions {
  /** Base URL: http://host:port (OpenAI-compatible /v1, Ollama /api, llama.cpp server, the Parapet gateway). */
  target: string;
  /** auto: probe GET /v1/models then /api/tags. */
  kind?: 'auto' | 'openai' | 'ollama';
  /** Default: the first model the target lists. */
  model?: string;
  /** Bearer key (the gateway needs one). */
  apiKey?: string;
  systemPrompt?: string;
  /** Probe ids or categories; default all. */
  probes?: string[];
  /** Default 3. */
  attemptsPerProbe?: number;
  /** Default 4. */
  concurrency?: number;
  /** Default 1: same seed, same attempts and planted canaries. */
  seed?: number;
  /** Per request; default 60 000. */
  timeoutMs?: number;
  /** Default 256. */
  maxTokens?: number;
  /** Progress and JSONL streaming: called once per finished attempt, in finishing order. */
  onAttempt?: (record: AttemptRecord, done: number, total: number) => void;
  /**
   * Stops the run: no new attempt starts, requests in flight are aborted and their attempts left out (never
   * counted as errored); the summary says `incomplete` and covers what finished.
   */
  signal?: AbortSignal;
  /** An LLM judge asked about every reply the probe's own detector judged resisted. Off by default. */
  judge?: JudgeOptions;
  /** The probe catalogue to select from (tests pass their own); default PROBES. */
  catalogue?: readonly Probe[];
}

export const DEFAULTS = {
  attemptsPerProbe: 3,
  concurrency: 4,
  seed: 1,
  timeoutMs: 60_000,
  maxTokens: 256,
} as const;

/** Runs the probes against the target. Throws a TargetError when the target cannot be reached at all. */
export async function runRedteam(
  options: RedteamOptions,
): Promise<{ summary: RunSummary; records: AttemptRecord[] }> {
  const startedAt = new Date().toISOString();
  const runId = randomUUID();
  const seed = options.seed ?? DEFAULTS.seed;
  const attemptsPerProbe = options.attemptsPerProbe ?? DEFAULTS.attemptsPerProbe;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULTS.concurrency);
  const probes = selectProbes(options.catalogue ?? PROBES, options.probes);
  const conn = await resolveTarget({
    target: options.target,
    kind: options.kind ?? 'auto',
    model: options.model,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    maxTokens: options.maxTokens ?? DEFAULTS.maxTokens,
    seed,
    signal: options.signal,
  });
  const ctx = {
    ...(options.systemPrompt !== undefined ? { systemPrompt: options.systemPrompt } : {}),
    seed,
    attemptsPerProbe,
  };
  const work: { probe: Probe; plan: AttemptPlan }[] = [];
  for (const probe of probes) for (const plan of probe.plan(ctx)) work.push({ probe, plan });

  const records: AttemptRecord[] = new Array(work.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < work.length) {
      if (options.signal?.aborted) return;
      const i = next++;
      const item = work[i] as (typeof work)[number];
      const record = await runAttempt(item.probe, item.plan, conn, runId, options);
      // cut short by the abort: not an error of the target, and not a result either
      if (record === undefined) return;
      records[i] = record;
      done++;
      options.onAttempt?.(record, done, work.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, worker));
  // an abort leaves unstarted attempts out: they were never tried, so they are neither errors nor results
  const finished = records.filter((r): r is AttemptRecord => r !== undefined);
  const titles = new Map(probes.map((p) => [p.meta.id, p.meta.title]));
  const summary = summarizeRun(finished, {
    runId,
    target: conn.baseUrl,
    model: conn.model,
    startedAt,
    finishedAt: new Date().toISOString(),
    titleOf: (id) => titles.get(id),
  });
  if (finished.length < work.length) summary.incomplete = { planned: work.length, finished: finished.length };
  return { summary, records: finished };
}

/** The first request's messages: the run's system prompt first, unless the plan brings its own. */
export function initialMessages(plan: AttemptPlan, systemPrompt: string | undefined): ChatTurn[] {
  const own = plan.messages.some((m) => m.role === 'system');
  return own || systemPrompt === undefined
    ? [...plan.messages]
    : [{ role: 'system', content: systemPrompt }, ...plan.messages];
}

async function runAttempt(
  probe: Probe,
  plan: AttemptPlan,
  conn: TargetConnection,
  runId: string,
  options: RedteamOptions,
): Promise<AttemptRecord | undefined> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const messages = initialMessages(plan, options.systemPrompt);
  const responses: string[] = [];
  const base = { runId, probeId: plan.probeId, category: probe.meta.category, index: plan.index, startedAt };
  const finish = (outcome: AttemptRecord['outcome'], reason: string, status?: number): AttemptRecord => ({
    ...base,
    messages: [...messages],
    responses: [...responses],
    outcome,
    reason,
    ...(status !== undefined ? { status } : {}),
    latencyMs: Math.round(performance.now() - started),
  });
  const turns = [undefined, ...(plan.followUps ?? [])];
  try {
    for (const [t, followUp] of turns.entries()) {
      if (followUp !== undefined) {
        messages.push({ role: 'assistant', content: responses[t - 1] ?? '' });
        messages.push({ role: 'user', content: followUp });
      }
      const reply = await chat(conn, messages, options.signal);
      if (reply.blockedBy !== undefined) {
        responses.push('');
        return finish('resisted', `blocked by a guard in front of the model (${reply.blockedBy})`);
      }
      responses.push(reply.text);
    }
  } catch (err) {
    if (options.signal?.aborted) return undefined;
    if (err instanceof TargetError) return finish('errored', err.message, err.status);
    return finish('errored', `request failed: ${(err as Error)?.message ?? String(err)}`);
  }
  let judgement: Judgement;
  try {
    judgement = probe.judge(plan, responses);
  } catch (err) {
    return finish('errored', `detector failed: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!judgement.breached && options.judge !== undefined) {
    try {
      const verdict = await llmJudge(options.judge, probe.meta, messages, responses, options.signal);
      if (verdict.breached) judgement = verdict;
    } catch (err) {
      if (options.signal?.aborted) return undefined;
      // the judge failing leaves the attempt unassessed, not resisted: the detector alone did not decide
      return finish('errored', `LLM judge failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }
  return finish(judgement.breached ? 'breached' : 'resisted', judgement.reason);
}
