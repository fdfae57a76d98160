import { normalizePypiName } from '../pep503.ts';
/**
 * Pieces every manifest parser shares: building a Manifest, classifying where a URL points, hash spellings,
 * dev-group names.
 */
import type { Dependency, DependencySource, Manifest, ManifestKind, ManifestProblem } from '../types.ts';

/** Files larger than this are reported, not parsed: no real manifest or lock file comes close. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** Past this many problems in one manifest the rest are summarised in one entry (a binary file named like a manifest). */
export const MAX_PROBLEMS = 200;

/** A manifest with nothing in it yet. */
export function emptyManifest(kind: ManifestKind, path: string, locked: boolean): Manifest {
  return { kind, path, locked, dependencies: [], indexes: [], problems: [] };
}

const omitted = new WeakMap<Manifest, { note: ManifestProblem; count: number }>();

/** Adds a problem, keeping at most MAX_PROBLEMS and then one entry counting the rest. */
export function addProblem(manifest: Manifest, message: string, line?: number, file?: string): void {
  if (manifest.problems.length >= MAX_PROBLEMS) {
    let tally = omitted.get(manifest);
    if (!tally) {
      tally = { note: { message: '' }, count: 0 };
      omitted.set(manifest, tally);
      manifest.problems.push(tally.note);
    }
    tally.count++;
    tally.note.message = `${tally.count} more problems not listed`;
    return;
  }
  const problem: ManifestProblem = { message };
  if (line !== undefined) problem.line = line;
  if (file !== undefined) problem.file = file;
  manifest.problems.push(problem);
}

/** The size check every parser entry applies first; true when the text may be parsed. */
export function withinSizeCap(text: string): boolean {
  if (text.length > MAX_MANIFEST_BYTES) return false;
  // UTF-16 length undercounts UTF-8 bytes by at most 3x; only count exactly when it could matter.
  if (text.length * 3 <= MAX_MANIFEST_BYTES) return true;
  return Buffer.byteLength(text, 'utf8') <= MAX_MANIFEST_BYTES;
}

/** The fields of a Dependency that are optional, for `setOptional`. */
type OptionalFields = {
  [K in keyof Omit<Dependency, 'ecosystem' | 'name' | 'rawName' | 'source' | 'hashes' | 'direct'>]?:
    | Dependency[K]
    | undefined;
};

/**
 * Copies the defined optional fields onto `dep` (exactOptionalPropertyTypes forbids assigning undefined, and
 * consumers test `'version' in dep`-style presence, so absent must stay absent). Empty arrays and `false`
 * (only `dev` is boolean: absent means not dev) are dropped.
 */
export function setOptional(dep: Dependency, fields: OptionalFields): Dependency {
  const target = dep as unknown as Record<string, unknown>;
  const source = fields as Record<string, unknown>;
  // A fixed key list rather than for-in/Object.entries: this runs once per locked package.
  for (const key of OPTIONAL_KEYS) {
    const value = source[key];
    if (value === undefined || value === '' || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    target[key] = value;
  }
  return dep;
}

const OPTIONAL_KEYS = [
  'version',
  'specifier',
  'url',
  'dev',
  'markers',
  'extras',
  'index',
  'line',
  'file',
] as const satisfies readonly (keyof OptionalFields)[];

/** Version-control URL prefixes pip, Poetry, uv and npm understand. */
const VCS_PREFIXES = ['git+', 'hg+', 'svn+', 'bzr+', 'git://', 'github:', 'gitlab:', 'bitbucket:', 'git@'];

/**
 * Where a location string points: a version-control checkout, a local path, or a remote archive URL. A
 * string with a URL scheme other than `file:` is `url`; anything without one is a path.
 */
export function classifyLocation(location: string): Exclude<DependencySource, 'registry'> {
  const lower = location.trimStart().toLowerCase();
  for (const prefix of VCS_PREFIXES) if (lower.startsWith(prefix)) return 'vcs';
  if (lower.startsWith('file:')) return 'path';
  if (hasUrlScheme(lower)) return 'url';
  return 'path';
}

/** `scheme:` at the start, RFC 3986 style, of at least two characters (so `C:\x` is a path, not a URL). */
export function hasUrlScheme(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon < 2 || colon > 32) return false;
  for (let i = 0; i < colon; i++) {
    const c = text.charCodeAt(i);
    const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    const other = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
    if (!(alpha || (i > 0 && other))) return false;
  }
  return true;
}

