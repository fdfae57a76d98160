import type { RuleMeta } from '../../../core/rule.ts';
import {
  advisoriesForDependency,
  anyVersionAdvisories,
  displayId,
} from '../../../deps/advisories/dependency-advisories.ts';
import type { DepsSubject } from '../../../deps/types.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'deps/malicious-package',
  title: 'A dependency is a known malicious or compromised release',
  severity: 'critical',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-506'],
  references: [
    'https://github.com/ossf/malicious-packages',
    'https://ossf.github.io/osv-schema/',
    'https://pytorch.org/blog/compromised-nightly-dependency/',
  ],
  fix: 'Remove the release from every environment and lock file now. Treat any machine that installed it as compromised: rotate the credentials it could read (cloud keys, API tokens, SSH keys), then pin a known-good version with hashes.',
};

/**
 * Critical finding for a dependency whose pinned or locked version a malicious-package record (OSV `MAL-`, or
 * Parapet's curated list of compromised releases) covers; and for an unpinned dependency on a package every
 * version of which is malicious (typosquats and dependency-confusion packages are removed wholesale).
 */
export const maliciousPackage: Rule<DepsSubject> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    for (const dep of subject.manifest.dependencies) {
      const pinned = dep.version !== undefined;
      const advisories = (
        pinned ? advisoriesForDependency(subject, dep) : anyVersionAdvisories(subject, dep)
      ).filter((a) => a.malicious);
      if (advisories.length === 0) continue;
      const first = advisories[0]!;
      const what = pinned ? `${dep.rawName} ${dep.version}` : `${dep.rawName} (every version)`;
      const at = dep.file === undefined ? ctx : { ...ctx, location: { path: dep.file } };
      findings.push(
        report(meta, at, {
          line: dep.line,
          severity: 'critical',
          message: `${what} is a known malicious or compromised release (${advisories.map(displayId).join(', ')})${first.summary ? `: ${first.summary}` : ''}`,
          evidence: {
            ecosystem: dep.ecosystem,
            package: dep.name,
            version: dep.version,
            pinned,
            advisories: advisories.map((a) => ({ id: a.id, aliases: a.aliases, summary: a.summary })),
          },
        }),
      );
    }
    return findings;
  },
};
