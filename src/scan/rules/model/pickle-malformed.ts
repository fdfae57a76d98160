import { anomalyRule } from './anomaly-rule.ts';

/** The stream breaks where CPython's unpickler would raise: everything before the break has already run. */
export const pickleMalformed = anomalyRule(
  {
    id: 'model/pickle-malformed',
    title: 'Pickle stream is malformed',
    severity: 'medium',
    tags: ['OWASP-LLM03', 'CWE-502', 'CWE-20'],
    references: ['https://www.reversinglabs.com/blog/rl-identifies-malware-ml-model-hosted-on-hugging-face'],
    fix: 'A pickle that breaks midway still executes every call before the break (the "nullifAI" trick). Check the other findings for this file; do not treat a load error as safety.',
  },
  ['malformed', 'protocol'],
);
