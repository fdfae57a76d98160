import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import { authOf } from '../../../deploy/servers.ts';
import type { DeploySubject, ServerKind } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, SERVER_NAMES } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/exposed-without-auth',
  title: 'An LLM server is reachable from other hosts without authentication',
  severity: 'high',
  tags: ['OWASP-LLM10', 'OWASP-LLM02', 'AML.T0040', 'CWE-306', 'CWE-668'],
  references: [
    'https://docs.ollama.com/faq',
    'https://docs.vllm.ai/en/latest/cli/serve.html',
    'https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md',
    'https://huggingface.co/docs/text-generation-inference/reference/launcher',
    'https://docs.litellm.ai/docs/proxy/virtual_keys',
    'https://docs.docker.com/reference/compose-file/services/#ports',
  ],
  fix: "Publish the port on loopback only (`127.0.0.1:11434:11434`), keep the server on an internal network, or use a ClusterIP Service; and turn on the server's own authentication (vLLM `--api-key`, llama-server `--api-key-file`, TGI `API_KEY`, LiteLLM `LITELLM_MASTER_KEY`, LocalAI `LOCALAI_API_KEY`). Ollama and Ray have none: put an authenticating reverse proxy or gateway in front.",
};

/** What "no authentication" means for each server, for the message. */
const NO_AUTH: Partial<Record<ServerKind, string>> = {
  ollama: 'Ollama has no server-side authentication',
  vllm: 'no --api-key or VLLM_API_KEY',
  'llama.cpp': 'no --api-key, --api-key-file or LLAMA_API_KEY',
  tgi: 'no --api-key or API_KEY',
  localai: 'no LOCALAI_API_KEY, API_KEY or --api-keys',
  litellm: 'no LITELLM_MASTER_KEY and no --config that could hold a master_key',
  'text-generation-webui': 'no --gradio-auth or --gradio-auth-path',
  ray: 'the Ray dashboard and Jobs API have no authentication',
  mlflow: 'no --app-name basic-auth',
};

/**
 * GEN-001 with the per-server conditions (OLL-001, VLM-001, LCP-001, TGI-001, LAI-001, LTL-001, TGW-001,
 * RAY-001, MLF-001): a recognised server whose authentication is never configured, published beyond its host.
 * Servers whose authentication is on by default but switched off are deploy/auth-disabled's.
 */
export const exposedWithoutAuth: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.server === undefined || authOf(launch) !== 'off') continue;
      const exposure = exposureOf(launch);
      if (exposure === undefined) continue;
      const server = SERVER_NAMES[launch.server];
      findings.push(
        report(meta, ctx, {
          line: exposure.line,
          message: `${launchLabel(launch)} runs ${server}, reachable from other hosts (${exposure.how}) with no authentication (${NO_AUTH[launch.server] ?? 'none configured'}): anyone who can reach it can use the model${launch.server === 'ollama' ? ', pull, push and delete models' : ''}`,
          evidence: {
            server: launch.server,
            exposure: exposure.how,
            bind: exposure.bind.setting,
            ...(launch.image === undefined ? {} : { image: launch.image.ref }),
          },
        }),
      );
    }
    return findings;
  },
};
