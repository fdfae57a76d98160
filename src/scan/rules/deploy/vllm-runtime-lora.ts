import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { isTrue } from '../../../deploy/argv.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/vllm-runtime-lora',
  title: 'vLLM lets API clients load LoRA adapters at runtime',
  severity: 'high',
  tags: ['OWASP-LLM03', 'OWASP-LLM04', 'AML.T0018', 'CWE-829'],
  references: [
    'https://docs.vllm.ai/en/latest/features/lora/',
    'https://docs.vllm.ai/en/latest/configuration/env_vars.html',
  ],
  fix: 'Remove `VLLM_ALLOW_RUNTIME_LORA_UPDATING` and load the adapters you serve at startup with `--lora-modules name=path`. If adapters must change at runtime, keep the server on a private network and allow /v1/load_lora_adapter only to the operator.',
};

/**
 * VLM-005: `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True` enables POST /v1/load_lora_adapter and
 * /v1/unload_lora_adapter: any client that can call the API swaps what the model says for every user, from a
 * path or repository the client chooses. vLLM's own documentation calls enabling it in production risky.
 */
export const vllmRuntimeLora: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    const seen = new Set<number>();
    for (const launch of subject.config.launches) {
      const v = launch.env.get('VLLM_ALLOW_RUNTIME_LORA_UPDATING');
      if (v === undefined || !isTrue(v.value) || seen.has(v.line)) continue;
      seen.add(v.line);
      findings.push(
        report(meta, ctx, {
          line: v.line,
          message: `${launchLabel(launch)} sets VLLM_ALLOW_RUNTIME_LORA_UPDATING=${v.value}: API clients can load and unload LoRA adapters (/v1/load_lora_adapter), changing the model for every user`,
          evidence: { value: v.value },
        }),
      );
    }
    return findings;
  },
};
