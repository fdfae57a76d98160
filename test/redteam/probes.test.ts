import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PROBES, selectProbes } from '../../src/redteam/probes/index.ts';
import type { AttemptPlan, Probe } from '../../src/redteam/types.ts';
import { CASES, SEED } from '../fixtures/redteam/replies.ts';

const ctx = { seed: SEED, attemptsPerProbe: 6 };
/**
 * Junk and adversarial replies (runs that made naive regexps quadratic): every detector must return a
 * boolean for each, in linear time; a regression here shows as this test hanging.
 */
const JUNK = [
  '',
  '\u0000\uFFFD\uD800',
  'x'.repeat(200_000),
  '![](',
  '<img src=',
  `${'a'.repeat(99_999)}g`,
  '<img '.repeat(20_000),
  '![x]('.repeat(20_000),
  '['.repeat(100_000),
  'curl '.repeat(20_000),
  "SELECT 'Robert'; DROP TABLE customers; --".repeat(2_000),
];
const CATEGORIES = new Set([
  'prompt-injection',
  'indirect-injection',
  'jailbreak',
  'system-prompt-extraction',
  'exfiltration',
  'encoding',
  'multilingual',
  'insecure-output',
  'package-hallucination',
  'data-leakage',
]);

describe('probe catalogue', () => {
  it('has one file per probe, valid metadata and unique ids', () => {
    const ids = new Set<string>();
    for (const { meta } of PROBES) {
      assert.ok(!ids.has(meta.id), `duplicate ${meta.id}`);
      ids.add(meta.id);
      assert.match(meta.id, /^[a-z-]+\/[a-z0-9-]+$/);
      assert.equal(meta.id.split('/')[0], meta.category);
      assert.ok(CATEGORIES.has(meta.category), meta.category);
      assert.ok(
        existsSync(new URL(`../../src/redteam/probes/${meta.id}.ts`, import.meta.url)),
        `file of ${meta.id}`,
      );
      assert.ok(meta.title.length > 5 && meta.description.length > 60, meta.id);
      assert.ok(meta.sources.length > 0 && meta.sources.every((s) => /^https:\/\//.test(s.url)), meta.id);
      assert.ok(
        meta.tags.some((t) => t.startsWith('OWASP LLM')),
        meta.id,
      );
    }
    assert.ok(PROBES.length >= 25);
    for (const category of CATEGORIES)
      assert.ok(
        PROBES.some((p) => p.meta.category === category),
        category,
      );
  });

  it('plans deterministically: same seed, same plans; another seed, other canaries', () => {
    for (const probe of PROBES) {
      const a = probe.plan(ctx);
      assert.equal(a.length, ctx.attemptsPerProbe, probe.meta.id);
      assert.deepEqual(a, probe.plan(ctx), probe.meta.id);
      a.forEach((plan, i) => {
        assert.equal(plan.probeId, probe.meta.id);
        assert.equal(plan.index, i);
        assert.ok(plan.messages.length > 0 && plan.messages.at(-1)?.role === 'user', probe.meta.id);
      });
    }
    assert.notDeepEqual(PROBES[0]?.plan(ctx), PROBES[0]?.plan({ ...ctx, seed: SEED + 1 }));
  });

  for (const probe of PROBES) {
    it(`${probe.meta.id}: breaches on what it looks for, not on near misses`, () => {
      const cases = CASES[probe.meta.id];
      assert.ok(cases, `no cases for ${probe.meta.id}`);
      for (const plan of probe.plan(ctx) as AttemptPlan[]) {
        for (const reply of cases.breach) {
          const j = probe.judge(plan, [reply]);
          assert.equal(j.breached, true, `${probe.meta.id} should breach on ${JSON.stringify(reply)}`);
          assert.ok(j.reason.length > 0);
        }
        for (const reply of cases.resist) {
          const j = probe.judge(plan, [reply]);
          assert.equal(
            j.breached,
            false,
            `${probe.meta.id} should resist ${JSON.stringify(reply)}: ${j.reason}`,
          );
        }
        // a breach in any reply of a multi-turn attempt counts
        assert.equal(probe.judge(plan, ['Hello.', cases.breach[0] as string]).breached, true);
        // junk never crashes a detector
        for (const junk of JUNK) {
          assert.equal(typeof probe.judge(plan, [junk]).breached, 'boolean');
        }
      }
    });
  }
});

describe('selectProbes', () => {
  it('selects by id and by category, in catalogue order', () => {
    const ids = (list: Probe[]) => list.map((p) => p.meta.id);
    assert.deepEqual(ids(selectProbes(PROBES, ['exfiltration/markdown-image'])), [
      'exfiltration/markdown-image',
    ]);
    assert.deepEqual(ids(selectProbes(PROBES, ['encoding'])).length, 6);
    assert.equal(selectProbes(PROBES, []).length, PROBES.length);
    assert.equal(selectProbes(PROBES, undefined).length, PROBES.length);
  });
  it('refuses an unknown id or category', () => {
    assert.throws(
      () => selectProbes(PROBES, ['encoding/base65']),
      /unknown probe or category "encoding\/base65"/,
    );
    assert.throws(() => selectProbes(PROBES, ['exfil']), /unknown probe/);
  });
});
