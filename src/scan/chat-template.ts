import { parse, tokenize } from '@huggingface/jinja';
import { lexicalScan, scanEscapes } from './chat-template-lexical.ts';
import { calleeName, fold, isNode, isStringBuilder, type Node } from './template-fold.ts';

/**
 * Static analysis of a Jinja chat template: parsed with @huggingface/jinja into an AST, never rendered, then
 * walked for the constructs that reach Python internals when llama-cpp-python (< 0.2.72) or any other
 * unsandboxed Jinja2 renders it (CVE-2024-34359). When the JS parser rejects a template (Python's Jinja2
 * accepts more syntax, e.g. `()` tuples), a lexical scan of the source looks for the same markers.
 */

/** One thing found in a template: `escape` reaches Python internals; `suspicious` hides or builds names. */
export interface TemplateIssue {
  kind: 'escape' | 'suspicious' | 'parse-failure';
  message: string;
  /** The construct, as short text (`.__class__`, `cycler.__init__`, `|attr`). */
  evidence: string;
}

/** The result of analysing one template. */
export interface TemplateAnalysis {
  /** `ast` when the JS parser accepted the template, `lexical` when only the source scan ran. */
  method: 'ast' | 'lexical';
  length: number;
  issues: TemplateIssue[];
}

/** Templates above this are reported as suspicious and scanned lexically only (real ones are < 64 KiB). */
export const MAX_PARSED_TEMPLATE = 1024 * 1024;
const MAX_NODES = 200_000;
const MAX_ISSUES = 64;

/** Objects that expose Python function globals or Flask internals in an unsandboxed Jinja2 environment. */
export const GADGETS = new Set([
  'cycler',
  'joiner',
  'namespace',
  'lipsum',
  'self',
  'request',
  'config',
  'url_for',
  'get_flashed_messages',
]);
/** Gadgets whose plain call is ordinary Jinja (`namespace(found=false)` in Llama 3.1 and Qwen templates). */
const ORDINARY_CALLS = new Set(['namespace', 'cycler', 'joiner']);
/** Python builtins that are no Jinja globals: a template naming them was written for Python, not Jinja. */
const PYTHON_BUILTINS = new Set([
  'getattr',
  'setattr',
  'delattr',
  'eval',
  'exec',
  'compile',
  'open',
  'globals',
  'locals',
  'vars',
  'dir',
  'breakpoint',
  'input',
]);
/** Frame and function internals that are not dunders but lead to globals all the same. */
const INTERNAL_ATTRS = new Set([
  'mro',
  'func_globals',
  'f_globals',
  'f_locals',
  'f_back',
  'gi_frame',
  'gi_code',
  'cr_frame',
  'tb_frame',
  'f_builtins',
]);
const DUNDER = /__[A-Za-z_]\w*__/;
const STATEMENTS = new Set(['Program', 'If', 'For', 'Set', 'Macro', 'CallStatement', 'FilterStatement']);

/** True when `name` is a dunder or another Python internal reachable by attribute. */
export function isInternalName(name: string): boolean {
  return DUNDER.test(name) || INTERNAL_ATTRS.has(name);
}

class Collector {
  readonly issues: TemplateIssue[] = [];
  private readonly seen = new Set<string>();
  add(kind: TemplateIssue['kind'], message: string, evidence: string): void {
    const key = `${kind}\0${message}`;
    if (this.seen.has(key) || this.issues.length >= MAX_ISSUES) return;
    this.seen.add(key);
    this.issues.push({ kind, message, evidence: evidence.slice(0, 200) });
  }
}

/** Analyses one template's source. Never throws on hostile input; never renders. */
export function analyseTemplate(source: string): TemplateAnalysis {
  const out = new Collector();
  scanEscapes(source, out);
  if (source.length > MAX_PARSED_TEMPLATE) {
    out.add('suspicious', `template is ${source.length} characters long, too long to parse`, 'size');
    lexicalScan(source, out);
    return { method: 'lexical', length: source.length, issues: out.issues };
  }
  let program: unknown;
  try {
    program = parse(tokenize(source));
  } catch (err) {
    // Any exception (syntax error, stack overflow on deep nesting) means the JS parser cannot see it.
    const why = err instanceof Error ? err.message : String(err);
    out.add(
      'parse-failure',
      `template could not be parsed (${why.slice(0, 120)}); scanned lexically`,
      'parse',
    );
    lexicalScan(source, out);
    return { method: 'lexical', length: source.length, issues: out.issues };
  }
  walk(program, out);
  return { method: 'ast', length: source.length, issues: out.issues };
}

/** Names the template binds itself (set, for, macro): a local `config` is not Flask's. */
function boundNames(root: unknown): Set<string> {
  const names = new Set<string>();
  forEachNode(root, (node) => {
    const targets: unknown[] = [];
    if (node.type === 'Set') targets.push(node.assignee);
    if (node.type === 'For') targets.push(node.loopvar);
    if (node.type === 'Macro') targets.push(node.name, ...((node.args as unknown[]) ?? []));
    for (const t of targets) {
      if (!isNode(t)) continue;
      if (t.type === 'Identifier') names.add(t.value as string);
      if (t.type === 'KeywordArgumentExpression' && isNode(t.key)) names.add(t.key.value as string);
      if (t.type === 'TupleLiteral') {
        for (const e of t.value as unknown[])
          if (isNode(e) && e.type === 'Identifier') names.add(e.value as string);
      }
    }
  });
  return names;
}

