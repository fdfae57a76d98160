/**
 * A bounded line scan of YAML for scalar values that look like Jinja templates. Not a YAML parser (Parapet
 * adds no YAML dependency): it finds `key: value` lines, gathers the value's continuation lines (plain,
 * quoted, folded `>` and literal `|` scalars), unquotes it, and keeps values containing `{{` or `{%`.
 */

/** A template-looking YAML value: its key, its text, and the 1-based line of its key. */
export interface YamlTemplateValue {
  key: string;
  text: string;
  line: number;
}

const KEY = /^(\s*)(?:-\s+)?(["']?)([\w.\-/]{1,256})\2\s*:(?:\s+(.*))?$/;
const MAX_LINES = 2_000_000;
const MAX_VALUE = 16 * 1024 * 1024;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function unquote(raw: string, block: boolean): string {
  if (block) return raw;
  const t = raw.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replaceAll("''", "'");
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      // YAML double-quoted escapes are a superset of JSON's; JSON covers \n, \t, \", \\ and \uXXXX.
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  return t;
}

/** Scalar values containing `{{` or `{%`, with their keys. */
export function yamlTemplateValues(text: string): YamlTemplateValue[] {
  const lines = text.split(/\r?\n/, MAX_LINES);
  const out: YamlTemplateValue[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = KEY.exec(lines[i]!);
    if (m === null) continue;
    const indent = m[1]!.length;
    const first = (m[4] ?? '').replace(/\s+#.*$/, '');
    const block = /^[|>][-+0-9]*$/.test(first.trim());
    const parts: string[] = block ? [] : [first];
    let size = first.length;
    let j = i + 1;
    for (; j < lines.length && size < MAX_VALUE; j++) {
      const next = lines[j]!;
      if (next.trim() === '') {
        parts.push('');
        continue;
      }
      if (indentOf(next) <= indent) break;
      // A nested mapping is not a scalar: its own keys are visited on their own lines.
      if (!block && first.trim() === '' && KEY.test(next)) break;
      parts.push(block ? next.slice(indent + 1).replace(/^\s*/, '') : next.trim());
      size += next.length;
    }
    // Block scalars keep newlines; flow scalars fold line breaks into spaces, as YAML does.
    const raw = block ? parts.join('\n').replace(/\n+$/, '') : parts.filter((p) => p !== '').join(' ');
    const value = unquote(raw, block);
    if (/\{\{|\{%/.test(value)) out.push({ key: m[3]!, text: value, line: i + 1 });
    // Continuation lines of a scalar are not keys: skip them, which also keeps the scan linear.
    if (parts.some((p) => p.trim() !== '')) i = j - 1;
  }
  return out;
}
