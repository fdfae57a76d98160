import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import { SHELL_ALWAYS, SHELL_WITH_FLAG } from './names.ts';
import {
  argument,
  type CodeSubject,
  callEvidence,
  describeArg,
  matchName,
  modelOutputOrigin,
} from './policy.ts';

const meta: RuleMeta = {
  id: 'code/shell-model-output',
  title: 'Model output reaches a shell command',
  severity: 'high',
  tags: ['OWASP-LLM05', 'OWASP-LLM06', 'CWE-78'],
  references: [
    'https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/',
    'https://docs.python.org/3/library/subprocess.html#security-considerations',
  ],
  fix: 'Do not build shell command lines from model output. Let the model choose among commands you define (a tool with an enum of actions), pass arguments as a list without shell=True, validate each one against an allow list, and quote anything free-form with shlex.quote. Run what remains in a sandbox without credentials.',
};

/**
 * os.system, os.popen, subprocess.getoutput and asyncio.create_subprocess_shell, and subprocess.run/call/
 * check_call/check_output/Popen with shell=True, when the command carries model output: a prompt injection
 * becomes `; curl ... | sh`. High (code/eval-model-output is the critical one: there is no quoting for eval).
 */
export const shellModelOutput: Rule<CodeSubject> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    for (const call of subject.calls) {
      const always = matchName(call, (n) => SHELL_ALWAYS.has(n));
      const flagged =
        call.keywords.get('shell')?.simple === 'True'
          ? matchName(call, (n) => SHELL_WITH_FLAG.has(n))
          : undefined;
      const name = always ?? flagged;
      if (name === undefined) continue;
      const command = argument(call, 0, always === undefined ? ['args'] : ['command', 'cmd']);
      const origin = modelOutputOrigin(command);
      if (origin === undefined) continue;
      const how = flagged === undefined ? '' : ' with shell=True';
      findings.push(
        report(meta, ctx, {
          line: call.line,
          message: `${call.written}(${describeArg(command)})${how} runs a shell command built from model output (from ${origin})`,
          evidence: callEvidence(call, name, { origin, shell: true, command: command?.simple ?? null }),
        }),
      );
    }
    return findings;
  },
};
