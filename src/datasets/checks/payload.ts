/**
 * Recognises executable payloads in data: pickles (raw bytes, a string holding their bytes, or base64) and
 * base64 runs that decode to Python or shell code. Recognising only: nothing is unpickled, decoded code is
 * matched against patterns and never run. The pickle import names come from a light scan of GLOBAL and
 * STACK_GLOBAL operands, enough to name what a loader would import.
 */

export interface Payload {
  kind: 'pickle' | 'python' | 'shell' | 'code';
  /** How it was stored: raw bytes, base64 in a text, or a string of latin-1 bytes. */
  encoding: 'raw' | 'base64' | 'latin1';
  /** True when it names something that runs commands, opens sockets or evaluates code. */
  dangerous: boolean;
  /** Pickle: `module.name` imports seen; code: the pattern that matched. */
  detail: string[];
  /** A short readable excerpt (decoded code, or the imports). */
  excerpt: string;
}

/**
 * Base64 runs long enough to hold a payload (a one-line command), or shorter runs that start like a pickle
 * (`gA…` is base64 for the PROTO byte 0x80): a minimal pickle is about twenty bytes.
 */
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])(?:gA[A-Za-z0-9+/_-]{14,}|[A-Za-z0-9+/_-]{40,})={0,2}/g;
/** Texts shorter than this hold no run worth decoding. */
export const MIN_PAYLOAD_TEXT = 16;
/** Runs decoded per text and bytes decoded per run: bounded work on hostile input. */
const MAX_RUNS = 8;
const MAX_DECODED = 64 * 1024;

const DANGEROUS_MODULES =
  /^(?:os|posix|nt|subprocess|pty|socket|sys|runpy|importlib|ctypes|shutil|webbrowser|requests|urllib\d?|http|httplib|commands|code|marshal|pickle|_pickle|dill|types|platform|asyncio\.subprocess)(?:\.|$)/;
const DANGEROUS_BUILTINS =
  /^(?:__builtin__|builtins)\.(?:eval|exec|compile|open|getattr|__import__|execfile|input)$/;

