import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import { EVAL_SINKS } from './names.ts';
import { type CodeSubject, callEvidence, describeArg, matchName, modelOutputOrigin } from './policy.ts';

const meta: RuleMeta = {
  id: 'code/eval-model-output',
  title: 'Model output is run as Python code (eval/exec)',
  severity: 'critical',
  tags: ['OWASP-LLM05', 'OWASP-LLM01', 'CWE-94', 'CWE-95'],
  references: [
    'https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/',
    'https://docs.python.org/3/library/functions.html#eval',
    'https://docs.python.org/3/library/ast.html#ast.literal_eval',
  ],
  fix: 'Never run model output as code in your process. Ask the model for data (JSON, a tool call with a schema) and parse it with json.loads; for Python literals ast.literal_eval is enough. If generated code must run, run it in a sandbox with no credentials, network or host file system (a separate container or microVM), never with exec/eval.',
};

/**
 * eval, exec and compile whose first argument carries model output: a prompt injection anywhere in the
 * model's input becomes code execution with the application's rights.
 */
export const evalModelOutput: Rule<CodeSubject> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    for (const call of subject.calls) {
      const name = matchName(call, (n) => EVAL_SINKS.has(n));
      if (name === undefined) continue;
      const code = call.args[0];
      const origin = modelOutputOrigin(code);
      if (origin === undefined) continue;
      findings.push(
        report(meta, ctx, {
          line: call.line,
          message: `${call.written}(${describeArg(code)}) runs model output as Python (from ${origin})`,
          evidence: callEvidence(call, name, { origin, argument: code?.simple ?? null }),
        }),
      );
    }
    return findings;
  },
};
