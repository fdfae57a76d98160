/**
 * Kubernetes manifests (multi-document, Helm-rendered): one Launch per container of every Pod template
 * (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod), with command + args, env literals,
 * securityContext, hostNetwork, hostPort and hostPath docker.sock volumes. A Service of type LoadBalancer or
 * NodePort, or an Ingress without authentication annotations, whose selector matches a Pod template's labels
 * publishes that Pod's containers (only within the same file: a manifest in another file is not linked).
 */
import { finish, isDockerSocket, setCommand } from './launch-build.ts';
import type { Word } from './shell-words.ts';
import { type DeployConfig, type Launch, newLaunch } from './types.ts';
import { at, get, items, pairs, readYaml, str, type YamlFile } from './yaml-nodes.ts';

/** The value recorded for `valueFrom:` variables: a reference (never a literal secret), set but unknown. */
export const VALUE_FROM = '$(valueFrom)';

const WORKLOADS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'ReplicationController',
]);

/** Annotations that put authentication in front of an Ingress (ingress-nginx, Traefik, HAProxy, oauth2-proxy). */
const AUTH_ANNOTATION =
  /(^|\/)(auth-url|auth-type|auth-signin|auth-secret|auth-tls-secret|router\.middlewares|oauth|basic-auth|auth-realm|enable-oidc|auth-oidc)/i;

/** True when text looks like a Kubernetes manifest (a top-level apiVersion and kind). */
export function looksLikeK8s(text: string): boolean {
  return /^apiVersion:\s*\S/m.test(text) && /^kind:\s*\S/m.test(text);
}

interface PodTemplate {
  labels: Map<string, string>;
  launches: Launch[];
}

interface Exposer {
  kind: 'Service' | 'Ingress';
  name: string;
  line: number;
  type?: string;
  selector?: Map<string, string>;
  backends?: string[];
  authenticated?: boolean;
}

/** Reads every document; unknown kinds are ignored, YAML errors become `errors`. */
export function parseK8s(file: string, text: string): DeployConfig {
  const yaml = readYaml(text);
  const config: DeployConfig = { file, source: 'k8s', launches: [], errors: [...yaml.errors] };
  const pods: PodTemplate[] = [];
  const exposers: Exposer[] = [];
  const configMaps = new Map<string, Launch>();
  for (const doc of yaml.docs) {
    const root = doc.contents;
    const kind = str(get(root, 'kind'));
    const name = str(at(root, 'metadata', 'name')) ?? '?';
    if (kind === undefined) continue;
    if (kind === 'Pod') pods.push(podTemplate(file, `Pod/${name}`, root, get(root, 'spec'), yaml));
    else if (WORKLOADS.has(kind)) {
      const template = at(root, 'spec', 'template');
      pods.push(podTemplate(file, `${kind}/${name}`, template, get(template, 'spec'), yaml));
    } else if (kind === 'CronJob') {
      const template = at(root, 'spec', 'jobTemplate', 'spec', 'template');
      pods.push(podTemplate(file, `${kind}/${name}`, template, get(template, 'spec'), yaml));
    } else if (kind === 'ConfigMap') {
      // A ConfigMap's data becomes containers' environment (envFrom): its literal values are read as env.
      const launch = newLaunch(file, 'k8s', yaml.lineOf(root), false);
      launch.name = `ConfigMap/${name}`;
      for (const { key, keyNode, value } of pairs(get(root, 'data'))) {
        const v = str(value);
        if (v !== undefined) launch.env.set(key, { value: v, line: yaml.lineOf(keyNode) });
      }
      config.launches.push(launch);
      configMaps.set(name, launch);
    } else if (kind === 'Service') {
      const type = get(get(root, 'spec'), 'type');
      const e: Exposer = {
        kind,
        name,
        line: yaml.lineOf(type ?? root),
        selector: labelsOf(at(root, 'spec', 'selector')),
      };
      const t = str(type);
      if (t !== undefined) e.type = t;
      exposers.push(e);
    } else if (kind === 'Ingress') {
      const annotations = pairs(at(root, 'metadata', 'annotations')).map((p) => p.key);
      exposers.push({
        kind,
        name,
        line: yaml.lineOf(root),
        backends: ingressBackends(get(root, 'spec')),
        authenticated: annotations.some((a) => AUTH_ANNOTATION.test(a)),
      });
    }
  }
  link(pods, exposers);
  mergeConfigMaps(pods, configMaps);
  for (const p of pods) config.launches.push(...p.launches.map(finish));
  return config;
}

