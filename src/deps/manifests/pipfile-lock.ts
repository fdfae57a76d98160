import type { Dependency, IndexSource, Manifest } from '../types.ts';
import {
  addProblem,
  classifyLocation,
  firstLine,
  isRecord,
  normalizeHash,
  registryPypiDependency,
  setOptional,
  str,
  strings,
} from './common.ts';
import { jsonKeyLines, keyPath } from './json-lines.ts';
import { redactUrl } from './locations.ts';

/** Parses Pipfile.lock text into `manifest`. */
export function parsePipfileLock(manifest: Manifest, text: string): void {
  manifest.requireHashes = true;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    addProblem(manifest, `not valid JSON: ${err instanceof Error ? firstLine(err.message) : String(err)}`);
    return;
  }
  if (!isRecord(doc)) {
    addProblem(manifest, 'not a Pipfile.lock: the top level is not an object');
    return;
  }
  const lines = jsonKeyLines(text, (path) => {
    if (path.length === 1) return path[0] === 'default' || path[0] === 'develop';
    return path.length === 3 && path[0] === '_meta' && path[1] === 'sources';
  });
  const meta = isRecord(doc._meta) ? doc._meta : undefined;
  if (!meta) addProblem(manifest, 'no _meta section: not a lock file Pipenv wrote');
  const sources = meta && Array.isArray(meta.sources) ? meta.sources : [];
  sources.forEach((source, k) => {
    if (!isRecord(source) || typeof source.url !== 'string') return;
    const index: IndexSource = { url: redactUrl(source.url), role: k === 0 ? 'primary' : 'explicit' };
    const name = str(source.name);
    if (name !== undefined) index.name = name;
    const line = lines.get(keyPath('_meta', 'sources', String(k), 'url'));
    if (line !== undefined) index.line = line;
    manifest.indexes.push(index);
  });

  for (const section of ['default', 'develop'] as const) {
    const packages = doc[section];
    if (packages === undefined) continue;
    if (!isRecord(packages)) {
      addProblem(manifest, `"${section}" is not an object of packages`);
      continue;
    }
    for (const [rawName, entry] of Object.entries(packages)) {
      const line = lines.get(keyPath(section, rawName));
      if (!isRecord(entry)) {
        addProblem(manifest, `entry for ${JSON.stringify(rawName)} is not an object`, line);
        continue;
      }
      manifest.dependencies.push(pipfileDependency(rawName, entry, section === 'develop', line));
    }
  }
}

function pipfileDependency(
  rawName: string,
  entry: Record<string, unknown>,
  dev: boolean,
  line: number | undefined,
): Dependency {
  const hashes: string[] = [];
  for (const h of strings(entry.hashes)) {
    const hash = normalizeHash(h);
    if (hash) hashes.push(hash);
  }
  const dep: Dependency = registryPypiDependency(rawName, hashes, true);
  let url: string | undefined;
  const git = str(entry.git);
  const file = str(entry.file);
  const path = str(entry.path);
  if (git !== undefined) {
    dep.source = 'vcs';
    const ref = str(entry.ref);
    url = ref === undefined ? git : `${git}@${ref}`;
  } else if (file !== undefined) {
    dep.source = classifyLocation(file) === 'path' ? 'path' : 'url';
    url = file;
  } else if (path !== undefined) {
    dep.source = 'path';
    url = path;
  }
  const written = str(entry.version);
  let version: string | undefined;
  let specifier: string | undefined;
  if (written !== undefined) {
    const exact = /^\s*===?\s*([^\s,*]+)\s*$/.exec(written);
    if (exact) version = exact[1];
    else if (written !== '*') specifier = written;
  }
  return setOptional(dep, {
    version,
    specifier,
    url: url === undefined ? undefined : redactUrl(url),
    index: str(entry.index),
    dev,
    markers: str(entry.markers),
    extras: strings(entry.extras),
    line,
  });
}
