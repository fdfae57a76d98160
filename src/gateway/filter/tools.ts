/**
 * Tool-call policy, both directions. A request may only offer functions on `guard.tools.allow` (when the
 * list is non-empty); a response may only call them, with arguments that match no `denyArguments` pattern
 * and that the output guard passes (a model steered by an injection leaks secrets and exfiltration URLs
 * through tool arguments as readily as through text).
 */
import type { Finding } from '../../core/finding.ts';
import type { GuardAction, GuardContext } from '../../guard/index.ts';
import { toolArgumentDeniedFinding, toolNotAllowedFinding } from './rules.ts';
import { FilterInputError, type GatewayGuards, type ToolPolicy } from './types.ts';
import { isRecord, relocate, worse } from './verdict.ts';

/**
 * Arguments longer than this are refused rather than matched: patterns and detectors stay bounded, and no
 * real tool call needs a megabyte of JSON.
 */
export const MAX_TOOL_ARGUMENT_CHARS = 1_000_000;

/** Checks the functions a request offers (`tools` and the legacy `functions`) against the allow list. */
export function checkDeclaredTools(body: Record<string, unknown>, policy: ToolPolicy): Finding[] {
  const findings: Finding[] = [];
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw new FilterInputError('tools', 'must be an array');
    if (policy.allow.size > 0) {
      tools.forEach((tool, i) => {
        // OpenAI and Ollama: {type: 'function', function: {name}}. Other tool types (built-in ones some
        // servers accept) have no function name to allow, so they are refused while a list is in force.
        const fn = isRecord(tool) && isRecord(tool.function) ? tool.function : undefined;
        const name = typeof fn?.name === 'string' ? fn.name : undefined;
        if (name === undefined || !policy.allow.has(name)) {
          findings.push(toolNotAllowedFinding(name, `request.tools[${i}]`));
        }
      });
    }
  }
  const functions = body.functions;
  if (functions !== undefined && functions !== null) {
    if (!Array.isArray(functions)) throw new FilterInputError('functions', 'must be an array');
    if (policy.allow.size > 0) {
      functions.forEach((fn, i) => {
        const name = isRecord(fn) && typeof fn.name === 'string' ? fn.name : undefined;
        if (name === undefined || !policy.allow.has(name)) {
          findings.push(toolNotAllowedFinding(name, `request.functions[${i}]`));
        }
      });
    }
  }
  return findings;
}

/** The verdict on one tool call the model made. */
export interface ToolCallVerdict {
  action: GuardAction;
  findings: Finding[];
  /** The arguments to send on: redacted when the output guard redacted something in them. */
  arguments: string;
}

/**
 * Checks one tool call: name on the allow list, arguments against the deny patterns and the output guard.
 * `args` is the raw JSON text (OpenAI sends a string; Ollama's object is passed JSON-encoded). `path` is
 * where the call sits, e.g. `response.choices[0].message.tool_calls[1]`.
 */
export function checkToolCall(
  name: string | undefined,
  args: string,
  guards: GatewayGuards,
  context: GuardContext,
  path: string,
): ToolCallVerdict {
  const findings: Finding[] = [];
  const { allow, denyArguments } = guards.tools;
  if (allow.size > 0 && (name === undefined || !allow.has(name))) {
    findings.push(toolNotAllowedFinding(name, path));
  }
  if (args.length > MAX_TOOL_ARGUMENT_CHARS) {
    findings.push(toolArgumentDeniedFinding(name, path, { tooLarge: args.length }));
    return { action: 'block', findings, arguments: '' };
  }
  if (denyArguments.length > 0) {
    // JSON can spell a character as \u0072: the patterns see the raw text and the decoded one.
    const views = [args, canonicalJson(args)].filter((v): v is string => v !== undefined);
    const hit = denyArguments.find((re) => views.some((v) => re.test(v)));
    if (hit !== undefined) findings.push(toolArgumentDeniedFinding(name, path, { pattern: hit.source }));
  }
  let action: GuardAction = findings.length > 0 ? 'block' : 'allow';
  let out = args;
  if (guards.output !== undefined && args !== '') {
    const result = guards.output.scanOutput(args, context);
    findings.push(...relocate(result.findings, () => `${path}.function.arguments`));
    action = worse(action, result.action) as GuardAction;
    if (result.action === 'redact' && result.redacted !== undefined) {
      // A redaction must leave the arguments usable: if it broke JSON that parsed before, refuse the call.
      if (canonicalJson(args) !== undefined && canonicalJson(result.redacted) === undefined) action = 'block';
      else out = result.redacted;
    }
  }
  return { action, findings, arguments: out };
}

/** `JSON.stringify(JSON.parse(text))`, or undefined when the text is not JSON. */
function canonicalJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}
