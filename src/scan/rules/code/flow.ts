import { type FlowState, MAX_RECORDED, type PassOutput } from './flow-expr.ts';
import { FlowPass } from './flow-pass.ts';

/**
 * A data-flow pass over Python tokens, for the code/* rules: which call sites receive model output or
 * downloaded data. A tokenizer cannot do real data flow, so this one is deliberately simple and explainable:
 *
 * - taint lives on names (`resp`, `self.answer`), per file, with no scopes;
 * - `x = <expr>` gives `x` the taint of everything `<expr>` mentions (names, calls, f-string fields,
 *   concatenations), and takes it away when `<expr>` mentions none; `x += ...`, `x[k] = ...` and
 *   `x.append(...)` only add;
 * - a call's result carries the taint of its receiver and arguments (string methods, json.loads, helper
 *   functions), except a few sanitizers (`shlex.quote`, `int`);
 * - sources are calls that look like LLM output (`*.chat.completions.create`, `client.messages.create`,
 *   `llm.invoke`, `model.generate`, `pipe(...)`, `ollama.chat`, `litellm.completion`), the shape
 *   `.choices[...].message.content`, and functions whose `return` returns model output; downloads are
 *   `hf_hub_download`, `snapshot_download`, `requests.get`, `urlopen`, `urlretrieve` and friends;
 * - the file is read top to bottom, and again while a later write changed something an earlier line read
 *   (at most MAX_PASSES times), so a helper defined below its caller, or a loop, still counts.
 *
 * Never throws; linear in the length of the text per pass.
 */

/** A value's taint: a mask of MODEL_OUTPUT / DOWNLOADED / LLM_HANDLE bits and where the first one came from. */
export interface Taint {
  mask: number;
  origin: string | undefined;
}

/** One argument of a call site, as far as tokens tell. */
export interface CodeArg {
  /** Taint bits of everything the argument mentions. */
  mask: number;
  /** Where that taint came from (`client.chat.completions.create() on line 4`). */
  origin: string | undefined;
  /** The argument is exactly one string literal, or a name last assigned exactly one string literal. */
  literal: string | undefined;
  /** The name through which `literal` was found, when it was not written in place. */
  literalVia: string | undefined;
  /** Only literals and operators: no names, calls or f-string fields. */
  constant: boolean;
  /** Dotted names mentioned, resolved through imports (capped). */
  names: string[];
  /** String literal values inside it (capped). */
  strings: string[];
  /** The argument is one name chain or a keyword constant, as written (`True`, `yaml.SafeLoader`). */
  simple: string | undefined;
  /** `*args` or `**kwargs`. */
  star: boolean;
}

/** One call site the code/* rules may judge. */
export interface CodeCall {
  /** Dotted name after alias resolution; unbound bare names are `builtins.<name>`. */
  name: string;
  /** Other modules a bare name may come from under `from m import *`. */
  alternatives: string[];
  /** As written (`sp.run`, `<expr>.chat.completions.create` for a call on a call's result). */
  written: string;
  line: number;
  /** Positional arguments, in order (the first MAX_ARGS). */
  args: CodeArg[];
  keywords: Map<string, CodeArg>;
  starArgs: boolean;
  /** Keys of dict literals among the arguments, with their values when simple: a name as written, a string JSON-quoted. */
  dictKeys: Map<string, string>;
}

/** What the pass found in one file. */
export interface CodeAnalysis {
  calls: CodeCall[];
  /** Why the file looks like an application that uses a model or an LLM (first evidence), if it does. */
  modelUse: string | undefined;
  /** `if __name__ == "__main__":` — a script, run rather than imported. */
  mainGuard: boolean;
  /** More than MAX_RECORDED call sites matched: the rest were not judged. */
  truncated: boolean;
  /** Yaml loader classes defined in the file, with their resolved base classes. */
  classBases: Map<string, string[]>;
}

/** Call sites recorded per file; past this the analysis says it was truncated. */
export { MAX_RECORDED };

/** Reads of the whole file, at most: enough for a helper defined after its caller, and a loop or two. */
const MAX_PASSES = 4;

/** The part of the state a pass reads, as text, to tell whether another pass would start differently. */
function snapshot(state: FlowState): string {
  const parts: string[] = [];
  for (const [k, v] of state.env) parts.push(`e${k}=${v.mask}`);
  for (const [k, v] of state.functions) parts.push(`f${k}=${v.mask}`);
  for (const [k, v] of state.literals) parts.push(`l${k}=${v}`);
  for (const k of state.downloadedLiterals.keys()) parts.push(`d${k}`);
  return parts.sort().join('\u0000');
}

/**
 * Reads `text` (Python source) for the code/* rules. `bindings` are the import aliases from analysePython
 * (`sp` → `subprocess`). Never throws on any input.
 */
export function analyseCode(text: string, bindings: ReadonlyMap<string, string>): CodeAnalysis {
  const state: FlowState = {
    bindings,
    env: new Map(),
    literals: new Map(),
    fileHandles: new Map(),
    functions: new Map(),
    downloadedLiterals: new Map(),
    classBases: new Map(),
    stars: [],
    reads: { env: new Set(), fn: new Set(), lit: new Set(), dl: new Set() },
    again: false,
  };
  let out: PassOutput = { calls: [], modelUse: undefined, mainGuard: false, truncated: false };
  let before = '';
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    out = { calls: [], modelUse: undefined, mainGuard: false, truncated: false };
    for (const set of Object.values(state.reads)) set.clear();
    state.again = false;
    new FlowPass(text, 1, state, out, 0, false).run();
    // The next pass starts from this one's final state. It can differ only if a read here saw a value that a
    // later write changed, and only if the final state itself changed (passes are deterministic).
    if (!state.again) break;
    const after = snapshot(state);
    if (after === before) break;
    before = after;
  }
  return {
    calls: out.calls,
    modelUse: out.modelUse,
    mainGuard: out.mainGuard,
    truncated: out.truncated,
    classBases: state.classBases,
  };
}
