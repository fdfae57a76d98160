/**
 * Test harness for the gateway's HTTP side: a real gateway (startGateway on 127.0.0.1, port 0) over real
 * SQLite files in a temp folder, with keys created through the real key store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { GatewayOptions } from '../../src/gateway/app.ts';
import { readAuditRecords } from '../../src/gateway/audit.ts';
import { type GatewayConfigInput, resolveGatewayConfig } from '../../src/gateway/config.ts';
import type { GatewayConfig } from '../../src/gateway/config-types.ts';
import type { AuditRecord, CreateKeyInput } from '../../src/gateway/contracts.ts';
import { openKeyStore } from '../../src/gateway/keys.ts';
import { type RunningGateway, startGateway } from '../../src/gateway/server.ts';

export interface Harness {
  dir: string;
  config: GatewayConfig;
  running: RunningGateway;
  url: string;
  /** Secrets by the names given in `keys`. */
  secrets: Record<string, string>;
  /** An OpenAI client for a named key (no retries, short timeout). */
  client(keyName: string, options?: { maxRetries?: number }): OpenAI;
  /** Raw fetch against the gateway. */
  fetch(path: string, init?: RequestInit & { key?: string }): Promise<Response>;
  /** Every audit record on disk so far, oldest first (records land within the 20 ms flush interval). */
  audit(): AuditRecord[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  config: GatewayConfigInput;
  /** Keys to create, by name; default: `user` (inference) and `admin` (inference + admin). */
  keys?: Record<string, Omit<CreateKeyInput, 'name'>>;
  gateway?: GatewayOptions;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'parapet-gw-'));
  const config = resolveGatewayConfig(
    {
      listen: { host: '127.0.0.1', port: 0 },
      keys: { store: 'keys.db' },
      audit: { path: 'audit.db', flushIntervalMs: 20 },
      ...options.config,
    },
    dir,
  );
  const store = openKeyStore(config.keys.store);
  const secrets: Record<string, string> = {};
  const wanted = options.keys ?? { user: {}, admin: { scopes: ['inference', 'admin'] } };
  for (const [name, input] of Object.entries(wanted)) secrets[name] = store.create({ name, ...input }).secret;
  store.close();
  const running = await startGateway(config, { drainTimeoutMs: 5000, ...options.gateway });
  const url = running.url;
  return {
    dir,
    config,
    running,
    url,
    secrets,
    client(keyName, clientOptions = {}) {
      return new OpenAI({
        apiKey: secrets[keyName] ?? keyName,
        baseURL: `${url}/v1`,
        maxRetries: clientOptions.maxRetries ?? 0,
        timeout: 20_000,
      });
    },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.key !== undefined) headers.set('authorization', `Bearer ${secrets[init.key] ?? init.key}`);
      return fetch(`${url}${path}`, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(20_000) });
    },
    audit() {
      return readAuditRecords(config.audit.path, { limit: 100_000, order: 'asc' });
    },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `check` passes (audit records land within the flush interval), up to `timeoutMs`. Give every
 * `assert.ok` a message in these tests: without one, Node rebuilds the message by re-reading the source,
 * which on tsx-transformed files takes minutes (it looked like a hung gateway).
 */
export async function eventually<T>(check: () => T, timeoutMs = 3000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Chat request body with one user message. */
export function chat(
  model: string,
  text: string,
): { model: string; messages: { role: 'user'; content: string }[] } {
  return { model, messages: [{ role: 'user', content: text }] };
}
