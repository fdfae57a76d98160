/**
 * What Parapet knows about each LLM-stack server, from its own documentation (each rule page cites it):
 * how to recognise it (image names, commands), where it listens by default, and how its authentication is
 * switched on — or off. The rules ask these questions; they never hard-code a server's flags themselves.
 */
import { findFlag, hasSwitch, isAllInterfaces, isFalse, isLoopback } from './argv.ts';
import type { EnvValue, Launch, ServerKind } from './types.ts';

/** Image repositories (registry and tag stripped) of each server's official images. */
const IMAGE_PATTERNS: readonly [RegExp, ServerKind][] = [
  [/(^|\/)ollama\/ollama$/, 'ollama'],
  [/(^|\/)vllm\/vllm-openai$/, 'vllm'],
  [/(^|\/)(ggml-org|ggerganov)\/llama\.cpp$/, 'llama.cpp'],
  [/(^|\/)huggingface\/text-generation-inference$/, 'tgi'],
  [/(^|\/)(localai\/localai|go-skynet\/local-ai|mudler\/localai)$/, 'localai'],
  [/(^|\/)open-webui\/open-webui$/, 'open-webui'],
  [/(^|\/)berriai\/litellm(-database|-non_root)?$/, 'litellm'],
  [/(^|\/)text-generation-webui$/, 'text-generation-webui'],
  [/(^|\/)jupyter\/[a-z-]+-notebook$/, 'jupyter'],
  [/(^|\/)rayproject\/ray(-ml)?$/, 'ray'],
  [/(^|\/)mlflow\/mlflow$/, 'mlflow'],
];

/** An image reference split into repository (lowercase, no registry port confusion), tag and digest. */
export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** `ghcr.io/ggml-org/llama.cpp:server-cuda@sha256:..` → repository, tag, digest. */
export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const out: ImageRef = { repository: rest.toLowerCase() };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** The server an image runs, or undefined. llama.cpp images run the server only in their `server*` tags. */
export function serverOfImage(ref: string): ServerKind | undefined {
  const img = parseImage(ref);
  for (const [re, kind] of IMAGE_PATTERNS) {
    if (!re.test(img.repository)) continue;
    if (kind === 'llama.cpp' && !(img.tag ?? '').startsWith('server')) return undefined;
    return kind;
  }
  return undefined;
}

const base = (w: string): string => w.slice(w.lastIndexOf('/') + 1).toLowerCase();

/** Python module names that start a server (`python -m vllm.entrypoints.openai.api_server`). */
const MODULES: readonly [RegExp, ServerKind][] = [
  [/^vllm\.entrypoints\./, 'vllm'],
  [/^open_webui$/, 'open-webui'],
  [/^litellm$/, 'litellm'],
  [/^(jupyter|jupyterlab|notebook|jupyter_server)$/, 'jupyter'],
  [/^mlflow$/, 'mlflow'],
];

/** The server an argv starts, from its program (and subcommand or `-m` module), or undefined. */
export function serverOfArgv(argv: readonly string[]): ServerKind | undefined {
  if (argv.length === 0) return undefined;
  let i = 0;
  let prog = base(argv[0]!);
  // `python3 -m module ...`, `uv run vllm serve`, `python app.py`.
  if (/^python(\d(\.\d+)?)?$/.test(prog) || prog === 'uv' || prog === 'uvx' || prog === 'pipx') {
    const m = argv.indexOf('-m');
    if (m >= 0 && m + 1 < argv.length) {
      const mod = argv[m + 1]!;
      for (const [re, kind] of MODULES) if (re.test(mod)) return kind;
      return undefined;
    }
    i = argv[1] === 'run' ? 2 : 1;
    if (i >= argv.length) return undefined;
    prog = base(argv[i]!);
    if (prog === 'server.py' && argv.some((a) => /^--(listen|share|public-api|gradio-auth)/.test(a))) {
      return 'text-generation-webui';
    }
  }
  const sub = argv[i + 1]?.toLowerCase();
  switch (prog) {
    case 'vllm':
      return sub === 'serve' ? 'vllm' : undefined;
    case 'llama-server':
      return 'llama.cpp';
    case 'text-generation-launcher':
      return 'tgi';
    case 'ollama':
      return sub === 'serve' ? 'ollama' : undefined;
    case 'litellm':
      return 'litellm';
    case 'local-ai':
    case 'localai':
      return 'localai';
    case 'open-webui':
      return sub === 'serve' ? 'open-webui' : undefined;
    case 'jupyter':
      return sub === 'lab' || sub === 'notebook' || sub === 'server' ? 'jupyter' : undefined;
    case 'jupyter-lab':
    case 'jupyter-notebook':
    case 'jupyter-server':
    case 'start-notebook.sh':
    case 'start-notebook.py':
      return 'jupyter';
    case 'ray':
      return sub === 'start' && argv.includes('--head') ? 'ray' : undefined;
    case 'mlflow':
      return sub === 'server' || sub === 'ui' ? 'mlflow' : undefined;
    case 'gradio':
      return 'gradio';
    default:
      return undefined;
  }
}

