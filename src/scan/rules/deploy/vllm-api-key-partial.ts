import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import { authOf } from '../../../deploy/servers.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/vllm-api-key-partial',
  title: 'vLLM is reachable from other hosts with only its --api-key, which guards some routes',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-306', 'CWE-862'],
  references: [
    'https://docs.vllm.ai/en/stable/usage/security/',
    'https://docs.vllm.ai/en/latest/cli/serve.html',
  ],
  fix: 'Keep vLLM on loopback or a private network and publish it through a reverse proxy or gateway that authenticates every request and forwards only the routes clients need (`/v1/chat/completions`, `/v1/completions`, `/v1/models`...).',
};

/**
 * VLM-002: a vLLM server with `--api-key` / `VLLM_API_KEY`, published beyond its host. vLLM's security guide:
 * the key is checked "only for endpoints under the /v1, /v2, /inference, and /cohere path prefixes", "many
 * other sensitive endpoints are exposed on the same HTTP server without any authentication enforcement"
 * (`/invocations` — the same inference — `/tokenize`, `/pooling`, `/score`, `/pause`, `/abort_requests`...),
 * and "Do not rely exclusively on --api-key". The unauthenticated case is deploy/exposed-without-auth's.
 */
export const vllmApiKeyPartial: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.server !== 'vllm' || authOf(launch) !== 'on') continue;
      const exposure = exposureOf(launch);
      if (exposure === undefined) continue;
      findings.push(
        report(meta, ctx, {
          line: exposure.line,
          message: `${launchLabel(launch)} runs vLLM reachable from other hosts (${exposure.how}) behind its --api-key alone: the key guards /v1, /v2, /inference and /cohere only, while /invocations (the same inference), /tokenize, /pause and other routes answer without it`,
          evidence: { server: 'vllm', exposure: exposure.how },
        }),
      );
    }
    return findings;
  },
};
