import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { RemoteCodeHit } from './remote-code-policy.ts';

const meta: RuleMeta = {
  id: 'model/remote-code-dangerous-call',
  title: 'Python code shipped with a model makes a dangerous call',
  severity: 'high',
  tags: ['OWASP-LLM03', 'OWASP-LLM05', 'AML.T0010', 'AML.T0011', 'CWE-94', 'CWE-502'],
  references: [
    'https://huggingface.co/docs/transformers/models#custom-models',
    'https://huggingface.co/docs/hub/security-malware',
    'https://docs.python.org/3/library/functions.html#exec',
  ],
  fix: 'Do not load this model with trust_remote_code=True. Read the flagged lines; use a revision you have reviewed (pin revision=<commit>), or a model whose architecture ships with the library.',
};

/** Subject: the dangerous call sites found in one Python file, by remote-code-policy. */
export interface PythonSubject {
  hits: readonly RemoteCodeHit[];
}

/** One finding per dangerous call site, at its line; critical when the call runs decoded or encoded code. */
export const remoteCodeDangerousCall: Rule<PythonSubject> = {
  meta,
  check(subject, ctx) {
    return subject.hits.map((hit) =>
      report(meta, ctx, {
        line: hit.line,
        severity: hit.severity,
        message: `${hit.category}: ${hit.reason}`,
        evidence: { call: hit.call, written: hit.written, category: hit.category, ...hit.evidence },
      }),
    );
  },
};
