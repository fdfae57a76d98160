import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { exposureOf } from '../../../deploy/exposure.ts';
import { imageRunsAsNonRoot, imageRunsAsRoot } from '../../../deploy/servers.ts';
import type { DeploySubject, Launch } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, SERVER_NAMES } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/root-container',
  title: 'An LLM server container runs as root',
  severity: 'medium',
  tags: ['OWASP-LLM06', 'CWE-250'],
  references: [
    'https://docs.docker.com/reference/dockerfile/#user',
    'https://docs.docker.com/reference/compose-file/services/#user',
    'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
    'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    'https://nvd.nist.gov/vuln/detail/CVE-2024-37032',
  ],
  fix: 'Run the server as an unprivileged user: `USER 1000` in the Dockerfile, `user: "1000:1000"` in compose, `--user 1000:1000` for docker run, or `securityContext: {runAsNonRoot: true, runAsUser: 1000}` in Kubernetes — and give that user the model and cache directories (`chown`, an fsGroup, or a volume owned by it).',
};

/** Why the launch runs as root, where, and whether the file says so or only implies it. */
interface RootSetting {
  line: number;
  setting: string;
  explicit: boolean;
}

function rootSetting(launch: Launch): RootSetting | undefined {
  const root = launch.runsAsRoot;
  if (root !== undefined && root.inherited !== true) {
    return { line: root.line, setting: root.text, explicit: true };
  }
  if (launch.runsAsNonRoot !== undefined) return undefined;
  if (launch.source === 'dockerfile') {
    // No USER: the base image's user. Root for almost every base (python, ubuntu, nvidia/cuda, the
    // servers' own images) — except the few known to set another, and an ARG-chosen base nobody can tell.
    const base = launch.image?.ref;
    if (root === undefined || base === undefined || base.includes('$') || imageRunsAsNonRoot(base))
      return undefined;
    return { line: root.line, setting: `no USER instruction over ${base}`, explicit: false };
  }
  if (launch.image !== undefined && imageRunsAsRoot(launch.image.ref)) {
    return {
      line: launch.image.line,
      setting: `${launch.image.ref} runs as root by default and no user is set`,
      explicit: false,
    };
  }
  return undefined;
}

/**
 * A container running a recognised LLM server as uid 0: written (`user: root`, `--user 0`, `USER root`,
 * `runAsUser: 0`) or implied (a Dockerfile with no USER over a root base; a compose service, docker run or
 * Kubernetes container of an official image known to default to root, with no user, runAsUser or
 * runAsNonRoot). Root widens what the servers' file-write bugs reach: Probllama (CVE-2024-37032) was a path
 * traversal through /api/pull that writes attacker-chosen files, and as uid 0 that is any file in the
 * container (a preload library, a binary the server runs next). Medium when the container is
 * reachable from other hosts (the bugs are remote), low otherwise. Custom images are judged only through
 * their Dockerfile: a compose service of an unknown image may well set its own USER.
 */
export const rootContainer: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (!launch.containerized || launch.server === undefined) continue;
      const root = rootSetting(launch);
      if (root === undefined) continue;
      const exposure = exposureOf(launch);
      findings.push(
        report(meta, ctx, {
          line: root.line,
          severity: exposure === undefined ? 'low' : meta.severity,
          message: `${launchLabel(launch)} runs ${SERVER_NAMES[launch.server]} as root (${root.setting})${exposure === undefined ? '' : `, reachable from other hosts (${exposure.how})`}: a bug that writes a file or runs code in the server gets uid 0 in the container`,
          evidence: {
            server: launch.server,
            setting: root.setting,
            explicit: root.explicit,
            ...(exposure === undefined ? {} : { exposure: exposure.how }),
            ...(launch.image === undefined ? {} : { image: launch.image.ref }),
          },
        }),
      );
    }
    return findings;
  },
};
