import type { RuleMeta } from '../../../core/rule.ts';
import { dangerousCodeNames } from '../../keras-policy.ts';
import { type Rule, report } from '../../rule.ts';
import type { KerasSubject } from './keras-subject.ts';

const meta: RuleMeta = {
  id: 'model/keras-lambda-layer',
  title: 'Keras model runs arbitrary Python code in a Lambda layer',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-502', 'CWE-94'],
  references: [
    'https://nvd.nist.gov/vuln/detail/CVE-2024-3660',
    'https://nvd.nist.gov/vuln/detail/CVE-2025-9905',
    'https://keras.io/api/layers/core_layers/lambda/',
  ],
  fix: 'Do not load the model from an untrusted source. Rebuild the Lambda as a registered custom layer whose code you own, and save without Lambda layers.',
};

const FORM_TEXT: Record<string, string> = {
  marshal: 'marshalled Python bytecode',
  source: 'Python source text',
  'function-name': 'a function looked up by name',
  unknown: 'a function in an unrecognised form',
};

/** A Lambda layer (Keras 2) or `__lambda__` object (Keras 3): code that runs when the model is loaded or called. */
export const kerasLambdaLayer: Rule<KerasSubject> = {
  meta,
  check(subject, ctx) {
    return subject.config.lambdas.map((lambda) => {
      const dangerous = dangerousCodeNames(lambda.names);
      const target = lambda.module === undefined ? '' : ` from module ${lambda.module}`;
      const named = dangerous.length > 0 ? `; its code names ${dangerous.join(', ')}` : '';
      return report(meta, ctx, {
        severity: dangerous.length > 0 ? 'critical' : 'high',
        message: `${lambda.className} at ${subject.origin} ${lambda.path} carries ${FORM_TEXT[lambda.form]}${target}${named}`,
        evidence: {
          path: lambda.path,
          form: lambda.form,
          names: lambda.names.slice(0, 64),
          dangerous,
          ...(lambda.module === undefined ? {} : { module: lambda.module }),
        },
      });
    });
  },
};
