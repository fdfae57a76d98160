/**
 * JSON text exactly as the reference implementation's payloads are written: protobuf's
 * `json_format.MessageToJson`, which is Python's `json.dumps(obj, indent=2, ensure_ascii=True)` over a
 * dict whose numbers all came out of a `google.protobuf.Struct` — so every number is a double and prints
 * the way Python prints a float (`8.0`, `1000000000.0`, `1e+16`). Key order is the object's own insertion
 * order: callers build objects in the order the reference emits them.
 *
 * Only what an in-toto statement can hold is supported: objects, arrays, strings, finite numbers,
 * booleans and null.
 */

/** A value `pythonJson` can write. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Python's `json.dumps(value, indent=2, ensure_ascii=True)` with every number a float. */
export function pythonJson(value: JsonValue): string {
  const out: string[] = [];
  write(value, '', out);
  return out.join('');
}

function write(value: JsonValue, indent: string, out: string[]): void {
  if (value === null) out.push('null');
  else if (typeof value === 'string') out.push(pythonString(value));
  else if (typeof value === 'number') out.push(pythonFloat(value));
  else if (typeof value === 'boolean') out.push(value ? 'true' : 'false');
  else if (Array.isArray(value)) writeArray(value as readonly JsonValue[], indent, out);
  else writeObject(value as { readonly [key: string]: JsonValue }, indent, out);
}

function writeArray(items: readonly JsonValue[], indent: string, out: string[]): void {
  // Python writes empty containers without a line break: `[]`.
  if (items.length === 0) {
    out.push('[]');
    return;
  }
  const inner = `${indent}  `;
  out.push('[');
  items.forEach((item, i) => {
    out.push(i === 0 ? `\n${inner}` : `,\n${inner}`);
    write(item, inner, out);
  });
  out.push(`\n${indent}]`);
}

function writeObject(object: { readonly [key: string]: JsonValue }, indent: string, out: string[]): void {
  const keys = Object.keys(object).filter((k) => object[k] !== undefined);
  if (keys.length === 0) {
    out.push('{}');
    return;
  }
  const inner = `${indent}  `;
  out.push('{');
  keys.forEach((key, i) => {
    out.push(i === 0 ? `\n${inner}` : `,\n${inner}`);
    out.push(pythonString(key), ': ');
    write(object[key] as JsonValue, inner, out);
  });
  out.push(`\n${indent}}`);
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * `ensure_ascii=True`: everything outside printable ASCII (space to `~`) becomes `\uXXXX` with lower-case
 * hex, astral characters as their UTF-16 surrogate pair — which is what iterating UTF-16 code units gives.
 * Unlike JSON.stringify, DEL (0x7f) and every non-ASCII character are escaped.
 */
export function pythonString(text: string): string {
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x20 && unit < 0x7f && unit !== 0x22 && unit !== 0x5c) continue;
    out += text.slice(plainFrom, i);
    out += SHORT_ESCAPES[text[i] as string] ?? `\\u${unit.toString(16).padStart(4, '0')}`;
    plainFrom = i + 1;
  }
  return `${out}${text.slice(plainFrom)}"`;
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript also finds them), in fixed
 * notation with at least one decimal (`8.0`) when the decimal exponent is in [-4, 16), otherwise in
 * scientific notation with a signed exponent of at least two digits (`1e+16`, `1.5e-05`).
 */
export function pythonFloat(value: number): string {
  // protobuf refuses to write NaN or infinities (MessageToJson raises); so do we.
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  // In this range JavaScript's own formatting is already fixed notation with the same digits.
  const fixed = String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}
