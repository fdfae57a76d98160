import type { Severity } from './severity.ts';

/** What a rule is, independent of where it fires. Lives beside the rule's code, one file per rule. */
export interface RuleMeta {
  /** `domain/kebab-name`; also the rule's file name and the name of its page under docs/rules/. */
  id: string;
  title: string;
  /** Default severity; an occurrence may differ (e.g. `--strict` raises unknown imports). */
  severity: Severity;
  /** OWASP LLM Top 10, MITRE ATLAS and CWE identifiers. */
  tags: string[];
  references: string[];
  /** What a user should do about it. */
  fix: string;
  needs?: ('network' | 'credentials')[];
}

/** Link to a rule's documentation page, derived from its id so the two can never drift apart. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}
