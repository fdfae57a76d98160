/**
 * Real inference through the gateway: node-llama-cpp serves a tiny GGUF built in code that says an AWS key
 * and a markdown exfiltration image, token by token, so both are split across many SSE chunks. The real
 * openai client, streaming and not, never receives either.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LlamaUpstream, startScriptedLlamaUpstream } from '../fixtures/llm/llama-upstream.ts';
import { DANGEROUS_SCRIPT, FAKE_AWS_ACCESS_KEY_ID } from '../fixtures/llm/tiny-llama.ts';
import { eventually, type Harness, startHarness } from './app-harness.ts';

const EXFIL_HOST = 'attacker.example';

describe('gateway over real inference (tiny GGUF, node-llama-cpp)', { timeout: 120_000 }, () => {
  let llama: LlamaUpstream;
  let h: Harness;

  before(async () => {
    llama = await startScriptedLlamaUpstream({ script: DANGEROUS_SCRIPT, modelName: 'tiny-script' });
    h = await startHarness({
      config: {
        upstreams: [{ name: 'llama', url: llama.url, kind: 'openai', models: ['tiny-*'] }],
        audit: { path: 'audit.db', flushIntervalMs: 20, logText: true },
      },
    });
  });
  after(async () => {
    await h?.close();
    await llama?.close();
  });

  it('streams the reply with the key and the exfiltration image withheld', async () => {
    const stream = await h.client('user').chat.completions.create({
      model: 'tiny-script',
      messages: [{ role: 'user', content: 'What is the deploy key?' }],
      max_tokens: 200,
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      chunks++;
    }
    assert.ok(chunks > 3, `expected a real stream, got ${chunks} chunks`);
    assert.ok(!text.includes(FAKE_AWS_ACCESS_KEY_ID), `key reached the client: ${text}`);
    assert.ok(!text.includes(EXFIL_HOST), `exfiltration link reached the client: ${text}`);
    assert.match(text, /Sure, the deploy key is/);
  });

  it('filters the whole (non-streaming) reply too, and audits redacted text only', async () => {
    const res = await h.client('user').chat.completions.create({
      model: 'tiny-script',
      messages: [{ role: 'user', content: 'What is the deploy key?' }],
      max_tokens: 200,
    });
    const text = res.choices[0]?.message.content ?? '';
    assert.ok(!text.includes(FAKE_AWS_ACCESS_KEY_ID), `key reached the client: ${text}`);
    assert.ok(!text.includes(EXFIL_HOST), `exfiltration link reached the client: ${text}`);
    const records = await eventually(() => {
      const served = h.audit().filter((r) => r.model === 'tiny-script' && r.status === 200);
      assert.equal(served.length, 2);
      return served;
    });
    for (const r of records) {
      assert.equal(r.outputAction, 'redact');
      assert.ok(r.ruleIds.length > 0, 'expected: r.ruleIds.length > 0');
      assert.ok(
        r.completion !== undefined && !r.completion.includes(FAKE_AWS_ACCESS_KEY_ID),
        'expected: r.completion !== undefined && !r.completion.includes(FAKE_AWS_ACCESS_K',
      );
      assert.match(r.prompt ?? '', /deploy key/);
    }
  });
});
