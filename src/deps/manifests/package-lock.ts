/**
 * package-lock.json and npm-shrinkwrap.json. lockfileVersion 2 and 3 list every installed package in
 * `packages`, keyed by install path (`node_modules/a/node_modules/@s/b`), with `version`, `resolved`,
 * `integrity`, `dev`, `link`; `packages[""]` is the project, whose `dependencies`/`devDependencies` make
 * the top-level installs of those names direct (workspace folders, keys outside node_modules, likewise for
 * their own installs). lockfileVersion 1 nests the same information in a `dependencies` tree and records
 * no root list, so a top-level entry is direct when no other entry `requires` it.
 *
 * Where a package comes from: a registry tarball URL (`<registry>/<name>/-/<file>.tgz`) is `registry`
 * (with `index` set when the registry is not npm's own), `git+...`/`github:` is `vcs`, `file:` and links
 * are `path`, any other URL is `url`. npm names are kept as written (npm names are case-sensitive history).
 */
import type { Dependency, Manifest } from '../types.ts';
import { addProblem, firstLine, hasUrlScheme, isRecord, setOptional, sriToHashes, str } from './common.ts';
import { unrequiredNames } from './graph.ts';
import { jsonKeyLines, keyPath } from './json-lines.ts';
import { redactUrl } from './locations.ts';

/** npm never nests installs this deep; a deeper tree is adversarial (and its paths would cost quadratic time). */
const MAX_TREE_DEPTH = 100;

const PUBLIC_REGISTRIES = new Set(['registry.npmjs.org', 'registry.yarnpkg.com']);
const NODE_MODULES = 'node_modules/';
const DECLARATION_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
] as const;

/** Parses package-lock.json / npm-shrinkwrap.json text into `manifest`. */
export function parsePackageLock(manifest: Manifest, text: string): void {
  manifest.requireHashes = true;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    addProblem(manifest, `not valid JSON: ${err instanceof Error ? firstLine(err.message) : String(err)}`);
    return;
  }
  if (!isRecord(doc)) {
    addProblem(manifest, 'not a package-lock: the top level is not an object');
    return;
  }
  const version = doc.lockfileVersion;
  if (version !== 1 && version !== 2 && version !== 3) {
    addProblem(manifest, `unknown lockfileVersion ${JSON.stringify(version)}; read as version 3`);
  }
  if (isRecord(doc.packages)) readPackages(manifest, text, doc.packages);
  else if (isRecord(doc.dependencies)) readDependencyTree(manifest, text, doc.dependencies);
  else if (doc.packages !== undefined || doc.dependencies !== undefined) {
    addProblem(manifest, '"packages" / "dependencies" is not an object');
  }
}

/** Names a package.json-style entry declares in any of its dependency fields. */
function declaredNames(entry: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  for (const field of DECLARATION_FIELDS) {
    const map = entry[field];
    if (isRecord(map)) for (const name of Object.keys(map)) names.add(name);
  }
  return names;
}

