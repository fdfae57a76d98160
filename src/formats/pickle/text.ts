/** Decoders for the text encodings pickle uses, all strict like CPython's unpickler. */

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Strict UTF-8 (BINUNICODE family, GLOBAL/INST names); throws on invalid input as CPython does. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new Error('invalid UTF-8 in a text argument');
  }
}

const utf8Loose = new TextDecoder('utf-8');

/** UTF-8 with replacement characters, for prefixes of long literals that may end inside a character. */
export function decodeLoose(bytes: Uint8Array): string {
  return utf8Loose.decode(bytes);
}

/** Latin-1 view of bytes, for evidence and for pattern checks on byte strings. */
export function decodeLatin1(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

/** Protocol-0 UNICODE argument: raw-unicode-escape (latin-1 plus \uXXXX and \UXXXXXXXX escapes). */
export function decodeRawUnicodeEscape(bytes: Uint8Array): string {
  const s = decodeLatin1(bytes);
  return s.replace(
    /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
    (_m, u4: string | undefined, u8: string | undefined) => {
      const cp = Number.parseInt((u4 ?? u8)!, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : _m;
    },
  );
}

/** Protocol-0 STRING argument: a Python repr in single or double quotes, with backslash escapes. */
export function decodeQuotedString(bytes: Uint8Array): string {
  const s = decodeLatin1(bytes);
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) {
    throw new Error('STRING argument is not a quoted string');
  }
  const body = s.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/gs, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8) & 0xff);
    const simple: Record<string, string> = {
      n: '\n',
      r: '\r',
      t: '\t',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '0': '\0',
    };
    return simple[e] ?? `\\${e}`;
  });
}
