import type { RuleMeta } from '../../../core/rule.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, trueSettings } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/ollama-request-logging',
  title: 'Ollama writes every inference request to disk (OLLAMA_DEBUG_LOG_REQUESTS)',
  severity: 'low',
  tags: ['OWASP-LLM02', 'CWE-532'],
  references: [
    'https://github.com/ollama/ollama/tree/main/server',
    'https://github.com/ollama/ollama/blob/main/envconfig/config.go',
  ],
  fix: 'Remove `OLLAMA_DEBUG_LOG_REQUESTS` outside a debugging session, and delete the request-log directories it left in the temporary directory.',
};

/**
 * OLL-007: `OLLAMA_DEBUG_LOG_REQUESTS` set to a true value. Ollama's server then logs "inference request
 * logs ... stored in <temp dir> and include request bodies and replay curl commands": every prompt, system
 * prompt and attached document, unredacted, in files that outlive the request. Low: the data stays on the
 * host, but on a shared or backed-up host it is a copy of every conversation.
 */
export const ollamaRequestLogging: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    return trueSettings(subject.config.launches, 'ollama', ['OLLAMA_DEBUG_LOG_REQUESTS']).map(
      ({ launch, env }) =>
        report(meta, ctx, {
          line: env.line,
          message: `${launchLabel(launch)} sets OLLAMA_DEBUG_LOG_REQUESTS=${env.value}: Ollama stores every inference request body (prompts, system prompts, attachments) and a replay curl command in files under the temporary directory`,
          evidence: { setting: `OLLAMA_DEBUG_LOG_REQUESTS=${env.value}` },
        }),
    );
  },
};
