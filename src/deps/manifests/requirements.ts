/**
 * pip requirements files, read the way pip's own `req_file.py` reads them: backslash continuations joined
 * first (the entry keeps its first line's number), then `#` comments cut where `#` starts the line or
 * follows whitespace (so `#egg=` in a URL survives), then each line is either options (`-r`, `-c`, `-e`,
 * `-i`, `--extra-index-url`, `-f`, `--require-hashes`, ...) or a requirement with per-requirement options
 * (`--hash`). Environment variables (`${VAR}`) are left as written: they are the reader's environment, not
 * the file's.
 *
 * `-r` and `-c` includes are followed through a caller-supplied reader (this module never touches the file
 * system), at most `maxIncludeDepth` deep, with cycles reported. Constraints (`-c` files) install nothing
 * by themselves: their exact pins fill in the version of a requirement that names the same project and is
 * not pinned itself, and are otherwise not reported as dependencies.
 */
import type { Dependency, IndexSource, Manifest } from '../types.ts';
import { addProblem, hasUrlScheme, normalizeHash, setOptional, withinSizeCap } from './common.ts';
import { locationDependency, redactUrl } from './locations.ts';
import { parseRequirement, quote } from './pep508.ts';

/** Reads an included file: `ref` as written in the file at `fromPath`, resolved relative to it by the caller. */
export type IncludeReader = (fromPath: string, ref: string) => { path: string; text: string } | undefined;

/** Options every parse accepts. */
export interface ParseManifestOptions {
  /** Resolves `-r`/`-c` includes; without one, includes are reported as not followed. */
  readInclude?: IncludeReader;
  /** How deep includes may nest (pip has no limit; a scanner needs one). Default 10. */
  maxIncludeDepth?: number;
}

/** Default `maxIncludeDepth`. */
export const DEFAULT_MAX_INCLUDE_DEPTH = 10;

type Mode = 'requirement' | 'constraint';

/** Where a line came from: the file's path (for resolving includes) and its `file` label (absent for the manifest). */
interface Origin {
  path: string;
  file: string | undefined;
  mode: Mode;
  depth: number;
}

interface OptionSpec {
  name: string;
  takesValue: boolean;
}

/** Options pip accepts in requirements files; long names may be abbreviated, as optparse allows. */
const LONG_OPTIONS: readonly OptionSpec[] = [
  { name: '--requirement', takesValue: true },
  { name: '--constraint', takesValue: true },
  { name: '--editable', takesValue: true },
  { name: '--index-url', takesValue: true },
  { name: '--extra-index-url', takesValue: true },
  { name: '--find-links', takesValue: true },
  { name: '--no-index', takesValue: false },
  { name: '--require-hashes', takesValue: false },
  { name: '--pre', takesValue: false },
  { name: '--prefer-binary', takesValue: false },
  { name: '--only-binary', takesValue: true },
  { name: '--no-binary', takesValue: true },
  { name: '--trusted-host', takesValue: true },
  { name: '--use-feature', takesValue: true },
  { name: '--hash', takesValue: true },
  { name: '--config-settings', takesValue: true },
  { name: '--global-option', takesValue: true },
  { name: '--install-option', takesValue: true },
];

const SHORT_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['-r', '--requirement'],
  ['-c', '--constraint'],
  ['-e', '--editable'],
  ['-i', '--index-url'],
  ['-f', '--find-links'],
]);

const ARCHIVE_SUFFIXES = [
  '.whl',
  '.zip',
  '.tar',
  '.tar.gz',
  '.tgz',
  '.tar.bz2',
  '.tbz',
  '.tar.xz',
  '.txz',
  '.tlz',
  '.tar.lz',
  '.tar.lzma',
];

/** Reads requirements text into a Manifest, following includes. Used by requirements files and conda's `pip:`. */
export class RequirementsReader {
  private readonly constraints: Dependency[] = [];
  private readonly seen = new Set<string>();
  private readonly stack: string[] = [];
  private requireHashesOption = false;
  private readonly maxDepth: number;

  /**
   * @param direct whether requirements read here are the project's own (false for a file that is itself a
   *   constraints file)
   */
  constructor(
    readonly manifest: Manifest,
    private readonly options: ParseManifestOptions,
    private readonly direct: boolean,
  ) {
    this.maxDepth = options.maxIncludeDepth ?? DEFAULT_MAX_INCLUDE_DEPTH;
  }

  /** Reads a whole file. `file` labels its entries (undefined for the manifest itself). */
  readText(
    text: string,
    path: string,
    file: string | undefined,
    mode: Mode = 'requirement',
    depth = 0,
  ): void {
    const origin: Origin = { path, file, mode, depth };
    this.seen.add(`${mode}\0${path}`);
    this.stack.push(path);
    try {
      for (const logical of logicalLines(text)) this.readLine(logical.text, logical.line, origin);
    } finally {
      this.stack.pop();
    }
  }