/**
 * The server a systemd unit runs, from the unit name the product's installer gives it: Ollama's install.sh
 * writes `ollama.service`, and its FAQ sets OLLAMA_HOST through `systemctl edit ollama.service`, a drop-in
 * with no ExecStart= of its own.
 */
export function serverOfUnit(unit: string): ServerKind | undefined {
  return unit.toLowerCase() === 'ollama.service' ? 'ollama' : undefined;
}

/**
 * Official server images that run as root unless told otherwise, each from the project's own material:
 * Ollama's and vLLM's docs mount their caches at `/root/.ollama` and `/root/.cache/huggingface`; Open WebUI's
 * Dockerfile sets `ARG UID=0` ("non-root configurations are untested"); LiteLLM publishes a separate
 * `litellm-non_root` image because the main one is root. Images not listed are not presumed either way.
 */
const ROOT_BY_DEFAULT: readonly RegExp[] = [
  /(^|\/)ollama\/ollama$/,
  /(^|\/)vllm\/vllm-openai$/,
  /(^|\/)open-webui\/open-webui$/,
  /(^|\/)berriai\/litellm(-database)?$/,
];

/**
 * Base images whose default user is not root: Jupyter Docker Stacks (`jovyan`, uid 1000), Ray (`ray`, uid
 * 1000), LiteLLM's `-non_root` image, Chainguard images and distroless `:nonroot` tags.
 */
const NON_ROOT_BASES: readonly RegExp[] = [
  /(^|\/)jupyter\/[a-z-]+-notebook$/,
  /(^|\/)rayproject\/ray(-ml)?$/,
  /(^|\/)berriai\/litellm-non_root$/,
  /^cgr\.dev\//,
];

/** True when the image is known to run as root by default. */
export function imageRunsAsRoot(ref: string): boolean {
  const repository = parseImage(ref).repository;
  return ROOT_BY_DEFAULT.some((re) => re.test(repository));
}

/** True when the image is known to set a non-root default user. */
export function imageRunsAsNonRoot(ref: string): boolean {
  const img = parseImage(ref);
  return NON_ROOT_BASES.some((re) => re.test(img.repository)) || /(^|-)nonroot$/.test(img.tag ?? '');
}

/** The server a launch runs: the command decides when it names one, else the image. */
export function detectServer(launch: Launch): ServerKind | undefined {
  return (
    serverOfArgv(launch.argv) ?? (launch.image === undefined ? undefined : serverOfImage(launch.image.ref))
  );
}

/** Where a server listens: all interfaces, loopback, another address, or not knowable statically. */
export interface Bind {
  scope: 'all' | 'loopback' | 'address' | 'unknown';
  /** The setting that decided it (`--host 0.0.0.0`, `OLLAMA_HOST=0.0.0.0`), or `default`. */
  setting: string;
  line?: number | undefined;
}

/** Whether the server asks for credentials: configured, never configured, explicitly switched off, or unknowable. */
export type AuthState = 'on' | 'off' | 'disabled' | 'unknown';

function scopeOf(host: string): Bind['scope'] {
  if (host.includes('${') || host.includes('$(')) return 'unknown';
  if (isAllInterfaces(host)) return 'all';
  if (isLoopback(host)) return 'loopback';
  return 'address';
}

