import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { classifyKerasModule } from '../../keras-policy.ts';
import { type Rule, report } from '../../rule.ts';
import type { KerasSubject } from './keras-subject.ts';

const meta: RuleMeta = {
  id: 'model/keras-unsafe-module',
  title: 'Keras config imports code from outside Keras',
  severity: 'high',
  tags: ['OWASP-LLM03', 'AML.T0010', 'CWE-502', 'CWE-470'],
  references: [
    'https://nvd.nist.gov/vuln/detail/CVE-2025-1550',
    'https://nvd.nist.gov/vuln/detail/CVE-2025-8747',
    'https://nvd.nist.gov/vuln/detail/CVE-2025-49655',
    'https://github.com/keras-team/keras/security/advisories',
  ],
  fix: 'Do not load the model from an untrusted source. Keep configs to Keras layers, register your own classes with keras.saving.register_keras_serializable, and upgrade Keras to 3.11 or later.',
};

/**
 * Objects a Keras config makes the loader import or call outside Keras' own classes: a `module` / `fn_module`
 * on no allow list (CVE-2025-1550), the `keras.utils.get_file` download gadget (CVE-2025-8747), a
 * `TorchModuleWrapper` (its state is a torch.load pickle, CVE-2025-49655) and `TFOpLambda` layers (medium).
 */
export const kerasUnsafeModule: Rule<KerasSubject> = {
  meta,
  check(subject, ctx) {
    const out: Finding[] = [];
    for (const ref of subject.config.modules) {
      const verdict = classifyKerasModule(ref.module, ref.name);
      if (verdict === 'safe') continue;
      const what = ref.name === undefined ? ref.module : `${ref.module}.${ref.name}`;
      out.push(
        report(meta, ctx, {
          severity: verdict === 'dangerous' ? 'critical' : 'high',
          message: `${ref.key} at ${subject.origin} ${ref.path} makes Keras import ${what}${verdict === 'dangerous' ? ', which runs code or commands' : ', which is on no Keras allow list'}`,
          evidence: { path: ref.path, key: ref.key, module: ref.module, name: ref.name ?? null, verdict },
        }),
      );
    }
    for (const marker of subject.config.markers) {
      if (marker.kind === 'get-file') {
        out.push(
          report(meta, ctx, {
            message: `${subject.origin} ${marker.path} names ${marker.detail}: the keras.utils.get_file gadget downloads files while the model loads (CVE-2025-8747)`,
            evidence: { path: marker.path, gadget: marker.detail },
          }),
        );
      } else if (marker.kind === 'torch-module-wrapper') {
        out.push(
          report(meta, ctx, {
            message: `TorchModuleWrapper at ${subject.origin} ${marker.path}: its state is restored with torch.load, which unpickles (CVE-2025-49655)`,
            evidence: { path: marker.path, className: marker.detail },
          }),
        );
      } else if (marker.kind === 'tf-op-lambda') {
        out.push(
          report(meta, ctx, {
            severity: 'medium',
            message: `TFOpLambda at ${subject.origin} ${marker.path} calls TensorFlow symbol ${marker.detail} by name`,
            evidence: { path: marker.path, function: marker.detail },
          }),
        );
      }
    }
    return out;
  },
};