const PYTHON_DANGER =
  /__import__\s*\(|\bexec\s*\(|\beval\s*\(|os\.(?:system|popen|exec\w*|spawn\w*)\s*\(|subprocess\.(?:Popen|run|call|check_call|check_output|getoutput)\s*\(|socket\.socket\s*\(|pty\.spawn\s*\(|\bimport\s+(?:os|subprocess|socket|pty|ctypes)\b/;
const SHELL_DANGER =
  /\b(?:curl|wget)\s[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b|\/dev\/tcp\/|\bnc(?:at)?\s+(?:-\w+\s+)*-e\s|\bbash\s+-i\b|\brm\s+-rf\s+[/~]|\bmkfifo\b|\bpowershell(?:\.exe)?\s[^\n]*-(?:e|enc|encodedcommand)\s|\bchmod\s+\+x\s/i;
const CODE_SHAPE = /^\s*(?:#!\s*\/|import\s+\w|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|class\s+\w+[(:])/m;

/** True for the start of a binary pickle (PROTO 2–5) or a text pickle beginning with GLOBAL. */
function looksLikePickle(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const last = lastNonSpace(bytes);
  // Every complete pickle ends with STOP ('.').
  if (last !== 0x2e) return false;
  if (bytes[0] === 0x80) return (bytes[1] ?? 0) >= 2 && (bytes[1] ?? 0) <= 5;
  // Protocol 0/1: `cmodule\nname\n` (GLOBAL) at the start or after MARK '('.
  const head = latin1(bytes.subarray(0, 256));
  return /^\(?c[A-Za-z_][\w.]*\n[A-Za-z_][\w.]*\n/.test(head);
}

function lastNonSpace(bytes: Uint8Array): number | undefined {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i] ?? 0;
    if (b !== 0x0a && b !== 0x0d && b !== 0x20) return b;
  }
  return undefined;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** `module.name` imports: GLOBAL (`c` + two lines) and STACK_GLOBAL after two SHORT_BINUNICODE strings. */
export function pickleImports(bytes: Uint8Array, max = 20): string[] {
  const found = new Set<string>();
  const text = latin1(bytes.subarray(0, MAX_DECODED));
  for (const m of text.matchAll(/c([A-Za-z_][\w.]{0,100})\n([A-Za-z_][\w.]{0,100})\n/g)) {
    found.add(`${m[1]}.${m[2]}`);
    if (found.size >= max) return [...found];
  }
  const strings: string[] = [];
  for (let i = 0; i < Math.min(bytes.length, MAX_DECODED); i++) {
    const op = bytes[i];
    if (op === 0x8c) {
      const n = bytes[i + 1] ?? 0;
      strings.push(text.slice(i + 2, i + 2 + n));
      i += 1 + n;
    } else if (op === 0x93 && strings.length >= 2) {
      found.add(`${strings[strings.length - 2]}.${strings[strings.length - 1]}`);
      if (found.size >= max) break;
    }
  }
  return [...found];
}

function picklePayload(bytes: Uint8Array, encoding: Payload['encoding']): Payload {
  const imports = pickleImports(bytes);
  const dangerous = imports.some((i) => DANGEROUS_MODULES.test(i) || DANGEROUS_BUILTINS.test(i));
  return {
    kind: 'pickle',
    encoding,
    dangerous,
    detail: imports,
    excerpt: imports.length === 0 ? 'no imports' : imports.slice(0, 5).join(', '),
  };
}

/** Code in a decoded text: Python or shell that runs commands (dangerous), or any other code shape. */
function codePayload(text: string, encoding: Payload['encoding']): Payload | undefined {
  const head = text.slice(0, 4096);
  let printable = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || c >= 0xa0) printable++;
  }
  if (head.length === 0 || printable / head.length < 0.95) return undefined;
  const excerpt = head.replace(/\s+/g, ' ').trim().slice(0, 160);
  const py = PYTHON_DANGER.exec(head);
  if (py !== null) return { kind: 'python', encoding, dangerous: true, detail: [py[0].trim()], excerpt };
  const sh = SHELL_DANGER.exec(head);
  if (sh !== null) return { kind: 'shell', encoding, dangerous: true, detail: [sh[0].trim()], excerpt };
  const shape = CODE_SHAPE.exec(head);
  if (shape !== null) return { kind: 'code', encoding, dangerous: false, detail: [shape[0].trim()], excerpt };
  return undefined;
}

/** Payloads in a binary value: a pickle, or an ASCII base64 string whose decoding holds one. */
export function payloadsInBytes(bytes: Uint8Array): Payload[] {
  if (looksLikePickle(bytes)) return [picklePayload(bytes, 'raw')];
  const head = latin1(bytes.subarray(0, 64));
  if (/^[A-Za-z0-9+/_-]{40,}/.test(head)) return payloadsInText(latin1(bytes.subarray(0, MAX_DECODED * 2)));
  const code = codePayload(latin1(bytes.subarray(0, 4096)), 'raw');
  return code === undefined ? [] : [code];
}

/** Payloads in a text: a string of pickle bytes, or base64 runs that decode to a pickle or to code. */
export function payloadsInText(text: string): Payload[] {
  const out: Payload[] = [];
  // A JSON string can carry raw bytes as \u0080\u0004…: the text is then a latin-1 pickle.
  if (text.charCodeAt(0) === 0x80 && text.length < MAX_DECODED) {
    const bytes = Buffer.from(text, 'latin1');
    if (looksLikePickle(bytes)) out.push(picklePayload(bytes, 'latin1'));
  }
  if (text.length < MIN_PAYLOAD_TEXT) return out;
  let runs = 0;
  for (const m of text.matchAll(BASE64_RUN)) {
    if (++runs > MAX_RUNS) break;
    const run = m[0].slice(0, MAX_DECODED * 2);
    const bytes = Buffer.from(run, run.includes('-') || run.includes('_') ? 'base64url' : 'base64');
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (looksLikePickle(view)) {
      out.push(picklePayload(view, 'base64'));
      continue;
    }
    const code = codePayload(bytes.toString('utf8'), 'base64');
    if (code !== undefined) out.push(code);
  }
  return out;
}
