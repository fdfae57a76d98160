import type { PValue } from './values.ts';

/** joblib's placeholder classes: after their BUILD, the array's raw bytes sit in the pickle stream itself. */
const WRAPPERS = new Set([
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper',
]);

/** Bytes per element for numpy dtype strings as joblib pickles them ('f8', '<i4', 'U7', 'b1'...). */
function itemSize(descr: string): number | undefined {
  const m = /^[<>|=]?([a-zA-Z?])(\d*)/.exec(descr);
  if (!m) return undefined;
  const [, kind, digits] = m;
  const n = digits === '' ? undefined : Number(digits);
  switch (kind) {
    case '?':
    case 'b':
      return n ?? 1;
    case 'B':
      return 1;
    case 'U':
      return n === undefined ? undefined : 4 * n;
    case 'O':
      return undefined; // object arrays are written as a nested pickle, not raw bytes
    default:
      return n;
  }
}

function dictGet(state: PValue, key: string): PValue | undefined {
  if (state.t !== 'seq' || state.kind !== 'dict') return undefined;
  for (let i = 0; i + 1 < state.items.length; i += 2) {
    const k = state.items[i]!;
    if (k.t === 'str' && k.v === key) return state.items[i + 1];
  }
  return undefined;
}

/**
 * Where joblib's raw array data ends, given the wrapper's BUILD state: `{shape, dtype, ...,
 * numpy_array_alignment_bytes?}`. joblib's unpickler reads `prod(shape) * itemsize` bytes right after the
 * BUILD (plus a 1-byte padding length and padding when alignment is on). Returns undefined when the wrapper
 * is not joblib's or its size cannot be known statically; the machine then reports the bytes as malformed.
 */
export function joblibArraySpan(obj: PValue, state: PValue): { padded: boolean; bytes: number } | undefined {
  if (obj.t !== 'call' || obj.callee.t !== 'global') return undefined;
  const { module, name } = obj.callee.imp;
  if (!WRAPPERS.has(`${module}.${name}`)) return undefined;
  const shape = dictGet(state, 'shape');
  const dtype = dictGet(state, 'dtype');
  if (shape?.t !== 'seq' || shape.count !== shape.items.length) return undefined;
  let count = 1;
  for (const d of shape.items) {
    if (d.t !== 'num' || !/^\d+$/.test(String(d.v))) return undefined;
    count *= Number(d.v);
  }
  if (dtype?.t !== 'call' || dtype.args?.t !== 'seq') return undefined;
  const descr = dtype.args.items[0];
  if (descr?.t !== 'str') return undefined;
  const size = itemSize(descr.v);
  if (size === undefined || !Number.isSafeInteger(count * size)) return undefined;
  const align = dictGet(state, 'numpy_array_alignment_bytes');
  return { padded: align !== undefined && align.t !== 'none', bytes: count * size };
}