  /**
   * Reads entries that sit in the manifest itself but are not a whole requirements file (conda's `pip:`
   * list): each is one logical line with its own line number.
   */
  readEntries(entries: readonly { text: string; line: number | undefined }[]): void {
    const origin: Origin = { path: this.manifest.path, file: undefined, mode: 'requirement', depth: 0 };
    this.seen.add(`requirement\0${origin.path}`);
    this.stack.push(origin.path);
    try {
      for (const entry of entries) this.readLine(entry.text, entry.line, origin);
    } finally {
      this.stack.pop();
    }
  }

  /** Reads one logical line (continuations already joined, comments not yet stripped). */
  private readLine(raw: string, line: number | undefined, origin: Origin): void {
    const text = stripComment(raw).trim();
    if (text === '') return;
    if (text.startsWith('-')) {
      this.readOptions(shellSplit(text), line, origin, undefined);
      return;
    }
    // pip splits the line on spaces: everything before the first token starting with `-` is the requirement.
    let split = text.indexOf(' -');
    const tab = text.indexOf('\t-');
    if (tab >= 0 && (split < 0 || tab < split)) split = tab;
    const reqText = (split < 0 ? text : text.slice(0, split)).trim();
    const hashes: string[] = [];
    if (split >= 0) this.readOptions(shellSplit(text.slice(split + 1)), line, origin, hashes);
    const dep = this.requirementFrom(reqText, line, origin);
    if (!dep) return;
    if (hashes.length > 0) dep.hashes = hashes;
    this.add(dep, origin);
  }

  /** After every file is read: constraints applied, hash mode decided. */
  finish(): void {
    const pins = new Map<string, string>();
    for (const c of this.constraints)
      if (c.version !== undefined && !pins.has(c.name)) pins.set(c.name, c.version);
    for (const dep of this.manifest.dependencies) {
      if (dep.source !== 'registry' || dep.version !== undefined) continue;
      const pinned = pins.get(dep.name);
      if (pinned !== undefined) dep.version = pinned;
    }
    // pip turns on hash-checking for every requirement as soon as one carries a hash.
    const anyHash = this.manifest.dependencies.some((d) => d.hashes.length > 0);
    if (this.requireHashesOption || anyHash) this.manifest.requireHashes = true;
  }

  private add(dep: Dependency, origin: Origin): void {
    if (origin.mode === 'constraint') this.constraints.push(dep);
    else this.manifest.dependencies.push(dep);
  }

  private problem(message: string, line: number | undefined, origin: Origin): void {
    addProblem(this.manifest, message, line, origin.file);
  }

  /** A requirement (not an option line) as a Dependency, or undefined after reporting why not. */
  private requirementFrom(text: string, line: number | undefined, origin: Origin): Dependency | undefined {
    const direct = this.direct && origin.mode === 'requirement';
    const common = { direct, line, file: origin.file };
    if (hasUrlScheme(text)) {
      // pip separates markers from a URL only at "; " (a bare ";" may be part of the URL).
      const sep = text.indexOf('; ');
      const location = (sep < 0 ? text : text.slice(0, sep)).trim();
      const markers = sep < 0 ? undefined : text.slice(sep + 2).trim();
      return locationDependency({ location, ...withMarkers(markers), ...common });
    }
    const semi = text.indexOf(';');
    const beforeMarkers = (semi < 0 ? text : text.slice(0, semi)).trim();
    const markers = semi < 0 ? undefined : text.slice(semi + 1).trim();
    const { path, extras } = stripExtras(beforeMarkers);
    const at = beforeMarkers.indexOf('@');
    const namedUrl = at >= 0 && !looksLikePath(beforeMarkers.slice(0, at));
    if (!namedUrl && (looksLikePath(beforeMarkers) || isArchive(path))) {
      return locationDependency({ location: path, extras, ...withMarkers(markers), ...common });
    }
    const req = parseRequirement(text);
    if ('error' in req) {
      this.problem(`not a valid requirement: ${req.error}`, line, origin);
      return undefined;
    }
    if (req.url !== undefined) {
      return locationDependency({
        location: req.url,
        rawName: req.rawName,
        extras: req.extras,
        ...withMarkers(req.markers),
        ...common,
      });
    }
    const dep: Dependency = {
      ecosystem: 'PyPI',
      name: req.name,
      rawName: req.rawName,
      source: 'registry',
      hashes: [],
      direct,
    };
    return setOptional(dep, {
      version: req.version,
      specifier: req.specifier,
      markers: req.markers,
      extras: req.extras,
      line,
      file: origin.file,
    });
  }

