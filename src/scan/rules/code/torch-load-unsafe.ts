import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import { TORCH_LOADS } from './names.ts';
import {
  argument,
  type CodeSubject,
  callEvidence,
  describeArg,
  isLocalLiteral,
  matchName,
  untrustedOrigin,
} from './policy.ts';

const meta: RuleMeta = {
  id: 'code/torch-load-unsafe',
  title: 'torch.load without weights_only=True',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'AML.T0011', 'CWE-502'],
  references: [
    'https://pytorch.org/docs/stable/generated/torch.load.html',
    'https://github.com/advisories/GHSA-53q9-r3pm-6pq6',
    'https://docs.python.org/3/library/pickle.html',
  ],
  fix: 'Pass weights_only=True and require torch>=2.6 in your dependencies: 2.6 makes weights_only=True the default and fixes CVE-2025-32434, a bypass of it in older releases (Parapet cannot see the installed torch version from the source). Better still, store weights as safetensors.',
};

/**
 * torch.load unpickles: without weights_only=True (the default before torch 2.6) a checkpoint can run code.
 * High for a path that comes from a variable, a download or `weights_only=False`; medium when the file is a
 * literal local path or weights_only comes from an expression or `**kwargs` Parapet cannot read.
 */
export const torchLoadUnsafe: Rule<CodeSubject> = {
  meta,
  check(subject, ctx) {
    const findings = [];
    for (const call of subject.calls) {
      const name = matchName(call, (n) => TORCH_LOADS.has(n));
      if (name === undefined) continue;
      const weightsOnly = call.keywords.get('weights_only');
      if (weightsOnly?.simple === 'True') continue;
      const path = argument(call, 0, ['f']);
      const origin = untrustedOrigin(path);
      const shown = `${call.written}(${describeArg(path)})`;
      let severity: 'high' | 'medium' = 'high';
      let why: string;
      if (weightsOnly?.simple === 'False') {
        why = `${shown} with weights_only=False unpickles arbitrary objects`;
      } else if (weightsOnly !== undefined) {
        severity = 'medium';
        why = `${shown} sets weights_only from an expression Parapet cannot evaluate`;
      } else if (call.starArgs) {
        severity = 'medium';
        why = `${shown} may pass weights_only in **kwargs, which Parapet cannot see`;
      } else {
        if (origin === undefined && isLocalLiteral(path)) severity = 'medium';
        why = `${shown} without weights_only=True unpickles arbitrary objects on torch < 2.6`;
      }
      if (origin !== undefined) {
        severity = 'high';
        why += ` (${origin})`;
      }
      findings.push(
        report(meta, ctx, {
          line: call.line,
          severity,
          message: why,
          evidence: callEvidence(call, name, {
            weightsOnly: weightsOnly?.simple ?? (weightsOnly === undefined ? null : '<expr>'),
            path: path?.literal ?? path?.simple ?? null,
            origin: origin ?? null,
          }),
        }),
      );
    }
    return findings;
  },
};
