import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'model/numpy-object-array',
  title: 'NumPy file stores an object array (a pickle)',
  severity: 'low',
  tags: ['OWASP-LLM03', 'CWE-502'],
  references: [
    'https://numpy.org/doc/stable/reference/generated/numpy.load.html',
    'https://nvd.nist.gov/vuln/detail/CVE-2019-6446',
  ],
  fix: 'Loading needs np.load(allow_pickle=True), which runs the embedded pickle; the pickle itself is scanned and reported separately. Prefer numeric dtypes.',
};

/** Subject: the parsed .npy header. */
export interface NpySubject {
  descr: unknown;
  dataOffset: number;
}

/** An object-dtype array: harmless only if its pickle is, and only loadable with allow_pickle=True. */
export const numpyObjectArray: Rule<NpySubject> = {
  meta,
  check(subject, ctx) {
    return [
      report(meta, ctx, {
        offset: subject.dataOffset,
        message: `dtype ${JSON.stringify(subject.descr)} makes np.load unpickle the data section`,
        evidence: { descr: subject.descr },
      }),
    ];
  },
};
