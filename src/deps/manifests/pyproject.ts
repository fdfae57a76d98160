/**
 * pyproject.toml, as each tool that reads dependencies from it reads it:
 * - PEP 621 `[project] dependencies` and `[project.optional-dependencies]` (dev when the extra's name is
 *   dev-like: `dev`, `test`, `docs`, `lint`...), PEP 735 `[dependency-groups]` (all dev);
 * - Poetry `[tool.poetry.dependencies]`, `[tool.poetry.dev-dependencies]` and
 *   `[tool.poetry.group.<g>.dependencies]` (string constraints, tables with version/git/url/path/source/
 *   extras/markers, arrays of tables), and `[[tool.poetry.source]]` with its priority;
 * - PDM `[tool.pdm.dev-dependencies]` and `[[tool.pdm.source]]`;
 * - uv `[tool.uv.sources]` (git/url/path/index/workspace, applied to the dependency of that name),
 *   `[[tool.uv.index]]`, `index-url`/`extra-index-url`/`find-links` and legacy `dev-dependencies`.
 * `python` in Poetry tables is the interpreter, not a package, and is skipped. Build requirements
 * (`[build-system] requires`) are not read: they are build tools, not the project's dependencies.
 */
import { normalizePypiName } from '../pep503.ts';
import type { Dependency, DependencySource, IndexSource, Manifest } from '../types.ts';
import {
  addProblem,
  classifyLocation,
  isDevGroupName,
  isRecord,
  registryPypiDependency,
  setOptional,
  str,
  strings,
} from './common.ts';
import { locationDependency, redactUrl } from './locations.ts';
import { parseRequirement, parseSpecifierList, pinnedVersion, quote } from './pep508.ts';
import { arrayTableEntries, linesForEntries, parseTomlText, TomlLines } from './toml-lines.ts';

/** Where a group of requirement strings sits, for line numbers and for the dependencies' flags. */
interface Group {
  section: string;
  key: string;
  dev: boolean;
}

class PyprojectReader {
  private readonly lines: TomlLines;
  /** Dependencies declared in PEP 621 `[project]` tables, which Poetry 2 tables may annotate. */
  private readonly projectDeclared = new Set<Dependency>();

  constructor(
    private readonly manifest: Manifest,
    private readonly text: string,
    private readonly doc: Record<string, unknown>,
  ) {
    this.lines = new TomlLines(text);
  }

  read(): void {
    const doc = this.doc;
    const project = table(doc.project);
    if (project) {
      const before = this.manifest.dependencies.length;
      this.requirementArray(project.dependencies, { section: 'project', key: 'dependencies', dev: false });
      const optional = table(project['optional-dependencies']);
      if (optional) {
        for (const [group, items] of Object.entries(optional)) {
          this.requirementArray(items, {
            section: 'project.optional-dependencies',
            key: group,
            dev: isDevGroupName(group),
          });
        }
      }
      for (const dep of this.manifest.dependencies.slice(before)) this.projectDeclared.add(dep);
    }
    const groups = table(doc['dependency-groups']);
    if (groups) {
      for (const [group, items] of Object.entries(groups)) {
        this.requirementArray(items, { section: 'dependency-groups', key: group, dev: true });
      }
    }
    const tool = table(doc.tool);
    const poetry = table(tool?.poetry);
    if (poetry) this.poetry(poetry);
    const pdm = table(tool?.pdm);
    if (pdm) this.pdm(pdm);
    const uv = table(tool?.uv);
    if (uv) this.uv(uv);
  }

  // ---- PEP 508 strings (PEP 621, PEP 735, PDM, uv) ----

  private requirementArray(items: unknown, group: Group): void {
    if (items === undefined) return;
    if (!Array.isArray(items)) {
      addProblem(
        this.manifest,
        `${group.section}.${group.key} is not an array`,
        this.lines.keyLine(group.section, group.key),
      );
      return;
    }
    let cursor: number | undefined;
    for (const item of items) {
      // PEP 735 `{ include-group = "x" }`: the included group's entries are read under their own name.
      if (isRecord(item)) continue;
      if (typeof item !== 'string') {
        addProblem(
          this.manifest,
          `${group.section}.${group.key} has a non-string entry`,
          this.lines.keyLine(group.section, group.key),
        );
        continue;
      }
      const line = this.lines.itemLine(group.section, group.key, item, cursor);
      cursor = line;
      const dep = this.fromRequirementString(item, group.dev, line);
      if (dep) this.manifest.dependencies.push(dep);
    }
  }

