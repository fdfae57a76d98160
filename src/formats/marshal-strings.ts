/**
 * Strings inside a CPython `marshal` dump (a code object Keras stored for a Lambda), found by scanning for
 * marshal's string records, never by unmarshalling: names (`co_names`: `os`, `system`), constants (`'id'`) and
 * variable names all travel as these records. The scan skips `bytes` records (the bytecode itself) so opcode
 * bytes are not misread as string headers.
 */

/** Marshal type codes (Python/marshal.c); the high bit 0x80 is FLAG_REF and is masked off. */
const TYPE_STRING = 0x73; // 's': bytes (co_code, byte constants)
const TYPE_ASCII = 0x61; // 'a'
const TYPE_ASCII_INTERNED = 0x41; // 'A'
const TYPE_SHORT_ASCII = 0x7a; // 'z'
const TYPE_SHORT_ASCII_INTERNED = 0x5a; // 'Z'
const TYPE_UNICODE = 0x75; // 'u'
const TYPE_INTERNED = 0x74; // 't'
/** Longer strings are not names; they are still reported, cut to this length. */
const MAX_STRING = 200;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Up to `max` distinct printable strings found in `bytes`, in order of first appearance. */
export function marshalStrings(bytes: Uint8Array, max: number): string[] {
  const found = new Set<string>();
  const u32 = (at: number): number =>
    at + 4 <= bytes.length
      ? (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
      : -1;
  let i = 0;
  while (i < bytes.length && found.size < max) {
    const type = bytes[i]! & 0x7f;
    let start = -1;
    let len = -1;
    if (type === TYPE_SHORT_ASCII || type === TYPE_SHORT_ASCII_INTERNED) {
      if (i + 1 < bytes.length) {
        start = i + 2;
        len = bytes[i + 1]!;
      }
    } else if (
      type === TYPE_ASCII ||
      type === TYPE_ASCII_INTERNED ||
      type === TYPE_UNICODE ||
      type === TYPE_INTERNED
    ) {
      start = i + 5;
      len = u32(i + 1);
    } else if (type === TYPE_STRING) {
      const n = u32(i + 1);
      // Skip a plausible bytes record whole: its contents are bytecode, not strings.
      if (n > 0 && i + 5 + n <= bytes.length) {
        i += 5 + n;
        continue;
      }
    }
    if (len > 0 && start + len <= bytes.length) {
      const text = decodePrintable(bytes.subarray(start, start + len));
      if (text !== undefined) {
        found.add(text.length > MAX_STRING ? text.slice(0, MAX_STRING) : text);
        i = start + len;
        continue;
      }
    }
    i++;
  }
  return [...found];
}

/** The text of `chunk` when it is valid UTF-8 with no control characters, else undefined. */
function decodePrintable(chunk: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8.decode(chunk);
  } catch {
    return undefined;
  }
  // Tabs and newlines appear in string constants (shell scripts); other control bytes mean a misread header.
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) ? undefined : text;
}
