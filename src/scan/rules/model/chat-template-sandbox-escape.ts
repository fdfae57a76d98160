import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { TemplateSubject } from './template-subject.ts';

const meta: RuleMeta = {
  id: 'model/chat-template-sandbox-escape',
  title: 'Chat template reaches Python internals (Jinja sandbox escape)',
  severity: 'critical',
  tags: ['OWASP-LLM03', 'OWASP-LLM05', 'CWE-1336', 'CWE-94'],
  references: [
    'https://nvd.nist.gov/vuln/detail/CVE-2024-34359',
    'https://github.com/abetlen/llama-cpp-python/security/advisories/GHSA-56xg-wfcc-g829',
    'https://jinja.palletsprojects.com/en/stable/sandbox/',
  ],
  fix: 'Do not load the model with a renderer that is not sandboxed (llama-cpp-python < 0.2.72, custom jinja2.Environment). Replace the chat template with a known-good one for the model family, or remove it.',
};

/**
 * Dunder attributes and subscripts (`__class__`, `__globals__`, `__builtins__`...), also when spelled with
 * escapes or built from strings: the CVE-2024-34359 chain from any object to `os.system`. Critical where a
 * loader renders the template; medium in a value no loader renders as one (dormant until someone passes it).
 */
export const chatTemplateSandboxEscape: Rule<TemplateSubject> = {
  meta,
  check(subject, ctx) {
    const escapes = subject.analysis.issues.filter((i) => i.kind === 'escape');
    if (escapes.length === 0) return [];
    const where = subject.rendered ? subject.key : `${subject.key} (not rendered as a chat template)`;
    return [
      report(meta, ctx, {
        offset: subject.offset,
        line: subject.line,
        severity: subject.rendered ? meta.severity : 'medium',
        message: `${where}: ${escapes
          .slice(0, 3)
          .map((i) => i.message)
          .join('; ')}`,
        evidence: {
          key: subject.key,
          method: subject.analysis.method,
          constructs: escapes.map((i) => i.evidence),
        },
      }),
    ];
  },
};
