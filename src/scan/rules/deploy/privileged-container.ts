import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import type { DeploySubject, Flagged } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/privileged-container',
  title: 'A container runs privileged, on the host network, or with the Docker socket',
  severity: 'high',
  tags: ['OWASP-LLM06', 'CWE-250', 'CWE-269'],
  references: [
    'https://docs.docker.com/reference/compose-file/services/#privileged',
    'https://docs.docker.com/engine/security/#docker-daemon-attack-surface',
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://docs.docker.com/compose/how-tos/gpu-support/',
  ],
  fix: 'Drop `privileged: true` (GPUs need a device reservation — compose `deploy.resources.reservations.devices` or the NVIDIA device plugin — not privileges), replace `network_mode: host`/`hostNetwork: true` with published ports on the addresses you mean, and never mount /var/run/docker.sock into a server that handles requests.',
};

/**
 * GEN-008: `privileged: true` (compose, docker run, securityContext), `network_mode: host` / `hostNetwork:
 * true` / `--network host`, and a bind mount or hostPath of the Docker socket. Each grants a compromised server
 * the host: privileged disables the container's isolation, host networking puts every listener on the host's
 * interfaces, and the Docker socket starts any container with any mount.
 */
export const privilegedContainer: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      const issues: [Flagged | undefined, string, string][] = [
        [
          launch.privileged,
          'privileged',
          'runs privileged: the container can reach every host device and undo its own isolation',
        ],
        [
          launch.hostNetwork,
          'host-network',
          'shares the host network: every port it opens is opened on the host',
        ],
        [
          launch.dockerSock,
          'docker-socket',
          'mounts the Docker socket: it can start any container with the host filesystem mounted',
        ],
      ];
      for (const [flag, kind, why] of issues) {
        if (flag === undefined) continue;
        findings.push(
          report(meta, ctx, {
            line: flag.line,
            message: `${launchLabel(launch)} ${why} (${flag.text})`,
            evidence: {
              kind,
              setting: flag.text,
              ...(launch.image === undefined ? {} : { image: launch.image.ref }),
            },
          }),
        );
      }
    }
    return findings;
  },
};
