import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';

/** `\x93NUMPY`: the first six bytes of every .npy file. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;

/** numpy itself refuses headers over 10 KB unless told otherwise; 1 MiB leaves room without letting a header eat memory. */
const MAX_HEADER_BYTES = 1 << 20;

/** Deep nesting only serves to blow the stack of a recursive parser; real headers nest two or three levels. */
const MAX_DEPTH = 32;

/** A Python tuple literal, kept distinct from a list because numpy requires `shape` to be a tuple. */
export interface PyTuple {
  readonly tuple: PyLiteral[];
}

/** A Python dict literal as ordered key/value pairs (keys need not be strings). */
export interface PyDict {
  readonly dict: [PyLiteral, PyLiteral][];
}

/** The subset of Python literals that appear in .npy headers. */
export type PyLiteral = string | number | boolean | null | PyLiteral[] | PyTuple | PyDict;

/** The parsed header of a .npy file. */
export interface NpyHeader {
  /** Format version, [major, minor]. */
  version: [number, number];
  /** The dtype description: a string like `'<f8'` or a structured list of `(name, format[, shape])` tuples. */
  descr: PyLiteral;
  fortranOrder: boolean;
  shape: number[];
  /** Length of the header dict text, as declared in the preamble. */
  headerLength: number;
  /** Where the array data starts: for object arrays, a pickle. */
  dataOffset: number;
  /** True when the dtype holds Python objects, meaning the data section is a pickle. */
  isObject: boolean;
}

/** True when the source starts with the .npy magic. */
export function isNpy(src: ByteSource): boolean {
  const head = src.readAt(0, MAGIC.length);
  return head.length === MAGIC.length && MAGIC.every((b, i) => head[i] === b);
}

/** Parses the preamble and header dict of a .npy file; throws ParapetError('MALFORMED') on anything numpy would reject. */
export function parseNpyHeader(src: ByteSource): NpyHeader {
  if (!isNpy(src)) throw new ParapetError('MALFORMED', 'npy: missing \\x93NUMPY magic');
  const pre = src.readAt(6, 6);
  if (pre.length < 4) throw new ParapetError('MALFORMED', 'npy: file ends inside the preamble');
  const major = pre[0]!;
  const minor = pre[1]!;
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = pre[2]! | (pre[3]! << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (pre.length < 6) throw new ParapetError('MALFORMED', 'npy: file ends inside the preamble');
    headerLength = (pre[2]! | (pre[3]! << 8) | (pre[4]! << 16)) + pre[5]! * 0x1000000;
    start = 12;
  } else {
    throw new ParapetError('MALFORMED', `npy: unsupported format version ${major}.${minor}`);
  }
  if (headerLength > MAX_HEADER_BYTES) {
    throw new ParapetError(
      'LIMIT',
      `npy: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte cap`,
    );
  }
  const raw = src.readAt(start, headerLength);
  if (raw.length < headerLength) {
    throw new ParapetError('MALFORMED', `npy: header declares ${headerLength} bytes but the file ends first`);
  }
  const text = decodeHeader(raw, major === 3);
  const dict = parsePyLiteral(text);
  if (typeof dict !== 'object' || dict === null || !('dict' in dict)) {
    throw new ParapetError('MALFORMED', 'npy: header is not a dict literal');
  }
  const fields = new Map<string, PyLiteral>();
  for (const [k, v] of dict.dict) {
    if (typeof k !== 'string') throw new ParapetError('MALFORMED', 'npy: header dict has a non-string key');
    fields.set(k, v);
  }
  // numpy rejects any header whose keys are not exactly these three, so anything else is not a loadable array.
  const keys = [...fields.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw new ParapetError(
      'MALFORMED',
      `npy: header keys are [${keys.slice(0, 200)}], expected descr, fortran_order, shape`,
    );
  }
  const descr = fields.get('descr')!;
  const fortranOrder = fields.get('fortran_order');
  if (typeof fortranOrder !== 'boolean')
    throw new ParapetError('MALFORMED', 'npy: fortran_order is not a bool');
  const shape = toShape(fields.get('shape')!);
  if (typeof descr !== 'string' && !Array.isArray(descr)) {
    throw new ParapetError('MALFORMED', 'npy: descr is neither a string nor a list');
  }
  return {
    version: [major, minor],
    descr,
    fortranOrder,
    shape,
    headerLength,
    dataOffset: start + headerLength,
    isObject: descrHoldsObjects(descr, 0),
  };
}

function decodeHeader(raw: Uint8Array, utf8: boolean): string {
  if (!utf8) return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ParapetError('MALFORMED', 'npy: version 3 header is not valid UTF-8');
  }
}

