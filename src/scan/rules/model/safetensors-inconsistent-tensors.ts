import type { RuleMeta } from '../../../core/rule.ts';
import type { SafetensorsAnomalyKind, SafetensorsHeader } from '../../../formats/safetensors.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'model/safetensors-inconsistent-tensors',
  title: 'safetensors tensor entries disagree with their data',
  severity: 'high',
  tags: ['OWASP-LLM03', 'CWE-125', 'CWE-1284', 'CWE-436'],
  references: [
    'https://github.com/huggingface/safetensors#format',
    'https://github.com/huggingface/safetensors/blob/main/safetensors/src/tensor.rs',
  ],
  fix: 'Do not load the file with a custom or non-reference reader. Re-export it with safetensors.torch.save_file from a trusted source; the reference loader refuses such headers.',
};

/** Kinds this rule reports: entries that are well-formed JSON but whose values do not add up. */
const KINDS: ReadonlySet<SafetensorsAnomalyKind> = new Set([
  'unknown-dtype',
  'bad-shape',
  'bad-offsets',
  'size-mismatch',
  'out-of-bounds',
  'overlap',
  'gap',
]);

/**
 * dtype, shape and data_offsets that disagree, offsets past the data section, overlapping tensors: a reader
 * that trusts the header reads out of bounds or aliases one tensor onto another (high). Gaps and trailing
 * unreferenced bytes only hide data the loader never reads, a dormant place for a payload (medium).
 */
export const safetensorsInconsistentTensors: Rule<SafetensorsHeader> = {
  meta,
  check(subject, ctx) {
    const hits = subject.anomalies.filter((a) => KINDS.has(a.kind));
    const shown = hits.slice(0, 10).map((a) =>
      report(meta, ctx, {
        offset: a.offset,
        severity: a.kind === 'gap' ? 'medium' : 'high',
        message: a.detail,
        evidence: a.tensor === undefined ? { kind: a.kind } : { kind: a.kind, tensor: a.tensor },
      }),
    );
    const more = hits.length - shown.length + subject.suppressed;
    if (more > 0 && shown.length > 0) {
      const last = shown[shown.length - 1]!;
      last.message += ` (and ${more} more header problems not listed)`;
    }
    return shown;
  },
};