  /**
   * Applies option tokens. `hashes` collects `--hash` values when the options follow a requirement; on an
   * option line it is undefined and a `--hash` there is a problem (pip rejects it too).
   */
  private readOptions(
    tokens: string[],
    line: number | undefined,
    origin: Origin,
    hashes: string[] | undefined,
  ): void {
    for (let k = 0; k < tokens.length; k++) {
      const token = tokens[k]!;
      const parsed = parseOptionToken(token);
      if (!parsed) {
        this.problem(`unknown option ${quote(token)}`, line, origin);
        return;
      }
      let value = parsed.inline;
      if (parsed.spec.takesValue && value === undefined) {
        value = tokens[++k];
        if (value === undefined) {
          this.problem(`${parsed.spec.name} needs a value`, line, origin);
          return;
        }
      }
      if (!parsed.spec.takesValue && value !== undefined) {
        this.problem(`${parsed.spec.name} takes no value`, line, origin);
        return;
      }
      this.applyOption(parsed.spec.name, value ?? '', line, origin, hashes);
    }
  }

  private applyOption(
    name: string,
    value: string,
    line: number | undefined,
    origin: Origin,
    hashes: string[] | undefined,
  ): void {
    switch (name) {
      case '--requirement':
        this.include(value, 'requirement', line, origin);
        return;
      case '--constraint':
        this.include(value, 'constraint', line, origin);
        return;
      case '--editable':
        this.editable(value, line, origin);
        return;
      case '--index-url':
        this.index(value, 'primary', line, origin);
        return;
      case '--extra-index-url':
        this.index(value, 'extra', line, origin);
        return;
      case '--find-links':
        this.index(value, 'find-links', line, origin);
        return;
      case '--require-hashes':
        this.requireHashesOption = true;
        return;
      case '--hash': {
        if (!hashes) {
          this.problem('--hash must follow a requirement on the same line', line, origin);
          return;
        }
        const hash = normalizeHash(value);
        if (hash) hashes.push(hash);
        else this.problem(`--hash ${quote(value)} is not algorithm:hex`, line, origin);
        return;
      }
      default:
        // --no-index, --pre, --prefer-binary, --only-binary, --no-binary, --trusted-host, --use-feature,
        // --config-settings, --global-option: understood, nothing a dependency check needs.
        return;
    }
  }

  private index(url: string, role: IndexSource['role'], line: number | undefined, origin: Origin): void {
    const source: IndexSource = { url: redactUrl(url), role };
    if (line !== undefined) source.line = line;
    if (origin.file !== undefined) source.file = origin.file;
    this.manifest.indexes.push(source);
  }

  private editable(value: string, line: number | undefined, origin: Origin): void {
    const { path, extras } = stripExtras(value.trim());
    const dep = locationDependency({
      location: path,
      extras,
      direct: this.direct && origin.mode === 'requirement',
      line,
      file: origin.file,
    });
    this.add(dep, origin);
  }

  private include(ref: string, mode: Mode, line: number | undefined, origin: Origin): void {
    const what = mode === 'constraint' ? 'constraints file' : 'requirements file';
    if (hasUrlScheme(ref) && !ref.toLowerCase().startsWith('file:')) {
      this.problem(
        `remote ${what} ${quote(redactUrl(ref))} was not fetched; its entries are unchecked`,
        line,
        origin,
      );
      return;
    }
    if (origin.depth + 1 > this.maxDepth) {
      this.problem(
        `${what} ${quote(ref)} not read: includes nest deeper than ${this.maxDepth}`,
        line,
        origin,
      );
      return;
    }
    const reader = this.options.readInclude;
    const included = reader ? safeRead(reader, origin.path, ref) : undefined;
    if (!included) {
      this.problem(`${what} ${quote(ref)} could not be read; its entries are unchecked`, line, origin);
      return;
    }
    if (this.stack.includes(included.path)) {
      this.problem(`${what} ${quote(ref)} includes itself (cycle through ${included.path})`, line, origin);
      return;
    }
    // Mode matters: a file read as constraints contributes nothing as requirements, and vice versa.
    const effectiveMode: Mode = origin.mode === 'constraint' ? 'constraint' : mode;
    if (this.seen.has(`${effectiveMode}\0${included.path}`)) return;
    if (!withinSizeCap(included.text)) {
      this.problem(`${what} ${quote(ref)} is larger than the 16 MiB limit and was not read`, line, origin);
      return;
    }
    this.readText(included.text, included.path, included.path, effectiveMode, origin.depth + 1);
  }
}

