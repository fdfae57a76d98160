/**
 * The launch model of the static deployment audit: every deployment file Parapet reads (docker-compose,
 * Kubernetes manifests, Dockerfiles, systemd units, .env files, shell scripts) becomes a list of Launches —
 * one process that starts, with its image, argv, environment and how the outside world reaches it — so the
 * deploy/* rules are written once, against this shape, never against a file format.
 */

import type { GradioLaunchCall } from './gradio-app.ts';
import type { LitellmConfig } from './litellm-config.ts';

/** Which kind of file a launch came from. */
export type LaunchSource =
  | 'compose'
  | 'k8s'
  | 'dockerfile'
  | 'systemd'
  | 'dotenv'
  | 'shell'
  | 'litellm-config'
  | 'python-app'
  | 'tgw-flags';

/** The LLM-stack servers Parapet knows the defaults of (see servers.ts). */
export type ServerKind =
  | 'ollama'
  | 'vllm'
  | 'llama.cpp'
  | 'tgi'
  | 'localai'
  | 'text-generation-webui'
  | 'open-webui'
  | 'litellm'
  | 'gradio'
  | 'jupyter'
  | 'ray'
  | 'mlflow';

/** An environment variable's literal value and the 1-based line that sets it. */
export interface EnvValue {
  value: string;
  line: number;
}

/** How a port reaches beyond the container or pod. */
export type PublishVia = 'ports' | 'publish-all' | 'host-port' | 'load-balancer' | 'node-port' | 'ingress';

/** A port published beyond the container: `hostIp` undefined means every interface. */
export interface PublishedPort {
  via: PublishVia;
  /** Host address the port is bound to; undefined = all interfaces; `?` = not resolvable statically. */
  hostIp?: string;
  hostPort?: string;
  containerPort?: string;
  line: number;
  /** The entry as written (`"11434:11434"`, `Service/ollama type LoadBalancer`). */
  text: string;
}

/** A risky container setting and where it is set. */
export interface Flagged {
  line: number;
  text: string;
  /** Not written in the file but implied by its silence (a Dockerfile with no USER runs as root). */
  inherited?: boolean;
}

/** One process a deployment file starts (or, for a .env file, the environment it provides). */
export interface Launch {
  file: string;
  source: LaunchSource;
  /** Line of the service, container, unit, instruction or command that starts it. */
  line: number;
  /** Compose service, k8s container (`Deployment/x/container`), unit or script name. */
  name?: string;
  image?: { ref: string; line: number };
  /** Command and arguments as the process sees them (for an image with an entrypoint: the arguments). */
  argv: string[];
  /** 1-based line of each argv element. */
  argLines: number[];
  env: Map<string, EnvValue>;
  /** `env_file:` / `EnvironmentFile=` / `--env-file` references (not read: they are other files). */
  envFiles: string[];
  ports: PublishedPort[];
  privileged?: Flagged;
  hostNetwork?: Flagged;
  dockerSock?: Flagged;
  runsAsRoot?: Flagged;
  /** An explicit non-root user: compose `user: 1000`, `runAsNonRoot: true`, `USER app`, `--user 1000`. */
  runsAsNonRoot?: Flagged;
  /** True for processes inside a container (compose, k8s, docker run, Dockerfile). */
  containerized: boolean;
  server?: ServerKind;
}

/** A problem reading part of a file: reported as a scan error, never a crash. */
export interface DeployParseError {
  line?: number;
  message: string;
}

/** What one deployment file says. */
export interface DeployConfig {
  file: string;
  source: LaunchSource;
  launches: Launch[];
  errors: DeployParseError[];
  /** A LiteLLM proxy config.yaml: what it says about keys (it starts nothing by itself). */
  litellm?: LitellmConfig;
  /** A Python app's Gradio `launch(...)` calls. */
  gradio?: GradioLaunchCall[];
}

/** The subject of every deploy/* rule. */
export interface DeploySubject {
  config: DeployConfig;
}

/** A fresh launch with nothing set. */
export function newLaunch(file: string, source: LaunchSource, line: number, containerized: boolean): Launch {
  return {
    file,
    source,
    line,
    argv: [],
    argLines: [],
    env: new Map(),
    envFiles: [],
    ports: [],
    containerized,
  };
}
