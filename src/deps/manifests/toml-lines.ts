/**
 * TOML parsing for the manifest parsers, and the line numbers TOML parsers do not give: where each
 * `[[package]]` table of a lock file starts, and where a key or an array item of pyproject.toml is written.
 * Lines are found by scanning the text for what the writer put there and are only reported when what is
 * found matches the parsed value; a line that cannot be confirmed is left out, never guessed.
 */
import { parse, TomlError } from 'smol-toml';
import type { Manifest } from '../types.ts';
import { addProblem, firstLine, isRecord, str } from './common.ts';
import { parseTomlSubset } from './toml-fast.ts';

/**
 * Parses TOML: the fast lock-file subset first, smol-toml for everything else. Invalid TOML is a problem
 * (with its line) and gives undefined.
 */
export function parseTomlText(manifest: Manifest, text: string): Record<string, unknown> | undefined {
  const fast = parseTomlSubset(text);
  if (fast) return fast;
  try {
    return parse(text, { maxDepth: 64, unsafeKeyBehaviour: 'drop' }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) addProblem(manifest, `not valid TOML: ${firstLine(err.message)}`, err.line);
    else
      addProblem(manifest, `not valid TOML: ${err instanceof Error ? firstLine(err.message) : String(err)}`);
    return undefined;
  }
}

/** Where one `[[table]]` header is, and the `name = "..."` written in it (when it is). */
export interface ArrayTableEntry {
  line: number;
  name?: string;
}

/**
 * Every `[[table]]` header written at the start of a line, in order, with the name its `name = "..."` line
 * gives. One pass over the text with indexOf; lines are counted incrementally.
 */
export function arrayTableEntries(text: string, table: string): ArrayTableEntry[] {
  const header = `[[${table}]]`;
  const entries: ArrayTableEntry[] = [];
  let line = 1;
  let counted = 0;
  const lineOf = (offset: number): number => {
    for (let at = text.indexOf('\n', counted); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) {
      line++;
      counted = at + 1;
    }
    return line;
  };
  for (let at = text.indexOf(header); at >= 0; at = text.indexOf(header, at + header.length)) {
    if (at > 0 && text.charCodeAt(at - 1) !== 0x0a) continue;
    const entry: ArrayTableEntry = { line: lineOf(at) };
    const nextTable = text.indexOf('\n[', at + header.length);
    const nameAt = text.indexOf('\nname = "', at + header.length);
    if (nameAt >= 0 && (nextTable < 0 || nameAt < nextTable)) {
      const start = nameAt + 9;
      const end = text.indexOf('"', start);
      const nl = text.indexOf('\n', start);
      if (end > start && (nl < 0 || end < nl)) entry.name = text.slice(start, end);
    }
    entries.push(entry);
  }
  return entries;
}

/**
 * Pairs parsed `[[table]]` entries with the headers found in the text. When the counts agree they pair in
 * order (a nameless entry still gets its line), as long as the names agree where both are known; otherwise
 * by name: the n-th parsed entry named X gets the n-th header whose name line says X. An entry that cannot
 * be paired gets no line.
 */
export function linesForEntries(
  entries: readonly ArrayTableEntry[],
  names: readonly (string | undefined)[],
): (number | undefined)[] {
  if (entries.length === names.length) {
    return names.map((name, k) => {
      const entry = entries[k]!;
      return name === undefined || entry.name === undefined || entry.name === name ? entry.line : undefined;
    });
  }
  const byName = new Map<string, number[]>();
  for (const entry of entries) {
    if (entry.name === undefined) continue;
    const queue = byName.get(entry.name);
    if (queue) queue.push(entry.line);
    else byName.set(entry.name, [entry.line]);
  }
  const used = new Map<string, number>();
  return names.map((name) => {
    if (name === undefined) return undefined;
    const queue = byName.get(name);
    if (!queue) return undefined;
    const k = used.get(name) ?? 0;
    used.set(name, k + 1);
    return queue[k];
  });
}

/** One `[header]` section of a TOML document: its dotted path and its line range (1-based, end exclusive). */
interface Section {
  path: string;
  start: number;
  end: number;
}

