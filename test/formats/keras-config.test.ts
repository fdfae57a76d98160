import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { looksLikeKerasConfig, parseConfigJson, walkKerasConfig } from '../../src/formats/keras-config.ts';
import { marshalStrings } from '../../src/formats/marshal-strings.ts';
import { classifyKerasModule, dangerousCodeNames } from '../../src/scan/keras-policy.ts';
import {
  codeBase64,
  k3,
  keras2Lambda,
  keras3Lambda,
  keras3Sequential,
  marshalledCode,
  tfKeras2Sequential,
} from '../fixtures/keras-configs.ts';

const walk = (config: unknown) => walkKerasConfig(parseConfigJson(JSON.stringify(config)));

test('parseConfigJson reads the NaN and Infinity Python writes, and leaves them alone inside strings', () => {
  const value = parseConfigJson('{"a": NaN, "b": -Infinity, "c": "NaN Infinity", "d": [Infinity]}');
  assert.deepEqual(value, { a: null, b: null, c: 'NaN Infinity', d: [null] });
});

test('parseConfigJson throws ParapetError on invalid JSON', () => {
  assert.throws(
    () => parseConfigJson('{"class_name": "Sequential",'),
    (e: unknown) => e instanceof ParapetError && e.code === 'MALFORMED',
  );
});

test('looksLikeKerasConfig: Keras 3 and tf.keras 2 configs yes, Hugging Face transformers configs no', () => {
  assert.equal(looksLikeKerasConfig(parseConfigJson(JSON.stringify(keras3Sequential()))), true);
  assert.equal(looksLikeKerasConfig(parseConfigJson(JSON.stringify(tfKeras2Sequential()))), true);
  const hf = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: 768,
    class_name: 'x',
    config: {},
  };
  assert.equal(looksLikeKerasConfig(parseConfigJson(JSON.stringify(hf))), false);
  assert.equal(looksLikeKerasConfig([1, 2]), false);
  assert.equal(looksLikeKerasConfig({ vocab_size: 32000 }), false);
});

test('benign Keras 3 and tf.keras 2 Sequential models: layers collected, every module allowed, no lambda or marker', () => {
  for (const config of [keras3Sequential(), tfKeras2Sequential()]) {
    const walked = walk(config);
    assert.ok(walked.layers.some((l) => l.className === 'Dense'));
    assert.deepEqual(walked.lambdas, []);
    assert.deepEqual(walked.markers, []);
    assert.deepEqual(
      walked.modules.filter((m) => classifyKerasModule(m.module, m.name) !== 'safe'),
      [],
    );
    assert.equal(walked.truncated, false);
  }
});

test('a tf.keras 2 marshalled Lambda: names read from marshal records, module __main__ ignored', () => {
  const walked = walk(tfKeras2Sequential([keras2Lambda(['os', 'system'], ['id'])]));
  assert.equal(walked.lambdas.length, 1);
  const [lambda] = walked.lambdas;
  assert.equal(lambda?.form, 'marshal');
  assert.deepEqual(lambda?.names, ['id', 'os', 'system', '<lambda>']);
  assert.deepEqual(dangerousCodeNames(lambda?.names ?? []), ['os', 'system']);
  assert.deepEqual(walked.modules, []);
});

test('a Keras 3 __lambda__ function and a source-text Lambda', () => {
  const k3walk = walk(keras3Sequential([keras3Lambda(['x'])]));
  assert.deepEqual(
    k3walk.lambdas.map((l) => [l.className, l.form, l.names]),
    [['__lambda__', 'marshal', ['x', '<lambda>']]],
  );
  const source = walk({
    class_name: 'Sequential',
    config: { layers: [{ class_name: 'Lambda', config: { function: "lambda x: eval('1')" } }] },
  });
  assert.deepEqual(source.lambdas[0]?.names, ['lambda', 'x', 'eval']);
});