  private fromRequirementString(
    text: string,
    dev: boolean,
    line: number | undefined,
  ): Dependency | undefined {
    const req = parseRequirement(text);
    if ('error' in req) {
      addProblem(this.manifest, `not a valid requirement: ${req.error}`, line);
      return undefined;
    }
    if (req.url !== undefined) {
      return locationDependency({
        location: req.url,
        rawName: req.rawName,
        extras: req.extras,
        markers: req.markers,
        direct: true,
        dev,
        line,
      });
    }
    const dep: Dependency = {
      ecosystem: 'PyPI',
      name: req.name,
      rawName: req.rawName,
      source: 'registry',
      hashes: [],
      direct: true,
    };
    return setOptional(dep, {
      version: req.version,
      specifier: req.specifier,
      markers: req.markers,
      extras: req.extras,
      dev,
      line,
    });
  }

  // ---- Poetry ----

  private poetry(poetry: Record<string, unknown>): void {
    this.poetryTable(poetry.dependencies, 'tool.poetry.dependencies', false);
    this.poetryTable(poetry['dev-dependencies'], 'tool.poetry.dev-dependencies', true);
    const groups = table(poetry.group);
    if (groups) {
      for (const [group, body] of Object.entries(groups)) {
        const deps = table(body)?.dependencies;
        this.poetryTable(
          deps,
          `tool.poetry.group.${group}.dependencies`,
          group !== 'main' && isDevGroupName(group),
        );
      }
    }
    this.sources(poetry.source, 'tool.poetry.source', poetrySourceRole);
  }

  private poetryTable(value: unknown, section: string, dev: boolean): void {
    if (value === undefined) return;
    const deps = table(value);
    if (!deps) {
      addProblem(this.manifest, `[${section}] is not a table`);
      return;
    }
    for (const [rawName, spec] of Object.entries(deps)) {
      if (rawName.toLowerCase() === 'python') continue;
      const line = this.lines.keyLine(section, rawName) ?? this.lines.headerLine(`${section}.${rawName}`);
      const specs = Array.isArray(spec) ? spec : [spec];
      for (const one of specs) this.poetryDependency(rawName, one, dev, line);
    }
  }

  private poetryDependency(rawName: string, spec: unknown, dev: boolean, line: number | undefined): void {
    const name = normalizePypiName(rawName);
    if (typeof spec === 'string') {
      this.manifest.dependencies.push(registryDependency(rawName, spec, { dev, line }));
      return;
    }
    if (!isRecord(spec)) {
      addProblem(
        this.manifest,
        `Poetry dependency ${quote(rawName)} is neither a constraint nor a table`,
        line,
      );
      return;
    }
    const extras = strings(spec.extras);
    const markers = str(spec.markers);
    const where = tableLocation(spec);
    const constraint = str(spec.version);
    // Poetry 2 declares packages under [project] and may only add where they come from here: annotate the
    // declared entry rather than report the package twice.
    const declared = dev ? [] : [...this.projectDeclared].filter((d) => d.name === name);
    if (declared.length > 0) {
      for (const d of declared) applySource(d, where, str(spec.source));
      return;
    }
    if (where?.url !== undefined) {
      const dep = locationDependency({
        location: where.url,
        rawName,
        extras,
        markers,
        direct: true,
        dev,
        line,
      });
      dep.source = where.source;
      this.manifest.dependencies.push(dep);
      return;
    }
    this.manifest.dependencies.push(
      registryDependency(rawName, constraint ?? '*', { dev, line, extras, markers, index: str(spec.source) }),
    );
  }

  // ---- PDM ----

  private pdm(pdm: Record<string, unknown>): void {
    const dev = table(pdm['dev-dependencies']);
    if (dev) {
      for (const [group, items] of Object.entries(dev)) {
        this.requirementArray(items, { section: 'tool.pdm.dev-dependencies', key: group, dev: true });
      }
    }
    this.sources(pdm.source, 'tool.pdm.source', (source) => {
      if (str(source.type) === 'find_links') return 'find-links';
      // A source named "pypi" replaces PyPI itself.
      return str(source.name) === 'pypi' ? 'primary' : 'extra';
    });
  }

  // ---- uv ----

  private uv(uv: Record<string, unknown>): void {
    const legacyDev = uv['dev-dependencies'];
    if (legacyDev !== undefined)
      this.requirementArray(legacyDev, { section: 'tool.uv', key: 'dev-dependencies', dev: true });
    this.sources(uv.index, 'tool.uv.index', (source) => {
      if (source.default === true) return 'primary';
      if (source.explicit === true) return 'explicit';
      return str(source.format) === 'flat' ? 'find-links' : 'extra';
    });
    const single = (key: string, role: IndexSource['role']): void => {
      for (const url of typeof uv[key] === 'string' ? [uv[key] as string] : strings(uv[key])) {
        this.addIndex({ url: redactUrl(url), role }, this.lines.keyLine('tool.uv', key));
      }
    };
    single('index-url', 'primary');
    single('extra-index-url', 'extra');
    single('find-links', 'find-links');
    const sources = table(uv.sources);
    if (!sources) return;
    for (const [rawName, spec] of Object.entries(sources)) {
      const name = normalizePypiName(rawName);
      const first = Array.isArray(spec) ? spec.find(isRecord) : spec;
      if (!isRecord(first)) continue;
      const where = tableLocation(first);
      for (const dep of this.manifest.dependencies) {
        if (dep.name === name && dep.ecosystem === 'PyPI') applySource(dep, where, str(first.index));
      }
    }
  }

