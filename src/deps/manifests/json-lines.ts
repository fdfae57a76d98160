/**
 * Line numbers for JSON lock files. `JSON.parse` (fast, native) gives the values; this one pass over the
 * same text records the line of each object key under the objects the caller asks about, so
 * `packages["node_modules/x"]` or `default["requests"]` can be reported with the line it is written on.
 * Iterative (an explicit stack, no recursion) and linear: strings are skipped with indexOf.
 */

/** Joins a key path into the map key `jsonKeyLines` uses. */
export function keyPath(...segments: string[]): string {
  return segments.join('\u0000');
}

/** Containers nested deeper than this get no path and record no keys. */
export const MAX_TRACKED_DEPTH = 256;

const DEEP: string[] = [];

interface Frame {
  isObject: boolean;
  path: string[];
  record: boolean;
  expectKey: boolean;
  key: string;
  /** Index of the current element, in an array. */
  index: number;
}

/**
 * Line (1-based) of every object key whose parent object's path (keys from the root; array elements by
 * index, `"0"`, `"1"`...) passes `wanted`, keyed by `keyPath(...parentPath, key)`. Call on text `JSON.parse` accepted.
 */
export function jsonKeyLines(
  text: string,
  wanted: (parentPath: readonly string[]) => boolean,
): Map<string, number> {
  const out = new Map<string, number>();
  const stack: Frame[] = [];
  let line = 1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      i++;
    } else if (c === 0x22) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.isObject && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? decodeJsonString(raw) : raw;
        top.key = key;
        top.expectKey = false;
        if (top.record) out.set(keyPath(...top.path, key), line);
      }
      i = end + 1;
    } else if (c === 0x7b || c === 0x5b) {
      const top = stack[stack.length - 1];
      const isObject = c === 0x7b;
      if (stack.length >= MAX_TRACKED_DEPTH) {
        // Deeper than any lock file nests: stop tracking paths (copying them would be quadratic).
        stack.push({ isObject, path: DEEP, record: false, expectKey: isObject, key: '', index: 0 });
      } else {
        const path = top ? [...top.path, top.isObject ? top.key : String(top.index)] : [];
        stack.push({
          isObject,
          path,
          record: isObject && wanted(path),
          expectKey: isObject,
          key: '',
          index: 0,
        });
      }
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      i++;
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.isObject) top.expectKey = true;
      else if (top) top.index++;
      i++;
    } else {
      i++;
    }
  }
  return out;
}

/** Index of the quote closing the string that opens at `start` (or the text's end). */
function stringEnd(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at >= 0) {
    let backslashes = 0;
    for (let k = at - 1; k > start && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}

function decodeJsonString(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