test('a Lambda naming a function by module (function_type "function") and a CVE-2025-1550 module', () => {
  const walked = walk({
    class_name: 'Sequential',
    config: {
      layers: [
        { class_name: 'Lambda', config: { function: 'system', function_type: 'function', module: 'os' } },
        k3('keras.layers', 'Activation', { activation: k3('subprocess', 'function', 'check_output') }),
      ],
    },
  });
  assert.deepEqual(
    walked.lambdas.map((l) => [l.form, l.module, l.names]),
    [['function-name', 'os', ['system']]],
  );
  const verdicts = walked.modules
    .map((m) => `${m.module}:${m.name}:${classifyKerasModule(m.module, m.name)}`)
    .sort();
  assert.deepEqual(verdicts, [
    'keras.layers:Activation:safe',
    'os:system:dangerous',
    'subprocess:check_output:dangerous',
  ]);
  assert.ok(
    walked.modules.some((m) => m.module === 'os' && classifyKerasModule(m.module, m.name) === 'dangerous'),
  );
  assert.ok(walked.modules.some((m) => m.module === 'subprocess' && m.name === 'check_output'));
});

test('markers: get_file, TorchModuleWrapper, TFOpLambda, enable_unsafe_deserialization, safe_mode false', () => {
  const walked = walk(
    keras3Sequential([
      k3('keras.layers', 'Activation', { activation: k3('keras.utils', 'function', 'get_file') }),
      k3('keras.layers', 'TorchModuleWrapper', { module: 'gASV...' }),
      { class_name: 'TFOpLambda', config: { function: 'math.add' } },
      k3('keras.config', 'function', 'enable_unsafe_deserialization'),
      { class_name: 'Nested', config: { safe_mode: false } },
    ]),
  );
  assert.deepEqual(walked.markers.map((m) => m.kind).sort(), [
    'get-file',
    'safe-mode-false',
    'tf-op-lambda',
    'torch-module-wrapper',
    'unsafe-deserialization',
  ]);
});

test('builtins are allowed only for plain type and arithmetic functions', () => {
  assert.equal(classifyKerasModule('builtins', 'float'), 'safe');
  assert.equal(classifyKerasModule('builtins', 'exec'), 'dangerous');
  assert.equal(classifyKerasModule('keras.src.layers', 'Dense'), 'safe');
  assert.equal(classifyKerasModule('my_project.layers', 'Custom'), 'unknown');
  assert.equal(classifyKerasModule('os.path', 'join'), 'dangerous');
  assert.equal(classifyKerasModule('tensorflow', 'py_function'), 'dangerous');
  assert.equal(classifyKerasModule('tensorflow.io', 'read_file'), 'unknown');
  assert.equal(classifyKerasModule('numpy', 'load'), 'unknown');
  assert.equal(classifyKerasModule('keras.activations', 'relu'), 'safe');
});

test('deep nesting and huge arrays are walked within caps, marked truncated, never thrown on', () => {
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  let parsed: ReturnType<typeof parseConfigJson> | undefined;
  try {
    parsed = parseConfigJson(deep);
  } catch (err) {
    assert.ok(err instanceof ParapetError);
  }
  if (parsed !== undefined) assert.equal(walkKerasConfig(parsed).truncated, true);
  const wide = walkKerasConfig({
    class_name: 'Sequential',
    config: { layers: Array.from({ length: 600_000 }, () => 0) },
  });
  assert.equal(wide.truncated, true);
});

test('marshalStrings: skips bytecode records, rejects control characters, honours its cap', () => {
  assert.deepEqual(marshalStrings(marshalledCode(['os', 'system'], ['id']), 10), [
    'id',
    'os',
    'system',
    '<lambda>',
  ]);
  assert.deepEqual(marshalStrings(marshalledCode(['a', 'b', 'c', 'd']), 2), ['a', 'b']);
  assert.deepEqual(marshalStrings(new Uint8Array([0xda, 3, 1, 2, 3]), 10), []);
  assert.deepEqual(marshalStrings(new Uint8Array([0xe1, 0xff, 0xff, 0xff, 0xff]), 10), []);
  assert.ok(codeBase64(['x']).length > 0);
});