  // ---- shared ----

  private sources(
    value: unknown,
    section: string,
    roleOf: (source: Record<string, unknown>) => IndexSource['role'],
  ): void {
    if (value === undefined) return;
    const list = Array.isArray(value) ? value : [value];
    const lines = linesForEntries(
      arrayTableEntries(this.text, section),
      list.map((s) => (isRecord(s) ? str(s.name) : undefined)),
    );
    list.forEach((source, k) => {
      if (!isRecord(source) || typeof source.url !== 'string') {
        addProblem(
          this.manifest,
          `[[${section}]] entry without a url`,
          lines[k] ?? this.lines.headerLine(section),
        );
        return;
      }
      const index: IndexSource = { url: redactUrl(source.url), role: roleOf(source) };
      const name = str(source.name);
      if (name !== undefined) index.name = name;
      this.addIndex(index, lines[k]);
    });
  }

  private addIndex(index: IndexSource, line: number | undefined): void {
    if (line !== undefined) index.line = line;
    this.manifest.indexes.push(index);
  }
}

/** Poetry's source priorities (1.5+), with the older `default`/`secondary` booleans. */
function poetrySourceRole(source: Record<string, unknown>): IndexSource['role'] {
  switch (str(source.priority)) {
    case 'primary':
    case 'default':
      return 'primary';
    case 'supplemental':
    case 'secondary':
      return 'extra';
    case 'explicit':
      return 'explicit';
  }
  if (source.secondary === true) return 'extra';
  return 'primary';
}

/** The git ref a Poetry or uv table pins (`rev`, then `tag`, then `branch`). */
function gitRef(spec: Record<string, unknown>): string | undefined {
  return str(spec.rev) ?? str(spec.tag) ?? str(spec.branch);
}

/**
 * Where a Poetry or uv dependency table says a package comes from: `git` (with its rev/tag/branch), `url`,
 * `path`, or a uv workspace member; undefined for an index package.
 */
function tableLocation(
  spec: Record<string, unknown>,
): { source: DependencySource; url?: string } | undefined {
  const git = str(spec.git);
  if (git !== undefined) {
    const ref = gitRef(spec);
    return { source: 'vcs', url: ref === undefined ? git : `${git}@${ref}` };
  }
  const url = str(spec.url);
  if (url !== undefined) return { source: classifyLocation(url) === 'path' ? 'path' : 'url', url };
  const path = str(spec.path);
  if (path !== undefined) return { source: 'path', url: path };
  if (spec.workspace === true) return { source: 'path' };
  return undefined;
}

/** Redirects a declared dependency to where a tool table says it comes from. */
function applySource(
  dep: Dependency,
  where: { source: DependencySource; url?: string } | undefined,
  index: string | undefined,
): void {
  if (where) {
    dep.source = where.source;
    if (where.url !== undefined) dep.url = redactUrl(where.url);
  }
  if (index !== undefined) dep.index = index;
}

/**
 * A registry dependency from a Poetry constraint (`^1.2`, `~1.2`, `1.2.3`, `>=1,<2`, `*`). A bare version
 * and `==X` (without `*`) are exact pins, as Poetry reads them.
 */
function registryDependency(
  rawName: string,
  constraint: string,
  extra: {
    dev: boolean;
    line: number | undefined;
    extras?: string[];
    markers?: string | undefined;
    index?: string | undefined;
  },
): Dependency {
  const dep: Dependency = registryPypiDependency(rawName, [], true);
  const written = constraint.trim();
  let version: string | undefined;
  if (/^[0-9][0-9A-Za-z.+!_-]*$/.test(written)) version = written;
  else {
    const parsed = parseSpecifierList(written);
    if (!('error' in parsed)) version = pinnedVersion(parsed.clauses);
  }
  return setOptional(dep, {
    version,
    specifier: version === undefined && written !== '*' && written !== '' ? written : undefined,
    dev: extra.dev,
    extras: extra.extras,
    markers: extra.markers,
    index: extra.index,
    line: extra.line,
  });
}

function table(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** Parses pyproject.toml text into `manifest`. */
export function parsePyproject(manifest: Manifest, text: string): void {
  const doc = parseTomlText(manifest, text);
  if (!doc) return;
  new PyprojectReader(manifest, text, doc).read();
}
