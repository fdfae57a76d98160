import type { RuleMeta } from '../../../core/rule.ts';
import type { OnnxExternalTensor, OnnxModel } from '../../../formats/onnx.ts';
import { type Rule, report } from '../../rule.ts';

/** Largest external offset, length or tensor Parapet accepts as real: 1 TiB. */
export const MAX_EXTERNAL_BYTES = 2 ** 40;

/** Bits per element by TensorProto.DataType (onnx.proto3); STRING (8) and UNDEFINED (0) have no fixed size. */
const ELEMENT_BITS: ReadonlyMap<number, number> = new Map([
  [1, 32], // FLOAT
  [2, 8], // UINT8
  [3, 8], // INT8
  [4, 16], // UINT16
  [5, 16], // INT16
  [6, 32], // INT32
  [7, 64], // INT64
  [9, 8], // BOOL
  [10, 16], // FLOAT16
  [11, 64], // DOUBLE
  [12, 32], // UINT32
  [13, 64], // UINT64
  [14, 64], // COMPLEX64
  [15, 128], // COMPLEX128
  [16, 16], // BFLOAT16
  [17, 8], // FLOAT8E4M3FN
  [18, 8], // FLOAT8E4M3FNUZ
  [19, 8], // FLOAT8E5M2
  [20, 8], // FLOAT8E5M2FNUZ
  [21, 4], // UINT4
  [22, 4], // INT4
  [23, 4], // FLOAT4E2M1
]);

const meta: RuleMeta = {
  id: 'model/onnx-external-data-invalid',
  title: 'ONNX external data declares an impossible location, offset or size',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'CWE-20', 'CWE-789'],
  references: [
    'https://onnx.ai/onnx/repo-docs/ExternalData.html',
    'https://nvd.nist.gov/vuln/detail/CVE-2024-27318',
  ],
  fix: 'A loader trusting these numbers reads the wrong bytes or allocates without bound. Re-export the model with onnx.save_model(..., save_as_external_data=True) from a trusted copy.',
};

/** A decimal external_data number, or an explanation of why it is not one. */
function parseCount(key: string, value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value))
    return `${key} ${JSON.stringify(value.slice(0, 40))} is not a non-negative integer`;
  const n = Number(value);
  return n > MAX_EXTERNAL_BYTES ? `${key} ${n} is beyond ${MAX_EXTERNAL_BYTES} bytes` : n;
}

/** Every problem with one external tensor's declared location and sizes. */
function problems(t: OnnxExternalTensor): string[] {
  const out: string[] = [];
  if (t.entries.location === undefined || t.entries.location === '') out.push('has no location');
  const offset = parseCount('offset', t.entries.offset);
  const length = parseCount('length', t.entries.length);
  for (const v of [offset, length]) if (typeof v === 'string') out.push(v);
  const bits = ELEMENT_BITS.get(t.dataType);
  if (t.dims === undefined) out.push('declares negative or absurd dims');
  else if (bits !== undefined) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const bytes = Math.ceil((elements * bits) / 8);
    if (bytes > MAX_EXTERNAL_BYTES) out.push(`dims need ${bytes} bytes, beyond ${MAX_EXTERNAL_BYTES}`);
    else if (typeof length === 'number' && length !== bytes) {
      out.push(`length ${length} disagrees with dims [${t.dims.join(', ')}] (${bytes} bytes)`);
    }
  }
  return out;
}

/** External tensors with no location, non-numeric or oversized offsets and lengths, or sizes that contradict dims. */
export const onnxExternalDataInvalid: Rule<OnnxModel> = {
  meta,
  check(model, ctx) {
    return model.external
      .map((t) => ({ t, why: problems(t) }))
      .filter(({ why }) => why.length > 0)
      .slice(0, 50)
      .map(({ t, why }) =>
        report(meta, ctx, {
          offset: t.offset,
          message: `external tensor ${JSON.stringify(t.name)} (${t.scope}) ${why.join('; ')}`,
          evidence: { tensor: t.name, entries: t.entries, dims: t.dims, dataType: t.dataType },
        }),
      );
  },
};
