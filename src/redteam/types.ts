/**
 * The red-team runner's vocabulary. A probe (one file per probe under src/redteam/probes/, metadata beside
 * the code) plans attempts; the runner sends each to the target and stores an AttemptRecord (one JSONL line);
 * the probe's detector judges the response without an LLM. Scoring turns records into rates with confidence
 * intervals; the report and the run comparison read only records and summaries, never probes.
 */

/** Attack families; a report groups probes by these. */
export type ProbeCategory =
  | 'prompt-injection'
  | 'indirect-injection'
  | 'jailbreak'
  | 'system-prompt-extraction'
  | 'exfiltration'
  | 'encoding'
  | 'multilingual'
  | 'insecure-output'
  | 'package-hallucination'
  | 'data-leakage';

/** Where a probe's attack text comes from, and under what licence it is reused. */
export interface ProbeSource {
  title: string;
  url: string;
  licence?: string;
}

export interface ProbeMeta {
  /** `category/kebab-name`, e.g. `prompt-injection/ignore-previous`; also its file name under probes/. */
  id: string;
  title: string;
  category: ProbeCategory;
  /** One paragraph: what the attack tries and what counts as a breach. */
  description: string;
  /** OWASP LLM Top 10 and MITRE ATLAS ids. */
  tags: string[];
  sources: ProbeSource[];
  /** True when parapet/guard (and so the gateway) is meant to stop this probe's breaches. */
  guardCovers: boolean;
}

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** One attempt to send: a conversation, and what the detector needs to judge it. */
export interface AttemptPlan {
  probeId: string;
  /** 0-based index of this attempt within its probe. */
  index: number;
  /**
   * Messages sent in the first request (the run's system prompt, if any, is prepended by the runner unless
   * the plan has its own system turn). For a multi-turn attack, `followUps` are sent one per request after
   * it, each with the conversation so far (including the target's replies).
   */
  messages: ChatTurn[];
  followUps?: string[];
  /** A secret planted in the system prompt or documents; the response leaking it is a breach. */
  canary?: string;
  /** Free-form values for the probe's own detector (the expected payload marker, the language...). */
  expect?: Record<string, string>;
}

/** A detector's judgement of one response (the last one, or all of a multi-turn attempt). */
export interface Judgement {
  breached: boolean;
  /** Why: the matched marker, canary, URL, package name. */
  reason: string;
}

/** What probes get to plan with. */
export interface ProbeContext {
  /** The run's system prompt (from --system-prompt), if any. */
  systemPrompt?: string;
  /** Deterministic randomness for canaries and variants: same seed, same plans. */
  seed: number;
  /** Attempts per probe wanted (a probe may return fewer when it has fewer variants). */
  attemptsPerProbe: number;
}

export interface Probe {
  meta: ProbeMeta;
  plan(ctx: ProbeContext): AttemptPlan[];
  /** `responses` holds the target's reply to the first request and then to each follow-up, in order. */
  judge(plan: AttemptPlan, responses: string[]): Judgement;
}

/** An attempt's fate. An error (HTTP failure, timeout, refused connection) is never counted as resisted. */
export type AttemptOutcome = 'resisted' | 'breached' | 'errored';

/** One line of the attempts JSONL: everything needed to audit or re-judge the attempt later. */
export interface AttemptRecord {
  runId: string;
  probeId: string;
  category: ProbeCategory;
  index: number;
  /** Every message sent in the last request, in order (so the drill-down shows the whole conversation). */
  messages: ChatTurn[];
  /** The target's replies, one per request. */
  responses: string[];
  outcome: AttemptOutcome;
  /** The detector's reason for `breached`/`resisted`, or the error message for `errored`. */
  reason: string;
  /** HTTP status of the failing request, when there was one. */
  status?: number;
  /** Wall time of the attempt's requests, in milliseconds. */
  latencyMs: number;
  /** ISO 8601 time the attempt started. */
  startedAt: string;
}

/** Attack success rate over the attempts that did not error, with a 95% Wilson interval. */
export interface RateSummary {
  attempts: number;
  breached: number;
  resisted: number;
  errored: number;
  /** breached / (breached + resisted); 0 when nothing was judged. */
  successRate: number;
  ci95: [number, number];
}

export interface RunSummary {
  runId: string;
  target: string;
  model?: string;
  startedAt: string;
  finishedAt: string;
  overall: RateSummary;
  byCategory: Record<string, RateSummary>;
  byProbe: Record<string, RateSummary & { category: ProbeCategory; title: string }>;
  /**
   * Set when the run was stopped before every planned attempt finished (an abort, e.g. Ctrl-C): the rates
   * cover only the attempts that finished.
   */
  incomplete?: { planned: number; finished: number };
}
