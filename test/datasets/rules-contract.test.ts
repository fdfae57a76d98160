/**
 * The data-set rules' contract fixtures (test/fixtures/contract/datasets.ts) through the real reader and the
 * data-set handler (scanDataset), as a file is scanned: each positive produces its rule at the rule's default
 * severity, each near-miss negative does not. The engine-wide contract (test/scan/rule-contract.test.ts) runs
 * the same fixtures through scanBytes once the handler and the rules are registered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyResult } from '../../src/core/result.ts';
import { detectTextDataset } from '../../src/datasets/detect.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import type { HandlerContext } from '../../src/scan/context.ts';
import { scanDataset } from '../../src/scan/handlers/dataset.ts';
import { DATASET_RECORD_RULES, DATASET_SET_RULES } from '../../src/scan/rules/dataset/index.ts';
import { loadingScript } from '../../src/scan/rules/dataset/loading-script.ts';
import { DATASET_FIXTURES } from '../fixtures/contract/datasets.ts';
import type { FixtureBytes } from '../fixtures/contract/index.ts';

async function scan(bytes: FixtureBytes, name: string) {
  const data = await bytes();
  const src = bufferSource(data);
  const format = detectTextDataset(src, name);
  assert.ok(format !== undefined, `${name} is not recognised as a data set`);
  const ctx: HandlerContext = {
    result: emptyResult(),
    location: { path: name },
    strict: false,
    depth: 0,
    budget: { remaining: 1 << 30 },
    services: { advisories: () => new Error('unused'), reported: new Set<string>() },
    scanNested: async () => 'not-a-model-format',
  };
  await scanDataset(src, ctx, format);
  return ctx.result;
}

// dataset/loading-script runs in the remote-code handler, not on records: its fixture is checked by
// test/datasets/rules-loading-script.test.ts here and by the engine-wide contract once that handler calls it.
for (const { meta } of [...DATASET_RECORD_RULES, ...DATASET_SET_RULES]) {
  test(`${meta.id}: positive fixture produces it at ${meta.severity}; the near miss does not`, async () => {
    const fixture = DATASET_FIXTURES[meta.id];
    assert.ok(fixture, `no fixture for ${meta.id}`);
    const name = fixture.name ?? 'train.jsonl';
    const positive = await scan(fixture.positive, name);
    const hits = positive.findings.filter((f) => f.ruleId === meta.id);
    assert.ok(
      hits.some((f) => f.severity === meta.severity),
      `${meta.id}: ${JSON.stringify(positive.findings.map((f) => [f.ruleId, f.severity, f.message]))}`,
    );
    assert.deepEqual(positive.errors, []);
    const negative = await scan(fixture.negative, name);
    assert.deepEqual(
      negative.findings.filter((f) => f.ruleId === meta.id).map((f) => f.message),
      [],
    );
  });
}

test('every fixture belongs to a registered data-set rule', () => {
  const ids = new Set([...DATASET_RECORD_RULES, ...DATASET_SET_RULES, loadingScript].map((r) => r.meta.id));
  assert.deepEqual(
    Object.keys(DATASET_FIXTURES).filter((id) => !ids.has(id)),
    [],
  );
});