function fromFlag(launch: Launch, names: readonly string[]): Bind | undefined {
  const hit = findFlag(launch.argv, names);
  if (hit?.value === undefined) return undefined;
  return {
    scope: scopeOf(hit.value),
    setting: `${launch.argv[hit.index]!.split('=')[0]} ${hit.value}`,
    line: launch.argLines[hit.index],
  };
}

function fromEnv(launch: Launch, names: readonly string[]): Bind | undefined {
  for (const name of names) {
    const v = launch.env.get(name);
    if (v !== undefined) return { scope: scopeOf(v.value), setting: `${name}=${v.value}`, line: v.line };
  }
  return undefined;
}

const byDefault = (scope: Bind['scope'], why: string): Bind => ({ scope, setting: `default (${why})` });

/** Where the launch's server listens, from its flags, environment and documented defaults. */
export function bindOf(launch: Launch): Bind {
  const image = launch.image !== undefined && serverOfImage(launch.image.ref) === launch.server;
  switch (launch.server) {
    case 'ollama':
      // The binary binds 127.0.0.1:11434; the official image sets ENV OLLAMA_HOST=0.0.0.0:11434.
      return (
        fromEnv(launch, ['OLLAMA_HOST']) ??
        (image
          ? byDefault('all', 'the ollama/ollama image sets OLLAMA_HOST=0.0.0.0:11434')
          : byDefault('loopback', '127.0.0.1:11434'))
      );
    case 'vllm':
      return fromFlag(launch, ['--host']) ?? byDefault('all', 'vLLM binds every interface without --host');
    case 'llama.cpp':
      // The binary binds 127.0.0.1:8080; the server images set ENV LLAMA_ARG_HOST=0.0.0.0 (.devops/*.Dockerfile).
      return (
        fromFlag(launch, ['--host']) ??
        fromEnv(launch, ['LLAMA_ARG_HOST']) ??
        (image
          ? byDefault('all', 'the llama.cpp server image sets LLAMA_ARG_HOST=0.0.0.0')
          : byDefault('loopback', '127.0.0.1:8080'))
      );
    case 'tgi':
      return (
        fromFlag(launch, ['--hostname']) ??
        byDefault('all', 'text-generation-launcher --hostname defaults to 0.0.0.0')
      );
    case 'localai':
      return (
        fromFlag(launch, ['--address']) ??
        fromEnv(launch, ['LOCALAI_ADDRESS', 'ADDRESS']) ??
        byDefault('all', 'LocalAI listens on :8080')
      );
    case 'open-webui':
      return (
        fromFlag(launch, ['--host']) ??
        fromEnv(launch, ['HOST']) ??
        byDefault('all', 'Open WebUI listens on 0.0.0.0:8080')
      );
    case 'litellm':
      return fromFlag(launch, ['--host']) ?? byDefault('all', 'the LiteLLM proxy listens on 0.0.0.0:4000');
    case 'text-generation-webui': {
      const host = fromFlag(launch, ['--listen-host']);
      if (hasSwitch(launch.argv, ['--listen'])) return host ?? { scope: 'all', setting: '--listen' };
      return byDefault('loopback', '127.0.0.1:7860 without --listen');
    }
    case 'gradio':
      return fromEnv(launch, ['GRADIO_SERVER_NAME']) ?? byDefault('loopback', 'server_name 127.0.0.1');
    case 'jupyter':
      return (
        fromFlag(launch, ['--ip', '--ServerApp.ip', '--NotebookApp.ip']) ??
        (image
          ? byDefault('all', 'the Jupyter Docker Stacks images listen on 0.0.0.0')
          : byDefault('loopback', 'localhost:8888'))
      );
    case 'ray':
      return (
        fromFlag(launch, ['--dashboard-host']) ?? byDefault('loopback', 'the dashboard binds 127.0.0.1:8265')
      );
    case 'mlflow':
      return fromFlag(launch, ['--host', '-h']) ?? byDefault('loopback', '127.0.0.1:5000');
    default:
      return byDefault('unknown', 'no server recognised');
  }
}

