import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import { authOf, jupyterTokenDisabled } from '../../../deploy/servers.ts';
import type { DeploySubject, Launch } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, SERVER_NAMES } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/auth-disabled',
  title: 'A server whose login is on by default has it switched off',
  severity: 'critical',
  tags: ['OWASP-LLM10', 'AML.T0040', 'CWE-306'],
  references: [
    'https://docs.openwebui.com/getting-started/env-configuration/',
    'https://jupyter-server.readthedocs.io/en/latest/operators/security.html',
  ],
  fix: "Remove `WEBUI_AUTH=False` (Open WebUI) or the empty `--ServerApp.token=''`/`--NotebookApp.token=''`/`JUPYTER_TOKEN=` (Jupyter), so the default login comes back; give users accounts (Open WebUI) or a token/password (Jupyter), and reach the server over an SSH tunnel or an authenticating proxy.",
};

function setting(launch: Launch): { line: number; setting: string } {
  if (launch.server === 'jupyter')
    return jupyterTokenDisabled(launch) ?? { line: launch.line, setting: 'empty token' };
  const v = launch.env.get('WEBUI_AUTH');
  return { line: v?.line ?? launch.line, setting: `WEBUI_AUTH=${v?.value ?? 'False'}` };
}

/**
 * OWU-001 and JUP-001: Open WebUI with `WEBUI_AUTH=False` (single-user mode: every visitor is the admin, who
 * can run Python through Tools and Functions) and Jupyter with an empty token and no password (every visitor
 * runs code). Critical when the server is reachable from other hosts; high when it is not (yet).
 */
export const authDisabled: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.server === undefined || authOf(launch) !== 'disabled') continue;
      const where = setting(launch);
      const exposure = exposureOf(launch);
      const server = SERVER_NAMES[launch.server];
      findings.push(
        report(meta, ctx, {
          line: where.line,
          severity: exposure === undefined ? 'high' : 'critical',
          message: `${launchLabel(launch)} runs ${server} with its login switched off (${where.setting})${exposure === undefined ? '' : ` and is reachable from other hosts (${exposure.how})`}: every visitor ${launch.server === 'jupyter' ? 'runs code on the server' : 'is the administrator, who can run Python through Tools and Functions'}`,
          evidence: {
            server: launch.server,
            setting: where.setting,
            ...(exposure === undefined ? {} : { exposure: exposure.how }),
          },
        }),
      );
    }
    return findings;
  },
};
