/**
 * The static deployment audit's entry point: recognises a deployment file by name, reads it into the launch
 * model (types.ts) and reports what it could not read. Pure: no file system, no network, never throws.
 */
import { isComposeName, parseCompose } from './compose.ts';
import { isDockerfileName, parseDockerfile } from './dockerfile.ts';
import { isDotenvName, parseDotenv } from './dotenv.ts';
import { isPythonName, parseGradioApp } from './gradio-app.ts';
import { looksLikeK8s, parseK8s } from './k8s.ts';
import { looksLikeLitellmConfig, parseLitellmConfig } from './litellm-config.ts';
import { isShellName, parseShell } from './shell.ts';
import { isSystemdName, parseSystemd } from './systemd.ts';
import { isTgwFlagsName, parseTgwFlags } from './tgw-flags.ts';
import type { DeployConfig, LaunchSource } from './types.ts';
import { MAX_DEPLOY_BYTES } from './yaml-nodes.ts';

export { exposureOf } from './exposure.ts';
export { authOf, bindOf, detectServer, parseImage, serverOfArgv, serverOfImage } from './servers.ts';
export type {
  DeployConfig,
  DeploySubject,
  Launch,
  LaunchSource,
  PublishedPort,
  ServerKind,
} from './types.ts';
export { MAX_DEPLOY_BYTES };

/** The kind of deployment file a base name is, or undefined. `k8s` is confirmed from the content. */
export function deployKindOf(name: string): LaunchSource | undefined {
  if (isComposeName(name)) return 'compose';
  if (/\.ya?ml$/i.test(name)) return 'k8s';
  if (isDockerfileName(name)) return 'dockerfile';
  if (isDotenvName(name)) return 'dotenv';
  if (isShellName(name)) return 'shell';
  if (isSystemdName(name)) return 'systemd';
  if (isPythonName(name)) return 'python-app';
  if (isTgwFlagsName(name)) return 'tgw-flags';
  return undefined;
}

/**
 * Reads `text` as the deployment file `path` (whose base name decides the format). Undefined when the file is
 * not a deployment file after all (a YAML file with no apiVersion/kind, a .conf with no [Service], a Helm
 * template that is not YAML until rendered).
 */
export function parseDeployFile(path: string, text: string): DeployConfig | undefined {
  const name = path.split(/[/\\!]/).pop() ?? path;
  switch (deployKindOf(name)) {
    case 'compose':
      return parseCompose(path, text);
    case 'k8s': {
      // LiteLLM's config.yaml is told by its sections, whatever it is named.
      if (looksLikeLitellmConfig(text)) return parseLitellmConfig(path, text);
      if (!looksLikeK8s(text)) return undefined;
      const config = parseK8s(path, text);
      // An unrendered Helm template (`{{ .Values.x }}`) is not YAML yet: not an error, not a manifest.
      if (config.errors.length > 0 && /\{\{[-\s]/.test(text)) return undefined;
      return config;
    }
    case 'dockerfile':
      return parseDockerfile(path, text);
    case 'dotenv':
      return parseDotenv(path, text);
    case 'shell':
      return parseShell(path, text);
    case 'systemd':
      return parseSystemd(path, text);
    case 'python-app':
      return parseGradioApp(path, text);
    case 'tgw-flags':
      return parseTgwFlags(path, text);
    default:
      return undefined;
  }
}
