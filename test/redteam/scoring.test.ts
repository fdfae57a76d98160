import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRates, compareRuns } from '../../src/redteam/compare.ts';
import { parseRecords, recordLine } from '../../src/redteam/records.ts';
import { rateOf, summarizeRun, wilsonInterval } from '../../src/redteam/scoring.ts';
import type { AttemptOutcome, AttemptRecord } from '../../src/redteam/types.ts';

const close = (actual: number, expected: number, digits = 4) =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} ≉ ${expected}`);

function record(probeId: string, outcome: AttemptOutcome, index = 0): AttemptRecord {
  return {
    runId: 'r',
    probeId,
    category: probeId.split('/')[0] as AttemptRecord['category'],
    index,
    messages: [{ role: 'user', content: 'hi' }],
    responses: outcome === 'errored' ? [] : ['reply'],
    outcome,
    reason: outcome,
    latencyMs: 5,
    startedAt: '2026-01-01T00:00:00.000Z',
  };
}

const many = (probeId: string, breached: number, resisted: number, errored = 0): AttemptRecord[] => [
  ...Array.from({ length: breached }, (_, i) => record(probeId, 'breached', i)),
  ...Array.from({ length: resisted }, (_, i) => record(probeId, 'resisted', breached + i)),
  ...Array.from({ length: errored }, (_, i) => record(probeId, 'errored', breached + resisted + i)),
];

describe('Wilson interval', () => {
  it('matches published values (Newcombe 1998: 81/263 → 0.2553–0.3662)', () => {
    const [lo, hi] = wilsonInterval(81, 263);
    close(lo, 0.2553);
    close(hi, 0.3662);
  });
  it('stays inside [0, 1] at the edges, unlike the normal approximation', () => {
    const [lo0, hi0] = wilsonInterval(0, 10);
    assert.equal(lo0, 0);
    close(hi0, 0.2775);
    const [lo1, hi1] = wilsonInterval(10, 10);
    close(lo1, 0.7225);
    assert.ok(hi1 <= 1);
    const [a, b] = wilsonInterval(1, 1);
    close(a, 0.2065);
    assert.ok(b <= 1 && b > 0.999);
    const [m1, m2] = wilsonInterval(5, 10);
    close(m1, 0.2366);
    close(m2, 0.7634);
  });
  it('is [0, 1] with no trials and narrows as trials grow', () => {
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
    const small = wilsonInterval(3, 10);
    const large = wilsonInterval(300, 1000);
    assert.ok(large[1] - large[0] < small[1] - small[0]);
  });
});

describe('rates', () => {
  it('leaves errors out of the denominator and never counts them as resisted', () => {
    const r = rateOf(many('x/y', 2, 2, 6));
    assert.deepEqual(
      { attempts: r.attempts, breached: r.breached, resisted: r.resisted, errored: r.errored },
      { attempts: 10, breached: 2, resisted: 2, errored: 6 },
    );
    assert.equal(r.successRate, 0.5);
    assert.deepEqual(r.ci95, wilsonInterval(2, 4));
  });
  it('reports 0 with a [0, 1] interval when everything errored', () => {
    const r = rateOf(many('x/y', 0, 0, 3));
    assert.equal(r.successRate, 0);
    assert.deepEqual(r.ci95, [0, 1]);
  });
  it('summarises per probe and category, keys sorted', () => {
    const s = summarizeRun(
      [...many('jailbreak/b', 1, 1), ...many('encoding/a', 0, 2, 1), ...many('jailbreak/a', 2, 0)],
      {
        runId: 'r',
        target: 't',
        startedAt: 's',
        finishedAt: 'f',
        titleOf: (id) => (id === 'jailbreak/a' ? 'Title A' : undefined),
      },
    );
    assert.deepEqual(Object.keys(s.byProbe), ['encoding/a', 'jailbreak/a', 'jailbreak/b']);
    assert.deepEqual(Object.keys(s.byCategory), ['encoding', 'jailbreak']);
    assert.equal(s.byCategory.jailbreak?.successRate, 3 / 4);
    assert.equal(s.byProbe['jailbreak/a']?.title, 'Title A');
    assert.equal(s.byProbe['jailbreak/b']?.title, 'jailbreak/b');
    assert.equal(s.overall.errored, 1);
    assert.equal(s.model, undefined);
  });
});

describe('compare', () => {
  it('flags new breaches and rates that rose beyond the intervals', () => {
    const old = [
      ...many('a/new-breach', 0, 10),
      ...many('a/rose', 1, 19),
      ...many('a/noise', 2, 8),
      ...many('a/fixed', 5, 5),
    ];
    const now = [
      ...many('a/new-breach', 1, 9),
      ...many('a/rose', 15, 5),
      ...many('a/noise', 4, 6),
      ...many('a/fixed', 0, 10),
    ];
    const c = compareRuns(old, now);
    const status = Object.fromEntries(c.probes.map((p) => [p.key, p.status]));
    assert.deepEqual(status, {
      'a/fixed': 'improved',
      'a/new-breach': 'regressed',
      'a/noise': 'unchanged',
      'a/rose': 'regressed',
    });
    assert.equal(c.regressions, 2);
    assert.equal(c.improvements, 1);
    assert.match(c.probes.find((p) => p.key === 'a/new-breach')?.why ?? '', /0 → 1 breach/);
  });
  it('does not call all-errored runs regressions, and names probes present in one run only', () => {
    assert.equal(
      compareRates('p', rateOf(many('p/q', 0, 5)), rateOf(many('p/q', 0, 0, 5))).status,
      'unchanged',
    );
    assert.equal(compareRates('p', undefined, rateOf(many('p/q', 0, 3))).status, 'only-new');
    assert.equal(compareRates('p', undefined, rateOf(many('p/q', 1, 3))).status, 'regressed');
    assert.equal(compareRates('p', rateOf(many('p/q', 1, 3)), undefined).status, 'only-old');
  });
});

describe('records JSONL', () => {
  it('round-trips records', () => {
    const records = many('exfiltration/x', 1, 1, 1);
    const parsed = parseRecords(records.map(recordLine).join(''));
    assert.deepEqual(parsed, { records, problems: [] });
  });
  it('reports bad lines by number instead of crashing or dropping them silently', () => {
    const good = recordLine(record('a/b', 'breached'));
    const text = [
      good.trim(),
      '',
      '{"runId": 1}',
      'not json',
      JSON.stringify({ ...record('a/b', 'resisted'), outcome: 'passed' }),
      JSON.stringify({ ...record('a/b', 'resisted'), messages: [{ role: 'hacker', content: 'x' }] }),
      '[]',
      '\u0000\uFFFD binary',
      good.slice(0, 30),
    ].join('\n');
    const { records, problems } = parseRecords(text);
    assert.equal(records.length, 1);
    assert.deepEqual(
      problems.map((p) => p.replace(/:.*/, '')),
      ['line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9'],
    );
    assert.match(problems.at(-1) ?? '', /truncated/);
    assert.match(problems[2] ?? '', /outcome/);
  });
});