function labelsOf(node: unknown): Map<string, string> {
  const m = new Map<string, string>();
  for (const { key, value } of pairs(node)) {
    const v = str(value);
    if (v !== undefined) m.set(key, v);
  }
  return m;
}

function podTemplate(
  file: string,
  owner: string,
  template: unknown,
  spec: unknown,
  yaml: YamlFile,
): PodTemplate {
  const labels = labelsOf(at(template, 'metadata', 'labels'));
  const hostNetwork = get(spec, 'hostNetwork');
  const sockVolumes = new Map<string, number>();
  for (const v of items(get(spec, 'volumes'))) {
    const path = str(at(v, 'hostPath', 'path'));
    const vname = str(get(v, 'name'));
    if (path !== undefined && vname !== undefined && isDockerSocket(path))
      sockVolumes.set(vname, yaml.lineOf(v));
  }
  const podUser = userOf(at(spec, 'securityContext'), yaml);
  const launches: Launch[] = [];
  for (const c of items(get(spec, 'containers'))) {
    const launch = newLaunch(file, 'k8s', yaml.lineOf(c), true);
    launch.name = `${owner}/${str(get(c, 'name')) ?? '?'}`;
    const image = get(c, 'image');
    const ref = str(image);
    if (ref !== undefined) launch.image = { ref, line: yaml.lineOf(image) };
    setCommand(launch, [...listWords(get(c, 'command'), yaml), ...listWords(get(c, 'args'), yaml)]);
    for (const e of items(get(c, 'env'))) {
      const n = str(get(e, 'name'));
      const v = str(get(e, 'value'));
      if (n === undefined) continue;
      if (v !== undefined) launch.env.set(n, { value: v, line: yaml.lineOf(e) });
      // Set from a Secret or ConfigMap: the variable is set (an API key counts as configured), its value unknown.
      else if (get(e, 'valueFrom') !== undefined)
        launch.env.set(n, { value: VALUE_FROM, line: yaml.lineOf(e) });
    }
    for (const ref of items(get(c, 'envFrom'))) {
      const cm = str(at(ref, 'configMapRef', 'name'));
      const secret = str(at(ref, 'secretRef', 'name'));
      if (cm !== undefined) launch.envFiles.push(`configMap:${cm}`);
      if (secret !== undefined) launch.envFiles.push(`secret:${secret}`);
    }
    for (const p of items(get(c, 'ports'))) {
      const hostPort = str(get(p, 'hostPort'));
      if (hostPort === undefined) continue;
      const containerPort = str(get(p, 'containerPort')) ?? '?';
      const port = {
        via: 'host-port' as const,
        hostPort,
        containerPort,
        line: yaml.lineOf(p),
        text: `hostPort: ${hostPort}`,
      };
      const hostIP = str(get(p, 'hostIP'));
      launch.ports.push(hostIP === undefined ? port : { ...port, hostIp: hostIP });
    }
    if (str(hostNetwork) === 'true')
      launch.hostNetwork = { line: yaml.lineOf(hostNetwork), text: 'hostNetwork: true' };
    const privileged = at(c, 'securityContext', 'privileged');
    if (str(privileged) === 'true') {
      launch.privileged = { line: yaml.lineOf(privileged), text: 'securityContext.privileged: true' };
    }
    for (const m of items(get(c, 'volumeMounts'))) {
      const line = sockVolumes.get(str(get(m, 'name')) ?? '');
      if (line !== undefined)
        launch.dockerSock = { line, text: `hostPath ${str(get(m, 'mountPath')) ?? ''}`.trim() };
    }
    // The container's securityContext overrides the pod's, field by field.
    const own = userOf(get(c, 'securityContext'), yaml);
    const runAsUser = own.runAsUser ?? podUser.runAsUser;
    const nonRoot = own.runAsNonRoot ?? podUser.runAsNonRoot;
    if (runAsUser?.value === '0') launch.runsAsRoot = { line: runAsUser.line, text: 'runAsUser: 0' };
    else if (runAsUser !== undefined && /^\d+$/.test(runAsUser.value))
      launch.runsAsNonRoot = { line: runAsUser.line, text: `runAsUser: ${runAsUser.value}` };
    else if (nonRoot?.value === 'true')
      launch.runsAsNonRoot = { line: nonRoot.line, text: 'runAsNonRoot: true' };
    launches.push(launch);
  }
  return { labels, launches };
}

