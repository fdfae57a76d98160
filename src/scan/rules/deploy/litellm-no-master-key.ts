import type { RuleMeta } from '../../../core/rule.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'deploy/litellm-no-master-key',
  title: 'A LiteLLM proxy config sets no master key',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-306'],
  references: [
    'https://docs.litellm.ai/docs/proxy/configs',
    'https://docs.litellm.ai/docs/proxy/virtual_keys',
    'https://docs.litellm.ai/docs/proxy/config_settings',
  ],
  fix: 'Add `general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}` and set LITELLM_MASTER_KEY (a random value starting with `sk-`) from a secret store; then hand out virtual keys rather than the master key.',
};

/**
 * LTL-001 from the config side: a LiteLLM `config.yaml` without `general_settings.master_key`. The proxy
 * then takes the key from LITELLM_MASTER_KEY (`general_settings.get("master_key",
 * get_secret("LITELLM_MASTER_KEY"))`), and without either it checks no key at all: every route answers, and
 * the upstream providers' keys in `model_list` are spent by whoever can reach port 4000. Medium, not
 * critical: the variable may be set where this file cannot show it.
 */
export const litellmNoMasterKey: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const litellm = subject.config.litellm;
    if (litellm === undefined || litellm.masterKey !== undefined) return [];
    return [
      report(meta, ctx, {
        line: litellm.generalSettingsLine ?? litellm.modelListLine,
        message: `the LiteLLM config has no general_settings.master_key: unless LITELLM_MASTER_KEY is set in the proxy's environment, it checks no key and anyone who reaches it can call the ${litellm.models} configured model(s) on your provider keys`,
        evidence: { models: litellm.models, generalSettings: litellm.generalSettingsLine !== undefined },
      }),
    ];
  },
};
