/**
 * Gradio apps (`app.py` and any `*.py` that imports gradio): each `<blocks>.launch(...)` call with the three
 * arguments that decide who can reach it — `share` (a public *.gradio.live link), `server_name` (the
 * interface; Gradio's default is 127.0.0.1) and `auth` / `auth_dependency`. Found statically: the Python
 * tokenizer of src/formats/python-source.ts locates the calls (never in comments or strings), and the
 * argument list is split here, at top-level commas, so each keyword keeps its own value. Nothing is run.
 */
import { analysePython } from '../formats/python-source.ts';
import type { DeployConfig } from './types.ts';

/** One `launch(...)` call of a Gradio app. */
export interface GradioLaunchCall {
  line: number;
  /** Keyword arguments as written (`share` → `True`, `server_name` → `"0.0.0.0"`). */
  keywords: Map<string, string>;
  /** `**kwargs` in the call: any keyword may be hidden there. */
  spread: boolean;
}

/** Python sources above this are left to the python-source handler's own cap. */
const MAX_APP_BYTES = 2 * 1024 * 1024;
/** How far past `launch(` an argument list is followed. */
const MAX_ARGS_CHARS = 8192;

/** True for a Python source name. */
export function isPythonName(name: string): boolean {
  return /\.pyw?$/i.test(name);
}

/** The app's Gradio launch calls, or undefined when the file does not import gradio. */
export function parseGradioApp(file: string, text: string): DeployConfig | undefined {
  if (text.length > MAX_APP_BYTES || !/\bgradio\b/.test(text)) return undefined;
  const source = analysePython(text, { keep: (c) => /(^|\.)launch$/.test(c.written) });
  if (!source.imports.some((i) => i.module === 'gradio' || i.module.startsWith('gradio.'))) return undefined;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const calls: GradioLaunchCall[] = [];
  for (const call of source.calls) {
    const start = lineStarts[call.line - 1];
    if (start === undefined) continue;
    const open = text.indexOf('launch(', start);
    if (open < 0) continue;
    const args = splitArguments(text, open + 'launch('.length);
    const keywords = new Map<string, string>();
    let spread = false;
    for (const arg of args) {
      if (arg.startsWith('**')) spread = true;
      const m = /^([A-Za-z_]\w*)\s*=(?!=)\s*([\s\S]*)$/.exec(arg);
      if (m !== null) keywords.set(m[1]!, m[2]!.trim());
    }
    calls.push({ line: call.line, keywords, spread });
  }
  return { file, source: 'python-app', launches: [], errors: [], gradio: calls };
}

/** The top-level, comma-separated arguments from just after `(` to its `)`, strings and brackets respected. */
function splitArguments(text: string, from: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  const end = Math.min(text.length, from + MAX_ARGS_CHARS);
  for (let i = from; i < end; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < end && !text.startsWith(quote, j)) j += text[j] === '\\' ? 2 : 1;
      current += text.slice(i, j + quote.length);
      i = j + quote.length - 1;
      continue;
    }
    if (c === '#') {
      // A comment inside a multi-line call runs to the end of its line.
      while (i < end && text[i] !== '\n') i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    }
    if (c === ',' && depth === 0) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}
