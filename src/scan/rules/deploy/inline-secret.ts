import type { Finding } from '../../../core/finding.ts';
import type { RuleMeta } from '../../../core/rule.ts';
import { findFlag } from '../../../deploy/argv.ts';
import type { DeploySubject } from '../../../deploy/types.ts';
import { type Rule, report } from '../../rule.ts';
import { isReference, launchLabel, redact, uniqueEnv } from './launch-text.ts';

const meta: RuleMeta = {
  id: 'deploy/inline-secret',
  title: 'A provider key, hub token or server secret is written in a deployment file',
  severity: 'high',
  tags: ['OWASP-LLM02', 'OWASP-LLM03', 'CWE-798', 'CWE-312'],
  references: [
    'https://docs.docker.com/compose/how-tos/use-secrets/',
    'https://kubernetes.io/docs/concepts/configuration/secret/',
    'https://huggingface.co/docs/hub/security-tokens',
    'https://docs.litellm.ai/docs/proxy/virtual_keys',
  ],
  fix: 'Move the value into a secret store (Docker secrets, a Kubernetes Secret referenced with `valueFrom.secretKeyRef` or external-secrets, systemd `LoadCredential=`) or at least into an untracked env file, reference it from the environment (`$HF_TOKEN`), and rotate the key: a value that was committed must be treated as leaked.',
};

/** Variable names that hold credentials, by exact name or pattern. */
const SECRET_NAME =
  /^(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_HUB_TOKEN|HF_API_TOKEN|HUGGINGFACEHUB_API_TOKEN|LITELLM_MASTER_KEY|LITELLM_SALT_KEY|WEBUI_SECRET_KEY|API_KEY|NGROK_AUTHTOKEN|JUPYTER_TOKEN|.*_API_KEY|.*_SECRET_KEY|.*_ACCESS_KEY|.*_AUTH_TOKEN|.*_API_TOKEN|.*_CLIENT_SECRET)$/;
/** Values that are recognisably credentials whatever the variable is called. */
const SECRET_VALUE =
  /^(hf_[A-Za-z0-9]{30,}|sk-(proj-|ant-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16})$/;
/** Flags whose value is a key. */
const SECRET_FLAGS = ['--api-key', '--admin-key', '--hf-token', '--token', '--master-key'];

/** Placeholders people leave in samples (`<your-token>`, `your_hf_token_here`, `xxx`, `...`), never a key. */
function isPlaceholder(value: string): boolean {
  const v = value.trim().replace(/^['"]|['"]$/g, '');
  return (
    v === '' ||
    /^<.*>$/.test(v) ||
    /^(your|my|insert|replace|enter|put)[-_ ]/i.test(v) ||
    /^x{3,}$/i.test(v) ||
    /^\.{3,}$|^\*+$/.test(v) ||
    /^(changeme|none|null|false|true|todo|tbd|secret|token|key)$/i.test(v)
  );
}

/**
 * GEN-002 and LTL-002: literal credentials in compose `environment:`, Kubernetes `env[].value`, Dockerfile ENV,
 * systemd `Environment=`, shell exports, `.env` files and `--api-key` arguments. The value is never shown: the
 * evidence keeps its first characters and length. In a `.env` file (meant to stay out of version control) it
 * is medium; anywhere else, high.
 */
export const inlineSecret: Rule<DeploySubject> = {
  meta,
  check(subject, ctx) {
    const findings: Finding[] = [];
    const push = (line: number, what: string, value: string, where: string, dotenv: boolean) =>
      findings.push(
        report(meta, ctx, {
          line,
          severity: dotenv ? 'medium' : 'high',
          message: `${where} sets ${what} to a literal value (${redact(value)}): anyone who can read this file can use the credential`,
          evidence: { name: what, value: redact(value), length: value.length },
        }),
      );
    for (const { name, env, launch } of uniqueEnv(subject.config.launches)) {
      const v = env.value.trim();
      if (isReference(v) || isPlaceholder(v)) continue;
      if (!SECRET_NAME.test(name) && !SECRET_VALUE.test(v)) continue;
      push(env.line, name, v, launchLabel(launch), launch.source === 'dotenv');
    }
    for (const launch of subject.config.launches) {
      const hit = findFlag(launch.argv, SECRET_FLAGS);
      const v = hit?.value;
      if (hit === undefined || v === undefined || isReference(v) || isPlaceholder(v)) continue;
      push(
        launch.argLines[hit.index] ?? launch.line,
        launch.argv[hit.index]!.split('=')[0]!,
        v,
        launchLabel(launch),
        false,
      );
    }
    return findings;
  },
};
