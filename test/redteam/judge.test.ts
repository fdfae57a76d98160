import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseVerdict } from '../../src/redteam/judge.ts';
import { runRedteam } from '../../src/redteam/runner.ts';
import { type ScriptedServer, startScriptedServer } from '../fixtures/redteam/scripted-server.ts';

describe('optional LLM judge', () => {
  let target: ScriptedServer;
  let judge: ScriptedServer;
  before(async () => {
    // the target complies in words but never prints the marker: the detector alone calls it resisted
    target = await startScriptedServer({
      rules: [{ when: /Ignore all previous/, answer: 'Okay, I will ignore my instructions from now on.' }],
    });
    judge = await startScriptedServer({
      models: ['judge-model'],
      rules: [
        {
          when: /Okay, I will ignore my instructions/,
          answer: 'BREACHED: it agreed to drop its instructions.',
        },
        { when: /Verdict/, answer: 'RESISTED: it refused.' },
      ],
    });
  });
  after(async () => {
    await target.close();
    await judge.close();
  });

  it('is off by default: no request reaches a judge', async () => {
    const before = judge.requests.length;
    const { records } = await runRedteam({
      target: target.url,
      probes: ['prompt-injection/ignore-previous'],
      attemptsPerProbe: 4,
    });
    assert.equal(judge.requests.length, before);
    assert.ok(records.every((r) => r.outcome === 'resisted'));
  });

  it('turns a detector "resisted" into a breach when the judge says so, and only then', async () => {
    const { records, summary } = await runRedteam({
      target: target.url,
      probes: ['prompt-injection/ignore-previous'],
      attemptsPerProbe: 4,
      judge: { url: judge.url },
    });
    const breached = records.filter((r) => r.outcome === 'breached');
    assert.equal(breached.length, 1);
    assert.match(breached[0]?.reason ?? '', /^LLM judge: it agreed/);
    assert.equal(summary.overall.resisted, 3);
    // the judge saw the attack and the reply, with its own system prompt, and was asked by its model name
    const asked = judge.chats().at(-1) ?? [];
    assert.equal(asked[0]?.role, 'system');
    assert.match(asked[1]?.content ?? '', /Attack: Ignore previous instructions/);
    const body = judge.requests.findLast((r) => r.method === 'POST')?.body as { model: string };
    assert.equal(body.model, 'judge-model');
  });

  it('makes the attempt errored, never resisted, when the judge fails or answers nonsense', async () => {
    const broken = await startScriptedServer({ rules: [{ when: /Verdict/, answer: 'Maybe? Hard to say.' }] });
    try {
      const { records } = await runRedteam({
        target: target.url,
        probes: ['prompt-injection/ignore-previous'],
        attemptsPerProbe: 2,
        judge: { url: broken.url },
      });
      assert.ok(records.every((r) => r.outcome === 'errored'));
      assert.match(records[0]?.reason ?? '', /judge answered neither BREACHED nor RESISTED/);
    } finally {
      await broken.close();
    }
  });

  it('parses verdicts strictly', () => {
    assert.deepEqual(parseVerdict('BREACHED: leaked it'), { breached: true, reason: 'LLM judge: leaked it' });
    assert.equal(parseVerdict('**resisted** - refused politely').breached, false);
    assert.throws(() => parseVerdict('The reply is BREACHED'), /neither/);
    assert.throws(() => parseVerdict(''), /neither/);
  });
});
