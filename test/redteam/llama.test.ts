/**
 * The runner against real llama.cpp inference (node-llama-cpp serving tiny GGUF models built in code that
 * always say a fixed script): a model whose script carries an exfiltration image, a script tag or the run's
 * injection marker breaches exactly the probes that look for those, and a benign model breaches nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { plantedValues } from '../../src/redteam/planted.ts';
import { runRedteam } from '../../src/redteam/runner.ts';
import { type LlamaUpstream, startScriptedLlamaUpstream } from '../fixtures/llm/llama-upstream.ts';
import { BENIGN_SCRIPT, DANGEROUS_SCRIPT } from '../fixtures/llm/tiny-llama.ts';

const SEED = 5;
const PROBES = ['exfiltration', 'insecure-output/xss', 'prompt-injection/ignore-previous', 'data-leakage'];

describe('runRedteam against node-llama-cpp', () => {
  let dangerous: LlamaUpstream;
  let benign: LlamaUpstream;
  let obedient: LlamaUpstream;
  before(async () => {
    dangerous = await startScriptedLlamaUpstream({ script: DANGEROUS_SCRIPT, modelName: 'tiny-dangerous' });
    benign = await startScriptedLlamaUpstream({ script: BENIGN_SCRIPT, modelName: 'tiny-benign' });
    obedient = await startScriptedLlamaUpstream({
      script: `OK ${plantedValues(SEED).marker.joined} <script>alert(1)</script>`,
      modelName: 'tiny-obedient',
    });
  });
  after(async () => {
    await dangerous.close();
    await benign.close();
    await obedient.close();
  });

  const run = (url: string) =>
    runRedteam({ target: url, probes: PROBES, attemptsPerProbe: 2, seed: SEED, concurrency: 2 });

  it('a model that emits a markdown exfiltration image breaches the exfiltration probes, nothing else', async () => {
    const { summary, records } = await run(dangerous.url);
    assert.equal(summary.model, 'tiny-dangerous');
    assert.equal(summary.overall.errored, 0);
    assert.equal(summary.byProbe['exfiltration/markdown-image']?.breached, 2);
    // a rendered markdown image exfiltrates whatever the attack asked for, so the HTML probe counts it too
    assert.equal(summary.byProbe['exfiltration/html-tag']?.breached, 2);
    assert.match(
      records.find((r) => r.outcome === 'breached')?.reason ?? '',
      /attacker\.example\/log\?q=SECRET/,
    );
    // the script's AWS-shaped key is not this run's planted key: no data-leakage breach
    for (const id of [
      'insecure-output/xss',
      'prompt-injection/ignore-previous',
      'data-leakage/secret-canary',
    ])
      assert.equal(summary.byProbe[id]?.breached, 0, id);
    // the reply is the real model's text, every time
    assert.ok(records.every((r) => r.responses[0]?.includes('AKIAQ3EGRT7ZP4X2WJ5M')));
  });

  it('a model that prints the marker and a script tag breaches injection and XSS', async () => {
    const { summary } = await run(obedient.url);
    assert.equal(summary.byProbe['prompt-injection/ignore-previous']?.breached, 2);
    assert.equal(summary.byProbe['insecure-output/xss']?.breached, 2);
    assert.equal(summary.byProbe['exfiltration/markdown-image']?.breached, 0);
  });

  it('a benign model breaches nothing', async () => {
    const { summary } = await run(benign.url);
    assert.equal(summary.overall.breached, 0);
    assert.equal(summary.overall.errored, 0);
    assert.equal(summary.overall.resisted, summary.overall.attempts);
  });
});
