/**
 * A small POSIX-shell word splitter: enough to read the command lines deployments write (quotes, backslash
 * escapes, line continuations, `&&`/`;`/`|` between commands, comments), never an interpreter — nothing is
 * expanded or run. Each word keeps the 1-based line it starts on, so findings point at the right line.
 */

/** One word and the line it starts on. */
export interface Word {
  text: string;
  line: number;
}

/** Words longer than this are cut (a pathological quote never grows without bound). */
const MAX_WORD = 64 * 1024;

/**
 * Splits `text` (starting at `firstLine`) into commands, each a list of words. An unquoted newline ends a
 * command too (except after a backslash), so a whole script can be passed in.
 */
export function splitCommands(text: string, firstLine = 1): Word[][] {
  const commands: Word[][] = [];
  let words: Word[] = [];
  let cur = '';
  let inWord = false;
  let wordLine = firstLine;
  let line = firstLine;
  const endWord = () => {
    if (inWord) words.push({ text: cur.slice(0, MAX_WORD), line: wordLine });
    cur = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const start = () => {
    if (!inWord) {
      inWord = true;
      wordLine = line;
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '\n') {
        line++;
        i++;
        continue;
      }
      if (next === '\r' && text[i + 2] === '\n') {
        line++;
        i += 2;
        continue;
      }
      start();
      if (next !== undefined) cur += next;
      i++;
      continue;
    }
    if (c === "'") {
      start();
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      const part = text.slice(i + 1, stop);
      line += countNewlines(part);
      cur += part;
      i = stop;
      continue;
    }
    if (c === '"') {
      start();
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j]!;
        if (d === '\\' && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1]!)) {
          if (text[j + 1] === '\n') line++;
          else cur += text[j + 1];
          j++;
          continue;
        }
        if (d === '\n') line++;
        cur += d;
      }
      i = j;
      continue;
    }
    if (c === '\n') {
      endCommand();
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      continue;
    }
    if (c === '#' && !inWord) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (c === ';' || c === '|' || c === '&' || c === '(' || c === ')') {
      // `&&`, `||`, `;`, `|`, `&` and subshell parentheses all separate commands for this purpose.
      endCommand();
      continue;
    }
    start();
    cur += c;
  }
  endCommand();
  return commands;
}

/** Words of one command string (a compose `command:` or a systemd ExecStart=), all on `line`. */
export function splitWords(text: string, line = 1): Word[] {
  return splitCommands(text, line).flat();
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Words that only wrap the real command (`exec vllm serve`, `sudo -E ollama serve`, `env A=b cmd`). */
const WRAPPERS = new Set([
  'exec',
  'sudo',
  'nohup',
  'time',
  'env',
  'command',
  'nice',
  'stdbuf',
  'dumb-init',
  'tini',
]);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/**
 * Strips leading `NAME=value` assignments and wrapper commands, returning the assignments and the command.
 * `sudo -E` and `tini --`-style options of a wrapper are skipped with it.
 */
export function stripPrefix(words: readonly Word[]): { assignments: Word[]; command: Word[] } {
  const assignments: Word[] = [];
  let i = 0;
  while (i < words.length) {
    const w = words[i]!.text;
    if (ASSIGNMENT.test(w)) {
      assignments.push(words[i]!);
      i++;
      continue;
    }
    if (WRAPPERS.has(w)) {
      i++;
      while (i < words.length && words[i]!.text.startsWith('-')) i++;
      continue;
    }
    break;
  }
  return { assignments, command: words.slice(i) };
}

/** `NAME=value` split, or undefined. */
export function parseAssignment(word: string): { name: string; value: string } | undefined {
  const m = ASSIGNMENT.exec(word);
  return m === null ? undefined : { name: m[1]!, value: m[2]! };
}
