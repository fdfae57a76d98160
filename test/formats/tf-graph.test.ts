import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import { wireFields } from '../../src/formats/protobuf-wire.ts';
import { detectTfKind, parseTfGraph } from '../../src/formats/tf-graph.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { mulberry32 } from '../fixtures/prng.ts';
import { lenField, message, varintField } from '../fixtures/protobuf-writer.ts';
import {
  functionDef,
  graphDef,
  nodeDef,
  savedModel,
  tf1SavedModel,
  tf2SavedModel,
} from '../fixtures/tf-writer.ts';
import { buildZip } from '../fixtures/zip-writer.ts';

const ops = (bytes: Uint8Array, name = 'saved_model.pb') => {
  const src = bufferSource(bytes);
  const kind = detectTfKind(src, name);
  assert.ok(kind, 'not detected');
  return parseTfGraph(src, kind);
};

const tfFindings = async (bytes: Uint8Array, name = 'saved_model.pb') => {
  const result = await scanBytes(bytes, name);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.scanned, [name]);
  return result.findings.filter((f) => f.ruleId === 'model/tf-dangerous-op');
};

test('lists graph nodes and library function nodes with their function names', () => {
  const g = ops(tf2SavedModel([nodeDef('py', 'EagerPyFunc')]));
  assert.equal(g.kind, 'saved-model');
  assert.equal(g.error, undefined);
  const py = g.nodes.find((n) => n.op === 'EagerPyFunc');
  assert.equal(py?.fn, '__inference_signature_wrapper_42');
  assert.ok(g.nodes.some((n) => n.name === 'StatefulPartitionedCall' && n.fn === undefined));
});

test('reads the saver scope from SaverDef and a frozen GraphDef by name', () => {
  assert.deepEqual(ops(tf1SavedModel()).saverScopes, ['save/', 'save/']);
  const frozen = graphDef([nodeDef('x', 'Placeholder'), nodeDef('r', 'ReadFile', ['x'])]);
  const g = ops(frozen, 'frozen_graph.pb');
  assert.equal(g.kind, 'graph-def');
  assert.deepEqual(
    g.nodes.map((n) => n.op),
    ['Placeholder', 'ReadFile'],
  );
});

test('benign TF1 and TF2 savers give no finding; the same ops elsewhere are medium', async () => {
  assert.deepEqual(await tfFindings(tf1SavedModel()), []);
  assert.deepEqual(await tfFindings(tf2SavedModel()), []);
  const rogue = await tfFindings(tf1SavedModel([nodeDef('exfil/SaveV2', 'SaveV2')]));
  assert.deepEqual(
    rogue.map((f) => [f.severity, f.evidence?.node]),
    [['medium', 'exfil/SaveV2']],
  );
  const inFn = await tfFindings(tf2SavedModel([nodeDef('RestoreV2', 'RestoreV2')]));
  assert.deepEqual(
    inFn.map((f) => f.severity),
    ['medium'],
  );
});

test('PyFunc, ReadFile, WriteFile and MatchingFiles are high, in graphs and in functions', async () => {
  for (const op of ['PyFunc', 'ReadFile', 'WriteFile', 'MatchingFiles']) {
    const inGraph = await tfFindings(savedModel(graphDef([nodeDef('n', op)])));
    assert.deepEqual(
      inGraph.map((f) => f.severity),
      ['high'],
      op,
    );
    const inFn = await tfFindings(
      savedModel(graphDef([], [functionDef('f', [nodeDef('n', op)])])),
      'saved_model.pb',
    );
    assert.equal(inFn[0]?.evidence?.function, 'f');
  }
});

test('a flood of dangerous nodes is capped with a summary finding', async () => {
  const nodes = Array.from({ length: 120 }, (_, i) => nodeDef(`p${i}`, 'PyFunc'));
  const found = await tfFindings(savedModel(graphDef(nodes)));
  assert.equal(found.length, 51);
  assert.match(found[50]!.message, /70 more/);
});

test('a .pb that is not a TF message is not a model format; a broken graph is incomplete', async () => {
  const junk = new TextEncoder().encode('this is not protobuf at all, just text\n');
  assert.equal(detectTfKind(bufferSource(junk), 'saved_model.pb'), undefined);
  const skipped = await scanBytes(junk, 'model.pb');
  assert.equal(skipped.skipped.length, 1);
  assert.deepEqual(skipped.errors, []);
  // ModelAudit's 8-byte stub: schema version 1 and a "meta graph" of 4 bytes that do not parse.
  const stub = message(varintField(1, 1), lenField(2, 'test'));
  const r = await scanBytes(stub, 'saved_model.pb');
  assert.equal(r.findings.length, 0);
  assert.match(r.errors[0]?.error ?? '', /not fully analysed/);
  // Same bytes without a .pb name: never guessed as protobuf.
  assert.equal(detectTfKind(bufferSource(stub), 'weights.bin'), undefined);
});

