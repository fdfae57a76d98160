import type { ImportRecord } from './analysis.ts';
import type { PValue } from './values.ts';

/** Pure string functions whose result the machine can compute, so names built by concatenation still resolve. */
const CONCAT = new Set([
  'operator.add',
  '_operator.add',
  'operator.concat',
  '_operator.concat',
  'builtins.str.__add__',
]);
const JOIN = new Set(['builtins.str.join', '__builtin__.str.join']);

/**
 * If `callee(args)` is a string concatenation or join over known strings, returns the resulting string.
 * Attackers assemble `"o" + "s"` so that no literal `os` appears in the file; folding defeats that.
 */
export function foldStringCall(callee: ImportRecord, args: PValue | undefined): string | undefined {
  if (args?.t !== 'seq' || args.kind !== 'tuple' || args.count !== args.items.length) return undefined;
  const qualified = `${callee.module}.${callee.name}`;
  const [a, b] = args.items;
  if (CONCAT.has(qualified) && args.count === 2 && a?.t === 'str' && b?.t === 'str') return a.v + b.v;
  if (
    JOIN.has(qualified) &&
    args.count === 2 &&
    a?.t === 'str' &&
    b?.t === 'seq' &&
    b.count === b.items.length
  ) {
    const parts: string[] = [];
    for (const p of b.items) {
      if (p.t !== 'str') return undefined;
      parts.push(p.v);
    }
    return parts.join(a.v);
  }
  return undefined;
}
