/**
 * The dependencies shipped beside a model (requirements*.txt, pyproject.toml, lock files...), read by the
 * project's manifest parsers and merged by package URL: what a model's own code or its README asks you to
 * install becomes `library` components in the BOM.
 */
import { PackageURL } from 'packageurl-js';
import { type IncludeReader, manifestKindOf, parseManifest } from '../../deps/manifests/index.ts';
import type { Dependency, ManifestKind } from '../../deps/types.ts';
import type { DependencyFacts } from './types.ts';

/** One manifest's text, read from the model. */
export interface ManifestText {
  path: string;
  kind: ManifestKind;
  text: string;
}

/** True for a file the dependency parsers read (by name, as `parapet scan` decides). */
export function isManifestPath(path: string): boolean {
  return manifestKindOf(path) !== undefined;
}

/** The purl of a dependency: `pkg:pypi/name@version`, `pkg:npm/%40scope/name@version`, with where it comes from. */
export function dependencyPurl(d: Dependency): string {
  let namespace: string | undefined;
  let name = d.name;
  if (d.ecosystem === 'npm' && name.startsWith('@') && name.includes('/')) {
    namespace = name.slice(0, name.indexOf('/'));
    name = name.slice(name.indexOf('/') + 1);
  }
  // A package fetched from a URL or a checkout is not the registry's release of that name: purl qualifiers
  // say so (the URLs are already redacted of credentials by the parsers).
  const qualifiers: Record<string, string> = {};
  if (d.source === 'vcs' && d.url !== undefined) qualifiers.vcs_url = d.url;
  if (d.source === 'url' && d.url !== undefined) qualifiers.download_url = d.url;
  const type = d.ecosystem === 'PyPI' ? 'pypi' : 'npm';
  return new PackageURL(
    type,
    namespace,
    name,
    d.version,
    Object.keys(qualifiers).length > 0 ? qualifiers : undefined,
    undefined,
  ).toString();
}

/**
 * The model-relative path an include names, resolved against the including file's directory; undefined for
 * URLs, absolute paths and paths that leave the model (those are never followed).
 */
export function resolveIncludePath(fromPath: string, ref: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('/') || ref.startsWith('\\')) return undefined;
  const parts = fromPath.split('/').slice(0, -1);
  for (const seg of ref.replaceAll('\\', '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

/** `-r`/`-c` includes served from the files already read from the model (see `resolveIncludePath`). */
export function includeReaderOver(texts: ReadonlyMap<string, string>): IncludeReader {
  return (fromPath, ref) => {
    const path = resolveIncludePath(fromPath, ref);
    const text = path === undefined ? undefined : texts.get(path);
    return path === undefined || text === undefined ? undefined : { path, text };
  };
}

/** Parses every manifest and merges their dependencies by purl. Never throws; problems name file and line. */
export function collectDependencies(
  manifests: readonly ManifestText[],
  readInclude: IncludeReader,
): { dependencies: DependencyFacts[]; problems: { path: string; message: string }[] } {
  const byPurl = new Map<string, DependencyFacts>();
  const problems: { path: string; message: string }[] = [];
  for (const m of manifests) {
    const manifest = parseManifest(m.kind, m.path, m.text, { readInclude });
    for (const p of manifest.problems) {
      problems.push({
        path: p.file ?? m.path,
        message: p.line === undefined ? p.message : `line ${p.line}: ${p.message}`,
      });
    }
    for (const d of manifest.dependencies) {
      let purl: string;
      try {
        purl = dependencyPurl(d);
      } catch (err) {
        problems.push({
          path: d.file ?? m.path,
          message: `${d.rawName}: no package URL (${err instanceof Error ? err.message : String(err)})`,
        });
        continue;
      }
      const file = d.file ?? m.path;
      const known = byPurl.get(purl);
      if (known === undefined) {
        const facts: DependencyFacts = {
          purl,
          ecosystem: d.ecosystem,
          name: d.name,
          specifiers: d.specifier === undefined ? [] : [d.specifier],
          direct: d.direct,
          dev: d.dev === true,
          files: [file],
        };
        if (d.version !== undefined) facts.version = d.version;
        byPurl.set(purl, facts);
        continue;
      }
      // Named in several manifests: direct if any says so, dev only if every one says so.
      known.direct ||= d.direct;
      known.dev &&= d.dev === true;
      if (d.specifier !== undefined && !known.specifiers.includes(d.specifier))
        known.specifiers.push(d.specifier);
      if (!known.files.includes(file)) known.files.push(file);
    }
  }
  const dependencies = [...byPurl.values()].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
  return { dependencies, problems };
}
