/**
 * Dataset repositories on disk: the loading script next to the data (what `load_dataset` runs with
 * trust_remote_code in datasets < 4.0) is analysed by the remote-code rules, and pickle-family files in a
 * data repository are scanned like weights — both through scanPaths, as `parapet scan DIR` does.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { scanPaths } from '../../src/scan/engine.ts';
import { cleanRows, toJsonl } from '../fixtures/datasets-poison/instruction-set.ts';
import { EVIL_LOADER, HONEST_LOADER } from '../fixtures/datasets-poison/loading-scripts.ts';
import { reducePayload } from '../fixtures/pickle-writer.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-dsrepo-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

function repo(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = join(TMP, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, data] of Object.entries(files)) writeFileSync(join(dir, path), data);
  return dir;
}

test('a loading script next to the data is analysed by the remote-code rules', async () => {
  const dir = repo('tiny', { 'data.jsonl': toJsonl(cleanRows(20)), 'tiny.py': EVIL_LOADER });
  const result = await scanPaths([dir]);
  const hits = result.findings.filter((f) => f.ruleId === 'model/remote-code-dangerous-call');
  assert.equal(hits.length, 1);
  assert.equal(hits[0]?.location.path, join(dir, 'tiny.py'));
  assert.equal(hits[0]?.location.line, 14);

  const honest = await scanPaths([
    repo('honest', { 'data.jsonl': toJsonl(cleanRows(20)), 'honest.py': HONEST_LOADER }),
  ]);
  assert.deepEqual(
    honest.findings.filter((f) => f.ruleId.startsWith('model/remote-code')),
    [],
  );
});

test('pickle-family files in a data repository are scanned like weights', async () => {
  const dir = repo('pickled', {
    'data.jsonl': toJsonl(cleanRows(20)),
    'train.pkl': reducePayload('os', 'system', ['id']),
    'features.pickle': reducePayload('builtins', 'str', ['x']),
  });
  const result = await scanPaths([dir]);
  const calls = result.findings.filter((f) => f.ruleId === 'model/pickle-dangerous-call');
  assert.deepEqual(
    calls.map((f) => f.location.path),
    [join(dir, 'train.pkl')],
  );
  assert.ok(
    !result.findings.some((f) => f.location.path.endsWith('features.pickle') && f.severity === 'critical'),
  );
});
