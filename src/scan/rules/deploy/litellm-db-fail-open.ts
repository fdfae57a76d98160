import type { RuleMeta } from '../../../core/rule.ts';
import { isTrue } from '../../../deploy/argv.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'deploy/litellm-db-fail-open',
  title: 'A LiteLLM proxy lets requests through when it cannot check keys in its database',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-636'],
  references: [
    'https://docs.litellm.ai/docs/proxy/config_settings',
    'https://docs.litellm.ai/docs/proxy/prod',
  ],
  fix: 'Remove `allow_requests_on_db_unavailable` (it defaults to false) unless the proxy is reachable only from inside your own network, and make the database highly available instead.',
};

/**
 * LTL-005 (second half): `general_settings.allow_requests_on_db_unavailable: true`. Virtual keys live in the
 * database; with this switch, a request whose key cannot be looked up because the database is down is
 * served anyway, so budgets, per-key model lists and revocations stop applying during the outage — which an
 * attacker who can load the database can bring about. LiteLLM's docs reserve it for proxies inside a VPC.
 */
export const litellmDbFailOpen: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const setting = subject.config.litellm?.allowOnDbUnavailable;
    if (setting === undefined || !isTrue(setting.value)) return [];
    return [
      report(meta, ctx, {
        line: setting.line,
        message: `allow_requests_on_db_unavailable: ${setting.value}: while the proxy cannot reach its database it serves requests without checking their virtual keys (budgets, model limits and revoked keys stop applying)`,
        evidence: { setting: `allow_requests_on_db_unavailable: ${setting.value}` },
      }),
    ];
  },
};