/** A set (non-empty, not a `${...}` placeholder without default) value of any of `names`. */
function envSet(env: ReadonlyMap<string, EnvValue>, names: readonly string[]): boolean {
  return names.some((n) => (env.get(n)?.value ?? '').trim() !== '');
}

/**
 * Whether the launch's server asks for credentials, per its documented switches. A server whose key can come
 * from the environment is `unknown`, not `off`, when the launch also reads variables from elsewhere (compose
 * `env_file`, `--env-file`, systemd `EnvironmentFile=`, Kubernetes `envFrom`): the key may well be there.
 */
export function authOf(launch: Launch): AuthState {
  const state = declaredAuth(launch);
  if (state === 'off' && launch.envFiles.length > 0 && ENV_AUTH.has(launch.server!)) return 'unknown';
  return state;
}

/** Servers whose authentication can be switched on from the environment alone. */
const ENV_AUTH = new Set<ServerKind>(['vllm', 'llama.cpp', 'tgi', 'localai', 'litellm']);

function declaredAuth(launch: Launch): AuthState {
  const flag = (names: readonly string[]) => findFlag(launch.argv, names) !== undefined;
  switch (launch.server) {
    case 'ollama':
      // Ollama has no server-side authentication (OLLAMA_AUTH only signs the client's requests to ollama.com).
      return 'off';
    case 'vllm':
      return flag(['--api-key']) || envSet(launch.env, ['VLLM_API_KEY']) ? 'on' : 'off';
    case 'llama.cpp':
      return flag(['--api-key', '--api-key-file']) ||
        envSet(launch.env, ['LLAMA_API_KEY', 'LLAMA_ARG_API_KEY'])
        ? 'on'
        : 'off';
    case 'tgi':
      return flag(['--api-key']) || envSet(launch.env, ['API_KEY']) ? 'on' : 'off';
    case 'localai':
      return flag(['--api-keys']) || envSet(launch.env, ['LOCALAI_API_KEY', 'API_KEY']) ? 'on' : 'off';
    case 'litellm':
      if (envSet(launch.env, ['LITELLM_MASTER_KEY'])) return 'on';
      // The master key may live in the --config file, which is another file: not knowable here.
      return flag(['--config', '-c']) ? 'unknown' : 'off';
    case 'text-generation-webui':
      return flag(['--gradio-auth', '--gradio-auth-path']) ? 'on' : 'off';
    case 'open-webui': {
      const auth = launch.env.get('WEBUI_AUTH');
      return auth !== undefined && isFalse(auth.value) ? 'disabled' : 'on';
    }
    case 'jupyter':
      return jupyterTokenDisabled(launch) !== undefined ? 'disabled' : 'on';
    case 'ray':
      return 'off';
    case 'mlflow':
      return findFlag(launch.argv, ['--app-name'])?.value === 'basic-auth' ? 'on' : 'off';
    default:
      return 'unknown';
  }
}

/** The empty-token setting of a Jupyter launch (`--ServerApp.token=''`), unless a password is set too. */
export function jupyterTokenDisabled(launch: Launch): { line: number; setting: string } | undefined {
  const hit = findFlag(launch.argv, [
    '--ServerApp.token',
    '--NotebookApp.token',
    '--IdentityProvider.token',
    '--token',
  ]);
  const password = findFlag(launch.argv, [
    '--ServerApp.password',
    '--NotebookApp.password',
    '--PasswordIdentityProvider.hashed_password',
  ]);
  const passwordSet = password?.value !== undefined && password.value.replace(/['"]/g, '') !== '';
  if (hit !== undefined && (hit.value ?? '').replace(/['"]/g, '') === '' && !passwordSet) {
    return {
      line: launch.argLines[hit.index] ?? launch.line,
      setting: `${launch.argv[hit.index]!.split('=')[0]}=''`,
    };
  }
  const env = launch.env.get('JUPYTER_TOKEN');
  if (env !== undefined && env.value.trim() === '' && !passwordSet)
    return { line: env.line, setting: "JUPYTER_TOKEN=''" };
  return undefined;
}