/** Visits every node once, iteratively (no recursion on hostile depth), up to MAX_NODES. */
function forEachNode(root: unknown, visit: (node: Node, parent: Node | undefined) => void): boolean {
  const stack: [unknown, Node | undefined][] = [[root, undefined]];
  let count = 0;
  while (stack.length > 0) {
    const [value, parent] = stack.pop()!;
    // Children are pushed in reverse so they pop in source order (messages name the first construct first).
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], parent]);
      continue;
    }
    if (value instanceof Map) {
      for (const [k, v] of [...value].reverse()) stack.push([v, parent], [k, parent]);
      continue;
    }
    if (!isNode(value)) continue;
    if (++count > MAX_NODES) return false;
    visit(value, parent);
    for (const [key, child] of Object.entries(value).reverse()) {
      if (key !== 'type' && key !== 'operator' && typeof child === 'object') stack.push([child, value]);
    }
  }
  return true;
}

function walk(program: unknown, out: Collector): void {
  const bound = boundNames(program);
  /** String literals already judged as attribute names, so the generic literal check skips them. */
  const named = new Set<unknown>();
  const nameUse = (expr: unknown, how: string): void => {
    const name = fold(expr);
    if (isNode(expr) && expr.type === 'StringLiteral') named.add(expr);
    if (name !== undefined && isInternalName(name)) {
      const built = isNode(expr) && expr.type !== 'StringLiteral' ? ' (built from strings)' : '';
      out.add('escape', `${how} reaches Python internal ${JSON.stringify(name)}${built}`, name);
    } else if (name?.startsWith('_')) {
      out.add('suspicious', `${how} reaches private attribute ${JSON.stringify(name)}`, name);
    } else if (isStringBuilder(expr)) {
      out.add('suspicious', `${how} uses an attribute name built at render time`, how);
    }
  };
  const complete = forEachNode(program, (node, parent) => {
    switch (node.type) {
      case 'Identifier': {
        const name = node.value as string;
        const attribute = parent?.type === 'MemberExpression' && !parent.computed && parent.property === node;
        const keyword = parent?.type === 'KeywordArgumentExpression' && parent.key === node;
        if (attribute || keyword) {
          if (isInternalName(name)) out.add('escape', `attribute .${name} reaches Python internals`, name);
        } else if (isInternalName(name)) out.add('escape', `names Python internal ${name}`, name);
        else if (GADGETS.has(name) && !bound.has(name)) gadget(name, node, parent, out);
        else if (PYTHON_BUILTINS.has(name) && !bound.has(name) && isCallee(node, parent)) {
          out.add('suspicious', `calls Python builtin ${name}(), which is no Jinja global`, name);
        }
        break;
      }
      case 'MemberExpression':
        if (node.computed) nameUse(node.property, 'subscript');
        else if (isNode(node.property) && node.property.type === 'Identifier') {
          const name = node.property.value as string;
          if (name.startsWith('_') && !isInternalName(name)) {
            out.add('suspicious', `reaches private attribute .${name}`, name);
          }
        }
        break;
      case 'FilterExpression': {
        const filter = calleeName(node.filter);
        const fargs = isNode(node.filter) && Array.isArray(node.filter.args) ? node.filter.args : [];
        if (filter === 'attr') {
          nameUse(fargs[0], '|attr()');
          out.add('suspicious', 'uses the |attr() filter to look attributes up by string', '|attr');
        }
        for (const a of fargs) {
          if (isNode(a) && a.type === 'KeywordArgumentExpression' && calleeName(a.key) === 'attribute') {
            nameUse(a.value, `|${filter}(attribute=)`);
          }
        }
        break;
      }
      case 'CallExpression': {
        const callee = calleeName(node.callee);
        if (callee !== undefined && PYTHON_BUILTINS.has(callee) && !bound.has(callee)) {
          for (const a of (node.args as unknown[]) ?? []) nameUse(a, `${callee}()`);
        }
        break;
      }
      case 'StringLiteral':
        // Checked after the walk: only literals not already judged as attribute names.
        break;
    }
  });
  forEachNode(program, (node, parent) => {
    // Template text is a StringLiteral directly in a statement body: output, not code.
    const inBody = parent === undefined || STATEMENTS.has(parent.type);
    if (node.type === 'StringLiteral' && !inBody && !named.has(node) && DUNDER.test(node.value as string)) {
      out.add(
        'suspicious',
        `string literal holds a dunder name (${(node.value as string).slice(0, 60)})`,
        'literal',
      );
    }
  });
  if (!complete)
    out.add('suspicious', `template has more than ${MAX_NODES} syntax nodes; analysis truncated`, 'size');
}

/** True when `node` is the function being called (`getattr(...)`), not a variable that shares its name. */
function isCallee(node: Node, parent: Node | undefined): boolean {
  return parent?.type === 'CallExpression' && parent.callee === node;
}

function gadget(name: string, node: Node, parent: Node | undefined, out: Collector): void {
  const called = isCallee(node, parent);
  if (called && ORDINARY_CALLS.has(name)) return;
  const member = parent?.type === 'MemberExpression' && parent.object === node;
  if (member || (called && !ORDINARY_CALLS.has(name))) {
    out.add('suspicious', `uses gadget object ${name}, a way into Python globals or Flask internals`, name);
  } else if (!ORDINARY_CALLS.has(name)) {
    out.add('suspicious', `references gadget object ${name}`, name);
  }
}
