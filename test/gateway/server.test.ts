/**
 * startGateway on real sockets: reload swaps the upstream without dropping an in-flight stream, TLS from a
 * certificate made by `openssl` in the test, two instances sharing one RPM budget through a real
 * redis-server, and /healthz turning 503 when Redis goes away.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveGatewayConfig } from '../../src/gateway/config.ts';
import { openKeyStore } from '../../src/gateway/keys.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { startRedis } from '../fixtures/redis-server.ts';
import { startFastUpstream } from '../fixtures/upstreams/fast-upstream.ts';
import { chat, startHarness } from './app-harness.ts';

const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p));

describe('startGateway', () => {
  it('reloads to a new upstream while a stream in flight finishes on the old one', async () => {
    const first = await startFastUpstream({
      reply: 'from the first upstream',
      streamChunks: 6,
      chunkDelayMs: 60,
    });
    const second = await startFastUpstream({ reply: 'from the second upstream' });
    const h = await startHarness({
      config: { upstreams: [{ name: 'a', url: first.url, kind: 'openai', models: ['*'] }] },
    });
    try {
      const streaming = await h.client('user').chat.completions.create({ ...chat('m', 'hi'), stream: true });
      const iterator = streaming[Symbol.asyncIterator]();
      const firstChunk = await iterator.next();
      const next = resolveGatewayConfig(
        { ...h.config, upstreams: [{ name: 'b', url: second.url, kind: 'openai', models: ['*'] }] },
        h.dir,
      );
      await h.running.reload(next);
      const after = await h.client('user').chat.completions.create(chat('m', 'hi'));
      assert.equal(after.choices[0]?.message.content, 'from the second upstream');
      let text = firstChunk.done ? '' : (firstChunk.value.choices[0]?.delta?.content ?? '');
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        text += step.value.choices[0]?.delta?.content ?? '';
      }
      assert.equal(text, 'from the first upstream');
    } finally {
      await h.close();
      await first.close();
      await second.close();
    }
  });

  it('serves HTTPS with the configured certificate', {
    skip: OPENSSL ? false : 'openssl not installed',
  }, async () => {
    const upstream = await startFastUpstream({ reply: 'over TLS' });
    const dir = mkdtempSync(join(tmpdir(), 'parapet-tls-'));
    try {
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      execFileSync(
        OPENSSL!,
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      const h = await startHarness({
        config: {
          listen: { host: '127.0.0.1', port: 0, tls: { cert, key } },
          upstreams: [{ name: 'fast', url: upstream.url, kind: 'openai', models: ['*'] }],
        },
      });
      try {
        assert.match(h.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const body = await new Promise<string>((resolve, reject) => {
          const req = request(
            `${h.url}/v1/chat/completions`,
            {
              method: 'POST',
              ca: readFileSync(cert),
              headers: { authorization: `Bearer ${h.secrets.user}`, 'content-type': 'application/json' },
              timeout: 10_000,
            },
            (res) => {
              let text = '';
              res.on('data', (c) => {
                text += c;
              });
              res.on('end', () => resolve(text));
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify(chat('m', 'hi')));
        });
        assert.equal(
          (JSON.parse(body) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
          'over TLS',
        );
      } finally {
        await h.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await upstream.close();
    }
  });

  it('shares one requests-per-minute budget across two instances through Redis', async () => {
    const redis = await startRedis();
    const upstream = await startFastUpstream();
    const dir = mkdtempSync(join(tmpdir(), 'parapet-redis-gw-'));
    try {
      const base = {
        listen: { host: '127.0.0.1', port: 0 },
        keys: { store: 'keys.db' },
        redis: redis.url,
        limits: { requestsPerMinute: 3 },
        upstreams: [{ name: 'fast', url: upstream.url, kind: 'openai' as const, models: ['*'] }],
      };
      const a = resolveGatewayConfig({ ...base, audit: { path: 'audit-a.db' } }, dir);
      const b = resolveGatewayConfig({ ...base, audit: { path: 'audit-b.db' } }, dir);
      const store = openKeyStore(a.keys.store);
      const { secret } = store.create({ name: 'shared' });
      store.close();
      const one = await startGateway(a);
      const two = await startGateway(b);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          const url = i % 2 === 0 ? one.url : two.url;
          const res = await fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
            body: JSON.stringify(chat('m', 'hi')),
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          statuses.push(res.status);
        }
        assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
        const healthy = await fetch(`${one.url}/healthz`);
        assert.equal(healthy.status, 200);
        await redis.stop();
        const broken = await fetch(`${one.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(broken.status, 503);
        const refused = await fetch(`${two.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify(chat('m', 'hi')),
          signal: AbortSignal.timeout(10_000),
        });
        assert.equal(refused.status, 503);
        assert.equal(
          ((await refused.json()) as { error: { code: string } }).error.code,
          'limiter_unavailable',
        );
      } finally {
        await one.close();
        await two.close();
      }
    } finally {
      await redis.stop().catch(() => {});
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
