/**
 * The gateway's own policy rules. Their findings use the shared Finding type, so they sit beside the
 * guard's in verdicts, audit records and reports; their pages are docs/rules/gateway/<name>.md.
 */
import type { Finding } from '../../core/finding.ts';
import type { RuleMeta } from '../../core/rule.ts';

export const toolNotAllowedRule: RuleMeta = {
  id: 'gateway/tool-not-allowed',
  title: 'Tool is not on the gateway allow list',
  severity: 'high',
  tags: ['OWASP-LLM06', 'OWASP-LLM01', 'AML.T0053', 'CWE-285'],
  references: [
    'https://genai.owasp.org/llmrisk/llm062025-excessive-agency/',
    'https://atlas.mitre.org/techniques/AML.T0053',
  ],
  fix: 'Add the function to guard.tools.allow if the model may call it, or stop offering it. A model calling a tool nobody offered, or a client offering one the policy does not list, is refused: find out what asked for it (often an injected instruction in a document or tool result).',
};

export const toolArgumentDeniedRule: RuleMeta = {
  id: 'gateway/tool-argument-denied',
  title: 'Tool call arguments match a denied pattern',
  severity: 'high',
  tags: ['OWASP-LLM06', 'OWASP-LLM05', 'OWASP-LLM01', 'AML.T0053', 'CWE-20'],
  references: [
    'https://genai.owasp.org/llmrisk/llm062025-excessive-agency/',
    'https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/',
    'https://atlas.mitre.org/techniques/AML.T0053',
  ],
  fix: 'The model tried to call a tool with arguments the policy forbids (guard.tools.denyArguments). Do not run the call; look at what steered the model there, usually an injected instruction in retrieved or tool content. Validate arguments in the tool itself too: the gateway pattern is a second line, not the only one.',
};

/** Every gateway rule, for the docs index and the rule-contract test. */
export const GATEWAY_RULES: readonly RuleMeta[] = [toolNotAllowedRule, toolArgumentDeniedRule];

/** A function name outside `guard.tools.allow`, offered by the request or called by the model. */
export function toolNotAllowedFinding(name: string | undefined, path: string): Finding {
  const shown = name === undefined || name === '' ? '(no name)' : JSON.stringify(name.slice(0, 200));
  return {
    ruleId: toolNotAllowedRule.id,
    severity: toolNotAllowedRule.severity,
    message: `tool ${shown} is not in guard.tools.allow`,
    location: { path },
    evidence: { name: name?.slice(0, 200) ?? null, action: 'block' },
  };
}

/** Tool-call arguments that match a `denyArguments` pattern (or are too large to check). */
export function toolArgumentDeniedFinding(
  name: string | undefined,
  path: string,
  reason: { pattern: string } | { tooLarge: number },
): Finding {
  const shown = name === undefined || name === '' ? '(no name)' : JSON.stringify(name.slice(0, 200));
  const message =
    'pattern' in reason
      ? `arguments of tool ${shown} match the denied pattern /${reason.pattern}/`
      : `arguments of tool ${shown} are ${reason.tooLarge} characters, over the gateway's limit`;
  return {
    ruleId: toolArgumentDeniedRule.id,
    severity: toolArgumentDeniedRule.severity,
    message,
    location: { path },
    // The pattern is the operator's own config; the arguments are not repeated (they may hold secrets).
    evidence: { name: name?.slice(0, 200) ?? null, ...reason, action: 'block' },
  };
}
