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
import { parseRequirement } from './pep508.ts';
import { packageTables, parseTomlText } from './toml-lines.ts';

/** Parses pdm.lock text into `manifest`. */
export function parsePdmLock(manifest: Manifest, text: string): void {
  manifest.requireHashes = true;
  const doc = parseTomlText(manifest, text);
  if (!doc) return;
  const metadata = isRecord(doc.metadata) ? doc.metadata : undefined;
  if (!metadata || str(metadata.lock_version) === undefined) {
    addProblem(manifest, 'no [metadata] lock_version: not a lock file PDM wrote');
  }
  const tables = packageTables(manifest, doc, text);
  if (tables === undefined) return;
  const { packages: rawPackages, lines } = tables;
  const edges = new Map<string, string[]>();
  const byKey = new Map<string, Dependency>();
  const deps: Dependency[] = [];
  rawPackages.forEach((pkg, k) => {
    const line = lines[k];
    if (!isRecord(pkg) || typeof pkg.name !== 'string') {
      addProblem(manifest, '[[package]] entry without a name', line);
      return;
    }
    const dep = pdmDependency(pkg, line);
    const targets: string[] = [];
    for (const requirement of strings(pkg.dependencies)) {
      const parsed = parseRequirement(requirement);
      if (!('error' in parsed)) targets.push(parsed.name);
    }
    // An extras entry lists the base package itself among its dependencies; that is not a second root.
    edges.set(dep.name, [...(edges.get(dep.name) ?? []), ...targets.filter((t) => t !== dep.name)]);
    const key = `${dep.name}@${dep.version ?? ''}@${dep.url ?? ''}`;
    const earlier = byKey.get(key);
    if (earlier) {
      mergeInto(earlier, dep);
      return;
    }
    byKey.set(key, dep);
    deps.push(dep);
  });
  const direct = unrequiredNames(edges.keys(), edges);
  for (const dep of deps) dep.direct = direct.has(dep.name);
  manifest.dependencies.push(...deps);
}

/** Folds a second entry for the same distribution (another extras combination) into the first. */
function mergeInto(target: Dependency, other: Dependency): void {
  for (const h of other.hashes) if (!target.hashes.includes(h)) target.hashes.push(h);
  const extras = [...(target.extras ?? []), ...(other.extras ?? [])];
  if (extras.length > 0) target.extras = [...new Set(extras)];
  if (target.dev && !other.dev) delete target.dev;
  if (target.line === undefined && other.line !== undefined) target.line = other.line;
}

function pdmDependency(pkg: Record<string, unknown>, line: number | undefined): Dependency {
  const rawName = pkg.name as string;
  const hashes: string[] = [];
  if (Array.isArray(pkg.files)) {
    for (const f of pkg.files) {
      const hash = isRecord(f) ? normalizeHash(f.hash) : undefined;
      if (hash) hashes.push(hash);
    }
  }
  const dep: Dependency = registryPypiDependency(rawName, hashes, false);
  let url: string | undefined;
  const git = str(pkg.git);
  const directUrl = str(pkg.url);
  const path = str(pkg.path);
  if (git !== undefined) {
    dep.source = 'vcs';
    const revision = str(pkg.revision) ?? str(pkg.ref);
    url = revision === undefined ? git : `${git}@${revision}`;
  } else if (directUrl !== undefined) {
    dep.source = classifyLocation(directUrl) === 'path' ? 'path' : 'url';
    url = directUrl;
  } else if (path !== undefined) {
    dep.source = 'path';
    url = path;
  }
  const groups = strings(pkg.groups);
  return setOptional(dep, {
    version: str(pkg.version),
    url: url === undefined ? undefined : redactUrl(url),
    dev: groups.length > 0 && !groups.includes('default'),
    markers: str(pkg.marker),
    extras: strings(pkg.extras),
    line,
  });
}
