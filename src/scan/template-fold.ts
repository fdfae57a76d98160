/**
 * Static string folding over @huggingface/jinja AST nodes: what string an expression builds from literals
 * alone ('__cla' ~ 'ss__', ['__', 'class__']|join, '%s%s'|format(...), '{}{}'.format(...)). Never evaluates
 * anything that is not a literal; anything else folds to undefined.
 */

/** A parsed AST node as a plain record: the checker walks nodes generically, by their `type`. */
export type Node = { type: string } & Record<string, unknown>;

const MAX_FOLD_DEPTH = 32;
const MAX_FOLD_LENGTH = 4096;

/** True when `x` looks like an AST node. */
export function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

/** The name of a filter or test: `x|attr(...)` → "attr", `x|join` → "join". */
export function calleeName(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === 'Identifier') return node.value as string;
  if (node.type === 'CallExpression') return calleeName(node.callee);
  return undefined;
}

function args(node: unknown): unknown[] {
  return isNode(node) && node.type === 'CallExpression' && Array.isArray(node.args) ? node.args : [];
}

function substitute(fmt: string, values: (string | undefined)[], pattern: RegExp): string | undefined {
  let i = 0;
  let ok = true;
  const out = fmt.replace(pattern, () => {
    const v = values[i++];
    if (v === undefined) ok = false;
    return v ?? '';
  });
  return ok ? out : undefined;
}

function elements(node: unknown, depth: number): (string | undefined)[] | undefined {
  if (!isNode(node) || (node.type !== 'ArrayLiteral' && node.type !== 'TupleLiteral')) return undefined;
  const list = node.value as unknown[];
  return list.slice(0, 64).map((e) => fold(e, depth + 1));
}

function foldFilter(node: Node, depth: number): string | undefined {
  const name = calleeName(node.filter);
  const a = args(node.filter).map((x) => fold(x, depth + 1));
  if (name === 'join') {
    const parts = elements(node.operand, depth);
    if (parts === undefined || parts.some((p) => p === undefined)) return undefined;
    return parts.join(a[0] ?? '');
  }
  const operand = fold(node.operand, depth + 1);
  if (operand === undefined) return undefined;
  switch (name) {
    case 'format':
      return substitute(operand, a, /%s/g);
    case 'replace':
      return a[0] !== undefined && a[1] !== undefined ? operand.split(a[0]).join(a[1]) : undefined;
    case 'reverse':
      return [...operand].reverse().join('');
    case 'lower':
      return operand.toLowerCase();
    case 'upper':
      return operand.toUpperCase();
    case 'string':
    case 'trim':
    case 'e':
    case 'escape':
    case 'safe':
      return name === 'trim' ? operand.trim() : operand;
    default:
      return undefined;
  }
}

function foldCall(node: Node, depth: number): string | undefined {
  const callee = node.callee;
  if (!isNode(callee) || callee.type !== 'MemberExpression' || callee.computed) return undefined;
  const method = calleeName(callee.property);
  const a = args(node).map((x) => fold(x, depth + 1));
  const self = fold(callee.object, depth + 1);
  if (self === undefined) return undefined;
  switch (method) {
    case 'format':
      return substitute(self, a, /\{[^{}]*\}/g);
    case 'join': {
      const parts = elements((node.args as unknown[])[0], depth);
      return parts === undefined || parts.some((p) => p === undefined) ? undefined : parts.join(self);
    }
    case 'replace':
      return a[0] !== undefined && a[1] !== undefined ? self.split(a[0]).join(a[1]) : undefined;
    case 'lower':
      return self.toLowerCase();
    case 'upper':
      return self.toUpperCase();
    case 'strip':
      return self.trim();
    default:
      return undefined;
  }
}

/** The string `node` builds from literals alone, or undefined when it depends on anything else. */
export function fold(node: unknown, depth = 0): string | undefined {
  if (!isNode(node) || depth > MAX_FOLD_DEPTH) return undefined;
  let out: string | undefined;
  switch (node.type) {
    case 'StringLiteral':
      out = node.value as string;
      break;
    case 'BinaryExpression': {
      const op = (node.operator as { value?: string } | undefined)?.value;
      if (op === '~' || op === '+') {
        const l = fold(node.left, depth + 1);
        const r = l === undefined ? undefined : fold(node.right, depth + 1);
        out = l !== undefined && r !== undefined ? l + r : undefined;
      } else if (op === '%') {
        const fmt = fold(node.left, depth + 1);
        const values = elements(node.right, depth) ?? [fold(node.right, depth + 1)];
        out = fmt === undefined ? undefined : substitute(fmt, values, /%s/g);
      }
      break;
    }
    case 'FilterExpression':
      out = foldFilter(node, depth);
      break;
    case 'CallExpression':
      out = foldCall(node, depth);
      break;
    default:
      out = undefined;
  }
  return out === undefined ? undefined : out.slice(0, MAX_FOLD_LENGTH);
}

/** True when `node` builds a string at run time from pieces (concatenation, format, join, replace...). */
export function isStringBuilder(node: unknown): boolean {
  if (!isNode(node)) return false;
  if (node.type === 'BinaryExpression') {
    const op = (node.operator as { value?: string } | undefined)?.value;
    return op === '~' || op === '%' || (op === '+' && (isStringish(node.left) || isStringish(node.right)));
  }
  if (node.type === 'FilterExpression') {
    return ['format', 'join', 'replace', 'reverse', 'string', 'lower', 'upper'].includes(
      calleeName(node.filter) ?? '',
    );
  }
  if (node.type === 'CallExpression' && isNode(node.callee) && node.callee.type === 'MemberExpression') {
    return ['format', 'join', 'replace'].includes(calleeName(node.callee.property) ?? '');
  }
  return false;
}

function isStringish(node: unknown): boolean {
  return isNode(node) && (node.type === 'StringLiteral' || isStringBuilder(node));
}
