import type { Severity } from './severity.ts';

/** Where a finding fired. `member` names a path inside a container (zip member, tar entry, nested pickle). */
export interface Location {
  path: string;
  member?: string;
  offset?: number;
  line?: number;
}

/**
 * One occurrence of a rule firing. The rule itself (what it is, how to fix it) lives in RuleMeta;
 * a finding only says where and with what evidence, so every writer can join the two by `ruleId`.
 */
export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  location: Location;
  evidence?: Record<string, unknown>;
}

/** Human-readable "path!member@offset" used by the table writer and in messages. */
export function formatLocation(loc: Location): string {
  let s = loc.path;
  if (loc.member !== undefined) s += `!${loc.member}`;
  if (loc.offset !== undefined) s += `@${loc.offset}`;
  if (loc.line !== undefined) s += `:${loc.line}`;
  return s;
}
