/**
 * The probe against real servers on 127.0.0.1: one replay per product (open and authenticated), the Parapet
 * gateway itself, a port that never answers and ports where nothing listens. Every request each replay
 * received is checked: read-only methods, or POST of the invalid body `{}`, and never a mutating route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/core/finding.ts';
import { isMutatingPath } from '../../src/probe/http.ts';
import { probeTargets } from '../../src/probe/runner.ts';
import * as P from '../fixtures/probe/products.ts';
import {
  type CorsMode,
  closedPort,
  type RecordedProbeRequest,
  type ReplayServer,
  type RouteTable,
  startRawServer,
  startReplay,
  startSilentServer,
} from '../fixtures/probe/replay.ts';
import { type FastUpstream, startFastUpstream } from '../fixtures/upstreams/fast-upstream.ts';
import { type Harness, startHarness } from '../gateway/app-harness.ts';

const FAST = { ratePerHost: 1000, timeoutMs: 2000 };
const servers: ReplayServer[] = [];

async function replay(routes: RouteTable, cors: CorsMode = 'none'): Promise<ReplayServer> {
  const s = await startReplay(routes, cors);
  servers.push(s);
  return s;
}

function ruleIds(findings: Finding[]): string[] {
  return [...new Set(findings.map((f) => f.ruleId))].sort();
}

function identified(findings: Finding[]): unknown {
  return findings.find((f) => f.ruleId === 'probe/server-identified')?.evidence?.product;
}

/** Read-only, or the invalid body; never a route that changes the server. */
function assertSafe(requests: RecordedProbeRequest[], allowedGenerations = 0): void {
  let generations = 0;
  for (const r of requests) {
    assert.ok(!isMutatingPath(r.path), `mutating route requested: ${r.method} ${r.path}`);
    if (['GET', 'HEAD', 'OPTIONS'].includes(r.method)) continue;
    assert.equal(r.method, 'POST', `${r.method} ${r.path}`);
    if (r.body === '{}') continue;
    generations++;
    const body = JSON.parse(r.body) as Record<string, unknown>;
    const tiny =
      body.max_tokens === 1 || (body.options as Record<string, unknown> | undefined)?.num_predict === 1;
    assert.ok(tiny, `generation is not one token: ${r.body}`);
  }
  assert.ok(
    generations <= allowedGenerations,
    `${generations} generation request(s), allowed ${allowedGenerations}`,
  );
}

after(async () => {
  for (const s of servers) await s.close();
});

