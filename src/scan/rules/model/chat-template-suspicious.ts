import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { TemplateSubject } from './template-subject.ts';

const meta: RuleMeta = {
  id: 'model/chat-template-suspicious',
  title: 'Chat template hides attribute names or uses gadget objects',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'CWE-1336'],
  references: [
    'https://nvd.nist.gov/vuln/detail/CVE-2024-34359',
    'https://jinja.palletsprojects.com/en/stable/templates/#list-of-global-functions',
  ],
  fix: "Compare the template with the model family's published chat template; real ones index messages and print strings, they never look attributes up by string, use escapes or reach cycler, lipsum, self, request or config.",
};

/**
 * Constructs a chat template has no reason to use and an exploit needs: `|attr()`, attribute names built from
 * strings, escape sequences, gadget objects, private attributes, Python builtins, huge templates. Medium: by
 * itself it does not reach Python internals. A template the parser rejects is reported low, never as clean.
 */
export const chatTemplateSuspicious: Rule<TemplateSubject> = {
  meta,
  check(subject, ctx) {
    const found = [];
    const suspicious = subject.analysis.issues.filter((i) => i.kind === 'suspicious');
    const failure = subject.analysis.issues.find((i) => i.kind === 'parse-failure');
    if (suspicious.length > 0 && subject.rendered) {
      found.push(
        report(meta, ctx, {
          offset: subject.offset,
          line: subject.line,
          message: `${subject.key}: ${suspicious
            .slice(0, 3)
            .map((i) => i.message)
            .join('; ')}`,
          evidence: { key: subject.key, constructs: suspicious.map((i) => i.evidence) },
        }),
      );
    }
    if (failure !== undefined && subject.rendered) {
      found.push(
        report(meta, ctx, {
          offset: subject.offset,
          line: subject.line,
          severity: 'low',
          message: `${subject.key}: ${failure.message}`,
          evidence: { key: subject.key },
        }),
      );
    }
    return found;
  },
};
