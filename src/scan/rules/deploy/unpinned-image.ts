import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { parseImage, serverOfImage } from '../../../deploy/servers.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { versionOfTag } from '../../../deploy/vulnerable-images.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, SERVER_NAMES } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/unpinned-image',
  title: 'An LLM server image follows a moving tag',
  severity: 'low',
  tags: ['OWASP-LLM03', 'CWE-1357', 'CWE-494'],
  references: [
    'https://docs.docker.com/reference/compose-file/services/#image',
    'https://docs.docker.com/build/building/best-practices/#pin-base-image-versions',
  ],
  fix: 'Pin the image to a release tag and, better, a digest (`ollama/ollama:0.17.1@sha256:...`), and update it deliberately (Renovate or Dependabot can open the pull requests).',
};

/**
 * GEN-011: a recognised server image with no tag, or a tag that carries no version (`latest`, `main`,
 * `main-latest`, `server`, `cuda`), and no digest. What runs then changes on every pull — including to a
 * compromised or vulnerable release — and no scan of the file can say which version it is.
 */
export const unpinnedImage: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.image === undefined) continue;
      const server = serverOfImage(launch.image.ref);
      const image = parseImage(launch.image.ref);
      if (server === undefined || image.digest !== undefined || image.tag?.includes('$')) continue;
      // llama.cpp tags carry a build number (`server-b4500`) rather than a semantic version.
      if (versionOfTag(image.tag) !== undefined || /-b\d{3,}/.test(image.tag ?? '')) continue;
      // Jupyter Docker Stacks tag each build with its date (`2024-12-09`, `cuda12-2024-12-09`) and its 12-hex
      // commit: their docs name these the tags that never move (`python-3.11` ones do, and are not caught).
      if (/(^|-)\d{4}-\d{2}-\d{2}$|^[0-9a-f]{12}$/.test(image.tag ?? '')) continue;
      findings.push(
        report(meta, ctx, {
          line: launch.image.line,
          message: `${launchLabel(launch)} runs ${SERVER_NAMES[server]} from ${launch.image.ref}${image.tag === undefined ? ' (no tag: latest)' : ''}, a tag that moves: each pull may run a different release`,
          evidence: { image: launch.image.ref, tag: image.tag ?? 'latest' },
        }),
      );
    }
    return findings;
  },
};
