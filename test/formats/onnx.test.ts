import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import { isOnnxModel, MAX_ONNX_DEPTH, parseOnnx } from '../../src/formats/onnx.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { escapeReason } from '../../src/scan/rules/model/onnx-external-data-traversal.ts';
import {
  externalWeightsModel,
  graphAttr,
  onnxGraph,
  onnxModel,
  onnxNode,
  onnxTensor,
} from '../fixtures/onnx-writer.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { lenField, message, varintField } from '../fixtures/protobuf-writer.ts';

const parse = (bytes: Uint8Array) => parseOnnx(bufferSource(bytes));

const findings = async (bytes: Uint8Array, ruleId?: string) => {
  const result = await scanBytes(bytes, 'model.onnx');
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.scanned, ['model.onnx']);
  return result.findings.filter((f) => ruleId === undefined || f.ruleId === ruleId);
};

test('reads ir_version, opsets, nodes and external tensors', () => {
  const m = parse(
    onnxModel(onnxGraph([onnxNode('MatMul')], [onnxTensor('W', [4, 4], { location: 'w.bin' })]), {
      opsets: [
        ['', 17],
        ['ai.onnx.ml', 3],
      ],
    }),
  );
  assert.equal(m.error, undefined);
  assert.equal(m.irVersion, 8);
  assert.deepEqual(m.opsets, [
    { domain: '', version: 17 },
    { domain: 'ai.onnx.ml', version: 3 },
  ]);
  assert.deepEqual(
    m.nodes.map((n) => n.opType),
    ['MatMul'],
  );
  assert.deepEqual(m.external[0]?.entries, { location: 'w.bin' });
  assert.deepEqual(m.external[0]?.dims, [4, 4]);
});

test('finds external data and custom ops in nested If/Loop bodies and reports their scope', async () => {
  const inner = onnxGraph(
    [onnxNode('Custom', { domain: 'ai.onnx.contrib' })],
    [onnxTensor('B', [2], { location: '/etc/shadow', length: '8' })],
  );
  const loop = onnxGraph([onnxNode('If', { name: 'cond', attrs: [graphAttr('else_branch', inner)] })]);
  const model = onnxModel(onnxGraph([onnxNode('Loop', { name: 'outer', attrs: [graphAttr('body', loop)] })]));
  const traversal = await findings(model, 'model/onnx-external-data-traversal');
  assert.equal(traversal.length, 1);
  assert.match(traversal[0]!.message, /graph\/node\[outer\]\.body\/node\[cond\]\.else_branch/);
  assert.match(traversal[0]!.message, /absolute/);
  const custom = await findings(model, 'model/onnx-custom-domain');
  assert.equal(custom[0]?.evidence?.domain, 'ai.onnx.contrib');
});

test('escapeReason: absolute, drive, UNC, climbing and control characters; relative paths stay', () => {
  for (const bad of [
    '/etc/passwd',
    '\\\\server\\share\\x',
    'C:\\x',
    '../x',
    'a/../../x',
    'a\\..\\..\\x',
    'w\0.bin',
  ]) {
    assert.ok(escapeReason(bad), bad);
  }
  for (const ok of ['w.bin', 'weights/w.bin', './w.bin', 'a/../w.bin', 'a/b/../../w.bin']) {
    assert.equal(escapeReason(ok), undefined, ok);
  }
});

test('invalid external data: no location, non-numeric and huge numbers, size against dims', async () => {
  const check = async (entries: Record<string, string>, dims = [4, 4]) =>
    (
      await findings(
        onnxModel(onnxGraph([onnxNode('MatMul')], [onnxTensor('W', dims, entries)])),
        'model/onnx-external-data-invalid',
      )
    ).map((f) => f.message);
  assert.match((await check({ offset: '0' }))[0] ?? '', /no location/);
  assert.match((await check({ location: 'w', offset: '-1' }))[0] ?? '', /not a non-negative integer/);
  assert.match((await check({ location: 'w', offset: String(2 ** 41) }))[0] ?? '', /beyond/);
  assert.match((await check({ location: 'w', length: '63' }))[0] ?? '', /disagrees/);
  assert.match((await check({ location: 'w' }, [2 ** 30, 2 ** 30]))[0] ?? '', /dims need/);
  assert.deepEqual(await check({ location: 'w', offset: '4096', length: '64' }), []);
});

