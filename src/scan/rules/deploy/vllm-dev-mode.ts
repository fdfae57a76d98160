import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { isTrue } from '../../../deploy/argv.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, serverFirst } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/vllm-dev-mode',
  title: 'vLLM runs with its development endpoints on (VLLM_SERVER_DEV_MODE)',
  severity: 'high',
  tags: ['OWASP-LLM10', 'CWE-489', 'CWE-306'],
  references: [
    'https://docs.vllm.ai/en/latest/configuration/env_vars.html',
    'https://docs.vllm.ai/en/v0.14.0/api/vllm/entrypoints/serve/sleep/api_router/',
  ],
  fix: 'Remove `VLLM_SERVER_DEV_MODE` from production deployments. If an RLHF or sleep-mode workflow needs the development routes, bind the server to loopback or a private network and put an authenticating proxy in front that blocks them for clients.',
};

/**
 * VLM-004: `VLLM_SERVER_DEV_MODE=1` adds routes that are not inference — sleep/wake_up, reset caches,
 * collective RPC to the workers, server internals — to the same listener, without the `--api-key` check that
 * guards /v1. Critical when the server is reachable from other hosts.
 */
export const vllmDevMode: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    const seen = new Set<number>();
    // Launches of the server first: a shared (exported) setting is judged where it takes effect.
    for (const launch of serverFirst(subject.config.launches)) {
      const v = launch.env.get('VLLM_SERVER_DEV_MODE');
      if (v === undefined || !isTrue(v.value) || seen.has(v.line)) continue;
      seen.add(v.line);
      const exposure = launch.server === 'vllm' ? exposureOf(launch) : undefined;
      findings.push(
        report(meta, ctx, {
          line: v.line,
          severity: exposure === undefined ? 'high' : 'critical',
          message: `${launchLabel(launch)} sets VLLM_SERVER_DEV_MODE=${v.value}: vLLM serves its development routes (/sleep, /wake_up, /collective_rpc, /reset_prefix_cache...)${exposure === undefined ? '' : ` to other hosts (${exposure.how})`}`,
          evidence: { value: v.value, ...(exposure === undefined ? {} : { exposure: exposure.how }) },
        }),
      );
    }
    return findings;
  },
};
