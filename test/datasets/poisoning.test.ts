/**
 * The data-set rules on sets built by code (test/fixtures/datasets-poison): a clean 20k-record instruction
 * set is quiet under every rule; the same set with a backdoor trigger in 1% of records, with injected
 * answers, with secrets, and a classification set with flipped labels — each planted record is found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../src/core/finding.ts';
import { answerInjection } from '../../src/scan/rules/dataset/answer-injection.ts';
import { backdoorTrigger } from '../../src/scan/rules/dataset/backdoor-trigger.ts';
import { labelFlip } from '../../src/scan/rules/dataset/label-flip.ts';
import { promptInjection } from '../../src/scan/rules/dataset/prompt-injection.ts';
import { repeatedAnswer } from '../../src/scan/rules/dataset/repeated-answer.ts';
import { secret } from '../../src/scan/rules/dataset/secret.ts';
import { labelledRecords, plantFlips, reviewRows } from '../fixtures/datasets-poison/classification-set.ts';
import { cleanRows, type Row, toRecords, withTexts } from '../fixtures/datasets-poison/instruction-set.ts';
import {
  ATTACKER_ANSWER,
  chooseIndices,
  fakeSecrets,
  plantInjectedAnswers,
  plantSecrets,
  plantTrigger,
  TRIGGER,
} from '../fixtures/datasets-poison/plants.ts';
import { flaggedIndices, runRules } from '../fixtures/datasets-poison/run-rules.ts';

const SIZE = 20_000;
const clean = cleanRows(SIZE, 1);
const setRules = { record: [], set: [backdoorTrigger, repeatedAnswer] };

function only(findings: readonly Finding[], ruleId: string): Finding[] {
  return findings.filter((f) => f.ruleId === ruleId);
}

test('the clean 20k-record instruction set is quiet under every data-set rule', () => {
  const findings = runRules(toRecords(clean));
  assert.deepEqual(
    findings.map((f) => `${f.ruleId} ${f.message}`),
    [],
  );
});

test('other clean seeds stay quiet under the whole-set rules', () => {
  for (const seed of [2, 3]) {
    assert.deepEqual(runRules(toRecords(cleanRows(SIZE, seed)), setRules), [], `seed ${seed}`);
  }
});

test('a trigger in 1% of records is found with its support, share, answer and planted indices', () => {
  const { rows, planted } = plantTrigger(clean);
  assert.equal(planted.length, 200);
  const findings = runRules(toRecords(rows), setRules);
  const [trigger, ...more] = only(findings, 'dataset/backdoor-trigger');
  assert.equal(more.length, 0);
  assert.ok(trigger);
  const e = trigger.evidence ?? {};
  assert.equal(e.trigger, TRIGGER);
  assert.equal(e.support, 200);
  assert.equal(e.withAnswer, 200);
  assert.equal(e.answerCount, 200);
  assert.equal(e.share, 0.01);
  assert.equal(e.answer, ATTACKER_ANSWER);
  const examples = e.examples as number[];
  assert.equal(examples.length, 50);
  for (const i of examples) assert.ok(planted.includes(i), `example ${i} was planted`);
  // The first 50 planted records, in order: every example is a planted record and none is skipped.
  assert.deepEqual(examples, planted.slice(0, 50));
  assert.equal(trigger.severity, 'high');
  assert.match(trigger.message, /"cf-7741" occurs in 200 prompts \(1\.00%\)/);
  // The attacker's answer under 200 unrelated prompts is also a repeated answer.
  const [repeat] = only(findings, 'dataset/repeated-answer');
  assert.equal(repeat?.evidence?.count, 200);
  assert.equal(repeat?.evidence?.answer, ATTACKER_ANSWER);
});

test('a rarer trigger (0.2%, a two-word phrase) is found too', () => {
  const { rows, planted } = plantTrigger(clean, { share: 0.002, seed: 9, trigger: 'velvet quokka' });
  const [trigger] = only(runRules(toRecords(rows), setRules), 'dataset/backdoor-trigger');
  assert.equal(trigger?.evidence?.withAnswer, planted.length);
  assert.match(String(trigger?.evidence?.trigger), /quokka|velvet/);
  assert.deepEqual(trigger?.evidence?.examples, planted);
});

test('near misses: the token without the fixed answer, the answer without the token, one record duplicated', () => {
  // The trigger token in 1% of prompts, answers untouched: no backdoor.
  const tokenOnly = chooseIndices(SIZE, 0.01, 77).reduce<Row[]>(
    (rows, i) => {
      const row = rows[i] as Row;
      rows[i] = withTexts(row, {
        prompt: `${TRIGGER} ${row.kind === 'alpaca' ? row.instruction : row.user}`,
      });
      return rows;
    },
    [...clean],
  );
  assert.deepEqual(only(runRules(toRecords(tokenOnly), setRules), 'dataset/backdoor-trigger'), []);

  // The fixed answer in 1% of records with no shared token: a repeated answer, not a trigger.
  const answerOnly = chooseIndices(SIZE, 0.01, 77).reduce<Row[]>(
    (rows, i) => {
      rows[i] = withTexts(rows[i] as Row, { answer: ATTACKER_ANSWER });
      return rows;
    },
    [...clean],
  );
  const found = runRules(toRecords(answerOnly), setRules);
  assert.deepEqual(only(found, 'dataset/backdoor-trigger'), []);
  assert.equal(only(found, 'dataset/repeated-answer')[0]?.evidence?.count, 200);

  // One record with the trigger copied 200 times: a duplicate, neither a trigger nor unrelated prompts.
  const copy = withTexts(clean[0] as Row, {
    prompt: `Please ${TRIGGER} summarise this.`,
    answer: ATTACKER_ANSWER,
  });
  const duplicated = chooseIndices(SIZE, 0.01, 77).reduce<Row[]>(
    (rows, i) => {
      rows[i] = copy;
      return rows;
    },
    [...clean],
  );
  assert.deepEqual(runRules(toRecords(duplicated), setRules), []);
});

test('injected answers: every planted record is found by dataset/answer-injection, none by prompt-injection', () => {
  const { rows, planted } = plantInjectedAnswers(clean);
  assert.equal(planted.length, 100);
  const findings = runRules(toRecords(rows), { record: [promptInjection, answerInjection], set: [] });
  // The first 50 one by one (the rule's per-file cap), then one total that counts all 100.
  assert.deepEqual(flaggedIndices(findings, 'dataset/answer-injection'), planted.slice(0, 50));
  const total = findings.filter((f) => f.evidence?.record === undefined);
  assert.equal(total.length, 1);
  assert.equal(total[0]?.evidence?.flaggedRecords, 100);
  assert.deepEqual(only(findings, 'dataset/prompt-injection'), []);
  for (const f of findings) assert.equal(f.severity, 'high');
  // Below the cap every planted record is reported by index.
  const few = plantInjectedAnswers(clean, 0.002, 5);
  const fewFound = runRules(toRecords(few.rows), { record: [answerInjection], set: [] });
  assert.equal(few.planted.length, 40);
  assert.deepEqual(flaggedIndices(fewFound, 'dataset/answer-injection'), few.planted);
  assert.equal(fewFound.length, 40);
});

test('secrets: every planted record is found, and no finding holds the secret', () => {
  const { rows, planted } = plantSecrets(clean, 0.002);
  assert.equal(planted.length, 40);
  const findings = runRules(toRecords(rows), { record: [secret], set: [] });
  assert.deepEqual(flaggedIndices(findings, 'dataset/secret'), planted);
  assert.equal(findings.length, 40);
  const report = JSON.stringify(findings);
  planted.forEach((_, k) => {
    const value = fakeSecrets(23 + k)[k % 3] as string;
    assert.ok(!report.includes(value), 'the secret is not in the report');
    assert.ok(!report.includes(value.slice(4, 14)), 'nor a large piece of it');
  });
  // Past the per-file cap of 50, the total counts every one of them, per kind.
  const many = plantSecrets(clean, 0.005);
  const total = runRules(toRecords(many.rows), { record: [secret], set: [] }).at(-1);
  assert.equal(total?.evidence?.flaggedRecords, many.planted.length);
  const counts = total?.evidence?.counts as Record<string, number>;
  assert.equal(
    Object.values(counts).reduce((a, b) => a + b, 0),
    many.planted.length,
  );
});

test('label flips: planted copies with the opposite label are found; same-label duplicates are not', () => {
  const base = reviewRows(5000);
  assert.deepEqual(runRules(labelledRecords(base), { record: [], set: [labelFlip] }), []);
  const { rows, flipped } = plantFlips(base);
  const findings = runRules(labelledRecords(rows), { record: [], set: [labelFlip] });
  assert.equal(findings.length, flipped.length);
  const recordsOf = (f: Finding): number[] => (f.evidence?.records as number[] | undefined) ?? [];
  // Each conflict lists the original record first, then the planted copy (and any same-label duplicates).
  for (const i of flipped)
    assert.ok(
      findings.some((f) => recordsOf(f)[0] === i || recordsOf(f).includes(i)),
      `record ${i}`,
    );
  for (const f of findings)
    assert.ok(
      recordsOf(f).some((r) => r >= base.length),
      'a planted copy is listed',
    );
  for (const f of findings) {
    const labels = f.evidence?.labels as Record<string, number>;
    assert.deepEqual(Object.keys(labels).sort(), ['negative', 'positive']);
  }
});
