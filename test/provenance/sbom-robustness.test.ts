/**
 * Bad input never stops `buildModelBom`: a malformed or hostile model card, a broken config.json, damaged
 * weights headers and shard indexes, an unreadable signature, link loops and broken links each become an
 * issue recorded in the BOM, and the BOM that is written still validates.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import {
  buildModelBom,
  buildModelBomReport,
  parseCard,
  parseConfig,
} from '../../src/provenance/sbom/index.ts';
import { buildGguf } from '../fixtures/gguf-writer.ts';
import { buildSafetensors } from '../fixtures/safetensors-writer.ts';
import {
  assertSchemaValid,
  fileOf,
  issuesOf,
  type Json,
  modelOf,
  prop,
  propValues,
} from '../fixtures/sbom/bom-access.ts';
import { modelFiles, SAFETENSORS_PARAMETERS, writeFiles } from '../fixtures/sbom/model-dir.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-sbom-bad-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const deterministic = {
  serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
  timestamp: null,
} as const;
let n = 0;

/** The test model with some files replaced (or added). */
function model(replace: Record<string, Uint8Array>): string {
  const dir = join(TMP, `m${n++}`);
  writeFiles(dir, { ...modelFiles(), ...replace });
  return dir;
}

async function bomOf(dir: string): Promise<Json> {
  const bom = await buildModelBom(dir, deterministic);
  await assertSchemaValid(bom);
  return bom;
}

test('malformed YAML in the card: recorded, the card fields left out, config.json still read', async () => {
  const bom = await bomOf(model({ 'README.md': enc('---\nlicense: [apache-2.0\ntags: x\n---\n# body\n') }));
  assert.ok(
    issuesOf(bom).some((i) => /^README\.md: YAML front matter is not valid YAML/.test(i)),
    JSON.stringify(issuesOf(bom)),
  );
  const m = modelOf(bom);
  assert.equal(m.tags, undefined);
  // The licence falls back to the GGUF file's general.license.
  assert.deepEqual(m.licenses, [{ license: { id: 'Apache-2.0' } }]);
  assert.equal(m.modelCard.modelParameters.modelArchitecture, 'LlamaForCausalLM');
  assert.equal(m.modelCard.modelParameters.task, 'text-generation', 'inferred from the architecture instead');
});

test('a card that never closes its front matter, and one without front matter', async () => {
  const open = await bomOf(model({ 'README.md': enc('---\nlicense: mit\n# no closing line\n') }));
  assert.ok(issuesOf(open).some((i) => /never closes/.test(i)));
  const none = await bomOf(model({ 'README.md': enc('# Just a title\n\nlicense: mit\n') }));
  assert.deepEqual(issuesOf(none), []);
  assert.equal(modelOf(none).tags, undefined);
});

test('wrong types in the card are left out one by one; the rest is kept', async () => {
  const readme =
    '---\nlicense: {a: 1}\ndatasets: [ok/one, 3, {x: 1}]\ntags: 5\nlanguage: en\npipeline_tag: [a, b]\nmodel-index: nope\n---\n';
  const bom = await bomOf(model({ 'README.md': enc(readme) }));
  const issues = issuesOf(bom);
  for (const re of [
    /"license": 1 entry is not a string/,
    /"datasets": 1 entry is not a string/,
    /"pipeline_tag" is not a string/,
    /"model-index" is not a list/,
  ]) {
    assert.ok(
      issues.some((i) => re.test(i)),
      `${re} in ${JSON.stringify(issues)}`,
    );
  }
  const m = modelOf(bom);
  assert.deepEqual(m.modelCard.modelParameters.datasets, [{ ref: 'dataset/ok/one' }, { ref: 'dataset/3' }]);
  assert.deepEqual(m.tags, ['5']);
  assert.deepEqual(propValues(m, 'parapet:card:language'), ['en']);
});

test('YAML aliases beyond the budget and python tags are read as data only', () => {
  const bomb = `---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n`;
  const { problems } = parseCard(bomb);
  assert.ok(
    problems.some((p) => /could not be read/.test(p)),
    JSON.stringify(problems),
  );
  // Unknown tags resolve to plain data: the "call" is a list holding the string "id", nothing more.
  const tagged = parseCard('---\nlicense: !!python/object/apply:os.system ["id"]\ntags: !custom [a]\n---\n');
  assert.deepEqual(tagged.card.tags, ['a']);
  assert.deepEqual(tagged.card.licenses, ['id']);
  assert.deepEqual(tagged.problems, []);
});

test('a huge card is capped: lists and the front matter itself', () => {
  const many = `---\ntags:\n${Array.from({ length: 800 }, (_, i) => `  - t${i}`).join('\n')}\n---\n`;
  const { card, problems } = parseCard(many);
  assert.equal(card.tags.length, 500);
  assert.ok(problems.some((p) => /first 500/.test(p)));
  const huge = `---\nx: "${'a'.repeat(300 * 1024)}"\n---\n`;
  assert.ok(parseCard(huge).problems.some((p) => /over 262144 bytes/.test(p)));
});

