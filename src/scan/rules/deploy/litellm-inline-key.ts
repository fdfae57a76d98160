import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { isEnvReference } from '../../../deploy/litellm-config.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { redact } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/litellm-inline-key',
  title: "A LiteLLM config writes its master key or a provider's API key inline",
  severity: 'high',
  tags: ['OWASP-LLM02', 'CWE-798', 'CWE-312'],
  references: [
    'https://docs.litellm.ai/docs/proxy/configs',
    'https://docs.litellm.ai/docs/proxy/virtual_keys',
    'https://docs.litellm.ai/docs/proxy/prod',
  ],
  fix: 'Replace the literal with an environment reference — `master_key: os.environ/LITELLM_MASTER_KEY`, `api_key: os.environ/OPENAI_API_KEY` — fed from a secret store, and rotate the key that was in the file (and in its history).',
};

/** The master key LiteLLM's docs use in every example: as a real key it is public knowledge. */
const DOCS_SAMPLE_KEYS = new Set(['sk-1234', 'sk-12345', 'sk-123456', 'sk-my_special_key']);

/**
 * LTL-002 and GEN-002 in a LiteLLM `config.yaml`: `general_settings.master_key` or a model's
 * `litellm_params.api_key` written as a value instead of `os.environ/NAME`. The master key is the proxy's
 * admin credential (it mints and deletes keys); provider keys spend money upstream. A config file is
 * committed, mounted and copied into images far more often than a secret store is read. The docs' sample
 * master key (`sk-1234`) is reported as such: anyone can guess it.
 */
export const litellmInlineKey: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const litellm = subject.config.litellm;
    if (litellm === undefined) return [];
    const findings: Finding[] = [];
    const master = litellm.masterKey;
    if (master !== undefined && !isEnvReference(master.value) && !isPlaceholder(master.value)) {
      const sample = DOCS_SAMPLE_KEYS.has(master.value);
      findings.push(
        report(meta, ctx, {
          line: master.line,
          message: sample
            ? `general_settings.master_key is ${master.value}, the sample key of LiteLLM's docs: anyone can guess the proxy's admin credential`
            : `general_settings.master_key is written in the config (${redact(master.value)}): anyone who can read this file holds the proxy's admin credential`,
          evidence: { setting: 'general_settings.master_key', sample, value: redact(master.value) },
        }),
      );
    }
    for (const key of litellm.apiKeys) {
      if (isEnvReference(key.value) || isPlaceholder(key.value)) continue;
      findings.push(
        report(meta, ctx, {
          line: key.line,
          message: `model "${key.model}" has its provider api_key written in the config (${redact(key.value)}): anyone who can read this file can spend on that account`,
          evidence: { setting: 'litellm_params.api_key', model: key.model, value: redact(key.value) },
        }),
      );
    }
    return findings;
  },
};

/** Values that are not keys: `none`, `fake-key`, `sk-...`, `<your key>`, env-style `${X}` (not resolved by LiteLLM, but not a secret either). */
function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return (
    v.length < 6 ||
    /^(none|null|fake[-_]?key|dummy|anything|not[-_]?needed|sk-\.\.\.|sk-x+)$/i.test(v) ||
    /^<.*>$|^\$\{.*\}$|^\$[A-Z_]+$/.test(v)
  );
}
