import type { CodeArg, CodeCall, Taint } from './flow.ts';
import {
  DOWNLOAD_SOURCES,
  DOWNLOADED,
  EVAL_SINKS,
  GENERATIVE_CLASSES,
  GENERIC_CONSTRUCTORS,
  HTTP_METHODS,
  HTTP_MODULES,
  LLM_CLIENT_MODULES,
  LLM_CONSTRUCTOR,
  LLM_HANDLE,
  MODEL_OUTPUT,
  MODEL_OUTPUT_FUNCTIONS,
  MODEL_OUTPUT_SUFFIXES,
  MODEL_USE,
  NUMPY_LOAD,
  PICKLE_LOADS,
  SHELL_ALWAYS,
  SHELL_WITH_FLAG,
  TORCH_LOADS,
  YAML_FULL,
  YAML_LOAD_WITH_LOADER,
  YAML_UNSAFE,
} from './names.ts';

/**
 * The pieces the data-flow pass (flow-pass.ts) is built from: the state shared by its passes, the accumulator
 * for one expression, and what a call produces by its name alone (model output, downloads, LLM handles).
 */

/** Call sites recorded per file; past this the analysis says it was truncated. */
export const MAX_RECORDED = 100_000;
/** Open brackets tracked; Python itself refuses more than 200, past this they are only counted. */
export const MAX_FRAMES = 1000;
/** Positional arguments kept per call site. */
export const MAX_ARGS = 8;
/** Names, strings and targets kept per expression. */
export const MAX_LIST = 16;
/** Characters of a string literal kept. */
export const MAX_LITERAL = 4096;
/** f-strings inside f-string fields analysed, at most. */
export const MAX_FSTRING_DEPTH = 3;
export const HEADERS = new Set(['if', 'elif', 'else', 'while', 'try', 'except', 'finally']);
export const KEYWORD_CONSTANTS = new Set(['True', 'False', 'None', 'Ellipsis', '__debug__']);
export const OPERATOR_WORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'if',
  'else',
  'await',
  'lambda',
  'yield',
  'async',
]);
/** Statement words that are neither operands nor assignment targets. */
export const STATEMENT_WORDS = new Set([
  'as',
  'pass',
  'del',
  'global',
  'nonlocal',
  'assert',
  'raise',
  'break',
  'continue',
  'from',
]);

/** The path a file object writes to: a literal, or a variable. */
export type PathRef = { literal: string } | { name: string };

/** State shared by every pass and nested f-string analysis of one file. */
export interface FlowState {
  readonly bindings: ReadonlyMap<string, string>;
  env: Map<string, Taint>;
  literals: Map<string, string>;
  fileHandles: Map<string, PathRef>;
  functions: Map<string, Taint>;
  downloadedLiterals: Map<string, string>;
  classBases: Map<string, string[]>;
  stars: string[];
  /** Keys read during the current pass, per map. */
  reads: { env: Set<string>; fn: Set<string>; lit: Set<string>; dl: Set<string> };
  /** Something read earlier in this pass changed later in it: another pass may see more. */
  again: boolean;
}

/** Per-pass output. */
export interface PassOutput {
  calls: CodeCall[];
  modelUse: string | undefined;
  mainGuard: boolean;
  truncated: boolean;
}

/** An expression being read: one call argument, one bracketed group, or a statement's right-hand side. */
export interface Acc {
  mask: number;
  origin: string | undefined;
  tokens: number;
  operands: number;
  /** Anything past a single operand: an operator, a subscript, an attribute or call on a result. */
  decorated: boolean;
  constant: boolean;
  names: string[];
  strings: string[];
  literal: string | undefined;
  literalVia: string | undefined;
  simple: string | undefined;
  star: boolean;
  keyword: string | undefined;
  /** Saw `.choices[` or `["choices"]`: a following `content`/`text` is model output by shape. */
  choices: boolean;
  onlyCall: CodeCall | undefined;
  /** The last call read at this level, for naming a call on its result (`pipeline(...)(prompt)`). */
  lastCall: string | undefined;
  walrus: string | undefined;
}

export interface PendingCall {
  call: CodeCall;
  callee: Taint;
  /** The callee is a name that is itself an LLM handle (`pipe(...)`) or a call on one (`pipeline(...)(...)`). */
  handleCall: boolean;
  /** The receiver of a method call, when it is a plain name chain (`outputs` in `outputs.append(...)`). */
  receiver: string | undefined;
  method: string | undefined;
}

export interface Frame {
  open: string;
  call: PendingCall | undefined;
  acc: Acc;
  compTargets: string[] | undefined;
  inCompTargets: boolean;
  dictKey: string | undefined;
}

export type StmtKind = 'fresh' | 'plain' | 'header' | 'for' | 'with' | 'return' | 'skip' | 'def' | 'class';

export interface Target {
  name: string;
  /** `x[k] = v` or `x.attr[k] = v`: adds to `x` rather than replacing it. */
  adds: boolean;
}

export interface Stmt {
  kind: StmtKind;
  acc: Acc;
  segTargets: Target[];
  targetSegments: { targets: Target[]; augmented: boolean }[];
  /** `for` statement: reading targets (before `in`) or the iterable. */
  forTargets: string[] | undefined;
  readingForTargets: boolean;
  /** `with ... as`: the next name is a target of the current item. */
  withAs: boolean;
  /** `def`/`class` header: brackets seen while skipping to the colon. */
  skipDepth: number;
  className: string | undefined;
  /** Start of the current segment: the next depth-0 name chain may be an assignment target. */
  atSegmentStart: boolean;
  /** Reads of this segment's possible target: dropped if a `=` follows, kept if it was a read after all. */
  segReads: [Set<string>, string][];
}

