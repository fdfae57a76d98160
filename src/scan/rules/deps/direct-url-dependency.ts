import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import type { Severity } from '../../../core/severity.ts';
import type { Dependency, DepsSubject } from '../../../deps/types.ts';
import { type Rule, report } from '../../rule.ts';
import { entryContext } from './entry-context.ts';

const meta: RuleMeta = {
  id: 'deps/direct-url-dependency',
  title: 'A dependency is downloaded from a direct URL',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-494', 'CWE-829'],
  references: [
    'https://packaging.python.org/en/latest/specifications/version-specifiers/#direct-references',
    'https://pip.pypa.io/en/stable/topics/secure-installs/',
    'https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json#packages',
  ],
  fix: 'Install the package from an index by name and exact version. When a direct URL is unavoidable (a wheel only published on a release page), use https and pin the artifact: add its hash (#sha256=... in the URL, or --hash / a lock file entry), so a replaced file fails to install.',
};

/** A hash in the URL fragment (`#sha256=...`), as pip and PEP 508 direct references accept. */
const FRAGMENT_HASH = /#(?:.*&)?(sha256|sha384|sha512)=[0-9a-f]{32,}/i;

/** `http:` downloads can be replaced in transit; a hash pins the bytes wherever they come from. */
export function directUrlSeverity(url: string, hashed: boolean): Severity {
  if (hashed) return 'low';
  if (/^http:/i.test(url)) return 'high';
  return 'medium';
}

/**
 * One finding per direct-URL dependency (`name @ https://...`, a bare archive URL line, an npm `resolved`
 * tarball off the registry): no index, no version resolution, and whoever controls the URL controls the code.
 * High over plain `http:`; low when the artifact is pinned by a hash (in the fragment or as `--hash`).
 */
export const directUrlDependency: Rule<DepsSubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    for (const dep of subject.manifest.dependencies) {
      if (dep.source !== 'url') continue;
      const url = dep.url ?? '';
      const hashed = dep.hashes.length > 0 || FRAGMENT_HASH.test(url);
      const severity = directUrlSeverity(url, hashed);
      findings.push(
        report(meta, entryContext(ctx, dep.file), {
          line: dep.line,
          severity,
          message: `${describe(dep)} is downloaded from ${url || 'a direct URL'}${explain(severity)}`,
          evidence: { ecosystem: dep.ecosystem, package: dep.name, url, hashed },
        }),
      );
    }
    return findings;
  },
};

function describe(dep: Dependency): string {
  return dep.version === undefined ? dep.rawName : `${dep.rawName} ${dep.version}`;
}

function explain(severity: Severity): string {
  switch (severity) {
    case 'high':
      return ' over plain http, without a hash: anyone on the path can replace it';
    case 'low':
      return ', pinned by a hash';
    default:
      return ' without a hash: whoever controls the URL controls the code';
  }
}
