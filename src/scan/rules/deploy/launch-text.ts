/** What the deploy/* rules share: how a launch is named in a message, its environment once, redaction. */
import { isTrue } from '../../../deploy/argv.ts';
import type { EnvValue, Launch, ServerKind } from '../../../deploy/types.ts';

/** Human names of the servers, as their projects write them. */
export const SERVER_NAMES: Record<ServerKind, string> = {
  ollama: 'Ollama',
  vllm: 'vLLM',
  'llama.cpp': 'llama.cpp llama-server',
  tgi: 'Text Generation Inference',
  localai: 'LocalAI',
  'text-generation-webui': 'text-generation-webui',
  'open-webui': 'Open WebUI',
  litellm: 'LiteLLM proxy',
  gradio: 'Gradio',
  jupyter: 'Jupyter',
  ray: 'Ray dashboard',
  mlflow: 'MLflow',
};

/** `service "ollama"`, `Deployment/vllm/server`, `ollama.service ExecStart`, `docker run (line 3)`. */
export function launchLabel(l: Launch): string {
  switch (l.source) {
    case 'compose':
      return `service "${l.name ?? '?'}"`;
    case 'k8s':
      return l.image === undefined ? (l.name ?? 'the manifest') : `container ${l.name ?? '?'}`;
    case 'dockerfile':
      return 'the image';
    case 'systemd':
      return `unit ${l.name ?? ''}`.trim();
    case 'dotenv':
      return 'the environment file';
    case 'litellm-config':
      return 'the LiteLLM config';
    case 'tgw-flags':
      return 'text-generation-webui CMD_FLAGS.txt';
    case 'python-app':
      return `app launch() at line ${l.line}`;
    case 'shell':
      if (l.containerized) return `docker run ${l.name ?? l.image?.ref ?? ''}`.trim();
      return l.argv.length > 0 ? `command ${l.argv[0]}` : 'the script';
  }
}

/** Every environment entry of the file once (shell launches share the script's exported entries). */
export function uniqueEnv(launches: readonly Launch[]): { name: string; env: EnvValue; launch: Launch }[] {
  const seen = new Set<string>();
  const out: { name: string; env: EnvValue; launch: Launch }[] = [];
  for (const launch of launches) {
    for (const [name, env] of launch.env) {
      const key = `${name}\u0000${env.line}\u0000${env.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ name, env, launch });
    }
  }
  return out;
}

/** A secret shown without its value: first 4 characters and the length. */
export function redact(value: string): string {
  return `${value.slice(0, Math.min(4, Math.floor(value.length / 3)))}… (${value.length} chars)`;
}

/** A value that only refers to another (`${HF_TOKEN}`, `$(cat /run/secrets/x)`, `$HF_TOKEN`). */
export function isReference(value: string): boolean {
  return /\$\{|\$\(|^\$[A-Za-z_]/.test(value.trim());
}

/** The launches that run a recognised server before the others (stable otherwise). */
export function serverFirst(launches: readonly Launch[]): Launch[] {
  return [
    ...launches.filter((l) => l.server !== undefined),
    ...launches.filter((l) => l.server === undefined),
  ];
}

/**
 * Each place one of `names` is set to a true value for `server`: the server's launches first, then
 * launches that run no recognised server (a .env file, a script's exports), once per line; a launch of
 * another server does not count, since the variable means nothing to it.
 */
export function trueSettings(
  launches: readonly Launch[],
  server: ServerKind,
  names: readonly string[],
): { launch: Launch; name: string; env: EnvValue }[] {
  const out: { launch: Launch; name: string; env: EnvValue }[] = [];
  const seen = new Set<string>();
  for (const launch of serverFirst(launches)) {
    if (launch.server !== undefined && launch.server !== server) continue;
    const name = names.find((n) => launch.env.has(n));
    const env = name === undefined ? undefined : launch.env.get(name);
    if (name === undefined || env === undefined || !isTrue(env.value)) continue;
    const key = `${name}\u0000${env.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ launch, name, env });
  }
  return out;
}
