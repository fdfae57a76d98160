import { anomalyRule } from './anomaly-rule.ts';

/** BUILD / SETITEM / APPEND applied to a module-level object: the modelscan #85/#89 allow-list poisoning. */
export const pickleGlobalMutation = anomalyRule(
  {
    id: 'model/pickle-global-mutation',
    title: 'Pickle modifies an imported global',
    severity: 'high',
    tags: ['OWASP-LLM03', 'CWE-502', 'CWE-915'],
    references: ['https://github.com/protectai/modelscan/issues/89'],
    fix: 'Setting attributes on an imported function or module lets a later allow-listed name resolve to os.system. Checkpoints only set state on objects they just created: do not load this file.',
  },
  ['global-mutation'],
);
