import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';
import type { KerasSubject } from './keras-subject.ts';

const meta: RuleMeta = {
  id: 'model/keras-safe-mode-bypass',
  title: 'Keras config tries to turn off safe mode',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-502', 'CWE-693'],
  references: [
    'https://nvd.nist.gov/vuln/detail/CVE-2025-9906',
    'https://keras.io/api/models/model_saving_apis/model_saving_and_loading/',
  ],
  fix: 'Do not load the model from an untrusted source. A model never needs to disable safe mode itself; load with the default safe_mode=True on Keras 3.11 or later.',
};

/**
 * A config that calls `keras.config.enable_unsafe_deserialization` while it loads (CVE-2025-9906), or sets
 * `safe_mode: false` for a nested object, so that Lambda layers later in the same file run despite
 * `load_model(..., safe_mode=True)`.
 */
export const kerasSafeModeBypass: Rule<KerasSubject> = {
  meta,
  check(subject, ctx) {
    return subject.config.markers
      .filter((m) => m.kind === 'unsafe-deserialization' || m.kind === 'safe-mode-false')
      .map((m) =>
        report(meta, ctx, {
          message:
            m.kind === 'unsafe-deserialization'
              ? `${subject.origin} ${m.path} names enable_unsafe_deserialization: loading the model would switch off safe mode (CVE-2025-9906)`
              : `${subject.origin} ${m.path} sets safe_mode to ${m.detail} inside the model config`,
          evidence: { path: m.path, pattern: m.kind, detail: m.detail },
        }),
      );
  },
};
