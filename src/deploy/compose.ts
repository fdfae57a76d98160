/**
 * docker-compose files (`compose.yaml`, `docker-compose*.yml`): one Launch per service, with its image,
 * entrypoint + command, environment (list or map), env_file references, published ports (short syntax
 * `[HOST_IP:]HOST:CONTAINER[/proto]` and long syntax), privileged, network_mode, docker.sock volumes and user.
 */
import { resolveDefaults } from './argv.ts';
import { finish, isDockerSocket, isRootUser, setCommand } from './launch-build.ts';
import type { Word } from './shell-words.ts';
import { splitWords } from './shell-words.ts';
import { type DeployConfig, type Launch, newLaunch, type PublishedPort } from './types.ts';
import { get, isMap, isScalar, items, pairs, readYaml, str, type YamlFile } from './yaml-nodes.ts';

/** True for the file names Compose reads. */
export function isComposeName(name: string): boolean {
  return /^(docker-)?compose([.-][\w.-]*)?\.ya?ml$/i.test(name);
}

/** Reads a compose file into launches; YAML errors become `errors`, never exceptions. */
export function parseCompose(file: string, text: string): DeployConfig {
  const yaml = readYaml(text);
  const config: DeployConfig = { file, source: 'compose', launches: [], errors: [...yaml.errors] };
  for (const doc of yaml.docs) {
    const services = get(doc.contents, 'services');
    for (const { key, keyNode, value } of pairs(services)) {
      if (!isMap(value)) continue;
      config.launches.push(serviceLaunch(file, key, yaml.lineOf(keyNode), value, yaml));
    }
  }
  return config;
}

function serviceLaunch(file: string, name: string, line: number, svc: unknown, yaml: YamlFile): Launch {
  const launch = newLaunch(file, 'compose', line, true);
  launch.name = name;
  const image = get(svc, 'image');
  const ref = str(image);
  // `ollama/ollama:${OLLAMA_DOCKER_TAG-latest}` (Open WebUI's compose file) runs its default tag.
  if (ref !== undefined) launch.image = { ref: resolveDefaults(ref), line: yaml.lineOf(image) };
  readEnvironment(launch, get(svc, 'environment'), yaml);
  const envFile = get(svc, 'env_file');
  for (const e of isScalar(envFile) ? [envFile] : items(envFile)) {
    const path = str(e) ?? str(get(e, 'path'));
    if (path !== undefined) launch.envFiles.push(path);
  }
  const words = [...commandWords(get(svc, 'entrypoint'), yaml), ...commandWords(get(svc, 'command'), yaml)];
  setCommand(launch, words);
  for (const p of items(get(svc, 'ports'))) {
    const port = isMap(p) ? longPort(p, yaml.lineOf(p)) : shortPort(str(p), yaml.lineOf(p));
    if (port !== undefined) launch.ports.push(port);
  }
  const privileged = get(svc, 'privileged');
  if (str(privileged) === 'true')
    launch.privileged = { line: yaml.lineOf(privileged), text: 'privileged: true' };
  const net = get(svc, 'network_mode');
  if (str(net) === 'host') launch.hostNetwork = { line: yaml.lineOf(net), text: 'network_mode: host' };
  for (const v of items(get(svc, 'volumes'))) {
    const source = isMap(v) ? str(get(v, 'source')) : str(v)?.split(':')[0];
    if (source !== undefined && isDockerSocket(source)) {
      launch.dockerSock = { line: yaml.lineOf(v), text: `volume ${source}` };
    }
  }
  const user = str(get(svc, 'user'));
  if (user !== undefined) {
    const flagged = { line: yaml.lineOf(get(svc, 'user')), text: `user: ${user}` };
    if (isRootUser(user)) launch.runsAsRoot = flagged;
    else if (!user.includes('$')) launch.runsAsNonRoot = flagged;
  }
  return finish(launch);
}

/** `command:` / `entrypoint:` as a string (split like Compose does) or a list (one word per item). */
function commandWords(node: unknown, yaml: YamlFile): Word[] {
  if (node === undefined || node === null) return [];
  const s = str(node);
  if (s !== undefined) return splitWords(s, yaml.lineOf(node));
  return items(node).flatMap((n) => {
    const t = str(n);
    return t === undefined ? [] : [{ text: t, line: yaml.lineOf(n) }];
  });
}

/** `environment:` as a list of `NAME=value` or a map; entries without a value pass the host's through. */
function readEnvironment(launch: Launch, node: unknown, yaml: YamlFile): void {
  for (const item of items(node)) {
    const s = str(item);
    const eq = s?.indexOf('=') ?? -1;
    if (s === undefined || eq <= 0) continue;
    launch.env.set(s.slice(0, eq), { value: s.slice(eq + 1), line: yaml.lineOf(item) });
  }
  for (const { key, keyNode, value } of pairs(node)) {
    const v = str(value);
    if (v !== undefined) launch.env.set(key, { value: v, line: yaml.lineOf(keyNode) });
  }
}

/** Short syntax: `8000`, `8000:8000`, `127.0.0.1:8000:8000`, `[::1]:8000:80`, `${PORT-8000}:8000/tcp`. */
export function shortPort(raw: string | undefined, line: number): PublishedPort | undefined {
  if (raw === undefined) return undefined;
  const text = raw;
  let s = resolveDefaults(raw).replace(/\/(tcp|udp|sctp)$/i, '');
  let hostIp: string | undefined;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return undefined;
    hostIp = s.slice(1, end);
    s = s.slice(end + 2);
  }
  const parts = s.split(':');
  let containerPort: string;
  let hostPort: string | undefined;
  if (parts.length === 1) containerPort = parts[0]!;
  else if (parts.length === 2) [hostPort, containerPort] = [parts[0]!, parts[1]!];
  else {
    containerPort = parts.pop()!;
    hostPort = parts.pop()!;
    hostIp = parts.join(':');
  }
  const port: PublishedPort = { via: 'ports', containerPort, line, text };
  if (hostPort !== undefined && hostPort !== '') port.hostPort = hostPort;
  if (hostIp !== undefined && hostIp !== '') port.hostIp = hostIp.includes('$') ? '?' : hostIp;
  return port;
}

/** Long syntax: `{ target, published, host_ip, protocol, mode }`. */
function longPort(node: unknown, line: number): PublishedPort | undefined {
  const target = str(get(node, 'target'));
  if (target === undefined) return undefined;
  const published = str(get(node, 'published'));
  const hostIp = str(get(node, 'host_ip'));
  const port: PublishedPort = {
    via: 'ports',
    containerPort: target,
    line,
    text: `${hostIp === undefined ? '' : `${hostIp}:`}${published ?? ''}:${target}`,
  };
  if (published !== undefined) port.hostPort = resolveDefaults(published);
  if (hostIp !== undefined) {
    const ip = resolveDefaults(hostIp);
    port.hostIp = ip.includes('$') ? '?' : ip;
  }
  return port;
}
