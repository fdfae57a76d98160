import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import type { Dependency, DepsSubject } from '../../../deps/types.ts';
import { type Rule, report } from '../../rule.ts';
import { capped, entryContext, listNames } from './entry-context.ts';

const meta: RuleMeta = {
  id: 'deps/unhashed-dependency',
  title: 'Some dependencies carry no hash where others do',
  severity: 'low',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-494'],
  references: [
    'https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode',
    'https://docs.astral.sh/uv/pip/compile/#generating-hashes',
    'https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json#packages',
  ],
  fix: 'Give every entry a hash: regenerate the file with pip-compile --generate-hashes or uv pip compile --generate-hashes (uv export writes them from uv.lock); for a lock file, re-lock so every registry package records its hash.',
};

/** How many packages the evidence lists per file; the count is always exact. */
const EVIDENCE_CAP = 50;

/** Entries a hash can cover: index packages and downloaded archives (not VCS checkouts or local paths). */
const hashable = (dep: Dependency): boolean => dep.source === 'registry' || dep.source === 'url';

/**
 * Hashes are expected when the manifest says so (`--require-hashes`, or a lock format that records hashes) or
 * when any entry has one: pip then runs in hash-checking mode and refuses the whole install at the first entry
 * without a hash, and a lock entry without one is installed unverified. A requirements file with no hash at
 * all is not reported (that is the common case, and `deps/unpinned-dependency` covers its risk).
 *
 * One finding per file, at its first unhashed entry, listing them.
 */
export const unhashedDependency: Rule<DepsSubject> = {
  meta,
  check(subject, ctx) {
    const { manifest } = subject;
    const candidates = manifest.dependencies.filter(hashable);
    const someHashed = candidates.some((d) => d.hashes.length > 0);
    if (!manifest.requireHashes && !someHashed) return [];
    const byFile = new Map<string | undefined, Dependency[]>();
    for (const dep of candidates) {
      if (dep.hashes.length > 0) continue;
      const list = byFile.get(dep.file);
      if (list === undefined) byFile.set(dep.file, [dep]);
      else list.push(dep);
    }
    const why = manifest.locked
      ? 'the lock records hashes, so these entries are installed unverified'
      : 'pip runs in hash-checking mode and refuses to install the file';
    const findings: Finding[] = [];
    for (const [file, deps] of byFile) {
      const names = [...new Set(deps.map((d) => d.rawName))];
      findings.push(
        report(meta, entryContext(ctx, file), {
          line: deps[0]!.line,
          message: `${deps.length} of ${candidates.length} entries carry no hash (${listNames(names)}); ${why}`,
          evidence: {
            count: deps.length,
            entries: candidates.length,
            requireHashes: manifest.requireHashes === true,
            unhashed: capped(deps, EVIDENCE_CAP).map((d) => ({
              package: d.name,
              ...(d.version === undefined ? {} : { version: d.version }),
              ...(d.line === undefined ? {} : { line: d.line }),
            })),
          },
        }),
      );
    }
    return findings;
  },
};