export function newAcc(): Acc {
  return {
    mask: 0,
    origin: undefined,
    tokens: 0,
    operands: 0,
    decorated: false,
    constant: true,
    names: NO_STRINGS as string[],
    strings: NO_STRINGS as string[],
    literal: undefined,
    literalVia: undefined,
    simple: undefined,
    star: false,
    keyword: undefined,
    choices: false,
    onlyCall: undefined,
    lastCall: undefined,
    walrus: undefined,
  };
}

export function newStmt(kind: StmtKind = 'fresh'): Stmt {
  return {
    kind,
    acc: newAcc(),
    segTargets: [],
    targetSegments: [],
    forTargets: undefined,
    readingForTargets: false,
    withAs: false,
    skipDepth: 0,
    className: undefined,
    atSegmentStart: true,
    segReads: [],
  };
}

export function pushCapped<T>(list: T[], item: T): void {
  if (list.length < MAX_LIST) list.push(item);
}

/** Shared empty lists and maps, replaced on first write: most expressions and calls never need their own. */
export const NO_STRINGS: readonly string[] = Object.freeze([]);
export const NO_ARGS: ReadonlyMap<string, CodeArg> = new Map();
export const NO_KEYS: ReadonlyMap<string, string> = new Map();

export function addName(acc: Acc, name: string): void {
  if (acc.names === NO_STRINGS) acc.names = [name];
  else pushCapped(acc.names, name);
}

export function addString(acc: Acc, value: string): void {
  if (acc.strings === NO_STRINGS) acc.strings = [value];
  else pushCapped(acc.strings, value);
}

export function addTaint(
  acc: { mask: number; origin: string | undefined },
  mask: number,
  origin: string | undefined,
): void {
  if (mask === 0) return;
  if (acc.origin === undefined || ((acc.mask & MODEL_OUTPUT) === 0 && (mask & MODEL_OUTPUT) !== 0)) {
    acc.origin = origin;
  }
  acc.mask |= mask;
}

/** The argument summary a rule sees. */
export function toArg(acc: Acc): CodeArg {
  const single = acc.operands === 1 && !acc.decorated;
  return {
    mask: acc.mask,
    origin: acc.origin,
    literal: single ? acc.literal : undefined,
    literalVia: single && acc.literal !== undefined ? acc.literalVia : undefined,
    constant: acc.constant && !acc.star,
    names: acc.names,
    strings: acc.strings,
    simple: single ? acc.simple : undefined,
    star: acc.star,
  };
}

export function lastPart(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Whether the pass should keep `call` for the rules (bounded memory: only candidates are stored). */
export function isCandidate(call: CodeCall): boolean {
  if (call.keywords.has('trust_remote_code') || call.dictKeys.has('trust_remote_code')) return true;
  return [call.name, ...call.alternatives].some(
    (n) =>
      EVAL_SINKS.has(n) ||
      SHELL_ALWAYS.has(n) ||
      SHELL_WITH_FLAG.has(n) ||
      TORCH_LOADS.has(n) ||
      PICKLE_LOADS.has(n) ||
      n === NUMPY_LOAD ||
      YAML_LOAD_WITH_LOADER.has(n) ||
      YAML_UNSAFE.has(n) ||
      YAML_FULL.has(n),
  );
}

/** The last parts of MODEL_OUTPUT_SUFFIXES: a cheap test before the suffix scan. */
export const SUFFIX_LAST_PARTS = new Set(MODEL_OUTPUT_SUFFIXES.map(lastPart));

export function headOf(written: string): string {
  const dot = written.indexOf('.');
  return dot < 0 ? written : written.slice(0, dot);
}

/** Taint bits a call produces because of its name alone (LLM clients, downloads). */
export function sourceByName(n: string): number {
  let mask = 0;
  const last = lastPart(n);
  if (
    MODEL_OUTPUT_FUNCTIONS.has(n) ||
    (SUFFIX_LAST_PARTS.has(last) && MODEL_OUTPUT_SUFFIXES.some((s) => n.endsWith(s)))
  ) {
    mask |= MODEL_OUTPUT;
  }
  if (DOWNLOAD_SOURCES.has(n)) mask |= DOWNLOADED;
  const dot = n.indexOf('.');
  if (dot > 0 && HTTP_METHODS.has(last) && HTTP_MODULES.has(n.slice(0, dot))) mask |= DOWNLOADED;
  return mask;
}

/** LLM_HANDLE for constructors of LLM clients, pipelines and generating models. */
export function constructs(name: string): number {
  const last = lastPart(name);
  if (last === 'from_pretrained') {
    const parts = name.split('.');
    return GENERATIVE_CLASSES.test(parts[parts.length - 2] ?? '') ? LLM_HANDLE : 0;
  }
  if (!LLM_CONSTRUCTOR.test(last) || last.endsWith('Template')) return 0;
  if (GENERIC_CONSTRUCTORS.has(last) && !LLM_CLIENT_MODULES.some((m) => name.startsWith(`${m}.`))) return 0;
  return LLM_HANDLE;
}

/** Calls that show the file loads a model or talks to one. */
export function usesModel(call: CodeCall): boolean {
  return (
    MODEL_USE.has(call.name) ||
    call.name.endsWith('.from_pretrained') ||
    call.keywords.has('trust_remote_code')
  );
}
