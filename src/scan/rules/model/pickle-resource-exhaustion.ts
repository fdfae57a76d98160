import { anomalyRule } from './anomaly-rule.ts';

/** Memo "billion laughs" (high), DUP floods and analysis caps (medium). */
export const pickleResourceExhaustion = anomalyRule(
  {
    id: 'model/pickle-resource-exhaustion',
    title: 'Pickle is built to exhaust memory or time',
    severity: 'high',
    tags: ['OWASP-LLM10', 'CWE-400', 'CWE-776'],
    references: ['https://github.com/trailofbits/fickling'],
    fix: 'The structure expands far beyond the file size when loaded (or floods the parser). Do not load it; a model checkpoint never needs this.',
  },
  ['expansion', 'resource-limit'],
  (a) => (a.kind === 'expansion' && a.detail.includes('billion') ? 'high' : 'medium'),
);
