import type { RuleMeta } from '../../../core/rule.ts';
import { type Rule, report } from '../../rule.ts';

const meta: RuleMeta = {
  id: 'model/config-exfiltration-endpoint',
  title: 'Model config carries an unknown endpoint or an embedded secret',
  severity: 'medium',
  tags: ['OWASP-LLM03', 'OWASP-LLM02', 'CWE-200', 'CWE-798'],
  references: ['https://huggingface.co/docs/transformers/main_classes/configuration'],
  fix: 'Configs describe architectures; they do not need URLs to hosts you do not know or credentials. Find out what reads the value (custom code, a callback), and remove it before using the model.',
};

/** A suspicious value in a JSON config: a URL to an unknown host, or a secret-named key with a value. */
export interface ConfigValue {
  /** JSON path of the value (`config.api_endpoint`). */
  key: string;
  value: string;
  kind: 'url' | 'secret';
}

/** Subject: the suspicious values found in one JSON config. */
export interface ConfigSubject {
  values: ConfigValue[];
}

/**
 * Data-only config payloads: a C2 or exfiltration URL, or an API key shipped with the weights. Nothing runs
 * on load, which is why this is medium; custom code (auto_map, callbacks) is what would use them.
 */
export const configExfiltrationEndpoint: Rule<ConfigSubject> = {
  meta,
  check(subject, ctx) {
    return subject.values.slice(0, 20).map((v) =>
      report(meta, ctx, {
        message:
          v.kind === 'url'
            ? `${v.key} points at ${JSON.stringify(v.value.slice(0, 200))}, a host models do not need`
            : `${v.key} holds what looks like a credential (${v.value.length} characters)`,
        evidence: {
          key: v.key,
          kind: v.kind,
          value: v.kind === 'url' ? v.value.slice(0, 200) : `${v.value.slice(0, 4)}…`,
        },
      }),
    );
  },
};
