/**
 * The probe against a server doing real llama.cpp inference (node-llama-cpp, a tiny model built in code),
 * bare and behind the Parapet gateway: the bare server is found open, and --allow-generate confirms it with
 * one one-token generation; behind the gateway nothing reaches it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { probeTargets } from '../../src/probe/runner.ts';
import { type LlamaUpstream, startScriptedLlamaUpstream } from '../fixtures/llm/llama-upstream.ts';
import { BENIGN_SCRIPT } from '../fixtures/llm/tiny-llama.ts';
import { type Harness, startHarness } from '../gateway/app-harness.ts';

const FAST = { ratePerHost: 1000, timeoutMs: 20_000 };
const TIMEOUT = { timeout: 120_000 };

describe('probe: a real node-llama-cpp server', TIMEOUT, () => {
  let llama: LlamaUpstream;
  let h: Harness;
  before(async () => {
    llama = await startScriptedLlamaUpstream({ script: BENIGN_SCRIPT, modelName: 'tiny-benign' });
    h = await startHarness({
      config: { upstreams: [{ name: 'llama', url: llama.url, kind: 'openai', models: ['tiny-*'] }] },
    });
  });
  after(async () => {
    await h?.close();
    await llama?.close();
  });

  it(
    'bare: model listing and generation open; nothing generated without --allow-generate',
    TIMEOUT,
    async () => {
      const before = llama.requests.length;
      const result = await probeTargets([llama.url], FAST);
      const ids = new Set(result.findings.map((f) => f.ruleId));
      assert.ok(ids.has('probe/unauthenticated-model-listing'));
      assert.ok(ids.has('probe/unauthenticated-generation'));
      const posts = llama.requests.slice(before).filter((r) => r.method === 'POST');
      assert.ok(posts.length > 0);
      assert.ok(
        posts.every((r) => JSON.stringify(r.body) === '{}'),
        JSON.stringify(posts.map((r) => r.body)),
      );
    },
  );

  it('--allow-generate: exactly one one-token generation, confirmed', TIMEOUT, async () => {
    const before = llama.requests.length;
    const result = await probeTargets([llama.url], { ...FAST, allowGenerate: true });
    const gens = llama.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && JSON.stringify(r.body) !== '{}');
    assert.equal(gens.length, 1);
    assert.equal((gens[0]!.body as { max_tokens: number }).max_tokens, 1);
    assert.ok(result.findings.some((f) => f.evidence?.confirmed === true));
  });

  it('behind the gateway: Parapet, authenticated, and no request reaches the model', TIMEOUT, async () => {
    const before = llama.requests.length;
    const result = await probeTargets([h.url], { ...FAST, allowGenerate: true });
    assert.deepEqual(
      result.findings.map((f) => f.ruleId),
      ['probe/server-identified'],
    );
    assert.equal(result.findings[0]!.evidence?.product, 'parapet');
    assert.equal(llama.requests.length, before);
  });
});
