import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { severityRank } from '../../../core/severity.ts';
import { parseImage, serverOfImage } from '../../../deploy/servers.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { versionOfTag, vulnerabilitiesOf, vulnerabilitySources } from '../../../deploy/vulnerable-images.ts';
import { type Rule, report } from '../../rule.ts';
import { launchLabel, SERVER_NAMES } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/vulnerable-server-image',
  title: 'A server image is pinned to a release with a known serious vulnerability',
  severity: 'high',
  tags: ['OWASP-LLM03', 'CWE-1395', 'CWE-1104'],
  references: vulnerabilitySources(),
  fix: 'Move the image to a release after the fix (the finding names the advisory and the fixed version) and redeploy; for a compromised release, also rotate every credential the container could read.',
};

/**
 * OLL-003, VLM-010, OWU-006 and LTL-004 done statically: the version in the tag of a recognised server image
 * (`ollama/ollama:0.1.33`) against the curated table the live probe uses (src/probe/cves.ts). One finding per image, at the worst
 * advisory's severity, listing them all. Tags without a version (`latest`, `main`) are deploy/unpinned-image's.
 */
export const vulnerableServerImage: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const launch of subject.config.launches) {
      if (launch.image === undefined) continue;
      const server = serverOfImage(launch.image.ref);
      const version = versionOfTag(parseImage(launch.image.ref).tag);
      if (server === undefined || version === undefined) continue;
      const hits = vulnerabilitiesOf(server, version);
      if (hits.length === 0) continue;
      const worst = hits.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
      const fixed = hits.map((h) => h.fixed).filter((f): f is string => f !== undefined);
      findings.push(
        report(meta, ctx, {
          line: launch.image.line,
          severity: worst.severity,
          message: `${launchLabel(launch)} runs ${SERVER_NAMES[server]} ${version} (${launch.image.ref}), affected by ${hits.map((h) => `${h.id} (${h.title})`).join('; ')}${fixed.length > 0 ? `; fixed in ${fixed.sort().at(-1)}` : ''}`,
          evidence: {
            server,
            version,
            image: launch.image.ref,
            advisories: hits.map((h) => ({ id: h.id, severity: h.severity, source: h.source })),
          },
        }),
      );
    }
    return findings;
  },
};
