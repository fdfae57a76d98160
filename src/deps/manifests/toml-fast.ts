/**
 * A fast reader for the subset of TOML that lock-file writers (uv, Poetry, PDM) emit: `[table]` and
 * `[[array-of-tables]]` headers, `key = value` with single-line basic/literal strings, decimal integers,
 * booleans, multi-line arrays and single-line inline tables. A 5,000-package uv.lock is several megabytes
 * of inline tables; the general parser (smol-toml) takes 150–500 ms on it, this one a fraction of that.
 *
 * It never guesses: the moment it meets anything outside the subset (multi-line strings, floats, dates,
 * dotted keys, a redefined table, a duplicate key, a stray character) it gives up and returns undefined,
 * and the caller parses with smol-toml, which also produces the error message for invalid files. For every
 * text it accepts it returns exactly what smol-toml returns (the tests compare the two).
 */

/** Thrown to abandon the fast path; never escapes this module. */
class OutsideSubset {}

const OUTSIDE = new OutsideSubset();

/** Anything that would need care in a string: a backslash, or a control character other than tab and LF. */
const UNCLEAN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f\\]/;

/** Keys lock files repeat thousands of times, by length, returned as shared constants instead of fresh slices. */
const COMMON_KEYS: readonly (readonly string[])[] = [
  [],
  [],
  [],
  ['url'],
  ['hash', 'size', 'name', 'file'],
  ['sdist', 'extra', 'files'],
  ['source', 'marker', 'wheels', 'groups'],
  ['version'],
  ['registry'],
  ['specifier'],
  [],
  ['upload-time'],
  ['dependencies'],
];

function internedKey(s: string, start: number, end: number): string | undefined {
  const candidates = COMMON_KEYS[end - start];
  if (candidates) for (const key of candidates) if (s.startsWith(key, start)) return key;
  return undefined;
}

/** A backslash or a control character other than tab: the string needs the careful path. */
const NEEDS_CARE = /[\u0000-\u0008\u000a-\u001f\u007f\\]/;

/** Objects that are values (inline tables) or array-of-tables arrays, which headers treat differently. */
interface Marks {
  inline: WeakSet<object>;
  arrayOfTables: WeakSet<object>;
  explicit: WeakSet<object>;
}

/** Parses `text` when it is inside the subset; undefined when it is not (parse it with smol-toml then). */
export function parseTomlSubset(text: string): Record<string, unknown> | undefined {
  try {
    return new SubsetParser(text).parse();
  } catch (err) {
    if (err === OUTSIDE) return undefined;
    throw err;
  }
}

function isBareKeyChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x5f
  );
}

/** Arrays and inline tables nested deeper than this are outside the subset (and the stack stays shallow). */
const MAX_NESTING = 32;

class SubsetParser {
  private i = 0;
  private depth = 0;
  private readonly marks: Marks = {
    inline: new WeakSet(),
    arrayOfTables: new WeakSet(),
    explicit: new WeakSet(),
  };

  /** No backslash or control character (other than tab and LF) anywhere: strings need no per-string check. */
  private readonly clean: boolean;

  constructor(private readonly s: string) {
    this.clean = !UNCLEAN_TEXT.test(s);
  }

  parse(): Record<string, unknown> {
    const s = this.s;
    const root = table();
    let current = root;
    if (s.charCodeAt(0) === 0xfeff) this.i = 1;
    for (;;) {
      this.skipBlank(true);
      if (this.i >= s.length) return root;
      if (s.charCodeAt(this.i) === 0x5b) {
        current = this.header(root);
      } else {
        const key = this.key();
        this.skipSpaces();
        if (s.charCodeAt(this.i) !== 0x3d) throw OUTSIDE;
        this.i++;
        this.skipSpaces();
        const value = this.value();
        if (Object.hasOwn(current, key)) throw OUTSIDE;
        current[key] = value;
        // Only an inline table that is a table's value can be reached by a later header; mark those.
        if (isPlainTable(value)) this.marks.inline.add(value);
      }
      this.endOfLine();
    }
  }