/**
 * Lines of a small TOML document (pyproject.toml) by section, for finding where a key or an array item is
 * written. Section paths are the header's keys joined with `.` after unquoting (`tool.poetry.group.dev`).
 */
export class TomlLines {
  private readonly lines: string[];
  private readonly sections: Section[] = [];

  constructor(text: string) {
    this.lines = text.split(/\r?\n/);
    let current: Section = { path: '', start: 1, end: this.lines.length + 1 };
    this.sections.push(current);
    this.lines.forEach((raw, index) => {
      const path = headerPath(raw);
      if (path === undefined) return;
      current.end = index + 1;
      current = { path, start: index + 1, end: this.lines.length + 1 };
      this.sections.push(current);
    });
  }

  /** Line of the `[path]` header itself. */
  headerLine(path: string): number | undefined {
    return this.sections.find((s) => s.path === path && s.path !== '')?.start;
  }

  /** Line where `key = ...` (or `key.sub = ...`) is written in section `path`. */
  keyLine(path: string, key: string): number | undefined {
    for (const section of this.sections) {
      if (section.path !== path) continue;
      for (let line = section.start + (path === '' ? 0 : 1); line < section.end; line++) {
        if (startsWithKey(this.lines[line - 1]!, key)) return line;
      }
    }
    return undefined;
  }

  /**
   * Line of the string item `value` of the array `key` in section `path`, searching from `from` (so that
   * repeated calls for the items of one array walk forward). Falls back to the key's line.
   */
  itemLine(path: string, key: string, value: string, from?: number): number | undefined {
    const keyLine = this.keyLine(path, key);
    if (keyLine === undefined) return undefined;
    const section = this.sections.find((s) => s.path === path && s.start <= keyLine && keyLine < s.end)!;
    const needles = [JSON.stringify(value), `'${value}'`];
    for (let line = Math.max(keyLine, from ?? keyLine); line < section.end; line++) {
      const text = this.lines[line - 1]!;
      if (needles.some((n) => text.includes(n))) return line;
    }
    return keyLine;
  }
}

/** The dotted path of a `[a.b]` / `[[a.b]]` header line, or undefined when the line is not one. */
function headerPath(raw: string): string | undefined {
  const line = raw.trim();
  if (!line.startsWith('[')) return undefined;
  const double = line.startsWith('[[');
  let i = double ? 2 : 1;
  const parts: string[] = [];
  let part = '';
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '"' || ch === "'") {
      const close = line.indexOf(ch, i + 1);
      if (close < 0) return undefined;
      part += line.slice(i + 1, close);
      i = close + 1;
    } else if (ch === '.') {
      parts.push(part.trim());
      part = '';
      i++;
    } else if (ch === ']') {
      parts.push(part.trim());
      const rest = line.slice(i + (double ? 2 : 1)).trim();
      if (double && line[i + 1] !== ']') return undefined;
      if (rest !== '' && !rest.startsWith('#')) return undefined;
      return parts.every((p) => p !== '') ? parts.join('.') : undefined;
    } else if (/[A-Za-z0-9_\- \t]/.test(ch)) {
      part += ch;
      i++;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Whether a line assigns `key` (bare or quoted, possibly dotted further). */
function startsWithKey(raw: string, key: string): boolean {
  const line = raw.trimStart();
  for (const written of [key, `"${key}"`, `'${key}'`]) {
    if (!line.startsWith(written)) continue;
    const rest = line.slice(written.length).trimStart();
    if (rest.startsWith('=') || rest.startsWith('.')) return true;
  }
  return false;
}

/**
 * The `[[package]]` tables of a TOML lock file with the line of each (poetry.lock, uv.lock, pdm.lock all keep
 * their packages there); undefined, with a problem recorded, when `package` is not an array of tables.
 */
export function packageTables(
  manifest: Manifest,
  doc: Record<string, unknown>,
  text: string,
): { packages: unknown[]; lines: (number | undefined)[] } | undefined {
  const packages = doc.package ?? [];
  if (!Array.isArray(packages)) {
    addProblem(manifest, '`package` is not an array of tables');
    return undefined;
  }
  const lines = linesForEntries(
    arrayTableEntries(text, 'package'),
    packages.map((p) => (isRecord(p) ? str(p.name) : undefined)),
  );
  return { packages, lines };
}
