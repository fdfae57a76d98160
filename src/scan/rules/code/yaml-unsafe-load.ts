import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { CodeArg } from './flow.ts';
import {
  YAML_FULL,
  YAML_FULL_LOADERS,
  YAML_LOAD_WITH_LOADER,
  YAML_SAFE_LOADERS,
  YAML_UNSAFE,
  YAML_UNSAFE_LOADERS,
} from './names.ts';
import { argument, type CodeSubject, callEvidence, matchName } from './policy.ts';

const meta: RuleMeta = {
  id: 'code/yaml-unsafe-load',
  title: 'YAML loaded without a safe loader',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'CWE-502'],
  references: [
    'https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation',
    'https://pyyaml.org/wiki/PyYAMLDocumentation',
    'https://nvd.nist.gov/vuln/detail/CVE-2020-14343',
  ],
  fix: 'Use yaml.safe_load(f) (or yaml.load(f, Loader=yaml.CSafeLoader) for speed), and require PyYAML>=5.4 (>=6.0 makes Loader mandatory). If you need custom tags, subclass SafeLoader and register constructors for exactly those tags.',
};

type Verdict = 'unsafe' | 'full' | 'safe' | 'unknown';

/** How a Loader argument constructs objects, from the names and strings it mentions and local subclasses. */
function classify(arg: CodeArg, classBases: CodeSubject['classBases']): Verdict {
  const names = [...arg.names, ...arg.strings.map((s) => `yaml.${s}`)];
  const seen = new Set<string>();
  const verdicts: Verdict[] = [];
  const visit = (name: string, depth: number): void => {
    if (seen.has(name) || depth > 4) return;
    seen.add(name);
    if (YAML_UNSAFE_LOADERS.has(name)) verdicts.push('unsafe');
    else if (YAML_FULL_LOADERS.has(name)) verdicts.push('full');
    else if (YAML_SAFE_LOADERS.has(name)) verdicts.push('safe');
    else {
      // `class MyLoader(yaml.SafeLoader)` in this file: judge it by its bases.
      const local = name.startsWith('builtins.') ? name.slice('builtins.'.length) : name;
      for (const base of classBases.get(local) ?? []) visit(base, depth + 1);
    }
  };
  for (const n of names) visit(n, 0);
  if (verdicts.includes('unsafe')) return 'unsafe';
  if (verdicts.includes('full')) return 'full';
  return verdicts.includes('safe') ? 'safe' : 'unknown';
}

/**
 * PyYAML loads that can construct Python objects: yaml.unsafe_load and Loader=yaml.Loader / UnsafeLoader /
 * CLoader (high: `!!python/object/apply:os.system` runs); yaml.load without a Loader (medium: unsafe before
 * PyYAML 5.1, FullLoader in 5.1-5.4, a TypeError from 6.0, so it depends on the installed version);
 * yaml.full_load and Loader=FullLoader (medium: bypassable before PyYAML 5.4, CVE-2020-14343).
 */
export const yamlUnsafeLoad: Rule<CodeSubject> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    for (const call of subject.calls) {
      const unsafe = matchName(call, (n) => YAML_UNSAFE.has(n));
      const full = matchName(call, (n) => YAML_FULL.has(n));
      const load = matchName(call, (n) => YAML_LOAD_WITH_LOADER.has(n));
      let severity: 'high' | 'medium';
      let why: string;
      let loaderText: string | null = null;
      if (unsafe !== undefined) {
        severity = 'high';
        why = `${call.written}() constructs arbitrary Python objects: a YAML tag like !!python/object/apply runs code`;
      } else if (full !== undefined) {
        severity = 'medium';
        why = `${call.written}() uses FullLoader, which could be made to run code before PyYAML 5.4 (CVE-2020-14343)`;
      } else if (load !== undefined) {
        const loader = argument(call, 1, ['Loader']);
        if (loader === undefined) {
          severity = 'medium';
          why = call.starArgs
            ? `${call.written}() may pass its Loader in **kwargs, which Parapet cannot see`
            : `${call.written}() without Loader=: unsafe before PyYAML 5.1, FullLoader until 6.0 (which rejects the call)`;
        } else {
          loaderText = loader.simple ?? loader.names[0] ?? '<expr>';
          const verdict = classify(loader, subject.classBases);
          if (verdict === 'safe' || verdict === 'unknown') continue;
          severity = verdict === 'unsafe' ? 'high' : 'medium';
          why =
            verdict === 'unsafe'
              ? `${call.written}(..., Loader=${loaderText}) constructs arbitrary Python objects: a YAML tag like !!python/object/apply runs code`
              : `${call.written}(..., Loader=${loaderText}) uses FullLoader, which could be made to run code before PyYAML 5.4 (CVE-2020-14343)`;
        }
      } else continue;
      const name = unsafe ?? full ?? load!;
      findings.push(
        report(meta, ctx, {
          line: call.line,
          severity,
          message: why,
          evidence: callEvidence(call, name, { loader: loaderText }),
        }),
      );
    }
    return findings;
  },
};
