import { anomalyRule } from './anomaly-rule.ts';

/** FRAME lengths that disagree with the opcodes inside them: a parser differential between unpicklers. */
export const pickleFrameMismatch = anomalyRule(
  {
    id: 'model/pickle-frame-mismatch',
    title: 'Pickle FRAME boundaries disagree with its opcodes',
    severity: 'high',
    tags: ['OWASP-LLM03', 'CWE-502', 'CWE-436'],
    references: ['https://github.com/trailofbits/fickling'],
    fix: 'Pickler output never lets an opcode straddle a FRAME. Such a file reads differently in different unpicklers, which hides code from scanners: do not load it.',
  },
  ['frame-mismatch'],
);
