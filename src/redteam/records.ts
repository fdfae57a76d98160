/**
 * The attempts JSONL: one AttemptRecord per line, written as attempts finish, read back by `compare` and
 * the report. Reading is strict about shape and forgiving about files: a bad line becomes a problem with
 * its line number (never a crash, never a silently dropped breach), so a truncated or hand-edited file is
 * reported, not mis-scored.
 */
import type { AttemptOutcome, AttemptRecord, ChatTurn, ProbeCategory } from './types.ts';

export const recordLine = (record: AttemptRecord): string => `${JSON.stringify(record)}\n`;

export interface ParsedRecords {
  records: AttemptRecord[];
  /** "line 7: …" for every line that is not a valid record. */
  problems: string[];
}

const OUTCOMES: ReadonlySet<string> = new Set<AttemptOutcome>(['resisted', 'breached', 'errored']);
const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);
/** Lines longer than this are refused (a record holds at most a few replies of capped size). */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

const isString = (v: unknown): v is string => typeof v === 'string';

function validTurns(v: unknown): v is ChatTurn[] {
  return (
    Array.isArray(v) &&
    v.every((m) => m !== null && typeof m === 'object' && ROLES.has(m.role) && isString(m.content))
  );
}

/** Why `value` is not an AttemptRecord, or undefined when it is one. */
export function recordProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  for (const key of ['runId', 'probeId', 'category', 'reason', 'startedAt'] as const)
    if (!isString(r[key])) return `"${key}" must be a string`;
  if (!OUTCOMES.has(r.outcome as string)) return '"outcome" must be resisted, breached or errored';
  if (typeof r.index !== 'number' || !Number.isInteger(r.index) || r.index < 0)
    return '"index" must be a whole number';
  if (typeof r.latencyMs !== 'number' || !Number.isFinite(r.latencyMs)) return '"latencyMs" must be a number';
  if (!validTurns(r.messages)) return '"messages" must be a list of {role, content}';
  if (!Array.isArray(r.responses) || !r.responses.every(isString))
    return '"responses" must be a list of strings';
  if (r.status !== undefined && typeof r.status !== 'number') return '"status" must be a number';
  return undefined;
}

/** Parses JSONL text into records; blank lines are skipped, bad ones reported. */
export function parseRecords(text: string): ParsedRecords {
  const records: AttemptRecord[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.length > MAX_LINE_CHARS) {
      problems.push(`line ${i + 1}: longer than ${MAX_LINE_CHARS} characters`);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1}: not JSON${i === lines.length - 1 ? ' (truncated file?)' : ''}`);
      continue;
    }
    const problem = recordProblem(value);
    if (problem !== undefined) problems.push(`line ${i + 1}: ${problem}`);
    else {
      const r = value as AttemptRecord;
      records.push({ ...r, category: r.category as ProbeCategory });
    }
  }
  return { records, problems };
}
