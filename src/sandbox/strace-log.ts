/**
 * Parser for `strace -f -y -o LOG` output: one line per system call, prefixed by the pid. It copes with
 * what strace really writes under `-f`: calls split into `<unfinished ...>` and `<... name resumed>`
 * halves when another process runs in between, strings cut at `-s` (`"abc"...`), octal and hex escapes,
 * signal lines (`--- SIGCHLD ... ---`) and exit lines (`+++ killed by SIGKILL +++`). A line it cannot read
 * is counted, never fatal: the log is written while untrusted code runs and may end mid-line.
 */

/** One completed system call. `args` are the top-level arguments as strace printed them. */
export interface SyscallEvent {
  kind: 'syscall';
  pid: number;
  name: string;
  args: string[];
  /** Return value as printed, without the errno part: "0", "-1", "3</etc/passwd>", "?". */
  returned: string;
  /** ENOENT, EACCES, EROFS... when the call failed. */
  errno?: string;
  /** 1-based line of the log where the call ended, for evidence. */
  line: number;
}

/** A process ended: exited with a status or killed by a signal. */
export interface ExitEvent {
  kind: 'exit';
  pid: number;
  code?: number;
  signal?: string;
  line: number;
}

export type TraceEvent = SyscallEvent | ExitEvent;

export interface ParsedLog {
  events: TraceEvent[];
  /** Lines that were neither a call, a signal, an exit nor a known strace notice. */
  unparsed: number;
}

const LINE_START = /^(\d+)\s+(.*)$/;
const UNFINISHED = ' <unfinished ...>';
const RESUMED = /^<\.\.\. ([a-z0-9_]+) resumed>\s?(.*)$/;
const EXITED = /^\+\+\+ exited with (\d+) \+\+\+$/;
const KILLED = /^\+\+\+ killed by (SIG[A-Z0-9]+)(?: \(core dumped\))? \+\+\+$/;

/** Parses a whole log. Lines without a pid prefix (strace run without -f) are read as pid 0. */
export function parseStraceLog(text: string): ParsedLog {
  const events: TraceEvent[] = [];
  const pending = new Map<number, string>();
  let unparsed = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const m = LINE_START.exec(raw);
    const pid = m ? Number(m[1]) : 0;
    let body = m ? m[2]! : raw;
    const lineNo = i + 1;
    if (body.startsWith('--- ') || body.startsWith('strace: ')) continue;
    const exited = EXITED.exec(body);
    if (exited) {
      events.push({ kind: 'exit', pid, code: Number(exited[1]), line: lineNo });
      continue;
    }
    const killed = KILLED.exec(body);
    if (killed) {
      events.push({ kind: 'exit', pid, signal: killed[1]!, line: lineNo });
      continue;
    }
    if (body.startsWith('+++ ')) continue;
    if (body.endsWith(UNFINISHED)) {
      pending.set(pid, body.slice(0, -UNFINISHED.length));
      continue;
    }
    const resumed = RESUMED.exec(body);
    if (resumed) {
      const head = pending.get(pid);
      pending.delete(pid);
      // A resumed half whose start we never saw (strace attached mid-call) still names the call.
      body = head !== undefined ? head + resumed[2]! : `${resumed[1]!}(${resumed[2]!}`;
    }
    const call = parseCall(body, pid, lineNo);
    if (call) events.push(call);
    else unparsed++;
  }
  // Calls still unfinished at the end (the process was killed inside them) are kept with an unknown result.
  for (const [pid, head] of pending) {
    const call = parseCall(`${head}) = ?`, pid, lines.length);
    if (call) events.push(call);
  }
  return { events, unparsed };
}

/** `name(a, b, c) = ret [ERRNO (text)]` → a SyscallEvent, or undefined when the line is not one. */
export function parseCall(body: string, pid: number, line: number): SyscallEvent | undefined {
  const open = body.indexOf('(');
  if (open <= 0) return undefined;
  const name = body.slice(0, open);
  if (!/^[a-z0-9_]+$/.test(name)) return undefined;
  const split = splitArgs(body, open + 1);
  if (!split) return undefined;
  const rest = body.slice(split.end + 1).trim();
  if (!rest.startsWith('=')) return undefined;
  const result = rest.slice(1).trim();
  const em = /^(-?\d+|\?|0x[0-9a-f]+)\s+(E[A-Z0-9]+)\b/.exec(result);
  const event: SyscallEvent = {
    kind: 'syscall',
    pid,
    name,
    args: split.args,
    returned: em ? em[1]! : (result.split(' ')[0] ?? ''),
    line,
  };
  if (em) event.errno = em[2]!;
  return event;
}

/**
 * Splits the argument list starting at `from` (just after the opening parenthesis) at top-level commas,
 * skipping quoted strings (with escapes), brackets, braces, parentheses and comments. Returns the index of
 * the closing parenthesis, or undefined when the line ends first (a truncated log).
 */
export function splitArgs(text: string, from: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) return undefined;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return undefined;
      i = close + 1;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ')') {
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '' || args.length > 0) args.push(last);
        return { args, end: i };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, '\\': 92, '"': 34 };

/**
 * Decodes a strace string literal (`"..."`, maybe followed by `...` when cut at -s) to text. Bytes that
 * are not UTF-8 become U+FFFD. Returns undefined when `arg` is not a string literal (NULL, an address).
 */
export function decodeString(arg: string): { text: string; truncated: boolean } | undefined {
  const s = arg.trim();
  if (!s.startsWith('"')) return undefined;
  const bytes: number[] = [];
  let i = 1;
  for (; i < s.length && s[i] !== '"'; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      continue;
    }
    const n = s[i + 1] ?? '';
    if (n in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[n]!);
      i++;
    } else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1));
      if (oct) {
        bytes.push(Number.parseInt(oct[0], 8) & 0xff);
        i += oct[0].length;
      } else {
        bytes.push(92);
      }
    }
  }
  if (i >= s.length) return undefined;
  const truncated = s.slice(i + 1).startsWith('...');
  return { text: Buffer.from(bytes).toString('utf8'), truncated };
}

/** `["sh", "-c", "id"]` (possibly ending in `...`) → the decoded strings. */
export function decodeStringArray(arg: string): string[] {
  const s = arg.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) return [];
  const inner = splitArgs(`${s.slice(1, -1)})`, 0);
  if (!inner) return [];
  return inner.args.flatMap((a) => {
    const d = decodeString(a);
    return d ? [d.text + (d.truncated ? '...' : '')] : [];
  });
}

/** `3</work/dir>` or `AT_FDCWD</work>` (strace -y) → "/work/dir"; a bare `AT_FDCWD` → undefined. */
export function decodeFdPath(arg: string): string | undefined {
  const m = /^(?:-?\d+|AT_FDCWD)<(.*)>$/.exec(arg.trim());
  return m ? m[1] : undefined;
}
