import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { isFalse } from '../../../deploy/argv.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/open-webui-open-signup',
  title: 'Open WebUI lets anyone who reaches it sign up as an active user',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-287', 'CWE-269'],
  references: [
    'https://docs.openwebui.com/getting-started/env-configuration/',
    'https://docs.openwebui.com/features/rbac/roles',
  ],
  fix: 'Keep `DEFAULT_USER_ROLE=pending` (the default: new accounts wait for an administrator) or set `ENABLE_SIGNUP=False` once the accounts you need exist; both are PersistentConfig settings, so also check them in Admin Panel > Settings > General of a running instance.',
};

/**
 * OWU-004: an exposed Open WebUI whose sign-up is on (`ENABLE_SIGNUP`, default True) and whose
 * `DEFAULT_USER_ROLE` is `user` or `admin` instead of the default `pending`: every visitor who registers is
 * immediately a user (spends the connected providers, uses the tools) — or, with `admin`, an administrator.
 */
export const openWebuiOpenSignup: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.server !== 'open-webui') continue;
      const role = launch.env.get('DEFAULT_USER_ROLE');
      const value = role?.value.trim().toLowerCase();
      if (role === undefined || (value !== 'user' && value !== 'admin')) continue;
      const signup = launch.env.get('ENABLE_SIGNUP');
      if (signup !== undefined && isFalse(signup.value)) continue;
      const exposure = exposureOf(launch);
      if (exposure === undefined) continue;
      findings.push(
        report(meta, ctx, {
          line: role.line,
          severity: value === 'admin' ? 'high' : 'medium',
          message: `${launchLabel(launch)} runs Open WebUI with sign-up open and DEFAULT_USER_ROLE=${role.value}, reachable from other hosts (${exposure.how}): anyone can register and is immediately ${value === 'admin' ? 'an administrator' : 'an active user'}`,
          evidence: { role: role.value, signup: signup?.value ?? 'default (True)', exposure: exposure.how },
        }),
      );
    }
    return findings;
  },
};
