/**
 * uv.lock (`version = 1`): one `[[package]]` per locked distribution with `source` (registry, git, url,
 * path, directory, editable, virtual), `sdist`/`wheels` hashes, and `dependencies` by name. The project
 * itself (and each workspace member) is a package too, with an `editable` or `virtual` source: it is not a
 * dependency, but its `dependencies`, `optional-dependencies` and `dev-dependencies` say which packages
 * are direct and which are development-only.
 */
import { normalizePypiName } from '../pep503.ts';
import type { Dependency, Manifest } from '../types.ts';
import {
  addProblem,
  isRecord,
  normalizeHash,
  registryPypiDependency,
  setOptional,
  str,
  strings,
} from './common.ts';
import { devOnlyNames, unrequiredNames } from './graph.ts';
import { redactUrl } from './locations.ts';
import { packageTables, parseTomlText } from './toml-lines.ts';

const PYPI_SIMPLE = new Set(['https://pypi.org/simple', 'https://pypi.org/simple/']);

/** Names in an array of `{ name = "..." }` tables, normalised. */
function depNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const entry of value) {
    const name = isRecord(entry) ? str(entry.name) : undefined;
    if (name !== undefined) out.push(normalizePypiName(name));
  }
  return out;
}

/** Every array of `{ name }` tables under a group table (`[package.optional-dependencies]`). */
function groupNames(value: unknown): string[] {
  if (!isRecord(value)) return [];
  return Object.values(value).flatMap(depNames);
}

/** Parses uv.lock text into `manifest`. */
export function parseUvLock(manifest: Manifest, text: string): void {
  manifest.requireHashes = true;
  const doc = parseTomlText(manifest, text);
  if (!doc) return;
  if (doc.version !== 1)
    addProblem(manifest, `uv.lock version ${JSON.stringify(doc.version)} is not the known version 1`);
  const tables = packageTables(manifest, doc, text);
  if (tables === undefined) return;
  const { packages: rawPackages, lines } = tables;

  const members = new Set(
    isRecord(doc.manifest) ? strings(doc.manifest.members).map((m) => normalizePypiName(m)) : [],
  );
  const isRoot = (pkg: Record<string, unknown>): boolean => {
    const source = isRecord(pkg.source) ? pkg.source : {};
    const local = str(source.editable) ?? str(source.virtual);
    if (local === undefined) return false;
    if (members.size > 0) return members.has(normalizePypiName(str(pkg.name) ?? ''));
    return local === '.';
  };

  const edges = new Map<string, string[]>();
  const prodRoots = new Set<string>();
  const devRoots = new Set<string>();
  const all: { pkg: Record<string, unknown>; line: number | undefined }[] = [];
  let sawRoot = false;
  rawPackages.forEach((pkg, k) => {
    const line = lines[k];
    if (!isRecord(pkg) || typeof pkg.name !== 'string') {
      addProblem(manifest, '[[package]] entry without a name', line);
      return;
    }
    const name = normalizePypiName(pkg.name);
    const targets = [...depNames(pkg.dependencies), ...groupNames(pkg['optional-dependencies'])];
    if (isRoot(pkg)) {
      sawRoot = true;
      for (const t of targets) prodRoots.add(t);
      for (const t of groupNames(pkg['dev-dependencies'])) devRoots.add(t);
      return;
    }
    edges.set(name, [...(edges.get(name) ?? []), ...targets]);
    all.push({ pkg, line });
  });
  // A script lock (`uv lock --script`) has no project package: its requirements are in [manifest].
  if (!sawRoot && isRecord(doc.manifest) && Array.isArray(doc.manifest.requirements)) {
    sawRoot = true;
    for (const t of depNames(doc.manifest.requirements)) prodRoots.add(t);
  }
  const direct = sawRoot ? new Set([...prodRoots, ...devRoots]) : unrequiredNames(edges.keys(), edges);
  const devOnly = sawRoot ? devOnlyNames(prodRoots, devRoots, edges) : new Set<string>();

  for (const { pkg, line } of all) {
    const dep = uvDependency(pkg, line);
    dep.direct = direct.has(dep.name);
    if (devOnly.has(dep.name)) dep.dev = true;
    manifest.dependencies.push(dep);
  }
}

function uvDependency(pkg: Record<string, unknown>, line: number | undefined): Dependency {
  const rawName = pkg.name as string;
  const source = isRecord(pkg.source) ? pkg.source : {};
  const hashes: string[] = [];
  const sdistHash = isRecord(pkg.sdist) ? normalizeHash(pkg.sdist.hash) : undefined;
  if (sdistHash) hashes.push(sdistHash);
  if (Array.isArray(pkg.wheels)) {
    for (const wheel of pkg.wheels) {
      const hash = isRecord(wheel) ? normalizeHash(wheel.hash) : undefined;
      if (hash) hashes.push(hash);
    }
  }
  const dep: Dependency = registryPypiDependency(rawName, hashes, false);
  const registry = str(source.registry);
  let url: string | undefined;
  let index: string | undefined;
  if (registry !== undefined) {
    if (!PYPI_SIMPLE.has(registry)) index = redactUrl(registry);
  } else if (str(source.git) !== undefined) {
    dep.source = 'vcs';
    url = str(source.git);
  } else if (str(source.url) !== undefined) {
    dep.source = 'url';
    url = str(source.url);
  } else {
    dep.source = 'path';
    url = str(source.path) ?? str(source.directory) ?? str(source.editable) ?? str(source.virtual);
  }
  return setOptional(dep, {
    version: str(pkg.version),
    url: url === undefined ? undefined : redactUrl(url),
    index,
    line,
  });
}
