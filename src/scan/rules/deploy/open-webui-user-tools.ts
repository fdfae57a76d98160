import type { RuleMeta } from '../../../core/rule.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, trueSettings } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/open-webui-user-tools',
  title: 'Open WebUI lets every user add Tools, which run Python on the server',
  severity: 'high',
  tags: ['OWASP-LLM06', 'CWE-94', 'CWE-269'],
  references: [
    'https://docs.openwebui.com/getting-started/env-configuration#workspace-permissions',
    'https://docs.openwebui.com/features/plugin/tools/',
  ],
  fix: 'Remove `USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS=True` (the default is False): let administrators review and install Tools, and grant the permission per group only to people you would give a shell on the server.',
};

/**
 * OWU-007 (its Tools half): `USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS=True` for every user. Open WebUI's
 * permissions page: "Enabling this gives users the ability to upload arbitrary code to the server" — Tools
 * are Python that the backend imports and runs. Any account (and with open sign-up, anyone) then runs code
 * as the Open WebUI process. High when the instance is reachable from other hosts, medium otherwise.
 */
export const openWebuiUserTools: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    return trueSettings(subject.config.launches, 'open-webui', [
      'USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS',
    ]).map(({ launch, name, env }) => {
      const exposure = launch.server === 'open-webui' ? exposureOf(launch) : undefined;
      return report(meta, ctx, {
        line: env.line,
        severity: exposure === undefined ? 'medium' : meta.severity,
        message: `${launchLabel(launch)} sets ${name}=${env.value}: every Open WebUI user can upload Tools, Python the server runs${exposure === undefined ? '' : `, on an instance reachable from other hosts (${exposure.how})`}`,
        evidence: {
          setting: `${name}=${env.value}`,
          ...(exposure === undefined ? {} : { exposure: exposure.how }),
        },
      });
    });
  },
};
