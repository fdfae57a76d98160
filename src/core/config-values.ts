/**
 * Pieces shared by the readers of user-written configuration (the guard policy, the gateway config): one
 * strict YAML parse and the helpers their validation messages are built from.
 */
import { type Document, LineCounter, parseDocument } from 'yaml';

/**
 * Parses YAML the strict way every Parapet config is read: YAML 1.2 core schema (no `!!python` or other
 * custom tags resolved), duplicate keys and merge keys refused, a leading BOM dropped. `lines` maps node
 * offsets to line numbers for messages that name the line.
 */
export function parseStrictYaml(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = new LineCounter();
  const doc = parseDocument(body, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: false,
    version: '1.2',
    schema: 'core',
  });
  return { doc, lines };
}

/** A YAML or JSON mapping: not null, not an array, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value as a message shows it: strings quoted (and cut short), containers by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