test('Python-calling custom ops are medium; local functions are not custom', async () => {
  const py = await findings(
    onnxModel(onnxGraph([onnxNode('PyOp', { domain: 'ai.onnx.contrib' })])),
    'model/onnx-custom-domain',
  );
  assert.equal(py[0]?.severity, 'medium');
  const local = onnxModel(onnxGraph([onnxNode('Block', { domain: 'my.fns' })]), {
    functions: [{ domain: 'my.fns', name: 'Block', nodes: [onnxNode('Relu')] }],
  });
  assert.deepEqual(await findings(local), []);
});

test('detection needs the .onnx name and a ModelProto top level with a graph', async () => {
  const model = externalWeightsModel('w.bin');
  assert.equal(isOnnxModel(bufferSource(model), 'model.onnx'), true);
  assert.equal(isOnnxModel(bufferSource(model), 'model.bin'), false);
  assert.equal(isOnnxModel(bufferSource(new TextEncoder().encode('not protobuf\n')), 'x.onnx'), false);
  // ir_version as a string (wrong wire type) or no graph: not an ONNX model.
  assert.equal(isOnnxModel(bufferSource(lenField(1, 'x')), 'x.onnx'), false);
  assert.equal(isOnnxModel(bufferSource(varintField(1, 8)), 'x.onnx'), false);
  const skipped = await scanBytes(new TextEncoder().encode('garbage'), 'model.onnx');
  assert.equal(skipped.skipped.length, 1);
});

test('subgraphs nested past the limit stop the walk and mark the scan incomplete', async () => {
  let g = onnxGraph([onnxNode('Relu')]);
  for (let i = 0; i <= MAX_ONNX_DEPTH + 1; i++)
    g = onnxGraph([onnxNode('If', { attrs: [graphAttr('then_branch', g)] })]);
  const result = await scanBytes(onnxModel(g), 'model.onnx');
  assert.match(result.errors[0]?.error ?? '', /nested more than/);
});

test('a malformed tensor keeps earlier findings and marks the scan incomplete', async () => {
  const bad = message(lenField(8, 'X'), varintField(13, 1)); // external_data as a varint
  const graph = onnxGraph([onnxNode('MatMul')], [onnxTensor('W', [4, 4], { location: '../../x' }), bad]);
  const result = await scanBytes(onnxModel(graph), 'model.onnx');
  assert.equal(result.findings.filter((f) => f.ruleId === 'model/onnx-external-data-traversal').length, 1);
  assert.match(result.errors[0]?.error ?? '', /external_data/);
});

test('seeded mutations: parseOnnx returns or throws ParapetError, scanBytes never rejects', async () => {
  const rand = mulberry32(0x0a11);
  const seeds = [
    externalWeightsModel('../w.bin'),
    onnxModel(
      onnxGraph([
        onnxNode('If', { attrs: [graphAttr('then_branch', onnxGraph([onnxNode('X', { domain: 'c' })]))] }),
      ]),
    ),
  ];
  for (let i = 0; i < 1200; i++) {
    const bytes = Uint8Array.from(seeds[i % seeds.length]!);
    const edits = 1 + Math.floor(rand() * 4);
    for (let e = 0; e < edits; e++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    const cut = rand() < 0.3 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
    try {
      isOnnxModel(bufferSource(cut), 'm.onnx');
      parseOnnx(bufferSource(cut));
    } catch (err) {
      assert.ok(err instanceof ParapetError, String(err));
    }
    const result = await scanBytes(cut, 'model.onnx');
    assert.ok(result.findings.every((f) => f.message.length > 0));
  }
});
