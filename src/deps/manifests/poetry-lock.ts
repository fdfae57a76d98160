/**
 * poetry.lock: `[[package]]` tables (name, version, `files` hashes, `[package.dependencies]`,
 * `[package.source]` for git/url/file/directory/legacy-index packages) and `[metadata]`. Lock-version 2.1
 * (Poetry 2) records each package's `groups`; 1.1 records a `category` and keeps hashes in
 * `[metadata.files]`. The lock does not record which packages the project declared, so a package is taken
 * as direct when no other locked package depends on it.
 */
import { normalizePypiName } from '../pep503.ts';
import type { Dependency, Manifest } from '../types.ts';
import {
  addProblem,
  classifyLocation,
  isRecord,
  normalizeHash,
  registryPypiDependency,
  setOptional,
  str,
  strings,
} from './common.ts';
import { unrequiredNames } from './graph.ts';
import { redactUrl } from './locations.ts';
import { packageTables, parseTomlText } from './toml-lines.ts';

/** `algorithm:hex` hashes of a `files = [{ file, hash }]` array. */
function fileHashes(files: unknown): string[] {
  if (!Array.isArray(files)) return [];
  const out: string[] = [];
  for (const f of files) {
    const hash = isRecord(f) ? normalizeHash(f.hash) : undefined;
    if (hash) out.push(hash);
  }
  return out;
}

/** Parses poetry.lock text into `manifest`. */
export function parsePoetryLock(manifest: Manifest, text: string): void {
  manifest.requireHashes = true;
  const doc = parseTomlText(manifest, text);
  if (!doc) return;
  const metadata = isRecord(doc.metadata) ? doc.metadata : undefined;
  const lockVersion = metadata ? str(metadata['lock-version']) : undefined;
  if (lockVersion === undefined)
    addProblem(manifest, 'no [metadata] lock-version: not a lock file Poetry wrote');
  else if (!/^[12]\./.test(lockVersion))
    addProblem(manifest, `unknown poetry.lock lock-version ${lockVersion}`);
  // lock-version 1.x keeps every package's hashes in [metadata.files], keyed by name as written.
  const legacyFiles = metadata && isRecord(metadata.files) ? metadata.files : {};

  const tables = packageTables(manifest, doc, text);
  if (tables === undefined) return;
  const { packages: rawPackages, lines } = tables;
  const edges = new Map<string, string[]>();
  const deps: Dependency[] = [];
  rawPackages.forEach((pkg, k) => {
    const line = lines[k];
    if (!isRecord(pkg) || typeof pkg.name !== 'string') {
      addProblem(manifest, '[[package]] entry without a name', line);
      return;
    }
    const dep = poetryDependency(pkg, line, legacyFiles);
    const targets = isRecord(pkg.dependencies) ? Object.keys(pkg.dependencies).map(normalizePypiName) : [];
    edges.set(dep.name, [...(edges.get(dep.name) ?? []), ...targets]);
    deps.push(dep);
  });
  const direct = unrequiredNames(edges.keys(), edges);
  for (const dep of deps) dep.direct = direct.has(dep.name);
  manifest.dependencies.push(...deps);
}

function poetryDependency(
  pkg: Record<string, unknown>,
  line: number | undefined,
  legacyFiles: Record<string, unknown>,
): Dependency {
  const rawName = pkg.name as string;
  const hashes = fileHashes(pkg.files);
  if (hashes.length === 0) hashes.push(...fileHashes(legacyFiles[rawName]));
  const dep: Dependency = registryPypiDependency(rawName, hashes, false);
  const source = isRecord(pkg.source) ? pkg.source : undefined;
  const type = source ? str(source.type) : undefined;
  const sourceUrl = source ? str(source.url) : undefined;
  let url: string | undefined;
  let index: string | undefined;
  if (type === 'git') {
    dep.source = 'vcs';
    url = sourceUrl;
  } else if (type === 'url') {
    dep.source = 'url';
    url = sourceUrl;
  } else if (type === 'file' || type === 'directory') {
    dep.source = sourceUrl !== undefined && classifyLocation(sourceUrl) === 'url' ? 'url' : 'path';
    url = sourceUrl;
  } else if (type !== undefined && sourceUrl !== undefined) {
    // `legacy` (a PEP 503 index) or `pypi` named explicitly: still a registry, but this one.
    index = sourceUrl;
  }
  // groups (2.1): dev when "main" is not among them; category (1.1): dev when "dev".
  const groups = strings(pkg.groups);
  const category = str(pkg.category);
  const dev = groups.length > 0 ? !groups.includes('main') : category === 'dev';
  return setOptional(dep, {
    version: str(pkg.version),
    url: url === undefined ? undefined : redactUrl(url),
    index: index === undefined ? undefined : redactUrl(index),
    dev,
    markers: str(pkg.markers),
    line,
  });
}
