/**
 * What `parapet probe` is pointed at, parsed into concrete base URLs. Every spelling a user can give (a URL,
 * host:port, a bare host, an IPv4 CIDR range, a file of them) becomes a list of `ProbeTarget`s; anything
 * that does not parse is a usage error, never silently dropped, so a typo cannot shrink an audit unnoticed.
 */
import { isIP } from 'node:net';
import { ParapetError } from '../core/errors.ts';

/** The default ports of the servers the probe knows, tried when a target names a host without a port. */
export const DEFAULT_PORTS: readonly number[] = [
  11434, // Ollama
  8000, // vLLM
  8080, // llama.cpp server, LocalAI, Open WebUI (container)
  3000, // TGI, Open WebUI (compose)
  4000, // LiteLLM proxy
  5000, // text-generation-webui API
  7860, // Gradio, text-generation-webui UI
  8888, // Jupyter
  8265, // Ray dashboard
];

/** Largest CIDR range accepted: a /16 is 65,536 hosts, already hours of probing on default ports. */
export const MIN_CIDR_PREFIX = 16;

export interface ProbeTarget {
  /** `http(s)://host:port` with no trailing slash; findings are reported against this plus a path. */
  base: string;
  scheme: 'http' | 'https';
  /** Host name or IP address as given (IPv6 without brackets). */
  host: string;
  port: number;
  /** True when the user named this exact port or URL; false when it was expanded from a host or a range. */
  explicit: boolean;
}

const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function usage(spec: string, why: string): ParapetError {
  return new ParapetError('USAGE', `bad probe target "${spec}": ${why}`);
}

function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((label) => HOST_LABEL.test(label));
}

function parsePort(text: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text)) throw usage(spec, `port "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw usage(spec, `port ${port} is outside 1-65535`);
  return port;
}

function bracketed(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** One target for an explicit scheme, host and port. */
export function makeTarget(
  scheme: 'http' | 'https',
  host: string,
  port: number,
  explicit: boolean,
): ProbeTarget {
  return { base: `${scheme}://${bracketed(host)}:${port}`, scheme, host, port, explicit };
}

function fromUrl(spec: string): ProbeTarget {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw usage(spec, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(spec, 'only http and https URLs');
  if (url.username || url.password) throw usage(spec, 'credentials in the URL are not sent; remove them');
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A path in the URL (https://host/ollama) is a server mounted under a prefix: probe below it.
  const prefix = url.pathname.replace(/\/+$/, '');
  const target = makeTarget(scheme, host, port, true);
  return prefix ? { ...target, base: target.base + prefix } : target;
}

/** The addresses of an IPv4 CIDR range, network and broadcast included (one's own network, all of it). */
export function* expandCidr(spec: string): Generator<string> {
  const { first, count } = cidrRange(spec);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    yield [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
}

/** First address (as an unsigned 32-bit number) and size of an IPv4 CIDR range; usage error when invalid. */
export function cidrRange(spec: string): { first: number; count: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(spec);
  if (!m) throw usage(spec, 'not an IPv4 CIDR range (a.b.c.d/n); IPv6 ranges are too large to sweep');
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) throw usage(spec, 'an octet is above 255');
  const prefix = Number(m[5]);
  if (prefix > 32) throw usage(spec, 'the prefix length is above 32');
  if (prefix < MIN_CIDR_PREFIX)
    throw usage(
      spec,
      `/${prefix} is ${2 ** (32 - prefix)} addresses; at most a /${MIN_CIDR_PREFIX} (65,536) per range, split it`,
    );
  const address = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const count = 2 ** (32 - prefix);
  // Network address: a range written from the middle (10.0.0.7/30) means the whole block it lies in.
  const first = Math.floor(address / count) * count;
  return { first, count };
}

function withPorts(host: string, ports: readonly number[]): ProbeTarget[] {
  return ports.map((port) => makeTarget(port === 443 ? 'https' : 'http', host, port, false));
}

/**
 * Parses one target spec. `ports` replaces DEFAULT_PORTS for hosts and ranges given without one.
 * Returns a lazy list for ranges (a /16 on nine ports is 589,824 targets).
 */
export function* parseTarget(spec: string, ports: readonly number[] = DEFAULT_PORTS): Generator<ProbeTarget> {
  const s = spec.trim();
  if (s.length === 0) throw usage(spec, 'empty');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    yield fromUrl(s);
    return;
  }
  if (s.includes('/')) {
    // A CIDR, optionally with one port: 10.0.0.0/24:11434.
    const m = /^([^:]+\/\d{1,2})(?::(\d+))?$/.exec(s);
    if (!m) throw usage(spec, 'not an IPv4 CIDR range (a.b.c.d/n[:port])');
    const rangePorts = m[2] === undefined ? ports : [parsePort(m[2], spec)];
    cidrRange(m[1]!); // validate before yielding anything
    for (const ip of expandCidr(m[1]!)) yield* withPorts(ip, rangePorts);
    return;
  }
  if (s.startsWith('[')) {
    const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(s);
    if (!m || isIP(m[1]!) !== 6) throw usage(spec, 'not a bracketed IPv6 address');
    if (m[2] === undefined) yield* withPorts(m[1]!, ports);
    else yield makeTarget('http', m[1]!, parsePort(m[2], spec), true);
    return;
  }
  if (isIP(s) === 6) {
    yield* withPorts(s, ports);
    return;
  }
  const colon = s.lastIndexOf(':');
  const host = colon === -1 ? s : s.slice(0, colon);
  if (isIP(host) !== 4 && !isHostName(host))
    throw usage(spec, `"${host}" is not a host name or IPv4 address`);
  if (colon === -1) {
    yield* withPorts(host, ports);
    return;
  }
  const port = parsePort(s.slice(colon + 1), spec);
  yield makeTarget(port === 443 ? 'https' : 'http', host, port, true);
}

/** Lines of a `-i FILE` target list: one spec per line, `#` starts a comment, blank lines ignored. */
export function parseTargetList(text: string): string[] {
  const specs: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line) specs.push(line);
  }
  return specs;
}

/**
 * Validates every spec up front (so a typo on line 900 fails before any packet is sent) and returns a
 * lazy, de-duplicated sequence of targets plus their count.
 */
export function planTargets(
  specs: readonly string[],
  ports: readonly number[] = DEFAULT_PORTS,
): { count: number; targets: () => Generator<ProbeTarget> } {
  if (specs.length === 0) throw new ParapetError('USAGE', 'no probe target given');
  let count = 0;
  for (const spec of specs) count += sizeOf(spec, ports);
  function* targets(): Generator<ProbeTarget> {
    const seen = new Set<string>();
    for (const spec of specs) {
      for (const t of parseTarget(spec, ports)) {
        if (seen.has(t.base)) continue;
        seen.add(t.base);
        yield t;
      }
    }
  }
  return { count, targets };
}

function sizeOf(spec: string, ports: readonly number[]): number {
  const s = spec.trim();
  const range = /^([^:/]+\/\d{1,2})(?::(\d+))?$/.exec(s);
  if (range && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    const { count } = cidrRange(range[1]!);
    if (range[2] !== undefined) parsePort(range[2], spec);
    return count * (range[2] === undefined ? ports.length : 1);
  }
  let n = 0;
  for (const _ of parseTarget(spec, ports)) n++;
  return n;
}

/** True for loopback addresses and `localhost`: plain HTTP there never crosses a network. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}
