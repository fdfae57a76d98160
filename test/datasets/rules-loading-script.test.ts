/**
 * `dataset/loading-script` on its own (the remote-code handler calls it for every `*.py`): a builder named
 * after its directory or Hub repository is the entry point `load_dataset` runs; dangerous calls raise it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadingScript } from '../../src/scan/rules/dataset/loading-script.ts';
import { EVIL_LOADER, HONEST_LOADER, PLAIN_HELPER } from '../fixtures/datasets-poison/loading-scripts.ts';

const at = (path: string) => ({ location: { path }, strict: false });

test('a builder named after its directory is the entry point; medium, high with dangerous calls', () => {
  const [f] = loadingScript.check({ text: HONEST_LOADER, dangerousCalls: 0 }, at('/data/tiny/tiny.py'));
  assert.equal(f?.ruleId, 'dataset/loading-script');
  assert.equal(f?.severity, 'medium');
  assert.equal(f?.location.line, 9);
  assert.equal(f?.evidence?.entryPoint, true);
  assert.match(f?.message ?? '', /the loading script of data set "tiny"/);
  const [evil] = loadingScript.check({ text: EVIL_LOADER, dangerousCalls: 1 }, at('/data/tiny/tiny.py'));
  assert.equal(evil?.severity, 'high');
});

test('on the Hub the repository name counts, without its revision; other builders are not entry points', () => {
  const [hub] = loadingScript.check(
    { text: HONEST_LOADER, dangerousCalls: 0 },
    at('hf://datasets/acme/tiny@main/tiny.py'),
  );
  assert.equal(hub?.evidence?.entryPoint, true);
  const [other] = loadingScript.check({ text: HONEST_LOADER, dangerousCalls: 0 }, at('/data/tiny/build.py'));
  assert.equal(other?.evidence?.entryPoint, false);
});

test('near misses: a helper without a builder, a builder class name without importing datasets', () => {
  assert.deepEqual(
    loadingScript.check({ text: PLAIN_HELPER, dangerousCalls: 0 }, at('/data/tiny/tiny.py')),
    [],
  );
  const mention = 'class Notes:\n    """How GeneratorBasedBuilder(...) works."""\n';
  assert.deepEqual(loadingScript.check({ text: mention, dangerousCalls: 0 }, at('/data/tiny/tiny.py')), []);
});
