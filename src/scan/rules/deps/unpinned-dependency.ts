import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import type { Dependency, DepsSubject, ManifestKind } from '../../../deps/types.ts';
import { type Rule, report } from '../../rule.ts';
import { capped, entryContext, listNames } from './entry-context.ts';

const meta: RuleMeta = {
  id: 'deps/unpinned-dependency',
  title: 'A requirements file installs dependencies without exact versions',
  severity: 'low',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-1357'],
  references: [
    'https://pip.pypa.io/en/stable/topics/repeatable-installs/',
    'https://pip.pypa.io/en/stable/topics/secure-installs/',
    'https://docs.astral.sh/uv/pip/compile/',
  ],
  fix: 'Install from a fully pinned file: compile it from your ranges with pip-compile --generate-hashes or uv pip compile --generate-hashes (or uv export from uv.lock), so every package, direct or not, has an exact == version and a hash. Keep the ranges in requirements.in or pyproject.toml.',
};

/**
 * Manifests that pip or conda install from as written. `pyproject.toml` is not one: its ranges are what a
 * library must declare, and its lock file (uv.lock, poetry.lock, pdm.lock) pins them. Lock kinds are pinned.
 */
const INSTALLED_AS_WRITTEN: ReadonlySet<ManifestKind> = new Set<ManifestKind>([
  'requirements',
  'conda-environment',
]);

/** How many packages the evidence lists per file; the count is always exact. */
const EVIDENCE_CAP = 50;

const unpinned = (dep: Dependency): boolean =>
  dep.source === 'registry' && dep.direct && dep.version === undefined;

/**
 * One finding per file (the manifest, and each `-r` include with unpinned entries), at its first unpinned
 * entry and listing them all: a 300-line requirements file of ranges reads as one row, not 300. Each
 * unpinned install takes whatever version the index serves that day, including a compromised release
 * published minutes earlier.
 */
export const unpinnedDependency: Rule<DepsSubject> = {
  meta,
  check(subject, ctx) {
    const { manifest } = subject;
    if (manifest.locked || !INSTALLED_AS_WRITTEN.has(manifest.kind)) return [];
    const byFile = new Map<string | undefined, Dependency[]>();
    for (const dep of manifest.dependencies) {
      if (!unpinned(dep)) continue;
      const list = byFile.get(dep.file);
      if (list === undefined) byFile.set(dep.file, [dep]);
      else list.push(dep);
    }
    const direct = manifest.dependencies.filter((d) => d.source === 'registry' && d.direct).length;
    const findings: Finding[] = [];
    for (const [file, deps] of byFile) {
      const names = deps.map((d) => d.rawName);
      findings.push(
        report(meta, entryContext(ctx, file), {
          line: deps[0]!.line,
          message: `${deps.length} of ${direct} direct dependencies ${deps.length === 1 ? 'has' : 'have'} no exact version: ${listNames(names)}`,
          evidence: {
            count: deps.length,
            directDependencies: direct,
            unpinned: capped(deps, EVIDENCE_CAP).map((d) => ({
              package: d.name,
              specifier: d.specifier ?? '',
              ...(d.line === undefined ? {} : { line: d.line }),
            })),
          },
        }),
      );
    }
    return findings;
  },
};