  /** `[a.b]` or `[[a.b]]`; returns the table that following keys go into. */
  private header(root: Record<string, unknown>): Record<string, unknown> {
    const s = this.s;
    const isArray = s.charCodeAt(this.i + 1) === 0x5b;
    this.i += isArray ? 2 : 1;
    const path: string[] = [];
    for (;;) {
      this.skipSpaces();
      path.push(this.key());
      this.skipSpaces();
      const c = s.charCodeAt(this.i);
      if (c === 0x2e) {
        this.i++;
        continue;
      }
      if (c !== 0x5d) throw OUTSIDE;
      this.i++;
      if (isArray) {
        if (s.charCodeAt(this.i) !== 0x5d) throw OUTSIDE;
        this.i++;
      }
      break;
    }
    let parent = root;
    for (let k = 0; k < path.length - 1; k++) parent = this.descend(parent, path[k]!);
    const last = path[path.length - 1]!;
    const existing = parent[last];
    if (isArray) {
      let array: unknown[];
      if (existing === undefined) {
        array = [];
        this.marks.arrayOfTables.add(array);
        parent[last] = array;
      } else if (Array.isArray(existing) && this.marks.arrayOfTables.has(existing)) {
        array = existing;
      } else {
        throw OUTSIDE;
      }
      const t = table();
      this.marks.explicit.add(t);
      array.push(t);
      return t;
    }
    if (existing === undefined) {
      const t = table();
      this.marks.explicit.add(t);
      parent[last] = t;
      return t;
    }
    if (!isPlainTable(existing) || this.marks.inline.has(existing) || this.marks.explicit.has(existing))
      throw OUTSIDE;
    this.marks.explicit.add(existing);
    return existing;
  }

  /** The table a header path passes through: created implicitly, or the last element of an array of tables. */
  private descend(parent: Record<string, unknown>, key: string): Record<string, unknown> {
    const existing = parent[key];
    if (existing === undefined) {
      const t = table();
      parent[key] = t;
      return t;
    }
    if (Array.isArray(existing)) {
      if (!this.marks.arrayOfTables.has(existing)) throw OUTSIDE;
      const last = existing[existing.length - 1];
      if (!isPlainTable(last)) throw OUTSIDE;
      return last;
    }
    if (!isPlainTable(existing) || this.marks.inline.has(existing)) throw OUTSIDE;
    return existing;
  }

  /** One key: bare, or a single-line basic/literal string. Dotted keys are outside the subset. */
  private key(): string {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    let key: string;
    if (c === 0x22) key = this.basicString();
    else if (c === 0x27) key = this.literalString();
    else {
      const start = this.i;
      while (this.i < s.length && isBareKeyChar(s.charCodeAt(this.i))) this.i++;
      if (this.i === start) throw OUTSIDE;
      key = internedKey(s, start, this.i) ?? s.slice(start, this.i);
    }
    if (key === '__proto__') throw OUTSIDE;
    return key;
  }