describe('probe: products replayed', () => {
  const cases: {
    name: string;
    routes: RouteTable;
    cors?: CorsMode;
    product: string;
    expect: string[];
  }[] = [
    {
      name: 'Ollama 0.1.33, open, OLLAMA_ORIGINS=*',
      routes: P.ollamaRoutes({ version: '0.1.33' }),
      cors: 'wildcard',
      product: 'ollama',
      expect: [
        'probe/cors-any-origin',
        'probe/open-management-endpoint',
        'probe/server-identified',
        'probe/unauthenticated-generation',
        'probe/unauthenticated-model-listing',
        'probe/vulnerable-version',
      ],
    },
    {
      name: 'Ollama 0.17.1 behind an authenticating proxy',
      routes: P.ollamaRoutes({ version: '0.17.1', behindAuthProxy: true }),
      product: 'ollama',
      expect: ['probe/server-identified'],
    },
    {
      name: 'vLLM without --api-key (CORS * by default)',
      routes: P.vllmRoutes({ version: '0.11.0' }),
      cors: 'wildcard',
      product: 'vllm',
      expect: [
        'probe/cors-any-origin',
        'probe/metrics-exposed',
        'probe/server-identified',
        'probe/unauthenticated-generation',
        'probe/unauthenticated-model-listing',
        'probe/vulnerable-version',
      ],
    },
    {
      name: 'vLLM with --api-key: /invocations and /metrics stay open',
      routes: P.vllmRoutes({ version: '0.14.0', apiKey: true }),
      product: 'vllm',
      expect: ['probe/metrics-exposed', 'probe/server-identified', 'probe/unauthenticated-generation'],
    },
    {
      name: 'llama.cpp open, default CORS reflecting with credentials',
      routes: P.llamaCppRoutes(),
      cors: 'reflect-credentials',
      product: 'llama.cpp',
      expect: [
        'probe/cors-any-origin',
        'probe/open-management-endpoint',
        'probe/server-identified',
        'probe/unauthenticated-generation',
        'probe/unauthenticated-model-listing',
      ],
    },
    {
      name: 'llama.cpp with --api-key (its model list stays public)',
      routes: P.llamaCppRoutes({ apiKey: true }),
      product: 'llama.cpp',
      expect: ['probe/server-identified', 'probe/unauthenticated-model-listing'],
    },
    {
      name: 'TGI open',
      routes: P.tgiRoutes(),
      product: 'tgi',
      expect: ['probe/metrics-exposed', 'probe/server-identified', 'probe/unauthenticated-generation'],
    },
    {
      name: 'TGI with API_KEY',
      routes: P.tgiRoutes({ apiKey: true }),
      product: 'tgi',
      expect: ['probe/metrics-exposed', 'probe/server-identified'],
    },
    {
      name: 'LiteLLM without a master key, compromised release',
      routes: P.liteLlmRoutes({ version: '1.82.7' }),
      product: 'litellm',
      expect: [
        'probe/server-identified',
        'probe/unauthenticated-generation',
        'probe/unauthenticated-model-listing',
        'probe/vulnerable-version',
      ],
    },
    {
      name: 'LiteLLM with a master key',
      routes: P.liteLlmRoutes({ masterKey: true }),
      product: 'litellm',
      expect: ['probe/server-identified'],
    },
    {
      name: 'Open WebUI 0.6.34, sign-up open (SPA answers every path with HTML)',
      routes: P.openWebUiRoutes(),
      product: 'open-webui',
      expect: ['probe/open-signup', 'probe/server-identified', 'probe/vulnerable-version'],
    },
    {
      name: 'Open WebUI 0.6.35, sign-up closed after the admin was created',
      routes: P.openWebUiRoutes({ version: '0.6.35', signup: false }),
      product: 'open-webui',
      expect: ['probe/server-identified'],
    },
    {
      name: 'Gradio 4.10.0',
      routes: P.gradioRoutes(),
      product: 'gradio',
      expect: ['probe/server-identified', 'probe/vulnerable-version'],
    },
    {
      name: 'Jupyter without a token',
      routes: P.jupyterRoutes(),
      product: 'jupyter',
      expect: ['probe/open-management-endpoint', 'probe/server-identified'],
    },
    {
      name: 'Jupyter with a token',
      routes: P.jupyterRoutes({ token: true }),
      product: 'jupyter',
      expect: ['probe/server-identified'],
    },
    {
      name: 'text-generation-webui API without --api-key',
      routes: P.textGenWebUiRoutes(),
      product: 'text-generation-webui',
      expect: [
        'probe/server-identified',
        'probe/unauthenticated-generation',
        'probe/unauthenticated-model-listing',
      ],
    },
    {
      name: 'LocalAI without keys',
      routes: P.localAiRoutes(),
      product: 'localai',
      expect: [
        'probe/server-identified',
        'probe/unauthenticated-generation',
        'probe/unauthenticated-model-listing',
      ],
    },
    {
      name: 'Ray dashboard',
      routes: P.rayRoutes(),
      product: 'ray',
      expect: ['probe/open-management-endpoint', 'probe/server-identified'],
    },
  ];

  for (const c of cases)
    it(c.name, async () => {
      const s = await replay(c.routes, c.cors);
      const result = await probeTargets([s.url], FAST);
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.scanned, [s.url]);
      assert.equal(identified(result.findings), c.product);
      assert.deepEqual(ruleIds(result.findings), c.expect);
      for (const f of result.findings) assert.ok(f.location.path.startsWith(s.url), f.location.path);
      assertSafe(s.requests);
    });

  it('--allow-generate sends exactly one one-token request, to a listed model', async () => {
    const s = await replay(P.vllmRoutes({ version: '0.14.0' }));
    const result = await probeTargets([s.url], { ...FAST, allowGenerate: true });
    assertSafe(s.requests, 1);
    const gen = s.requests.filter((r) => r.method === 'POST' && r.body !== '{}');
    assert.equal(gen.length, 1);
    assert.equal((JSON.parse(gen[0]!.body) as { model: string }).model, 'Qwen/Qwen2.5-0.5B-Instruct');
    assert.ok(result.findings.some((f) => f.ruleId === 'probe/unauthenticated-generation'));
  });

  it('--allow-generate never generates where a key is asked for', async () => {
    const s = await replay(P.liteLlmRoutes({ masterKey: true }));
    await probeTargets([s.url], { ...FAST, allowGenerate: true });
    assertSafe(s.requests, 0);
  });

  it('sends the probe Origin on every request and a key only when asked to', async () => {
    const s = await replay(P.liteLlmRoutes({ masterKey: true }));
    const keyed = await probeTargets([s.url], { ...FAST, headers: { authorization: `Bearer ${P.KEY}` } });
    assert.ok(s.requests.every((r) => r.headers.origin === 'https://probe.invalid'));
    assert.ok(s.requests.every((r) => r.headers.authorization === `Bearer ${P.KEY}`));
    // With the key, the listing is open to the probe, as it is to any holder of the key.
    assert.ok(keyed.findings.some((f) => f.ruleId === 'probe/unauthenticated-model-listing'));
  });
});

