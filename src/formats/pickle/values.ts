import type { ImportRecord } from './analysis.ts';

/** Symbolic stand-ins for what the unpickler would build. Nothing here is ever a live Python object. */
export type PValue =
  | { t: 'str'; v: string; truncated: boolean; derived: boolean }
  | { t: 'bytes'; length: number; head: Uint8Array }
  | { t: 'num'; v: number | string }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'global'; imp: ImportRecord }
  | { t: 'call'; callee: PValue; offset: number; args: PValue | undefined }
  | {
      t: 'seq';
      kind: 'list' | 'tuple' | 'set' | 'frozenset' | 'dict';
      items: PValue[];
      count: number;
      weight: number;
    }
  | { t: 'persid' }
  | { t: 'ext'; code: number }
  | { t: 'buffer' };

/** How many items of a container are kept for evidence; the rest are only counted. */
export const KEEP_ITEMS = 32;

export const NONE: PValue = { t: 'none' };
/** Stand-in for every BINFLOAT: float values never affect what a pickle imports or calls. */
export const FLOAT: PValue = { t: 'num', v: 'float' };
export const TRUE: PValue = { t: 'bool', v: true };
export const FALSE: PValue = { t: 'bool', v: false };

/** Logical size of a value once fully expanded (memo references copied out). Drives billion-laughs detection. */
export function weightOf(v: PValue): number {
  return v.t === 'seq' ? v.weight : 1;
}

/** A new container holding `items` (only the first KEEP_ITEMS are retained). */
export function seq(kind: 'list' | 'tuple' | 'set' | 'frozenset' | 'dict', items: PValue[]): PValue {
  let weight = 1;
  for (const it of items) weight += weightOf(it);
  return {
    t: 'seq',
    kind,
    items: items.length > KEEP_ITEMS ? items.slice(0, KEEP_ITEMS) : items,
    count: items.length,
    weight,
  };
}

/** Adds items to a container in place (APPEND, SETITEMS, ADDITEMS on a real container). */
export function extend(target: PValue & { t: 'seq' }, items: PValue[]): void {
  for (const it of items) {
    if (target.items.length < KEEP_ITEMS) target.items.push(it);
    target.count++;
    target.weight = Math.min(Number.MAX_SAFE_INTEGER, target.weight + weightOf(it));
  }
}

/** Short Python-ish rendering for evidence (bounded length, never throws). */
export function describe(v: PValue | undefined, depth = 0): string {
  if (v === undefined) return '?';
  switch (v.t) {
    case 'str':
      return JSON.stringify(v.v.length > 120 ? `${v.v.slice(0, 120)}…` : v.v);
    case 'bytes':
      return `b<${v.length} bytes>`;
    case 'num':
      return String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'global':
      return `${v.imp.module}.${v.imp.name}`;
    case 'call':
      return depth > 2 ? 'call(…)' : `${describe(v.callee, depth + 1)}(…)`;
    case 'seq': {
      if (depth > 2) return `${v.kind}[${v.count}]`;
      const shown = v.items.slice(0, 6).map((x) => describe(x, depth + 1));
      const more = v.count > shown.length ? ', …' : '';
      const [open, close] = v.kind === 'list' ? ['[', ']'] : v.kind === 'tuple' ? ['(', ')'] : ['{', '}'];
      return `${open}${shown.join(', ')}${more}${close}`;
    }
    case 'persid':
      return 'persistent_id';
    case 'ext':
      return `ext(${v.code})`;
    case 'buffer':
      return 'buffer';
  }
}