/** A reader that throws is a file that could not be read, not a crash. */
function safeRead(
  reader: IncludeReader,
  from: string,
  ref: string,
): { path: string; text: string } | undefined {
  try {
    return reader(from, ref);
  } catch {
    return undefined;
  }
}

function withMarkers(markers: string | undefined): { markers?: string } {
  return markers ? { markers } : {};
}

/** pip's `_looks_like_path`: a separator anywhere, or a leading dot. */
function looksLikePath(text: string): boolean {
  return text.includes('/') || text.includes('\\') || text.startsWith('.');
}

function isArchive(path: string): boolean {
  const lower = path.toLowerCase();
  return ARCHIVE_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** pip's `_strip_extras`: a trailing `[extra,...]` on a path or URL. */
function stripExtras(text: string): { path: string; extras: string[] } {
  if (!text.endsWith(']')) return { path: text, extras: [] };
  const open = text.lastIndexOf('[');
  if (open <= 0) return { path: text, extras: [] };
  const extras = text
    .slice(open + 1, -1)
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  return { path: text.slice(0, open), extras };
}

function parseOptionToken(token: string): { spec: OptionSpec; inline: string | undefined } | undefined {
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    const name = eq < 0 ? token : token.slice(0, eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    const exact = LONG_OPTIONS.find((o) => o.name === name);
    if (exact) return { spec: exact, inline };
    const prefixed = LONG_OPTIONS.filter((o) => o.name.startsWith(name));
    return prefixed.length === 1 && name.length > 2 ? { spec: prefixed[0]!, inline } : undefined;
  }
  const long = SHORT_OPTIONS.get(token.slice(0, 2));
  if (!long) return undefined;
  const spec = LONG_OPTIONS.find((o) => o.name === long)!;
  return { spec, inline: token.length > 2 ? token.slice(2) : undefined };
}

/** Cuts a comment the way pip's COMMENT_RE does: `#` at the start or after whitespace, to the end. */
function stripComment(line: string): string {
  for (let i = line.indexOf('#'); i >= 0; i = line.indexOf('#', i + 1)) {
    if (i === 0) return '';
    const c = line.charCodeAt(i - 1);
    if (c === 0x20 || c === 0x09) return line.slice(0, i);
  }
  return line;
}

/** Splits option text on whitespace, honouring single and double quotes (pip uses shlex). Linear: slices, no per-character concatenation. */
function shellSplit(text: string): string[] {
  const tokens: string[] = [];
  let parts: string[] = [];
  let has = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (has) tokens.push(parts.join(''));
      parts = [];
      has = false;
      i++;
      continue;
    }
    has = true;
    if (c === 0x22 || c === 0x27) {
      const close = text.indexOf(text[i]!, i + 1);
      const end = close < 0 ? text.length : close;
      parts.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < text.length) {
      const d = text.charCodeAt(end);
      if (d === 0x20 || d === 0x09 || d === 0x22 || d === 0x27) break;
      end++;
    }
    parts.push(text.slice(i, end));
    i = end;
  }
  if (has) tokens.push(parts.join(''));
  return tokens;
}

/**
 * pip's `join_lines`: a line ending in `\` continues on the next (its backslashes stripped), except a
 * comment line, which never continues; the joined line carries the number of its first physical line.
 */
export function logicalLines(text: string): { text: string; line: number }[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const out: { text: string; line: number }[] = [];
  const physical = body.split(/\r\n|\r|\n/);
  let pending: string[] = [];
  let pendingLine = 0;
  for (let i = 0; i < physical.length; i++) {
    const line = physical[i]!;
    const isComment = line.trimStart().startsWith('#');
    if (!line.endsWith('\\') || isComment) {
      const piece = isComment ? ` ${line}` : line;
      if (pending.length > 0) {
        pending.push(piece);
        out.push({ text: pending.join(''), line: pendingLine });
        pending = [];
      } else {
        out.push({ text: piece, line: i + 1 });
      }
    } else {
      if (pending.length === 0) pendingLine = i + 1;
      pending.push(stripBackslashes(line));
    }
  }
  if (pending.length > 0) out.push({ text: pending.join(''), line: pendingLine });
  return out;
}

function stripBackslashes(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && line.charCodeAt(start) === 0x5c) start++;
  while (end > start && line.charCodeAt(end - 1) === 0x5c) end--;
  return line.slice(start, end);
}

/** Parses a requirements file (or a constraints file, whose entries are then not direct). */
export function parseRequirementsInto(
  manifest: Manifest,
  text: string,
  options: ParseManifestOptions,
  isConstraintsFile: boolean,
): void {
  const reader = new RequirementsReader(manifest, options, !isConstraintsFile);
  reader.readText(text, manifest.path, undefined);
  reader.finish();
}