/** lockfileVersion 2/3: the flat `packages` map. */
function readPackages(manifest: Manifest, text: string, packages: Record<string, unknown>): void {
  const lines = jsonKeyLines(text, (path) => path.length === 1 && path[0] === 'packages');
  // npm hoists workspaces' dependencies into the root node_modules, so a root install is direct when the
  // project or any workspace declares it; a workspace's own node_modules answers to that workspace alone.
  const root = packages[''];
  const workspaces = isRecord(root) ? workspacePatterns(root.workspaces) : [];
  const rootDeclared = new Set<string>();
  for (const [key, entry] of Object.entries(packages)) {
    if (key.includes(NODE_MODULES) || !isRecord(entry)) continue;
    for (const name of declaredNames(entry)) rootDeclared.add(name);
  }
  for (const [key, entry] of Object.entries(packages)) {
    const line = lines.get(keyPath('packages', key));
    if (!isRecord(entry)) {
      addProblem(manifest, `packages entry ${JSON.stringify(key)} is not an object`, line);
      continue;
    }
    const at = key.lastIndexOf(NODE_MODULES);
    // The project itself, or a workspace folder: not dependencies, but they say which installs are direct.
    if (at < 0) continue;
    const installName = key.slice(at + NODE_MODULES.length);
    if (installName === '') {
      addProblem(manifest, `packages entry ${JSON.stringify(key)} names no package`, line);
      continue;
    }
    const parentKey = at === 0 ? '' : key.slice(0, at - 1);
    const parent = packages[parentKey];
    let declared: Set<string> | undefined;
    if (parentKey === '') declared = rootDeclared;
    else if (!parentKey.includes(NODE_MODULES) && isRecord(parent)) declared = declaredNames(parent);
    const rawName = str(entry.name) ?? installName;
    const dep: Dependency = {
      ecosystem: 'npm',
      name: rawName,
      rawName,
      source: 'registry',
      hashes: sriToHashes(entry.integrity),
      direct: declared?.has(installName) ?? false,
    };
    let version = str(entry.version);
    const resolved = str(entry.resolved);
    let url: string | undefined;
    let index: string | undefined;
    if (entry.link === true) {
      // A link to one of the project's own workspaces is the project, not a dependency.
      if (resolved !== undefined && workspaces.some((w) => w.test(resolved))) continue;
      dep.source = 'path';
      url = resolved;
      const target = resolved === undefined ? undefined : packages[resolved];
      if (version === undefined && isRecord(target)) version = str(target.version);
    } else if (resolved !== undefined) {
      const where = classifyNpmResolved(resolved, rawName);
      dep.source = where.source;
      if (where.source === 'registry') index = where.index;
      else url = resolved;
    }
    manifest.dependencies.push(
      setOptional(dep, {
        version,
        url: url === undefined ? undefined : redactUrl(url),
        index,
        dev: entry.dev === true,
        line,
      }),
    );
  }
}

/** The root's `workspaces` globs (`packages/*`, `apps/**`) as anchored regular expressions. */
function workspacePatterns(value: unknown): RegExp[] {
  const globs = Array.isArray(value)
    ? value
    : isRecord(value) && Array.isArray(value.packages)
      ? value.packages
      : [];
  const out: RegExp[] = [];
  for (const glob of globs) {
    if (typeof glob !== 'string' || glob.length > 200) continue;
    const parts = glob
      .replace(/^\.\//, '')
      .split('/')
      .filter((part) => part !== '');
    // Each ** is a `.*`; a few are what real workspaces use, many would make matching backtrack.
    if (parts.filter((part) => part === '**').length > 2) continue;
    const body = parts
      .map((part) =>
        part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '[^/]*'),
      )
      .join('/');
    out.push(new RegExp(`^${body}$`));
  }
  return out;
}

/** lockfileVersion 1: the nested `dependencies` tree, walked with an explicit queue. */
function readDependencyTree(manifest: Manifest, text: string, top: Record<string, unknown>): void {
  const lines = jsonKeyLines(
    text,
    (path) => path.length % 2 === 1 && path.every((seg, k) => k % 2 === 1 || seg === 'dependencies'),
  );
  const edges = new Map<string, string[]>();
  const topLevel: { dep: Dependency; installName: string }[] = [];
  const queue: { entries: Record<string, unknown>; path: string[]; depth: number }[] = [
    { entries: top, path: ['dependencies'], depth: 1 },
  ];
  // Breadth-first, so the top-level entries come first, in file order.
  for (let k = 0; k < queue.length; k++) {
    const { entries, path, depth } = queue[k]!;
    for (const [name, entry] of Object.entries(entries)) {
      const line = lines.get(keyPath(...path, name));
      if (!isRecord(entry)) {
        addProblem(manifest, `dependencies entry ${JSON.stringify(name)} is not an object`, line);
        continue;
      }
      const dep = treeDependency(name, entry, line);
      if (isRecord(entry.requires))
        edges.set(name, [...(edges.get(name) ?? []), ...Object.keys(entry.requires)]);
      if (depth === 1) topLevel.push({ dep, installName: name });
      manifest.dependencies.push(dep);
      if (!isRecord(entry.dependencies)) continue;
      if (depth >= MAX_TREE_DEPTH) {
        addProblem(
          manifest,
          `dependency tree nests deeper than ${MAX_TREE_DEPTH}; entries below were not read`,
          line,
        );
        continue;
      }
      queue.push({ entries: entry.dependencies, path: [...path, name, 'dependencies'], depth: depth + 1 });
    }
  }
  const roots = unrequiredNames(
    topLevel.map((t) => t.installName),
    edges,
  );
  for (const { dep, installName } of topLevel) dep.direct = roots.has(installName);
}

