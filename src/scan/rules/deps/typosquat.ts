import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import type { DepsSubject, Ecosystem } from '../../../deps/types.ts';
import {
  defaultNpmTyposquatIndex,
  defaultTyposquatIndex,
  type TyposquatIndex,
  type TyposquatMatch,
} from '../../../deps/typosquat/index.ts';
import { type Rule, report } from '../../rule.ts';
import { entryContext } from './entry-context.ts';

const meta: RuleMeta = {
  id: 'deps/typosquat',
  title: 'A dependency name imitates a popular package',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-829'],
  references: [
    'https://github.com/DataDog/guarddog/blob/main/guarddog/analyzer/metadata/typosquatting.py',
    'https://github.com/ossf/malicious-packages',
    'https://peps.python.org/pep-0503/',
  ],
  fix: 'Compare the name with the project you meant to install (its documentation gives the install command). If it is a slip, replace it with the real package, uninstall the look-alike and treat every machine that installed it as compromised: rotate the credentials it could read. If it is the package you intended, suppress this finding for it.',
};

/** The indexes the rule asks, per ecosystem; injectable so tests and callers can use their own lists. */
export type TyposquatIndexes = Record<Ecosystem, () => TyposquatIndex>;

const DEFAULT_INDEXES: TyposquatIndexes = { PyPI: defaultTyposquatIndex, npm: defaultNpmTyposquatIndex };

/**
 * Tricks that relate a wrong-but-legitimate package more often than a malicious one: the import name typed as
 * the package name (`yaml` for `pyyaml`, `dateutil` for `python-dateutil`) is reported, one level lower.
 */
const LOWER_TRICKS = new Set<TyposquatMatch['trick']>(['py-affix']);

/**
 * Builds the rule over the given indexes. One finding per distinct registry package name (a lock file lists a
 * name once per resolution), at its first entry; URL, VCS and path dependencies are not looked up by name, so
 * their names are not checked.
 */
export function createTyposquatRule(indexes: TyposquatIndexes = DEFAULT_INDEXES): Rule<DepsSubject> {
  return {
    meta,
    check(subject, ctx) {
      const findings: Finding[] = [];
      const seen = new Set<string>();
      for (const dep of subject.manifest.dependencies) {
        if (dep.source !== 'registry') continue;
        const key = `${dep.ecosystem}:${dep.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const match = indexes[dep.ecosystem]().check(dep.name);
        if (match === undefined) continue;
        findings.push(
          report(meta, entryContext(ctx, dep.file), {
            line: dep.line,
            severity: LOWER_TRICKS.has(match.trick) ? 'medium' : 'high',
            message: `${dep.rawName} resembles the popular package ${match.target} (${match.detail}); a typosquat runs its author's code at install or import`,
            evidence: {
              ecosystem: dep.ecosystem,
              package: dep.name,
              resembles: match.target,
              trick: match.trick,
              detail: match.detail,
              ...(dep.version === undefined ? {} : { version: dep.version }),
            },
          }),
        );
      }
      return findings;
    },
  };
}

/** `deps/typosquat` over the bundled popular lists (`data/popular/`). */
export const typosquat: Rule<DepsSubject> = createTyposquatRule();
