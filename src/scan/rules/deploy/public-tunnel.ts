import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { hasSwitch, isTrue } from '../../../deploy/argv.ts';
import { parseImage } from '../../../deploy/servers.ts';
import type { DeploySubject, Launch } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/public-tunnel',
  title: 'A public tunnel publishes the server on the internet',
  severity: 'high',
  tags: ['OWASP-LLM10', 'AML.T0040', 'CWE-668'],
  references: [
    'https://www.gradio.app/guides/sharing-your-app',
    'https://github.com/oobabooga/text-generation-webui/wiki',
    'https://huggingface.co/docs/text-generation-inference/reference/launcher',
    'https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/',
  ],
  fix: 'Remove the tunnel (`--share`, `--public-api`, `--ngrok`, `GRADIO_SHARE`, the cloudflared/ngrok sidecar). Publish the server through an ingress or gateway that authenticates every request; if a tunnel is required, put an access policy (Cloudflare Access, ngrok OAuth/IP restrictions) in front of it.',
};

/** Tunnel switches of the LLM UIs and servers, with what each opens. */
const TUNNEL_FLAGS: readonly [string, string][] = [
  ['--share', 'a public *.gradio.live link (Gradio share)'],
  ['--public-api', 'a public Cloudflare tunnel to the API (text-generation-webui)'],
  ['--public-api-id', 'a public Cloudflare tunnel to the API (text-generation-webui)'],
  ['--ngrok', 'a public ngrok tunnel (TGI)'],
];
const TUNNEL_ENV: readonly [string, string][] = [
  ['GRADIO_SHARE', 'a public *.gradio.live link (Gradio share)'],
  ['NGROK', 'a public ngrok tunnel (TGI)'],
];

/** A tunnel program (cloudflared, ngrok) by command or image. */
function tunnelProgram(l: Launch): string | undefined {
  const prog = (l.argv[0] ?? '').slice((l.argv[0] ?? '').lastIndexOf('/') + 1);
  if (prog === 'cloudflared' && l.argv.includes('tunnel')) return 'a cloudflared tunnel';
  if (prog === 'ngrok' && /^(http|tcp|tls|start)$/.test(l.argv[1] ?? '')) return 'an ngrok tunnel';
  const repo = l.image === undefined ? '' : parseImage(l.image.ref).repository;
  if (/(^|\/)cloudflare\/cloudflared$/.test(repo)) return 'a cloudflared tunnel';
  if (/(^|\/)ngrok\/ngrok$/.test(repo)) return 'an ngrok tunnel';
  return undefined;
}

/**
 * GEN-009 (TGW-002, TGI-002, GRD-001): Gradio `--share`, text-generation-webui `--public-api`, TGI `--ngrok`
 * or `NGROK=true`, `GRADIO_SHARE=True`, and cloudflared/ngrok tunnel containers or commands. A tunnel puts
 * the server on a public URL whatever its published ports say. `--share` counts only for Gradio apps and
 * Python scripts (other CLIs use the word for unrelated things).
 */
export const publicTunnel: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      const python = /^python(\d(\.\d+)?)?$/.test(
        (launch.argv[0] ?? '').slice((launch.argv[0] ?? '').lastIndexOf('/') + 1),
      );
      const hits: { line: number; what: string; setting: string }[] = [];
      for (const [flag, what] of TUNNEL_FLAGS) {
        if (
          flag === '--share' &&
          !(python || launch.server === 'gradio' || launch.server === 'text-generation-webui')
        )
          continue;
        const hit = hasSwitch(launch.argv, [flag]);
        if (hit !== undefined)
          hits.push({ line: launch.argLines[hit.index] ?? launch.line, what, setting: flag });
      }
      for (const [name, what] of TUNNEL_ENV) {
        const v = launch.env.get(name);
        if (v !== undefined && isTrue(v.value))
          hits.push({ line: v.line, what, setting: `${name}=${v.value}` });
      }
      const program = tunnelProgram(launch);
      if (program !== undefined)
        hits.push({
          line: launch.argLines[0] ?? launch.image?.line ?? launch.line,
          what: program,
          setting: launch.argv[0] ?? launch.image?.ref ?? '',
        });
      for (const h of hits) {
        findings.push(
          report(meta, ctx, {
            line: h.line,
            message: `${launchLabel(launch)} opens ${h.what}: the server gets a public internet address, bypassing the host's firewall and port bindings`,
            evidence: { setting: h.setting },
          }),
        );
      }
    }
    return findings;
  },
};
