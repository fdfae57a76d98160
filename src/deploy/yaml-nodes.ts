/**
 * Reading YAML deployment files with source lines: the `yaml` package's document tree (never converted to
 * plain objects, so anchors and aliases are not expanded — no billion-laughs) plus a LineCounter that turns
 * node offsets into 1-based lines.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';

/** Largest deployment file read (a Helm-rendered bundle of a whole cluster stays well below). */
export const MAX_DEPLOY_BYTES = 4 * 1024 * 1024;
/** Documents read from one multi-document file. */
export const MAX_DOCUMENTS = 20_000;

/** Parsed documents and a line lookup; `errors` are YAML syntax errors with their lines. */
export interface YamlFile {
  docs: Document.Parsed[];
  lineOf(node: unknown): number;
  errors: { line: number; message: string }[];
}

/** Parses every document of `text`. Never throws: a parser failure (deep nesting) becomes an error. */
export function readYaml(text: string): YamlFile {
  const lc = new LineCounter();
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range === undefined ? 1 : lc.linePos(range[0]).line;
  };
  try {
    const all = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
    const list = Array.isArray(all) ? all : [all];
    const docs = list.slice(0, MAX_DOCUMENTS) as Document.Parsed[];
    const errors = docs.flatMap((d) =>
      d.errors.map((e) => ({ line: lc.linePos(e.pos[0]).line, message: e.message.split('\n')[0]! })),
    );
    if (list.length > MAX_DOCUMENTS) {
      errors.push({ line: 1, message: `more than ${MAX_DOCUMENTS} YAML documents; the rest were not read` });
    }
    return { docs, lineOf, errors };
  } catch (err) {
    return {
      docs: [],
      lineOf,
      errors: [{ line: 1, message: `YAML could not be parsed: ${(err as Error).message}` }],
    };
  }
}

/** The value node of `key` in a mapping node, or undefined. */
export function get(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key)
      return (pair.value ?? undefined) as Node | undefined;
  }
  return undefined;
}

/** The key node of `key` (for its line), or undefined. */
export function keyNode(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key) return pair.key;
  }
  return undefined;
}

/** Nested lookup: `at(doc.contents, 'spec', 'template', 'spec')`. */
export function at(node: unknown, ...keys: string[]): Node | undefined {
  let cur: unknown = node;
  for (const k of keys) {
    cur = get(cur, k);
    if (cur === undefined) return undefined;
  }
  return cur as Node;
}

/** A scalar's value as text (numbers and booleans as written by String), or undefined for non-scalars/null. */
export function str(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return String(node.value);
}

/** The items of a sequence node (empty for anything else). */
export function items(node: unknown): Node[] {
  return isSeq(node) ? (node.items as Node[]) : [];
}

/** Key/value pairs of a mapping node with string keys. */
export function pairs(node: unknown): { key: string; keyNode: Node; value: Node | undefined }[] {
  if (!isMap(node)) return [];
  const out: { key: string; keyNode: Node; value: Node | undefined }[] = [];
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    out.push({
      key: String(pair.key.value),
      keyNode: pair.key,
      value: (pair.value ?? undefined) as Node | undefined,
    });
  }
  return out;
}

export { isMap, isScalar, isSeq };