  private value(): unknown {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 0x22) return this.basicString();
    if (c === 0x27) return this.literalString();
    if (c === 0x5b || c === 0x7b) {
      if (++this.depth > MAX_NESTING) throw OUTSIDE;
      const nested = c === 0x5b ? this.array() : this.inlineTable();
      this.depth--;
      return nested;
    }
    if (c === 0x74 && s.startsWith('true', this.i)) {
      this.i += 4;
      this.requireDelimiter();
      return true;
    }
    if (c === 0x66 && s.startsWith('false', this.i)) {
      this.i += 5;
      this.requireDelimiter();
      return false;
    }
    return this.integer();
  }

  /** A decimal integer that fits a double exactly; anything else numeric (floats, dates, 0x, _) is outside. */
  private integer(): number {
    const s = this.s;
    const start = this.i;
    let c = s.charCodeAt(this.i);
    if (c === 0x2b || c === 0x2d) {
      this.i++;
      c = s.charCodeAt(this.i);
    }
    const digitsStart = this.i;
    while (c >= 0x30 && c <= 0x39) c = s.charCodeAt(++this.i);
    const digits = this.i - digitsStart;
    if (digits === 0 || digits > 15) throw OUTSIDE;
    if (digits > 1 && s.charCodeAt(digitsStart) === 0x30) throw OUTSIDE;
    this.requireDelimiter();
    const n = Number(s.slice(start, this.i));
    return n === 0 ? 0 : n;
  }

  /** After a bare value: only whitespace, a comma, a closing bracket or brace, a comment or a line end. */
  private requireDelimiter(): void {
    const c = this.s.charCodeAt(this.i);
    if (
      this.i >= this.s.length ||
      c === 0x20 ||
      c === 0x09 ||
      c === 0x0a ||
      c === 0x0d ||
      c === 0x2c ||
      c === 0x5d ||
      c === 0x7d ||
      c === 0x23
    )
      return;
    throw OUTSIDE;
  }

  private basicString(): string {
    const s = this.s;
    if (s.startsWith('"""', this.i)) throw OUTSIDE;
    const start = this.i + 1;
    const close = s.indexOf('"', start);
    if (close < 0) throw OUTSIDE;
    // The common cases: a text with no escapes or control characters anywhere (then only a line break
    // inside the quotes could be wrong), or a string checked natively.
    if (this.clean) {
      const nl = s.indexOf('\n', start);
      if (nl < 0 || nl > close) {
        this.i = close + 1;
        return s.slice(start, close);
      }
      throw OUTSIDE;
    }
    const fast = s.slice(start, close);
    if (!NEEDS_CARE.test(fast)) {
      this.i = close + 1;
      return fast;
    }
    let j = start;
    const parts: string[] = [];
    let runStart = start;
    for (;;) {
      if (j >= s.length) throw OUTSIDE;
      const c = s.charCodeAt(j);
      if (c === 0x22) break;
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw OUTSIDE;
      if (c === 0x5c) {
        parts.push(s.slice(runStart, j));
        const { text, length } = this.escape(j);
        parts.push(text);
        j += length;
        runStart = j;
        continue;
      }
      j++;
    }
    this.i = j + 1;
    parts.push(s.slice(runStart, j));
    return parts.join('');
  }

  /** The escape at `at` (a backslash): its text and how many characters it spans. */
  private escape(at: number): { text: string; length: number } {
    const s = this.s;
    const e = s[at + 1];
    switch (e) {
      case '"':
        return { text: '"', length: 2 };
      case '\\':
        return { text: '\\', length: 2 };
      case 'n':
        return { text: '\n', length: 2 };
      case 't':
        return { text: '\t', length: 2 };
      case 'r':
        return { text: '\r', length: 2 };
      case 'b':
        return { text: '\b', length: 2 };
      case 'f':
        return { text: '\f', length: 2 };
      case 'u':
      case 'U': {
        const width = e === 'u' ? 4 : 8;
        const hex = s.slice(at + 2, at + 2 + width);
        if (hex.length !== width || !/^[0-9A-Fa-f]+$/.test(hex)) throw OUTSIDE;
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw OUTSIDE;
        return { text: String.fromCodePoint(code), length: 2 + width };
      }
      default:
        throw OUTSIDE;
    }
  }

  private literalString(): string {
    const s = this.s;
    if (s.startsWith("'''", this.i)) throw OUTSIDE;
    const start = this.i + 1;
    const end = s.indexOf("'", start);
    if (end < 0) throw OUTSIDE;
    for (let j = start; j < end; j++) {
      const c = s.charCodeAt(j);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw OUTSIDE;
    }
    this.i = end + 1;
    return s.slice(start, end);
  }

  private array(): unknown[] {
    const s = this.s;
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.skipBlank(true);
      if (s.charCodeAt(this.i) === 0x5d) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.skipBlank(true);
      const c = s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      throw OUTSIDE;
    }
  }

  private inlineTable(): Record<string, unknown> {
    const s = this.s;
    this.i++;
    const out = table();
    this.skipSpaces();
    if (s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return out;
    }
    for (;;) {
      this.skipSpaces();
      const key = this.key();
      this.skipSpaces();
      if (s.charCodeAt(this.i) !== 0x3d) throw OUTSIDE;
      this.i++;
      this.skipSpaces();
      const value = this.value();
      if (Object.hasOwn(out, key)) throw OUTSIDE;
      out[key] = value;
      this.skipSpaces();
      const c = s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return out;
      }
      throw OUTSIDE;
    }
  }

  private skipSpaces(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09) return;
      this.i++;
    }
  }

  /** Spaces, comments and (when `newlines`) line ends. */
  private skipBlank(newlines: boolean): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09) this.i++;
      else if (c === 0x23) this.comment();
      else if (newlines && c === 0x0a) this.i++;
      else if (newlines && c === 0x0d && s.charCodeAt(this.i + 1) === 0x0a) this.i += 2;
      else return;
    }
  }

  private comment(): void {
    const s = this.s;
    let j = this.i + 1;
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x0a || (c === 0x0d && s.charCodeAt(j + 1) === 0x0a)) break;
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw OUTSIDE;
    }
    this.i = j;
  }

  /** After a key/value pair or header: optional spaces and comment, then a line end or the end of text. */
  private endOfLine(): void {
    this.skipSpaces();
    const s = this.s;
    if (s.charCodeAt(this.i) === 0x23) this.comment();
    if (this.i >= s.length) return;
    const c = s.charCodeAt(this.i);
    if (c === 0x0a) {
      this.i++;
      return;
    }
    if (c === 0x0d && s.charCodeAt(this.i + 1) === 0x0a) {
      this.i += 2;
      return;
    }
    throw OUTSIDE;
  }
}

/**
 * A table. Plain objects, not smol-toml's null-prototype ones: V8 keeps null-prototype objects in slow
 * dictionary mode, which doubled the parse time. `__proto__` keys are outside the subset, so no key can
 * reach the prototype.
 */
function table(): Record<string, unknown> {
  return {};
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
