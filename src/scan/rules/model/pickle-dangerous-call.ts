import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { PickleSubject } from './subjects.ts';

const meta: RuleMeta = {
  id: 'model/pickle-dangerous-call',
  title: 'Pickle calls a dangerous callable on load',
  severity: 'critical',
  tags: ['OWASP-LLM03', 'OWASP-LLM05', 'AML.T0011.000', 'CWE-502'],
  references: [
    'https://docs.python.org/3/library/pickle.html#restricting-globals',
    'https://github.com/mmaitre314/picklescan',
  ],
  fix: 'Do not load this file. Get the weights as safetensors from a trusted publisher, or load with torch.load(weights_only=True) after confirming it is a plain state dict.',
};

/** A callable from the deny list that the stream actually invokes (REDUCE, OBJ, INST, NEWOBJ, BUILD). */
export const pickleDangerousCall: Rule<PickleSubject> = {
  meta,
  check(subject, ctx) {
    return subject.imports
      .filter((i) => i.verdict.verdict === 'dangerous' && i.record.calls.length > 0)
      .map(({ record, verdict, count }) => {
        const call = record.calls[0]!;
        return report(meta, ctx, {
          offset: call.offset,
          message: `calls ${record.module}.${record.name}${call.args} via ${call.opcode}: ${verdict.reason}`,
          evidence: {
            module: record.module,
            name: record.name,
            namedBy: record.opcode,
            indirect: record.indirect,
            calls: record.calls.slice(0, 5),
            occurrences: count,
            pickle: subject.index,
          },
        });
      });
  },
};