function treeDependency(
  installName: string,
  entry: Record<string, unknown>,
  line: number | undefined,
): Dependency {
  const written = str(entry.version);
  const resolved = str(entry.resolved);
  let rawName = installName;
  let version = written;
  // `"version": "npm:real-name@1.2.3"` is an alias install.
  if (written?.startsWith('npm:')) {
    const spec = written.slice(4);
    const at = spec.lastIndexOf('@');
    if (at > 0) {
      rawName = spec.slice(0, at);
      version = spec.slice(at + 1);
    }
  }
  const dep: Dependency = {
    ecosystem: 'npm',
    name: rawName,
    rawName,
    source: 'registry',
    hashes: sriToHashes(entry.integrity),
    direct: false,
  };
  let url: string | undefined;
  let index: string | undefined;
  // Non-registry installs write their location as the version (`git+https://...#sha`, `file:../x`).
  if (version !== undefined && !/^[0-9v=]/.test(version)) {
    const where = classifyNpmResolved(resolved ?? version, rawName);
    dep.source = where.source === 'registry' ? 'url' : where.source;
    url = version;
    version = undefined;
  } else if (resolved !== undefined) {
    const where = classifyNpmResolved(resolved, rawName);
    dep.source = where.source;
    if (where.source === 'registry') index = where.index;
    else url = resolved;
  }
  return setOptional(dep, {
    version,
    url: url === undefined ? undefined : redactUrl(url),
    index,
    dev: entry.dev === true,
    line,
  });
}

/** Where an npm `resolved` value points, and the registry (when not npm's own) for registry tarballs. */
function classifyNpmResolved(
  resolved: string,
  name: string,
): { source: Dependency['source']; index?: string | undefined } {
  const lower = resolved.toLowerCase();
  if (
    lower.startsWith('git+') ||
    lower.startsWith('git:') ||
    lower.startsWith('git@') ||
    lower.startsWith('github:') ||
    lower.startsWith('gitlab:') ||
    lower.startsWith('bitbucket:')
  ) {
    return { source: 'vcs' };
  }
  if (lower.startsWith('file:') || !hasUrlScheme(resolved)) return { source: 'path' };
  if (!lower.startsWith('http://') && !lower.startsWith('https://')) return { source: 'url' };
  let parsed: URL;
  try {
    parsed = new URL(resolved);
  } catch {
    return { source: 'url' };
  }
  // A registry tarball: <registry>/<name>/-/<basename>-<version>.tgz.
  const pathname = decodeURIComponentSafe(parsed.pathname);
  const marker = `/${name}/-/`;
  if (!pathname.endsWith('.tgz') || !pathname.includes(marker)) return { source: 'url' };
  if (PUBLIC_REGISTRIES.has(parsed.hostname)) return { source: 'registry' };
  const base = pathname.slice(0, pathname.indexOf(marker));
  return { source: 'registry', index: redactUrl(`${parsed.protocol}//${parsed.host}${base}/`) };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