test('config.json that is not JSON, or has wrong types: recorded, the card still read', async () => {
  const broken = await bomOf(model({ 'config.json': enc('{"architectures": ["X",') }));
  assert.ok(issuesOf(broken).some((i) => /^config\.json: not valid JSON/.test(i)));
  assert.deepEqual(modelOf(broken).licenses, [{ license: { id: 'Apache-2.0' } }]);
  assert.equal(modelOf(broken).modelCard.modelParameters.modelArchitecture, undefined);
  const typed = parseConfig(
    '{"architectures": "LlamaForCausalLM", "model_type": 7, "hidden_size": {"x": 1}}',
  );
  assert.deepEqual(typed.config.architectures, []);
  assert.equal(typed.config.modelType, undefined);
  assert.deepEqual(typed.config.hyperparameters, {});
  assert.equal(typed.problems.length, 2);
  assert.ok(parseConfig('[1, 2]').problems.some((p) => /not a JSON object/.test(p)));
});

test('damaged safetensors: a lying header length, a non-safetensors file, bad entries', async () => {
  const lying = buildSafetensors({
    tensors: [{ name: 'w', dtype: 'F32', shape: [2] }],
    declaredLength: 1n << 40n,
  });
  const bad = buildSafetensors({
    headerText:
      '{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "v": {"dtype": "F32", "shape": [4], "data_offsets": [0, 99]}}    ',
    dataSize: 8,
  });
  const bom = await bomOf(
    model({
      'lying.safetensors': lying,
      'pickle.safetensors': enc('\x80\x02}q\x00.'),
      'bad.safetensors': bad,
    }),
  );
  const issues = issuesOf(bom);
  assert.ok(
    issues.some((i) => /^lying\.safetensors: safetensors header: 1 problem/.test(i)),
    JSON.stringify(issues),
  );
  assert.ok(
    issues.some((i) => /^pickle\.safetensors: named \.safetensors but has no safetensors header/.test(i)),
  );
  assert.ok(issues.some((i) => /^bad\.safetensors: safetensors header/.test(i)));
  assert.equal(prop(fileOf(bom, 'lying.safetensors'), 'parapet:weights:tensors'), '0');
  assert.deepEqual(propValues(fileOf(bom, 'pickle.safetensors'), 'parapet:weights:format'), []);
  // Every file is still hashed; the sharded set still counts.
  assert.match(fileOf(bom, 'pickle.safetensors').hashes[0].content, /^[0-9a-f]{64}$/);
  assert.equal(prop(modelOf(bom).modelCard, 'parapet:parameters'), String(SAFETENSORS_PARAMETERS));
});

test('a truncated GGUF: the readable part counted, the damage recorded', async () => {
  const full = buildGguf([['general.architecture', 'llama']], {
    tensors: [
      { name: 'a', dims: [4] },
      { name: 'b', dims: [8] },
    ],
  });
  const truncated = full.subarray(0, full.length - 32 - 20);
  const bom = await bomOf(model({ 'gguf/tiny-q8_0.gguf': truncated }));
  assert.ok(
    issuesOf(bom).some((i) =>
      /^gguf\/tiny-q8_0\.gguf: GGUF header unreadable past 1 of 1 metadata keys and 1 of 2 tensor infos/.test(
        i,
      ),
    ),
    JSON.stringify(issuesOf(bom)),
  );
  assert.equal(prop(fileOf(bom, 'gguf/tiny-q8_0.gguf'), 'parapet:weights:tensors'), '1');
  const notGguf = await bomOf(model({ 'gguf/tiny-q8_0.gguf': enc('GGUX not really') }));
  assert.ok(issuesOf(notGguf).some((i) => /no GGUF magic/.test(i)));
});

