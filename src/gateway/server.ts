/**
 * `startGateway(config)`: the gateway on a real HTTP(S) server, with hot reload and graceful close.
 *
 * Reload swaps the app behind the server atomically: each request is handed to whichever gateway is
 * current when it arrives, so in-flight requests (streams included) finish on the old one, which is closed
 * once they have drained. No request is dropped or sees a half-built gateway.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createGateway, type Gateway, type GatewayOptions } from './app.ts';
import type { GatewayConfig } from './config-types.ts';

export interface StartOptions extends GatewayOptions {
  /** Longest wait for in-flight requests on close or after a reload (default 30 s). */
  drainTimeoutMs?: number;
}

export interface RunningGateway {
  /** `http(s)://host:port`, with the real port when the config asked for 0. */
  url: string;
  server: ReturnType<typeof serve>;
  /** The gateway currently answering. */
  readonly gateway: Gateway;
  /** Builds a gateway from `config` and swaps it in; the listen address does not change on reload. */
  reload(config: GatewayConfig): Promise<void>;
  /** Stops accepting connections, waits for requests in flight (up to the drain timeout), releases all. */
  close(): Promise<void>;
}

/** Starts the gateway; resolves once it is listening. */
export async function startGateway(
  config: GatewayConfig,
  options: StartOptions = {},
): Promise<RunningGateway> {
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  let current = createGateway(config, { ...options, drainTimeoutMs });
  const tls = config.listen.tls;
  const server = serve({
    fetch: (request, env) => current.fetch(request, env),
    hostname: config.listen.host,
    port: config.listen.port,
    ...(tls
      ? {
          createServer: createHttpsServer,
          serverOptions: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
        }
      : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    await current.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
  const retired = new Set<Promise<void>>();

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    get gateway() {
      return current;
    },
    async reload(next) {
      if (closing) throw new Error('the gateway is closing');
      const fresh = createGateway(next, { ...options, drainTimeoutMs });
      const old = current;
      current = fresh;
      const done = old.close().finally(() => retired.delete(done));
      retired.add(done);
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive sockets would hold server.close open; busy ones finish their response first.
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        await Promise.all([current.close(), ...retired]);
        // Whatever is still open after the drain timeout is cut.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await stopped;
      })();
      return closing;
    },
  };
}
