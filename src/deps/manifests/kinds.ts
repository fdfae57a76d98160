/**
 * Which files the dependency parsers read, recognised by name alone (never by content: a scan must be able to
 * decide what to open before opening it).
 */
import type { ManifestKind } from '../types.ts';

/** One recognised file name pattern, as the docs quote it. */
export interface ManifestFilePattern {
  /** A glob-like description of the names matched (case-insensitive). */
  pattern: string;
  kind: ManifestKind;
  /** What the pattern is for, for the docs. */
  note: string;
}

/** Every name pattern `manifestKindOf` recognises, in the order it checks them. */
export const MANIFEST_FILE_PATTERNS: readonly ManifestFilePattern[] = [
  { pattern: 'pyproject.toml', kind: 'pyproject', note: 'PEP 621, PEP 735, Poetry, PDM and uv tables' },
  { pattern: 'poetry.lock', kind: 'poetry-lock', note: 'Poetry lock file (lock-version 1.1, 2.0, 2.1)' },
  { pattern: 'uv.lock', kind: 'uv-lock', note: 'uv lock file' },
  { pattern: 'Pipfile.lock', kind: 'pipfile-lock', note: 'Pipenv lock file' },
  { pattern: 'pdm.lock', kind: 'pdm-lock', note: 'PDM lock file' },
  { pattern: 'environment.yml', kind: 'conda-environment', note: 'conda environment (its pip: list)' },
  { pattern: 'environment.yaml', kind: 'conda-environment', note: 'conda environment (its pip: list)' },
  { pattern: 'package-lock.json', kind: 'package-lock', note: 'npm lock file (lockfileVersion 1, 2, 3)' },
  { pattern: 'npm-shrinkwrap.json', kind: 'package-lock', note: 'npm shrinkwrap (same format)' },
  {
    pattern: '*requirements*.txt',
    kind: 'requirements',
    note: 'pip requirements: requirements.txt, requirements-dev.txt, dev-requirements.txt, ...',
  },
  { pattern: '*requirements*.in', kind: 'requirements', note: 'pip-tools input files' },
  {
    pattern: '*constraints*.txt',
    kind: 'requirements',
    note: 'pip constraints files (their pins are not direct)',
  },
  {
    pattern: 'requirements/*.txt',
    kind: 'requirements',
    note: 'any .txt or .in in a directory named requirements (requirements/base.txt)',
  },
];

const EXACT_NAMES: ReadonlyMap<string, ManifestKind> = new Map(
  MANIFEST_FILE_PATTERNS.filter((p) => !p.pattern.includes('*')).map((p) => [
    p.pattern.toLowerCase(),
    p.kind,
  ]),
);

/**
 * The kind of dependency file `fileName` names, or undefined for anything else. Accepts a bare name or a
 * path (`/` or `\` separated): the base name decides, except that any `.txt`/`.in` file directly inside a
 * directory named `requirements` is a requirements file too.
 */
export function manifestKindOf(fileName: string): ManifestKind | undefined {
  const parts = fileName.split(/[/\\]/);
  const base = (parts[parts.length - 1] ?? '').toLowerCase();
  const exact = EXACT_NAMES.get(base);
  if (exact) return exact;
  const isTxt = base.endsWith('.txt');
  const isIn = base.endsWith('.in');
  if (!isTxt && !isIn) return undefined;
  if (base.includes('requirements')) return 'requirements';
  if (isTxt && base.includes('constraints')) return 'requirements';
  const parent = (parts[parts.length - 2] ?? '').toLowerCase();
  if (parent === 'requirements') return 'requirements';
  return undefined;
}

/** A constraints file by name: its pins restrict versions but install nothing by themselves. */
export function isConstraintsFileName(fileName: string): boolean {
  const parts = fileName.split(/[/\\]/);
  const base = (parts[parts.length - 1] ?? '').toLowerCase();
  return base.includes('constraints') && !base.includes('requirements');
}