const CANONICAL_SHA256 = /^sha256:[0-9a-f]{64}$/;

/** `sha256:ABC` or `sha256=abc` as `sha256:abc`; undefined for anything that is not `algorithm:hex`. */
export function normalizeHash(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // What lock files write, tested natively before the general path.
  if (CANONICAL_SHA256.test(value)) return value;
  const text = value.trim();
  let sep = text.indexOf(':');
  if (sep < 0) sep = text.indexOf('=');
  if (sep <= 0 || sep > 20 || sep === text.length - 1) return undefined;
  let lower = true;
  for (let i = 0; i < text.length; i++) {
    if (i === sep) continue;
    const c = text.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39;
    const small = c >= 0x61 && c <= 0x7a;
    const capital = c >= 0x41 && c <= 0x5a;
    if (i < sep) {
      if (!(digit || small || capital || c === 0x2d || c === 0x5f)) return undefined;
    } else if (!(digit || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) {
      return undefined;
    }
    if (capital) lower = false;
  }
  const normal = lower ? text : text.toLowerCase();
  return normal.charCodeAt(sep) === 0x3a ? normal : `${normal.slice(0, sep)}:${normal.slice(sep + 1)}`;
}

/**
 * An npm/Subresource-Integrity string (`sha512-<base64>`, several space-separated) as `algorithm:hex`
 * hashes. Entries that are not valid SRI are skipped (npm ignores them too).
 */
export function sriToHashes(integrity: unknown): string[] {
  if (typeof integrity !== 'string') return [];
  const out: string[] = [];
  for (const part of integrity.split(/\s+/)) {
    const dash = part.indexOf('-');
    if (dash <= 0) continue;
    const algorithm = part.slice(0, dash).toLowerCase();
    const b64 = part.slice(dash + 1).split('?')[0]!;
    if (!/^(sha1|sha256|sha384|sha512)$/.test(algorithm) || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    out.push(`${algorithm}:${Buffer.from(b64, 'base64').toString('hex')}`);
  }
  return out;
}

/** Group-name segments that mean "only for developing the project" (dev, test, docs, lint, ...). */
const DEV_SEGMENTS = new Set([
  'dev',
  'devel',
  'develop',
  'development',
  'test',
  'tests',
  'testing',
  'doc',
  'docs',
  'documentation',
  'lint',
  'linting',
  'linter',
  'linters',
  'typing',
  'types',
  'typecheck',
  'mypy',
  'style',
  'format',
  'formatting',
  'fmt',
  'ci',
  'qa',
  'check',
  'checks',
  'bench',
  'benchmark',
  'benchmarks',
  'coverage',
  'cov',
  'precommit',
  'pre-commit',
]);

/**
 * Whether a dependency group's name marks it development-only: `dev`, `test`, `docs-build`, `lint_tools`.
 * Runtime extras (`gpu`, `server`, `all`) are not; a group is dev when any `-`/`_`/`.` separated segment is.
 */
export function isDevGroupName(group: string): boolean {
  const lower = group.toLowerCase();
  if (DEV_SEGMENTS.has(lower)) return true;
  return lower.split(/[-_.]/).some((segment) => DEV_SEGMENTS.has(segment));
}

/** A plain JSON/TOML object (not an array, not null, not a date). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` when it is a string, else undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The strings in `value` when it is an array (non-strings skipped). */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** First line of an error message (smol-toml and yaml append a code frame). */
export function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return (nl < 0 ? message : message.slice(0, nl)).trim();
}

/**
 * A PyPI dependency from an index, as every Python lock and manifest starts one (name normalised per PEP 503);
 * the caller then sets its version, source and the optional fields.
 */
export function registryPypiDependency(rawName: string, hashes: string[], direct: boolean): Dependency {
  return { ecosystem: 'PyPI', name: normalizePypiName(rawName), rawName, source: 'registry', hashes, direct };
}
