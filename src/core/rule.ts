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
  /**
   * Repository path (may end in `#anchor`) of the page documenting this rule, when it is not
   * `docs/rules/<id>.md`: red-team probes share one generated catalogue page, one anchor each.
   */
  docPath?: string;
}

/** Link to a rule's documentation page, derived from its id so the two can never drift apart. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/** The page a rule's help link points at: its own `docPath` when it has one, else the one derived from its id. */
export function docPathOf(rule: Pick<RuleMeta, 'id' | 'docPath'>): string {
  return rule.docPath ?? ruleDocPath(rule.id);
}
