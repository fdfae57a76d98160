import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { PickleSubject } from './subjects.ts';

const meta: RuleMeta = {
  id: 'model/pickle-unknown-import',
  title: 'Pickle imports a callable that is on no allow list',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'CWE-502'],
  references: ['https://github.com/mmaitre314/picklescan/issues/66'],
  fix: 'Check that the module is one you expect (your own classes, a library you trust). Deny lists are always incomplete: most picklescan bypasses were callables on neither list. Run with --strict in CI to fail on these.',
};

/** Anything neither allow- nor deny-listed. Medium by default, high with --strict (default-deny). */
export const pickleUnknownImport: Rule<PickleSubject> = {
  meta,
  check(subject, ctx) {
    return subject.imports
      .filter((i) => i.verdict.verdict === 'unknown')
      .map(({ record, count, codeArgument }) =>
        report(meta, ctx, {
          offset: record.offset,
          // Calling an unknown function with source code as its argument is how custom eval wrappers look.
          severity: ctx.strict || codeArgument !== undefined ? 'high' : 'medium',
          message:
            codeArgument !== undefined
              ? `calls ${record.module}.${record.name}${record.calls[0]!.args}, on no allow list, with code as its argument (${codeArgument})`
              : `${record.calls.length > 0 ? 'calls' : 'imports'} ${record.module}.${record.name}, which is on no allow list`,
          evidence: {
            module: record.module,
            name: record.name,
            namedBy: record.opcode,
            called: record.calls.length > 0,
            codeArgument,
            occurrences: count,
            pickle: subject.index,
          },
        }),
      );
  },
};
