import type { RuleMeta } from '../../../core/rule.ts';
import type { DepsSubject } from '../../../deps/types.ts';
import { type Rule, report } from '../../rule.ts';
import { capped } from './entry-context.ts';

const meta: RuleMeta = {
  id: 'deps/manifest-unreadable',
  title: 'Dependency manifest has entries Parapet could not read',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'CWE-1104'],
  references: [
    'https://pip.pypa.io/en/stable/reference/requirements-file-format/',
    'https://packaging.python.org/en/latest/specifications/dependency-specifiers/',
  ],
  fix: 'Read the listed lines: fix the syntax, or make the include readable inside the scanned directory, then scan again. Until then the dependencies on those lines are unchecked.',
};

/** Evidence lists at most this many problems; the count says how many there were. */
const SHOWN = 20;

/**
 * One finding per manifest with lines, entries or includes the parser could not understand (invalid TOML,
 * an unknown option, an include outside the scan, a file over the size cap): a dependency there is
 * unchecked, and an unchecked dependency must not read as a clean one.
 */
export const manifestUnreadable: Rule<DepsSubject> = {
  meta,
  check({ manifest }, ctx) {
    const problems = manifest.problems;
    if (problems.length === 0) return [];
    const first = problems[0]!;
    const what =
      problems.length === 1
        ? '1 entry could not be read and is'
        : `${problems.length} entries could not be read and are`;
    return [
      report(meta, ctx, {
        line: first.file === undefined ? first.line : undefined,
        message: `${what} unchecked: ${first.message}`,
        evidence: {
          count: problems.length,
          problems: capped(problems, SHOWN).map((p) => ({
            message: p.message,
            ...(p.line === undefined ? {} : { line: p.line }),
            ...(p.file === undefined ? {} : { file: p.file }),
          })),
        },
      }),
    ];
  },
};