test('a graph that breaks midway keeps the findings before the break and is marked incomplete', async () => {
  // The second NodeDef's op (field 2) is a varint instead of a string: TensorFlow rejects it, we stop there.
  const broken = message(
    lenField(1, nodeDef('w', 'WriteFile')),
    lenField(1, message(lenField(1, 'c'), varintField(2, 5))),
  );
  const r = await scanBytes(savedModel(broken), 'saved_model.pb');
  assert.deepEqual(
    r.findings.map((f) => f.evidence?.op),
    ['WriteFile'],
  );
  assert.match(r.errors[0]?.error ?? '', /NodeDef\.op/);
  // A file cut short overruns its top-level lengths: TensorFlow cannot load it, so it is not a TF message.
  const full = savedModel(graphDef([nodeDef('w', 'WriteFile')]));
  assert.equal(detectTfKind(bufferSource(full.subarray(0, full.length - 3)), 'saved_model.pb'), undefined);
});

test('wire reader rejects bad wire types, overlong varints and overrunning lengths with ParapetError', () => {
  const bad = [
    Uint8Array.of(0x0f), // wire type 7
    Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
    Uint8Array.of(0x0a, 0x05, 0x61),
    Uint8Array.of(0x00, 0x01), // field 0
    Uint8Array.of(0x0c), // end group without start
  ];
  for (const b of bad) {
    assert.throws(
      () => [...wireFields(bufferSource(b), 0, b.length, { fields: 100 })],
      (err) => err instanceof ParapetError,
    );
  }
  assert.throws(
    () => [...wireFields(bufferSource(Uint8Array.of(8, 1, 8, 1)), 0, 4, { fields: 1 })],
    (err) => err instanceof ParapetError && err.code === 'LIMIT',
  );
});

test('seeded mutations: parsers return or throw ParapetError, scanBytes never rejects', async () => {
  const rand = mulberry32(0x7f0b);
  const seeds = [
    tf1SavedModel([nodeDef('p', 'PyFunc')]),
    tf2SavedModel(),
    graphDef([nodeDef('r', 'ReadFile')]),
  ];
  for (let i = 0; i < 1200; i++) {
    const base = seeds[i % seeds.length]!;
    const bytes = Uint8Array.from(base);
    const edits = 1 + Math.floor(rand() * 4);
    for (let e = 0; e < edits; e++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    const cut = rand() < 0.3 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
    const src = bufferSource(cut);
    for (const name of ['saved_model.pb', 'frozen.pb']) {
      const kind = detectTfKind(src, name);
      if (kind !== undefined) parseTfGraph(src, kind);
    }
    try {
      [...wireFields(src, 0, src.size, { fields: 10_000 })];
    } catch (err) {
      assert.ok(err instanceof ParapetError, String(err));
    }
    const result = await scanBytes(cut, i % 2 === 0 ? 'saved_model.pb' : 'graph.pb');
    assert.ok(result.findings.every((f) => f.ruleId.startsWith('model/')));
  }
});

test('keras_metadata.pb and fingerprint.pb beside a SavedModel are not taken for graphs', () => {
  // SavedMetadata { nodes = 1 (SavedObject { node_id = 1; node_path = 2; identifier = 4; metadata = 3 }) }.
  const kerasMetadata = lenField(
    1,
    message(
      varintField(1, 0),
      lenField(2, 'root'),
      lenField(4, '_tf_keras_model'),
      lenField(3, '{"name": "m"}'),
    ),
  );
  assert.equal(detectTfKind(bufferSource(kerasMetadata), 'keras_metadata.pb'), undefined);
  // FingerprintDef { saved_model_checksum = 1; graph_def_program_hash = 2; ... version = 6 }.
  const fingerprint = message(varintField(1, 123456789), varintField(2, 42), lenField(6, varintField(1, 1)));
  assert.equal(detectTfKind(bufferSource(fingerprint), 'fingerprint.pb'), undefined);
});

test('a saved_model.pb inside a zip is found by its member name', async () => {
  const zip = buildZip([
    { name: 'export/1/saved_model.pb', data: tf1SavedModel([nodeDef('py', 'PyFunc')]) },
    { name: 'export/1/variables/variables.index', data: new Uint8Array(16) },
  ]);
  const result = await scanBytes(zip, 'model.zip');
  const hit = result.findings.find((f) => f.ruleId === 'model/tf-dangerous-op');
  assert.equal(hit?.location.member, 'export/1/saved_model.pb');
});
