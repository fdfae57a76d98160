import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { PickleSubject } from './subjects.ts';

const meta: RuleMeta = {
  id: 'model/pickle-dangerous-import',
  title: 'Pickle imports a dangerous callable',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0011.000', 'CWE-502'],
  references: ['https://docs.python.org/3/library/pickle.html#restricting-globals'],
  fix: 'Treat the file as hostile: the import alone runs module code, and the object can be called later (as a defaultdict factory, a partial, a callback). Use safetensors.',
};

/** A deny-listed callable that is named but not called directly: still reachable through other calls. */
export const pickleDangerousImport: Rule<PickleSubject> = {
  meta,
  check(subject, ctx) {
    return subject.imports
      .filter((i) => i.verdict.verdict === 'dangerous' && i.record.calls.length === 0)
      .map(({ record, verdict, count }) =>
        report(meta, ctx, {
          offset: record.offset,
          message: `imports ${record.module}.${record.name} (${record.opcode}): ${verdict.reason}`,
          evidence: {
            module: record.module,
            name: record.name,
            namedBy: record.opcode,
            indirect: record.indirect,
            occurrences: count,
            pickle: subject.index,
          },
        }),
      );
  },
};
