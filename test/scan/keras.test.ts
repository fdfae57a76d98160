import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScanResult } from '../../src/core/result.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { buildH5, kerasH5 } from '../fixtures/h5-writer.ts';
import {
  buildKeras,
  k3,
  keras2Lambda,
  keras3Lambda,
  keras3Sequential,
  tfKeras2Sequential,
} from '../fixtures/keras-configs.ts';
import { buildTar } from '../fixtures/tar-writer.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const keras = (r: ScanResult) =>
  r.findings.filter((f) => f.ruleId.startsWith('model/keras-')).map((f) => `${f.severity} ${f.ruleId}`);

/** ModelAudit's malicious_keras.h5, rebuilt: a tf.keras Sequential whose Lambda is `lambda x: eval('1')`. */
const EVAL_LAMBDA_CONFIG = {
  class_name: 'Sequential',
  config: { name: 'seq', layers: [{ class_name: 'Lambda', config: { function: "lambda x: eval('1')" } }] },
};

test('legacy .h5: a Lambda calling eval is critical; the same Sequential with Dense layers is clean', async () => {
  const bad = await scanBytes(await kerasH5(EVAL_LAMBDA_CONFIG), 'malicious_keras.h5');
  assert.deepEqual(keras(bad), ['critical model/keras-lambda-layer']);
  assert.match(bad.findings[0]!.message, /names eval/);
  const good = await scanBytes(await kerasH5(tfKeras2Sequential()), 'safe_model.h5');
  assert.deepEqual(good.findings, []);
  assert.deepEqual(good.errors, []);
  assert.deepEqual(good.scanned, ['safe_model.h5']);
});

test('legacy .h5: a marshalled tf.keras Lambda naming os.system is critical, with the names as evidence', async () => {
  const r = await scanBytes(
    await kerasH5(tfKeras2Sequential([keras2Lambda(['os', 'system'], ['id'])])),
    'm.h5',
  );
  assert.deepEqual(keras(r), ['critical model/keras-lambda-layer']);
  assert.deepEqual(r.findings[0]!.evidence?.dangerous, ['os', 'system']);
});

test('legacy .h5: training_config is walked too (a loss imported from a foreign module)', async () => {
  const training = { loss: k3('my_losses', 'function', 'focal'), metrics: ['accuracy'] };
  const r = await scanBytes(await kerasH5(tfKeras2Sequential(), training), 'm.h5');
  assert.deepEqual(keras(r), ['high model/keras-unsafe-module']);
});

test('HDF5 without a model config (weights only) is analysed and clean; a damaged one is an error, never clean', async () => {
  const weights = await buildH5({ datasets: { kernel: [1, 2, 3] } });
  const ok = await scanBytes(weights, 'model.weights.h5');
  assert.deepEqual([ok.scanned, ok.findings, ok.errors], [['model.weights.h5'], [], []]);
  const cut = await scanBytes(weights.subarray(0, 200), 'model.weights.h5');
  assert.equal(cut.errors.length, 1, JSON.stringify(cut));
});

test('HDF5 behind a 512-byte user block is read, and a tar holding a .h5 is scanned both ways', async () => {
  const h5 = await kerasH5(EVAL_LAMBDA_CONFIG);
  for (const userBlock of [512, 4096]) {
    const withUserBlock = new Uint8Array(userBlock + h5.length);
    withUserBlock.set(h5, userBlock);
    const ub = await scanBytes(withUserBlock, 'ub.h5');
    assert.deepEqual(keras(ub), ['critical model/keras-lambda-layer'], JSON.stringify(ub));
  }
  const tar = buildTar([
    { name: 'model.h5', data: h5 },
    { name: 'config.json', data: enc(JSON.stringify(keras3Sequential([keras3Lambda(['x'])]))) },
  ]);
  const r = await scanBytes(tar, 'bundle.tar');
  assert.ok(keras(r).includes('critical model/keras-lambda-layer'), JSON.stringify(r.findings));
  assert.ok(keras(r).includes('high model/keras-lambda-layer'), 'the tar member config.json was not scanned');
});

test('.keras v3: a benign Keras 3 Sequential (Conv2D, Dense, NaN hyper-parameter) is clean and complete', async () => {
  const r = await scanBytes(await buildKeras(keras3Sequential()), 'model.keras');
  assert.deepEqual([r.scanned, r.findings, r.errors], [['model.keras'], [], []]);
});

test('.keras v3: CVE-2025-1550 module os, TorchModuleWrapper, TFOpLambda and a safe_mode bypass', async () => {
  const config = keras3Sequential([
    k3('keras.layers', 'Activation', { name: 'a', activation: k3('os', 'function', 'system') }),
    k3('keras.layers', 'TorchModuleWrapper', { name: 't', module: 'gASVAAAA' }),
    { module: 'keras.layers', class_name: 'Activation', config: { activation: 'relu', safe_mode: false } },
  ]);
  const r = await scanBytes(await buildKeras(config), 'model.keras');
  assert.deepEqual(keras(r).sort(), [
    'critical model/keras-unsafe-module',
    'high model/keras-safe-mode-bypass',
    'high model/keras-unsafe-module',
  ]);
  assert.equal(r.findings.find((f) => f.severity === 'critical')?.location.member, 'config.json');
  const tf = await scanBytes(
    enc(JSON.stringify(tfKeras2Sequential([{ class_name: 'TFOpLambda', config: { function: 'math.add' } }]))),
    'config.json',
  );
  assert.deepEqual(keras(tf), ['medium model/keras-unsafe-module']);
});

test('a Hugging Face transformers config.json is not read as a Keras config', async () => {
  const hf = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 4096,
    torch_dtype: 'bfloat16',
  };
  const r = await scanBytes(enc(JSON.stringify(hf)), 'config.json');
  assert.deepEqual(keras(r), []);
});

test('a config.json that names Keras classes but is not valid JSON is an error, never clean', async () => {
  const r = await scanBytes(enc('{"class_name": "Sequential", "config": {"layers": [}'), 'config.json');
  assert.ok(r.errors.length > 0, JSON.stringify(r));
});
