import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { isAllInterfaces } from '../../../deploy/argv.ts';
import type { GradioLaunchCall } from '../../../deploy/gradio-app.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'deploy/gradio-app-exposed',
  title: 'A Gradio app launches with a public share link or on every interface without auth',
  severity: 'high',
  tags: ['OWASP-LLM10', 'CWE-306', 'CWE-668'],
  references: [
    'https://www.gradio.app/guides/sharing-your-app',
    'https://www.gradio.app/docs/gradio/blocks#blocks-launch',
    'https://www.gradio.app/guides/environment-variables',
  ],
  fix: 'Drop `share=True` and keep `server_name` at its default (127.0.0.1) behind a reverse proxy that authenticates; if the app must be reachable, pass `auth=` (a list of (user, password) pairs read from a secret, or a callable), or mount it in FastAPI with `auth_dependency`.',
};

/** A Python literal's text without its quotes (`"0.0.0.0"` → `0.0.0.0`), or undefined for an expression. */
function literal(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^[rRuUbBfF]?(['"])(.*)\1$/s.exec(value);
  if (m !== null) return m[2];
  return /^(True|False|None)$/.test(value) ? value : undefined;
}

/** `server_port` when written as a number, else Gradio's default 7860 (or GRADIO_SERVER_PORT). */
function portOf(call: GradioLaunchCall): string {
  const port = call.keywords.get('server_port');
  return port !== undefined && /^\d+$/.test(port) ? port : '7860 unless set elsewhere';
}

/** True when the call passes an authentication argument that is not `None`. */
function hasAuth(call: GradioLaunchCall): boolean {
  return ['auth', 'auth_dependency'].some((k) => {
    const v = call.keywords.get(k);
    return v !== undefined && v !== 'None';
  });
}

/**
 * GRD-001 and GRD-002 in app code: `launch(share=True)` — a public `*.gradio.live` URL that tunnels to the
 * app — and `launch(server_name="0.0.0.0")` (or `"::"`), each without `auth=`. Gradio's default is
 * `server_name="127.0.0.1"`, no share link and no login, so a launch that opens either door and passes no
 * credentials serves the app — and its API (`/gradio_api/...`, every event handler) — to anyone. A share
 * link with `auth=` still puts the login page on the internet: reported at medium. A call that spreads
 * `**kwargs` or passes a variable is not judged (the value is not in the file).
 */
export const gradioAppExposed: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const call of subject.config.gradio ?? []) {
      if (call.spread && !call.keywords.has('auth')) continue;
      const auth = hasAuth(call);
      const share = literal(call.keywords.get('share')) === 'True';
      const serverName = literal(call.keywords.get('server_name'));
      const everywhere = serverName !== undefined && serverName !== '' && isAllInterfaces(serverName);
      if (share) {
        findings.push(
          report(meta, ctx, {
            line: call.line,
            severity: auth ? 'medium' : meta.severity,
            message: auth
              ? 'launch(share=True) gives the Gradio app a public *.gradio.live URL: only its login (auth=) stands between the internet and the app'
              : 'launch(share=True) without auth= gives the Gradio app a public *.gradio.live URL: anyone with the link can use the app and its API',
            evidence: { setting: 'share=True', auth },
          }),
        );
      }
      if (everywhere && !auth) {
        findings.push(
          report(meta, ctx, {
            line: call.line,
            message: `launch(server_name="${serverName}") without auth= serves the Gradio app on every interface with no login: anyone who can reach its port (${portOf(call)}) can use it`,
            evidence: { setting: `server_name=${serverName}`, auth },
          }),
        );
      }
    }
    return findings;
  },
};
