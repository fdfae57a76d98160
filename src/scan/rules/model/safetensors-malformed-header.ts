import type { RuleMeta } from '../../../core/rule.ts';
import type { SafetensorsAnomalyKind, SafetensorsHeader } from '../../../formats/safetensors.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'model/safetensors-malformed-header',
  title: 'safetensors header is malformed',
  severity: 'high',
  tags: ['OWASP-LLM03', 'CWE-20', 'CWE-436', 'CWE-789'],
  references: [
    'https://github.com/huggingface/safetensors#format',
    'https://huggingface.co/docs/safetensors/metadata_parsing',
    'https://www.rfc-editor.org/rfc/rfc8259#section-4',
  ],
  fix: 'Do not load the file. A well-formed safetensors file never has a header length past the file, invalid JSON or duplicate keys: re-export it with safetensors.torch.save_file from a trusted source.',
};

/** Kinds this rule reports: the header cannot be read the same way by every loader. */
const KINDS: ReadonlySet<SafetensorsAnomalyKind> = new Set([
  'header-length',
  'invalid-utf8',
  'invalid-json',
  'duplicate-key',
  'lone-surrogate',
  'not-an-object',
  'bad-entry',
  'bad-metadata',
]);

/**
 * The header is not what the reference loader accepts: a length past the file or the 100 MB cap (a memory
 * bomb for readers that allocate first), bytes that are not UTF-8 JSON, duplicate keys or lone surrogates
 * (Python's json and Rust's serde read them differently, so a scanner and a loader see different tensors).
 */
export const safetensorsMalformedHeader: Rule<SafetensorsHeader> = {
  meta,
  check(subject, ctx) {
    return subject.anomalies
      .filter((a) => KINDS.has(a.kind))
      .slice(0, 10)
      .map((a) =>
        report(meta, ctx, {
          offset: a.offset,
          message: a.detail,
          evidence: { kind: a.kind, headerLength: subject.headerLength.toString() },
        }),
      );
  },
};