describe('probe: network edge cases', () => {
  it('a closed port is skipped, quickly', async () => {
    const port = await closedPort();
    const t0 = performance.now();
    const result = await probeTargets([`127.0.0.1:${port}`], FAST);
    assert.ok(performance.now() - t0 < 1000);
    assert.deepEqual(result.skipped, [{ path: `http://127.0.0.1:${port}`, why: 'closed' }]);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.findings, []);
  });

  it('a server that never answers times out into errors (incomplete), not a hang', async () => {
    const silent = await startSilentServer();
    try {
      const t0 = performance.now();
      const result = await probeTargets([silent.url], { ...FAST, timeoutMs: 300 });
      assert.ok(performance.now() - t0 < 2000);
      assert.equal(result.errors.length, 1);
      assert.match(result.errors[0]!.error, /timed out/);
      assert.deepEqual(result.scanned, []);
    } finally {
      await silent.close();
    }
  });

  it('the overall deadline stops a probe stuck on slow targets', async () => {
    const silent = await startSilentServer();
    try {
      const t0 = performance.now();
      const result = await probeTargets([silent.url], { ...FAST, timeoutMs: 60_000, deadlineMs: 300 });
      assert.ok(performance.now() - t0 < 2000);
      assert.match(result.errors[0]?.error ?? '', /deadline/);
    } finally {
      await silent.close();
    }
  });

  it('sweeps 127.0.0.0/30 on one port: the one listening address answers, the rest are closed', async () => {
    const s = await replay(P.ollamaRoutes({ version: '0.17.1' }));
    const progress: number[] = [];
    const result = await probeTargets([`127.0.0.0/30:${s.port}`], {
      ...FAST,
      onProgress: (done, total) => progress.push(done * 10 + total),
    });
    assert.deepEqual(result.scanned, [s.url]);
    assert.deepEqual(
      result.skipped.map((x) => x.path).sort(),
      [0, 2, 3].map((i) => `http://127.0.0.${i}:${s.port}`),
    );
    assert.equal(progress.length, 4);
    assert.ok(progress.every((p) => p % 10 === 4));
  });

  it('a port that does not speak HTTP (an SSH banner, binary junk) is an error, not a crash', async () => {
    for (const bytes of ['SSH-2.0-OpenSSH_9.6\r\n', Buffer.from([0, 255, 1, 254, 0x16, 3, 1, 0, 0])]) {
      const raw = await startRawServer(bytes);
      try {
        const result = await probeTargets([raw.url], FAST);
        assert.equal(result.errors.length, 1, JSON.stringify(result));
        assert.deepEqual(result.scanned, []);
        assert.deepEqual(result.findings, []);
      } finally {
        await raw.close();
      }
    }
  });

  it('a huge, endless or deeply nested body is cut and read safely', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const s = await replay({
      'GET /': { status: 200, body: 'Ollama is running' },
      'GET /api/version': { status: 200, body: { version: '0.17.1' } },
      'GET /api/tags': { status: 200, body: `{"models":[${'{"name":"m"},'.repeat(100_000)}{"name":"m"}]}` },
      'GET /api/config': { status: 200, body: deep },
      'GET /props': { status: 200, body: deep },
    });
    const result = await probeTargets([s.url], FAST);
    assert.deepEqual(result.errors, []);
    assert.equal(identified(result.findings), 'ollama');
    // The tags body is over the read cap, so it is not valid JSON when cut: no listing claimed from half a body.
    assert.ok(
      !result.findings.some(
        (f) => f.ruleId === 'probe/unauthenticated-model-listing' && f.location.path.endsWith('/api/tags'),
      ),
    );
  });

  it('the per-host rate limit spaces requests to one host', async () => {
    const s = await replay(P.jupyterRoutes({ token: true }));
    const t0 = performance.now();
    await probeTargets([s.url], { ratePerHost: 100, timeoutMs: 2000 });
    const elapsed = performance.now() - t0;
    // ~20 requests at 100/s: at least ~190 ms.
    assert.ok(elapsed >= (s.requests.length - 1) * 10 - 5, `${s.requests.length} requests in ${elapsed} ms`);
  });
});

describe('probe: the Parapet gateway itself', () => {
  let upstream: FastUpstream;
  let h: Harness;
  before(async () => {
    upstream = await startFastUpstream({ models: ['fast-model'] });
    h = await startHarness({
      config: { upstreams: [{ name: 'fast', url: upstream.url, kind: 'openai', models: ['fast-*'] }] },
    });
  });
  after(async () => {
    await h?.close();
    await upstream?.close();
  });

  it('is fingerprinted as Parapet and found authenticated without a key', async () => {
    const result = await probeTargets([h.url], FAST);
    assert.deepEqual(result.errors, []);
    assert.equal(identified(result.findings), 'parapet');
    assert.deepEqual(ruleIds(result.findings), ['probe/server-identified']);
    // Nothing reached the model: the gateway refused every unauthenticated request.
    assert.equal(upstream.requests.length, 0);
  });

  it('with a key (--header), the probe sees what a key holder sees: the model listing', async () => {
    const result = await probeTargets([h.url], {
      ...FAST,
      headers: { authorization: `Bearer ${h.secrets.user}` },
    });
    assert.ok(result.findings.some((f) => f.ruleId === 'probe/unauthenticated-model-listing'));
  });
});
