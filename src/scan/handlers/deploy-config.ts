/**
 * Deployment files — docker-compose, Kubernetes manifests, Dockerfiles, systemd units, .env files, shell
 * scripts, LiteLLM proxy configs and Gradio apps' Python — recognised by name (and content), read into the launch model of src/deploy/ and judged by the deploy/* rules:
 * how each LLM server is exposed, whether it asks for credentials, and which risky switches it runs with.
 */
import { deployKindOf, MAX_DEPLOY_BYTES, parseDeployFile } from '../../deploy/index.ts';
import type { DeploySubject } from '../../deploy/types.ts';
import type { ByteSource } from '../../formats/byte-source.ts';
import type { HandlerContext, NestedOutcome } from '../context.ts';
import type { FormatHandler } from '../format-handler.ts';
import { DEPLOY_RULES } from '../rules/deploy/index.ts';

export const deployConfigFormat: FormatHandler = {
  id: 'deploy-config',
  detect: (_src, name) => deployKindOf(name) !== undefined,
  handle: handleDeployConfig,
};

function handleDeployConfig(src: ByteSource, ctx: HandlerContext): NestedOutcome {
  const where =
    ctx.location.member === undefined ? ctx.location.path : `${ctx.location.path}!${ctx.location.member}`;
  const baseName = where.split(/[/\\!]/).pop() ?? where;
  const kind = deployKindOf(baseName);
  if (kind === undefined) return 'not-a-model-format';
  // Python sources are the python-source handler's to size-check and reject; here only Gradio apps count.
  if (kind === 'python-app' && src.size > MAX_DEPLOY_BYTES) return 'not-a-model-format';
  if (src.size > MAX_DEPLOY_BYTES) {
    // A YAML bigger than the cap is not parsed at all: its size alone is reported, never silently skipped.
    if (kind === 'k8s' && !looksLikeDeployment(src)) return 'not-a-model-format';
    ctx.result.errors.push({
      path: where,
      error: `${kind} file is ${src.size} bytes, over the ${MAX_DEPLOY_BYTES}-byte cap for deployment files; it was not audited`,
    });
    return 'analysed';
  }
  const bytes = src.readAt(0, src.size);
  if (bytes.subarray(0, 8192).includes(0)) {
    // Binary content under a deployment file's name (only worth an error when the name is unambiguous).
    if (kind === 'k8s' || kind === 'systemd' || kind === 'python-app') return 'not-a-model-format';
    ctx.result.errors.push({ path: where, error: `${kind} file is binary, not text; it was not audited` });
    return 'analysed';
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // The whole path: a systemd drop-in is named by its directory (`ollama.service.d/override.conf`).
  const config = parseDeployFile(where, text);
  if (config === undefined) return 'not-a-model-format';
  config.file = where;
  for (const e of config.errors) {
    ctx.result.errors.push({
      path: where,
      error: `${config.source} file ${e.line === undefined ? '' : `line ${e.line}: `}${e.message}`,
    });
  }
  const subject: DeploySubject = { config };
  const ruleCtx = { location: ctx.location, strict: ctx.strict };
  for (const rule of DEPLOY_RULES) ctx.result.findings.push(...rule.check(subject, ruleCtx));
  return 'analysed';
}

/** Reads only the first 64 KiB of an over-cap YAML to tell a manifest from any other big YAML file. */
function looksLikeDeployment(src: ByteSource): boolean {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(src.readAt(0, Math.min(src.size, 65536)));
  return /^(apiVersion|kind|services|model_list):/m.test(head);
}
