import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { hasSwitch } from '../../../deploy/argv.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/vllm-request-chat-template',
  title: 'vLLM renders chat templates sent by clients (--trust-request-chat-template)',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-94', 'CWE-400'],
  references: [
    'https://docs.vllm.ai/en/latest/cli/serve.html',
    'https://github.com/vllm-project/vllm/security/advisories/GHSA-x567-49g5-p4cf',
  ],
  fix: "Remove `--trust-request-chat-template`; give the server its template with `--chat-template` (or the tokenizer's), and if several templates are needed, run one server per template.",
};

/**
 * VLM-007: `--trust-request-chat-template`. Without it vLLM refuses a request that carries its own
 * `chat_template` ("the server will always use the chat template specified by --chat-template or the ones
 * from tokenizer"); with it every client sends Jinja that the server renders — templates are programs, and
 * their rendering has been both a sandbox-escape and a resource-exhaustion surface (GHSA-x567-49g5-p4cf is a
 * bypass of exactly this trust policy). Medium on a server reachable from other hosts, low otherwise.
 */
export const vllmRequestChatTemplate: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.server !== 'vllm') continue;
      const hit = hasSwitch(launch.argv, ['--trust-request-chat-template']);
      if (hit === undefined) continue;
      const exposure = exposureOf(launch);
      findings.push(
        report(meta, ctx, {
          line: launch.argLines[hit.index] ?? launch.line,
          severity: exposure === undefined ? 'low' : meta.severity,
          message: `${launchLabel(launch)} runs vLLM with --trust-request-chat-template: clients send Jinja templates the server renders${exposure === undefined ? '' : `, and other hosts can reach it (${exposure.how})`}`,
          evidence: {
            setting: '--trust-request-chat-template',
            ...(exposure === undefined ? {} : { exposure: exposure.how }),
          },
        }),
      );
    }
    return findings;
  },
};