test('a shard index naming a missing shard, a misplaced tensor, an escaping path, a wrong total', async () => {
  const index = {
    metadata: { total_size: 12345 },
    weight_map: {
      'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
      'model.layers.0.mlp.up_proj.weight': 'model-00002-of-00002.safetensors',
      'lm_head.weight': 'model-00003-of-00003.safetensors',
      'x.weight': '../../etc/passwd',
    },
  };
  const bom = await bomOf(model({ 'model.safetensors.index.json': enc(JSON.stringify(index)) }));
  const issues = issuesOf(bom).filter((i) => i.startsWith('model.safetensors.index.json: '));
  assert.ok(
    issues.some((i) => /1 entry names no usable shard path/.test(i)),
    JSON.stringify(issues),
  );
  assert.ok(
    issues.some((i) => /shard model-00003-of-00003\.safetensors is named by the index but missing/.test(i)),
  );
  assert.ok(issues.some((i) => /1 tensor of the index not found in the shard it names/.test(i)));
  const idx = fileOf(bom, 'model.safetensors.index.json');
  assert.deepEqual(propValues(idx, 'parapet:shards:parameters'), [], 'unknown with a shard missing');
  // With a shard missing, the model's parameter count would be a guess: it is left out.
  assert.deepEqual(propValues(modelOf(bom).modelCard, 'parapet:parameters'), []);
  const wrongTotal = await bomOf(
    model({
      'model.safetensors.index.json': enc(
        JSON.stringify({
          metadata: { total_size: 1 },
          weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00002.safetensors' },
        }),
      ),
    }),
  );
  assert.ok(
    issuesOf(wrongTotal).some((i) => /metadata\.total_size 1 differs from the \d+ tensor bytes/.test(i)),
  );
  const notJson = await bomOf(model({ 'model.safetensors.index.json': enc('{') }));
  assert.ok(issuesOf(notJson).some((i) => /^model\.safetensors\.index\.json: not valid JSON/.test(i)));
});

test('a signature file that is not a bundle, or holds the wrong types', async () => {
  for (const [text, re] of [
    ['not json at all', /not a JSON Sigstore bundle/],
    ['[1, 2]', /not an object/],
    ['{"mediaType": 5, "dsseEnvelope": {"payload": 42}}', /the DSSE payload is not base64/],
    [
      JSON.stringify({ dsseEnvelope: { payload: Buffer.from('{"predicate": 1').toString('base64') } }),
      /not a JSON in-toto statement/,
    ],
    [
      JSON.stringify({
        verificationMaterial: { certificate: { rawBytes: 'AAAA' } },
        dsseEnvelope: { payload: Buffer.from('{}').toString('base64') },
      }),
      /not a readable X\.509 certificate/,
    ],
  ] as const) {
    const bom = await bomOf(model({ 'model.sig': enc(text) }));
    const m = modelOf(bom);
    assert.equal(prop(m, 'parapet:signature:present'), 'true');
    assert.equal(prop(m, 'parapet:signature:claims'), 'not-compared');
    assert.match(prop(m, 'parapet:signature:error'), re, text);
    assert.ok(issuesOf(bom).some((i) => i.startsWith('model.sig: signature bundle: ')));
  }
});

test('a directory link loop is not followed; a broken link is an incomplete BOM, still written', async () => {
  const dir = model({});
  symlinkSync('..', join(dir, 'loop'));
  symlinkSync(join(dir, 'config.json'), join(dir, 'config-link.json'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'broken.bin'));
  const report = await buildModelBomReport(dir, deterministic);
  await assertSchemaValid(report.bom);
  assert.ok(
    report.issues.some(
      (i) => i.path === 'loop' && /link to a directory, not followed/.test(i.message) && !i.incomplete,
    ),
  );
  assert.ok(report.issues.some((i) => i.path === 'broken.bin' && i.incomplete));
  assert.equal(report.incomplete, true);
  assert.equal(prop(report.bom.metadata as Json, 'parapet:incomplete'), 'true');
  // A link to a file is followed and marked (a Hugging Face cache snapshot is made of them).
  assert.equal(prop(fileOf(report.bom, 'config-link.json'), 'parapet:file:symlink'), 'true');
});

test('FIFOs and sockets in the directory are never opened', async (t) => {
  const dir = model({});
  try {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
  } catch {
    t.skip('mkfifo not available');
    return;
  }
  const bom = await bomOf(dir);
  assert.ok(!(modelOf(bom).components as Json[]).some((c) => c.name === 'pipe'));
});

test('.git is not part of the model', async () => {
  const dir = model({});
  mkdirSync(join(dir, '.git', 'objects'), { recursive: true });
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  const bom = await bomOf(dir);
  assert.ok(!(modelOf(bom).components as Json[]).some((c) => String(c.name).startsWith('.git/')));
});

test('usage errors: no such model, a bad serial number, an unknown spec version', async () => {
  await assert.rejects(
    buildModelBom(join(TMP, 'absent')),
    (e: unknown) => e instanceof ParapetError && e.code === 'NOT_FOUND',
  );
  const dir = model({});
  await assert.rejects(
    buildModelBom(dir, { serialNumber: 'not-a-urn' }),
    (e: unknown) => e instanceof ParapetError && e.code === 'USAGE',
  );
  await assert.rejects(
    buildModelBom(dir, { specVersion: '1.4' as '1.6' }),
    (e: unknown) => e instanceof ParapetError && e.code === 'USAGE',
  );
  await assert.rejects(
    buildModelBom(dir, { signaturePath: join(TMP, 'none.sig') }),
    (e: unknown) => e instanceof ParapetError && e.code === 'NOT_FOUND',
  );
});
