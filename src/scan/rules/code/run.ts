import type { Finding } from '../../../core/finding.ts';
import type { RuleContext } from '../../rule.ts';
import type { RemoteCodeHit } from '../model/remote-code-policy.ts';
import { analyseCode } from './flow.ts';
import { CODE_RULES } from './index.ts';
import { type PythonFileRole, pythonFileRole, resolveOverlap } from './policy.ts';

/** The code/* findings of one Python file and the remote-code hits that still stand beside them. */
export interface CodeRulesOutcome {
  findings: Finding[];
  hits: RemoteCodeHit[];
  role: PythonFileRole;
  /** The file had more candidate call sites than the analysis records: the scan is incomplete. */
  truncated: boolean;
}

/**
 * Runs the code/* rules over `text` and settles call sites that model/remote-code-dangerous-call also reported
 * (`hits`), so each call site is reported once. `bindings` are analysePython's import aliases.
 */
export function runCodeRules(
  text: string,
  bindings: ReadonlyMap<string, string>,
  hits: readonly RemoteCodeHit[],
  ctx: RuleContext,
): CodeRulesOutcome {
  const analysis = analyseCode(text, bindings);
  const { role, why } = pythonFileRole(ctx.location, analysis);
  const raw = CODE_RULES.flatMap((rule) => rule.check(analysis, ctx));
  for (const f of raw) if (f.evidence !== undefined) f.evidence.fileRole = `${role}: ${why}`;
  const settled = resolveOverlap(hits, raw, role);
  return { findings: settled.findings, hits: settled.hits, role, truncated: analysis.truncated };
}