interface UserFields {
  runAsUser?: { value: string; line: number } | undefined;
  runAsNonRoot?: { value: string; line: number } | undefined;
}

/** `runAsUser` and `runAsNonRoot` of a (pod or container) securityContext, with their lines. */
function userOf(securityContext: unknown, yaml: YamlFile): UserFields {
  const field = (name: string) => {
    const node = get(securityContext, name);
    const value = str(node);
    return value === undefined ? undefined : { value, line: yaml.lineOf(node) };
  };
  return { runAsUser: field('runAsUser'), runAsNonRoot: field('runAsNonRoot') };
}

/** `command:`/`args:` are exec lists: each item is one argument, never split. */
function listWords(node: unknown, yaml: YamlFile): Word[] {
  return items(node).flatMap((n) => {
    const t = str(n);
    return t === undefined ? [] : [{ text: t, line: yaml.lineOf(n) }];
  });
}

function ingressBackends(spec: unknown): string[] {
  const out: string[] = [];
  const def = str(at(spec, 'defaultBackend', 'service', 'name')) ?? str(at(spec, 'backend', 'serviceName'));
  if (def !== undefined) out.push(def);
  for (const rule of items(get(spec, 'rules'))) {
    for (const path of items(at(rule, 'http', 'paths'))) {
      const svc = str(at(path, 'backend', 'service', 'name')) ?? str(at(path, 'backend', 'serviceName'));
      if (svc !== undefined) out.push(svc);
    }
  }
  return out;
}

const matches = (selector: Map<string, string> | undefined, labels: Map<string, string>): boolean =>
  selector !== undefined && selector.size > 0 && [...selector].every(([k, v]) => labels.get(k) === v);

/**
 * Adds the Services' and Ingresses' publication to the containers of the Pods they select. Pods are indexed by
 * label so a rendered bundle of thousands of Services and Deployments links in linear time.
 */
function link(pods: readonly PodTemplate[], exposers: readonly Exposer[]): void {
  const byLabel = new Map<string, PodTemplate[]>();
  for (const pod of pods) {
    for (const [k, v] of pod.labels) {
      const key = `${k}\u0000${v}`;
      const list = byLabel.get(key);
      if (list === undefined) byLabel.set(key, [pod]);
      else list.push(pod);
    }
  }
  const selected = (selector: Map<string, string> | undefined): PodTemplate[] => {
    if (selector === undefined || selector.size === 0) return [];
    const [k, v] = selector.entries().next().value as [string, string];
    return (byLabel.get(`${k}\u0000${v}`) ?? []).filter((pod) => matches(selector, pod.labels));
  };
  const services = new Map(exposers.filter((e) => e.kind === 'Service').map((s) => [s.name, s]));
  for (const e of exposers) {
    if (e.kind === 'Service' && (e.type === 'LoadBalancer' || e.type === 'NodePort')) {
      const via = e.type === 'LoadBalancer' ? ('load-balancer' as const) : ('node-port' as const);
      for (const pod of selected(e.selector)) {
        for (const l of pod.launches)
          l.ports.push({ via, line: e.line, text: `Service/${e.name} type ${e.type}` });
      }
    }
    if (e.kind === 'Ingress' && e.authenticated === false) {
      for (const backend of e.backends ?? []) {
        for (const pod of selected(services.get(backend)?.selector)) {
          for (const l of pod.launches) {
            l.ports.push({
              via: 'ingress',
              line: e.line,
              text: `Ingress/${e.name} without authentication annotations`,
            });
          }
        }
      }
    }
  }
}

/**
 * A container's `envFrom: configMapRef` naming a ConfigMap of the same file gets its variables (so
 * `OLLAMA_HOST` set there counts); refs to ConfigMaps elsewhere and to Secrets stay in `envFiles` (unknown).
 */
function mergeConfigMaps(pods: readonly PodTemplate[], configMaps: ReadonlyMap<string, Launch>): void {
  for (const pod of pods) {
    for (const l of pod.launches) {
      l.envFiles = l.envFiles.filter((ref) => {
        const cm = ref.startsWith('configMap:') ? configMaps.get(ref.slice('configMap:'.length)) : undefined;
        if (cm === undefined) return true;
        for (const [k, v] of cm.env) if (!l.env.has(k)) l.env.set(k, v);
        return false;
      });
    }
  }
}
