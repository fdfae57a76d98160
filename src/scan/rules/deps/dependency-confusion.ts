import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import type { Severity } from '../../../core/severity.ts';
import type { Dependency, DepsSubject, IndexSource, Manifest } from '../../../deps/types.ts';
import { defaultTyposquatIndex } from '../../../deps/typosquat/index.ts';
import { type Rule, report } from '../../rule.ts';
import { capped, entryContext, listNames } from './entry-context.ts';

const meta: RuleMeta = {
  id: 'deps/dependency-confusion',
  title: 'Packages are resolved from an extra index beside PyPI',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-427', 'CWE-829'],
  references: [
    'https://pip.pypa.io/en/stable/cli/pip_install/#cmdoption-extra-index-url',
    'https://pytorch.org/blog/compromised-nightly-dependency/',
    'https://docs.astral.sh/uv/configuration/indexes/',
    'https://python-poetry.org/docs/repositories/#package-source-priority',
    'https://nvd.nist.gov/vuln/detail/CVE-2018-20225',
  ],
  fix: 'Resolve every package from one place: --index-url with a private index that proxies PyPI, without --extra-index-url. With uv, mark private indexes explicit = true and pin each private package to one ([tool.uv.sources] name = { index = "..." }); with Poetry, use priority = "explicit" sources and source = "..." per package. Hashes (--require-hashes, a lock file) make a substituted file fail to install; registering your internal names on PyPI closes the door for good.',
};

/** How many package names the evidence lists; the count is always exact. */
const EVIDENCE_CAP = 25;

/**
 * Kinds whose installer merges every index and takes the best version (pip for requirements files and
 * Pipfile.lock, PDM without `respect-source-order`, Poetry primary + supplemental sources): the classic
 * confusion. uv's default `first-index` strategy takes a name from the first index that has it, so a uv lock is
 * one level lower: the extra index is still asked first for every name and can shadow any PyPI package.
 */
function severityFor(manifest: Manifest, risky: readonly IndexSource[]): Severity {
  if (!risky.some((i) => i.role === 'extra')) return 'medium'; // --find-links only: usually a local directory
  return manifest.kind === 'uv-lock' ? 'medium' : 'high';
}

/**
 * A dependency an attacker could substitute through the index mix: a PyPI registry package not pinned to one
 * index (`index`) and without a hash (a hash makes a substituted file fail to install).
 */
const atRisk = (dep: Dependency): boolean =>
  dep.ecosystem === 'PyPI' && dep.source === 'registry' && dep.index === undefined && dep.hashes.length === 0;

/**
 * One finding per manifest that consults an extra index (`--extra-index-url`, a Poetry supplemental source, a
 * uv index that is neither default nor explicit) or `--find-links` beside its primary index, while some
 * dependency is not pinned to one index. It fires at the first such index line and lists the exposed
 * packages, those absent from the popular-package list first: a name PyPI does not have is the one an
 * attacker can register.
 */
export const dependencyConfusion: Rule<DepsSubject> = {
  meta,
  check(subject, ctx) {
    const { manifest } = subject;
    const risky = manifest.indexes.filter((i) => i.role === 'extra' || i.role === 'find-links');
    if (risky.length === 0) return [];
    const exposedSet = new Set<string>();
    for (const dep of manifest.dependencies) if (atRisk(dep)) exposedSet.add(dep.name);
    if (exposedSet.size === 0) return [];
    const exposed = [...exposedSet];
    const popular = defaultTyposquatIndex();
    const unlisted = exposed.filter((name) => !popular.isPopular(name));
    const listed = exposed.filter((name) => popular.isPopular(name));
    const first = risky[0]!;
    const primary = manifest.indexes.find((i) => i.role === 'primary')?.url ?? 'PyPI';
    const extra = risky.map((i) => i.url);
    const finding: Finding = report(meta, entryContext(ctx, first.file), {
      line: first.line,
      severity: severityFor(manifest, risky),
      message:
        `${exposed.length} package${exposed.length === 1 ? '' : 's'} may come from ${listNames(extra, 3)} or from ${primary}, ` +
        `whichever offers the best version, and none is pinned to one index` +
        (unlisted.length > 0
          ? `; not on the popular list, so likely private: ${listNames(unlisted)}`
          : ` (${listNames(exposed)})`),
      evidence: {
        primaryIndex: primary,
        indexes: risky.map((i) => ({
          url: i.url,
          role: i.role,
          ...(i.name === undefined ? {} : { name: i.name }),
          ...(i.line === undefined ? {} : { line: i.line }),
          ...(i.file === undefined ? {} : { file: i.file }),
        })),
        exposedCount: exposed.length,
        exposed: capped([...unlisted, ...listed], EVIDENCE_CAP),
        unlistedCount: unlisted.length,
        unlisted: capped(unlisted, EVIDENCE_CAP),
      },
    });
    return [finding];
  },
};
