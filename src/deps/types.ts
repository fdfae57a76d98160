/**
 * The dependency supply chain as Parapet sees it: manifests and lock files parsed into one shape
 * (`Manifest` of `Dependency`), an advisory index answering "which OSV records affect this release", and the
 * subject every `deps/*` rule checks. Parsers (src/deps/manifests) never know about rules; rules
 * (src/scan/rules/deps) never read files.
 */

/** Package ecosystems, spelled as OSV spells them. */
export type Ecosystem = 'PyPI' | 'npm';

/** Where a dependency comes from. */
export type DependencySource =
  /** A package index (PyPI, a private index, the npm registry). */
  | 'registry'
  /** A direct URL to an archive or wheel (`pkg @ https://...`, a bare URL line, `resolved` tarball URL off-registry). */
  | 'url'
  /** A version-control checkout (`git+https://...`, `{ git = ... }`). */
  | 'vcs'
  /** A local path or editable checkout (`-e ./pkg`, `{ path = ... }`, `file:`). */
  | 'path';

/** One declared or locked dependency. */
export interface Dependency {
  ecosystem: Ecosystem;
  /** Normalised: PEP 503 for PyPI (`[-_.]+` → `-`, lower-case); as written for npm. */
  name: string;
  /** As written in the file. */
  rawName: string;
  /** The exact version when pinned (`==1.2.3`, `===1.2.3`) or locked. */
  version?: string;
  /** The version constraint as written when not an exact pin (`>=2.0,<3`, `^1.2`, `*`); absent for none. */
  specifier?: string;
  source: DependencySource;
  /** The URL for `url`/`vcs` sources, the path for `path` sources. */
  url?: string;
  /** Declared hashes (`sha256:...`), as `algorithm:hex`. */
  hashes: string[];
  /** Declared by the project (a manifest line, a top-level lock entry) rather than pulled in transitively. */
  direct: boolean;
  /** A development-only dependency (dev group, `devDependencies`, `dev: true`). */
  dev?: boolean;
  /** PEP 508 environment markers as written (`python_version < "3.10"`). */
  markers?: string;
  /** Extras requested (`transformers[torch]`). */
  extras?: string[];
  /** A per-package index or source this dependency is pinned to (Poetry `source`, uv `index`). */
  index?: string;
  /** 1-based line of the entry in `file`. */
  line?: number;
  /** The file the entry is in, when not the manifest itself (a `-r` include). */
  file?: string;
}

/** A package index a manifest points the installer at. */
export interface IndexSource {
  url: string;
  /**
   * `primary` replaces PyPI (`--index-url`, a Poetry primary/default source, uv `default = true`);
   * `extra` is consulted beside it (`--extra-index-url`, a supplemental source, pip `--find-links`) — the
   * dependency-confusion pattern, since pip takes the highest version from any of them.
   */
  role: 'primary' | 'extra' | 'explicit' | 'find-links';
  name?: string;
  line?: number;
  file?: string;
}

/** The kinds of file the deps parsers read. */
export type ManifestKind =
  | 'requirements'
  | 'pyproject'
  | 'poetry-lock'
  | 'uv-lock'
  | 'pipfile-lock'
  | 'pdm-lock'
  | 'conda-environment'
  | 'package-lock';

/** One parsed manifest or lock file. */
export interface Manifest {
  kind: ManifestKind;
  /** Path of the file as the scan names it. */
  path: string;
  /** A lock file: every registry dependency carries an exact version. */
  locked: boolean;
  dependencies: Dependency[];
  indexes: IndexSource[];
  /** `--require-hashes` or a lock format that records hashes: every dependency is expected to carry one. */
  requireHashes?: boolean;
  /** Lines or entries that could not be understood; reported as findings, never dropped silently. */
  problems: ManifestProblem[];
}

export interface ManifestProblem {
  message: string;
  line?: number;
  file?: string;
}

/** One OSV record as far as matching and reporting need it. */
export interface Advisory {
  /** `PYSEC-2024-1`, `GHSA-...`, `MAL-2026-...`, or a Parapet curated id (`PARAPET-2026-1`). */
  id: string;
  aliases: string[];
  summary: string;
  /** Parapet severity derived from CVSS where present; `critical` for malicious packages. */
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** Versions that fix it (the `fixed` events of the ranges that matched), for the fix text. */
  fixed: string[];
  /** A malicious or compromised release (OSV `MAL-` id, or curated), rather than a vulnerability. */
  malicious: boolean;
  references: string[];
}

/** The advisory index: built once, loaded fast, queried per dependency. */
export interface AdvisoryIndex {
  /** Records affecting `version` of `name` (already normalised) in `ecosystem`; empty when none. */
  lookup(ecosystem: Ecosystem, name: string, version: string): Advisory[];
  /** Records affecting every version of a package (whole-package MAL records), for unpinned dependencies. */
  lookupAnyVersion(ecosystem: Ecosystem, name: string): Advisory[];
  /** Where the data comes from and how old it is, for `parapet db info` and scan output. */
  describe(): { source: string; records: number; packages: number; builtAt: string };
}

/** What every `deps/*` rule checks: one manifest and the advisory data available to the scan. */
export interface DepsSubject {
  manifest: Manifest;
  /** Absent when no index could be loaded (the scan reports that as an error, never as clean). */
  advisories?: AdvisoryIndex;
  /** Results of `--online` OSV queries, keyed by `ecosystem:name@version`; merged with the local index. */
  online?: ReadonlyMap<string, Advisory[]>;
}
