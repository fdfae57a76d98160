/**
 * Whether a launch is reachable from beyond its host: the one question every "exposed" rule asks. A container
 * is reachable through what publishes it (compose/docker ports on a non-loopback address, a Kubernetes
 * LoadBalancer or NodePort Service, an Ingress, a hostPort, the host network); a process on the host through
 * the address it binds.
 */
import { isLoopback } from './argv.ts';
import { type Bind, bindOf } from './servers.ts';
import type { Launch, PublishedPort } from './types.ts';

/** How the launch is reached, and the line that makes it so. */
export interface Exposure {
  how: string;
  line: number;
  port?: PublishedPort;
  bind: Bind;
}

/** A published port bound beyond loopback (an unresolvable `${HOST_IP}` is not counted: it may be loopback). */
export function isPublicPort(p: PublishedPort): boolean {
  if (p.hostIp === undefined) return true;
  if (p.hostIp === '?') return false;
  return !isLoopback(p.hostIp);
}

/**
 * The exposure of a launch, or undefined when it is reachable from its host only (or it cannot be told). A
 * Dockerfile publishes nothing by itself (`EXPOSE` is documentation), so its launches are never exposed here.
 */
export function exposureOf(launch: Launch): Exposure | undefined {
  const bind = bindOf(launch);
  if (bind.scope === 'loopback' || bind.scope === 'unknown') {
    // A server bound to loopback inside a container is unreachable even when its port is published.
    if (bind.scope === 'loopback' || launch.server !== undefined) return undefined;
  }
  if (launch.hostNetwork !== undefined) {
    return {
      how: `host network (${launch.hostNetwork.text}) with ${bind.setting}`,
      line: launch.hostNetwork.line,
      bind,
    };
  }
  if (launch.containerized) {
    const port = launch.ports.find(isPublicPort);
    if (port === undefined) return undefined;
    return { how: describePort(port), line: port.line, port, bind };
  }
  if (launch.source === 'dotenv') return undefined;
  if (bind.scope === 'all' || bind.scope === 'address') {
    return {
      how: `listens on ${bind.scope === 'all' ? 'every interface' : 'a non-loopback address'} (${bind.setting})`,
      line: bind.line ?? launch.line,
      bind,
    };
  }
  return undefined;
}

function describePort(p: PublishedPort): string {
  switch (p.via) {
    case 'ports':
      return `port published on ${p.hostIp === undefined ? 'every host interface' : p.hostIp} (${p.text})`;
    case 'publish-all':
      return 'every exposed port published on every host interface (-P)';
    case 'host-port':
      return `hostPort on the node (${p.text})`;
    case 'load-balancer':
    case 'node-port':
    case 'ingress':
      return p.text;
  }
}