function toShape(v: PyLiteral): number[] {
  if (typeof v !== 'object' || v === null || !('tuple' in v)) {
    throw new ParapetError('MALFORMED', 'npy: shape is not a tuple');
  }
  return v.tuple.map((d) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ParapetError('MALFORMED', 'npy: shape holds something other than a non-negative integer');
    }
    return d;
  });
}

/**
 * Conservative: any dtype string mentioning `O` or `object` counts, because numpy accepts spellings such as
 * `'|O'`, `'O8'`, `'O,i4'` and `'(2,)O'`, and no non-object dtype code uses a capital O.
 */
function descrHoldsObjects(descr: PyLiteral, depth: number): boolean {
  if (depth > MAX_DEPTH) return true;
  if (typeof descr === 'string') return /O|object/.test(descr);
  if (!Array.isArray(descr)) return true; // not a shape numpy builds a dtype from: assume the worst
  for (const field of descr) {
    const items = Array.isArray(field)
      ? field
      : typeof field === 'object' && field && 'tuple' in field
        ? field.tuple
        : undefined;
    if (!items || items.length < 2) return true;
    if (descrHoldsObjects(items[1]!, depth + 1)) return true;
  }
  return false;
}

/**
 * Parses one Python literal (str, int, True/False/None, tuple, list, dict) with nothing evaluated.
 * Only what .npy headers use is accepted; floats, bytes arithmetic and names throw ParapetError('MALFORMED').
 */
export function parsePyLiteral(text: string): PyLiteral {
  const p = new LiteralParser(text);
  const value = p.value(0);
  p.skipSpace();
  if (p.pos !== text.length) p.fail('trailing characters after the literal');
  return value;
}

class LiteralParser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new ParapetError('MALFORMED', `npy: header literal: ${what} at offset ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }

  value(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.skipSpace();
    const c = this.s[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{') return { dict: this.sequence('}', depth, true) as [PyLiteral, PyLiteral][] };
    if (c === '[') return this.sequence(']', depth, false) as PyLiteral[];
    if (c === '(') {
      const items = this.sequence(')', depth, false) as PyLiteral[];
      // `(x)` is just x in Python; only a comma (or emptiness) makes a tuple.
      return items.length === 1 && !this.lastHadComma ? items[0]! : { tuple: items };
    }
    if (c === "'" || c === '"') return this.string();
    if ((c === 'u' || c === 'b') && (this.s[this.pos + 1] === "'" || this.s[this.pos + 1] === '"')) {
      this.pos++;
      return this.string();
    }
    if (/[-+0-9]/.test(c)) return this.int();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.pos) && !/\w/.test(this.s[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(`unsupported token ${JSON.stringify(c)}`);
  }

  private lastHadComma = false;

  private sequence(close: string, depth: number, pairs: boolean): PyLiteral[] | [PyLiteral, PyLiteral][] {
    this.pos++;
    const out: (PyLiteral | [PyLiteral, PyLiteral])[] = [];
    let hadComma = false;
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] === close) {
        this.pos++;
        this.lastHadComma = hadComma;
        return out as PyLiteral[] | [PyLiteral, PyLiteral][];
      }
      if (out.length > 0 && !hadComma) this.fail(`expected ',' or '${close}'`);
      const v = this.value(depth + 1);
      if (pairs) {
        this.skipSpace();
        if (this.s[this.pos] !== ':') this.fail("expected ':'");
        this.pos++;
        out.push([v, this.value(depth + 1)]);
      } else {
        out.push(v);
      }
      this.skipSpace();
      hadComma = this.s[this.pos] === ',';
      if (hadComma) this.pos++;
    }
  }

  private string(): string {
    const quote = this.s[this.pos]!;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.pos];
      this.pos++;
      const simple: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        '0': '\0',
        '\\': '\\',
        "'": "'",
        '"': '"',
      };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === 'x' || e === 'u') {
        const len = e === 'x' ? 2 : 4;
        const hex = this.s.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail('bad escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.pos += len;
      } else this.fail('unsupported escape');
    }
  }

  private int(): number {
    const m = /^[-+]?\d+L?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m || /[\w.]/.test(this.s[this.pos + m[0].length] ?? '')) this.fail('unsupported number');
    this.pos += m[0].length;
    // Python 2 era numpy wrote longs as `3L`; a 400-digit int becomes Infinity and fails the shape check.
    const n = Number(m[0].replace('L', ''));
    return n === 0 ? 0 : n; // no -0 in a shape
  }
}
