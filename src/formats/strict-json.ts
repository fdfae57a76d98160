import { ParapetError } from '../core/errors.ts';

/**
 * A strict RFC 8259 JSON parser that keeps what `JSON.parse` throws away: every member of an object in
 * order (duplicates included), number literals as text (no precision lost past 2^53), and the position of
 * every value. Loaders disagree on duplicate keys (Python's json keeps the last, serde structs reject them),
 * on lone surrogates and on huge integers, so a scanner that wants to see what each loader sees needs all of it.
 */

/** A parsed JSON value; `at` is the index in the source text where it starts. */
export type JsonNode =
  | { kind: 'object'; at: number; entries: JsonEntry[] }
  | { kind: 'array'; at: number; items: JsonNode[] }
  | { kind: 'string'; at: number; value: string }
  | { kind: 'number'; at: number; text: string }
  | { kind: 'literal'; at: number; value: boolean | null };

/** One object member, in source order. */
export interface JsonEntry {
  key: string;
  keyAt: number;
  value: JsonNode;
}

/** Something a lenient loader accepts and a strict one rejects; parsing continues past it. */
export interface JsonQuirk {
  kind: 'duplicate-key' | 'lone-surrogate';
  at: number;
  detail: string;
}

/** The parse: a tree, or the first syntax error (with the quirks seen before it). */
export interface JsonParse {
  root: JsonNode | undefined;
  error: { at: number; detail: string } | undefined;
  quirks: JsonQuirk[];
}

/** serde_json's recursion limit: anything deeper is rejected by the reference safetensors loader. */
export const MAX_JSON_DEPTH = 128;
const MAX_QUIRKS = 100;

class SyntaxFailure {
  constructor(
    readonly at: number,
    readonly detail: string,
  ) {}
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses `text` as one JSON value surrounded only by JSON whitespace. Never throws on bad input (a syntax
 * error is returned); throws ParapetError LIMIT when the document has more than `maxNodes` values, so the
 * tree stays bounded whatever the declared header size.
 */
export function parseStrictJson(text: string, maxNodes: number): JsonParse {
  const quirks: JsonQuirk[] = [];
  let pos = 0;
  let nodes = 0;
  const quirk = (q: JsonQuirk): void => {
    if (quirks.length < MAX_QUIRKS) quirks.push(q);
  };
  const skipWs = (): void => {
    while (pos < text.length && WS.has(text.charCodeAt(pos))) pos++;
  };
  const fail = (detail: string): never => {
    throw new SyntaxFailure(pos, detail);
  };
  const expect = (word: string): void => {
    if (text.startsWith(word, pos)) pos += word.length;
    else fail(`unexpected ${describeChar(text, pos)}`);
  };

  const parseString = (): string => {
    const start = pos++;
    let out = '';
    let run = pos;
    for (;;) {
      if (pos >= text.length) throw new SyntaxFailure(start, 'unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(run, pos++);
        break;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(run, pos);
      const e = text[pos + 1] ?? '';
      if (e === 'u') {
        const unit = hex4(text, pos + 2) ?? fail('bad \\u escape');
        pos += 6;
        if (unit >= 0xd800 && unit <= 0xdbff && text.startsWith('\\u', pos)) {
          const low = hex4(text, pos + 2);
          if (low !== undefined && low >= 0xdc00 && low <= 0xdfff) {
            out += String.fromCharCode(unit, low);
            pos += 6;
            run = pos;
            continue;
          }
        }
        if (unit >= 0xd800 && unit <= 0xdfff) {
          quirk({ kind: 'lone-surrogate', at: pos - 6, detail: `lone surrogate \\u${unit.toString(16)}` });
        }
        out += String.fromCharCode(unit);
      } else if (ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        pos += 2;
      } else fail(`bad escape \\${e}`);
      run = pos;
    }
    return out;
  };

  const parseValue = (depth: number): JsonNode => {
    if (++nodes > maxNodes) throw new ParapetError('LIMIT', `JSON has more than ${maxNodes} values`);
    if (depth > MAX_JSON_DEPTH) fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    skipWs();
    const at = pos;
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: JsonEntry[] = [];
      const seen = new Set<string>();
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', at, entries };
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail(`expected a key, found ${describeChar(text, pos)}`);
        const keyAt = pos;
        const key = parseString();
        skipWs();
        expect(':');
        const value = parseValue(depth + 1);
        if (seen.has(key))
          quirk({ kind: 'duplicate-key', at: keyAt, detail: `duplicate key ${JSON.stringify(key)}` });
        seen.add(key);
        entries.push({ key, keyAt, value });
        skipWs();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return { kind: 'object', at, entries };
        } else fail(`expected , or } in object, found ${describeChar(text, pos)}`);
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', at, items };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipWs();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return { kind: 'array', at, items };
        } else fail(`expected , or ] in array, found ${describeChar(text, pos)}`);
      }
    }
    if (c === '"') return { kind: 'string', at, value: parseString() };
    if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      expect(word);
      return { kind: 'literal', at, value: word === 'null' ? null : word === 'true' };
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m === null) return fail(`unexpected ${describeChar(text, pos)}`);
    pos += m[0].length;
    return { kind: 'number', at, text: m[0] };
  };

  try {
    const root = parseValue(0);
    skipWs();
    if (pos < text.length) fail(`trailing ${describeChar(text, pos)} after the JSON value`);
    return { root, error: undefined, quirks };
  } catch (err) {
    if (err instanceof SyntaxFailure)
      return { root: undefined, error: { at: err.at, detail: err.detail }, quirks };
    throw err;
  }
}

function hex4(text: string, at: number): number | undefined {
  const s = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(s) ? Number.parseInt(s, 16) : undefined;
}

function describeChar(text: string, at: number): string {
  return at >= text.length ? 'end of input' : `character ${JSON.stringify(text[at])} at ${at}`;
}
