import { anomalyRule } from './anomaly-rule.ts';

/** Calls and imports whose target cannot be named statically: type confusion, missing memo keys, EXT codes. */
export const pickleUnresolvedCallable = anomalyRule(
  {
    id: 'model/pickle-unresolved-callable',
    title: 'Pickle calls or imports something that cannot be resolved statically',
    severity: 'high',
    tags: ['OWASP-LLM03', 'CWE-502'],
    references: [
      'https://github.com/mmaitre314/picklescan/security/advisories',
      'https://github.com/protectai/modelscan/issues/338',
    ],
    fix: 'Legitimate checkpoints name every callable with a literal GLOBAL or STACK_GLOBAL. A call on a computed object, a non-string STACK_GLOBAL operand or an EXT opcode is how scanners are evaded: do not load the file.',
  },
  ['unresolved-global', 'unresolved-call', 'extension-code'],
);
