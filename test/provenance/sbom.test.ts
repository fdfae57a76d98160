/**
 * `buildModelBom` over local models built by code: a directory with config.json, a YAML model card, a
 * sharded safetensors checkpoint, a GGUF file, requirements and an OMS signature; single-file models; the
 * OMS vectors' signed models. Every BOM is also checked against the CycloneDX schema by a fresh validator.
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { blake3 } from 'hash-wasm';
import { buildModelBom, buildModelBomReport } from '../../src/provenance/sbom/index.ts';
import {
  assertSchemaValid,
  componentByRef,
  dependsOn,
  fileOf,
  hashOf,
  issuesOf,
  type Json,
  modelOf,
  prop,
  propValues,
} from '../fixtures/sbom/bom-access.ts';
import {
  GGUF_PARAMETERS,
  modelFiles,
  SAFETENSORS_PARAMETERS,
  SAFETENSORS_TENSORS,
  sha256,
  writeFiles,
} from '../fixtures/sbom/model-dir.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-sbom-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const VECTORS = join(import.meta.dirname, '..', 'fixtures', 'sbom', 'oms');
const SERIAL = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
let dirs = 0;

/** A fresh copy of the test model (plus `extra` files) in its own directory. */
function modelDir(extra: Record<string, Uint8Array> = {}, name = `tiny-${dirs++}`): string {
  const dir = join(TMP, name);
  writeFiles(dir, { ...modelFiles(), ...extra });
  return dir;
}

/** A copy of an OMS vector directory (the originals stay untouched). */
function vectorCopy(vector: string): string {
  const dir = join(TMP, `${vector}-${dirs++}`);
  cpSync(join(VECTORS, vector), dir, { recursive: true });
  return dir;
}

const deterministic = { serialNumber: SERIAL, timestamp: null } as const;

test('a model directory: model component, modelCard from config.json and the card, lineage, datasets, tags', async () => {
  const dir = modelDir({}, 'tiny-model');
  const bom = await buildModelBom(dir, deterministic);
  await assertSchemaValid(bom);
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.specVersion, '1.6');
  assert.equal(bom.serialNumber, SERIAL);
  assert.equal((bom.metadata as Json).timestamp, undefined, 'timestamp: null leaves it out');
  const model = modelOf(bom);
  assert.equal(model.type, 'machine-learning-model');
  assert.equal(model.name, 'tiny-model');
  assert.equal(model['bom-ref'], 'model/tiny-model');
  assert.equal(model.purl, undefined, 'a local model gets no purl');
  assert.deepEqual(model.licenses, [{ license: { id: 'Apache-2.0' } }]);
  assert.deepEqual(model.tags, ['text-generation', 'llama']);
  assert.deepEqual(propValues(model, 'parapet:card:language'), ['en', 'fr']);
  assert.equal(prop(model, 'parapet:card:library_name'), 'transformers');
  assert.equal(prop(model, 'parapet:source'), 'local');

  const params = model.modelCard.modelParameters;
  assert.equal(params.task, 'text-generation');
  assert.equal(params.architectureFamily, 'llama');
  assert.equal(params.modelArchitecture, 'LlamaForCausalLM');
  assert.deepEqual(params.datasets, [{ ref: 'dataset/acme/corpus' }, { ref: 'dataset/wikitext' }]);
  for (const [ref, name] of [
    ['dataset/acme/corpus', 'acme/corpus'],
    ['dataset/wikitext', 'wikitext'],
  ] as const) {
    const data = componentByRef(bom, ref);
    assert.equal(data?.type, 'data');
    assert.equal(data?.name, name);
    assert.deepEqual(data?.data, [
      { type: 'dataset', name, contents: { url: `https://huggingface.co/datasets/${name}` } },
    ]);
  }
  assert.deepEqual(model.modelCard.quantitativeAnalysis.performanceMetrics, [
    { type: 'acc_norm', value: '61.5', slice: 'HellaSwag (validation)' },
    { type: 'acc', value: '0.47', slice: 'HellaSwag (validation)' },
  ]);
  const card = model.modelCard;
  assert.equal(prop(card, 'parapet:config:hidden_size'), '8');
  assert.equal(prop(card, 'parapet:config:num_hidden_layers'), '2');
  assert.equal(prop(card, 'parapet:config:torch_dtype'), 'float16');
  assert.equal(prop(card, 'parapet:task:source'), 'pipeline_tag');

  assert.deepEqual(model.pedigree.ancestors, [
    {
      type: 'machine-learning-model',
      name: 'Llama-3.1-8B',
      group: 'meta-llama',
      purl: 'pkg:huggingface/meta-llama/Llama-3.1-8B',
    },
  ]);
  assert.match(model.pedigree.notes, /finetune/);
  assert.deepEqual(propValues(model, 'parapet:card:base_model'), ['meta-llama/Llama-3.1-8B']);
  // A fine-tune carries its base's weights: lineage only, not a runtime dependency.
  assert.ok(!dependsOn(bom, 'model/tiny-model').some((r) => r.startsWith('base-model/')));
  assert.deepEqual(issuesOf(bom), []);
});

test('tensor and parameter counts: shards through their index, GGUF tensor infos, the largest set counted', async () => {
  const bom = await buildModelBom(modelDir(), deterministic);
  const shard1 = fileOf(bom, 'model-00001-of-00002.safetensors');
  const shard2 = fileOf(bom, 'model-00002-of-00002.safetensors');
  assert.equal(prop(shard1, 'parapet:weights:tensors'), '2');
  assert.equal(prop(shard1, 'parapet:weights:parameters'), String(80 + 128));
  assert.equal(prop(shard2, 'parapet:weights:tensors'), '3');
  assert.equal(prop(shard2, 'parapet:weights:parameters'), String(128 + 80 + 8));
  assert.equal(prop(shard2, 'parapet:weights:dtype:BF16'), '1');
  assert.equal(prop(shard2, 'parapet:weights:dtype:F32'), '1');
  const index = fileOf(bom, 'model.safetensors.index.json');
  assert.equal(prop(index, 'parapet:shards:count'), '2');
  assert.equal(prop(index, 'parapet:shards:tensors'), String(SAFETENSORS_TENSORS));
  assert.equal(prop(index, 'parapet:shards:parameters'), String(SAFETENSORS_PARAMETERS));
  assert.equal(prop(index, 'parapet:shards:total_size'), String(2 * (80 + 128 + 128 + 80) + 4 * 8));
  const gguf = fileOf(bom, 'gguf/tiny-q8_0.gguf');
  assert.equal(prop(gguf, 'parapet:weights:format'), 'gguf');
  assert.equal(prop(gguf, 'parapet:weights:tensors'), '3');
  assert.equal(prop(gguf, 'parapet:weights:parameters'), String(GGUF_PARAMETERS));
  assert.equal(prop(gguf, 'parapet:gguf:general.architecture'), 'llama');
  assert.equal(prop(gguf, 'parapet:gguf:llama.context_length'), '2048');
  // The GGUF is a conversion of the same model: the larger set counts, never the sum.
  const card = modelOf(bom).modelCard;
  assert.equal(prop(card, 'parapet:parameters'), String(SAFETENSORS_PARAMETERS));
  assert.equal(prop(card, 'parapet:tensors'), String(SAFETENSORS_TENSORS));
  assert.deepEqual(propValues(card, 'parapet:weights:format'), ['gguf', 'safetensors']);
});

test('every file is a nested component with the SHA-256 of its bytes; BLAKE3 on request', async () => {
  const files = modelFiles();
  const dir = modelDir();
  const plain = await buildModelBom(dir, deterministic);
  const both = await buildModelBom(dir, { ...deterministic, blake3: true });
  await assertSchemaValid(both);
  const nested = modelOf(plain).components as Json[];
  assert.deepEqual(nested.map((c) => c.name).sort(), Object.keys(files).sort());
  for (const [path, bytes] of Object.entries(files)) {
    const c = fileOf(plain, path);
    assert.equal(c.type, 'file');
    assert.equal(hashOf(c, 'SHA-256'), sha256(bytes), path);
    assert.equal(hashOf(c, 'BLAKE3'), undefined);
    assert.equal(prop(c, 'parapet:file:size'), String(bytes.length));
    assert.equal(hashOf(fileOf(both, path), 'BLAKE3'), await blake3(bytes), path);
  }
  assert.equal(prop(modelOf(plain), 'parapet:files'), String(Object.keys(files).length));
});

test('requirements beside the model become library components with purls, linked from the model', async () => {
  const bom = await buildModelBom(modelDir(), deterministic);
  const ref = modelOf(bom)['bom-ref'] as string;
  const torch = componentByRef(bom, 'pkg:pypi/torch@2.3.1');
  assert.equal(torch?.type, 'library');
  assert.equal(torch?.name, 'torch');
  assert.equal(torch?.version, '2.3.1');
  assert.equal(torch?.purl, 'pkg:pypi/torch@2.3.1');
  assert.deepEqual(propValues(torch, 'parapet:dependency:file'), ['requirements.txt']);
  // Unpinned: a purl without a version, the constraint kept.
  const transformers = componentByRef(bom, 'pkg:pypi/transformers');
  assert.equal(transformers?.version, undefined);
  assert.deepEqual(propValues(transformers, 'parapet:dependency:specifier'), ['>=4.44']);
  // Through `-r requirements/base.txt`.
  assert.deepEqual(propValues(componentByRef(bom, 'pkg:pypi/numpy@1.26.4'), 'parapet:dependency:file'), [
    'requirements/base.txt',
  ]);
  assert.ok(componentByRef(bom, 'pkg:pypi/pytest@8.2.0'), 'requirements-dev.txt is read too');
  assert.deepEqual(dependsOn(bom, ref).sort(), [
    'pkg:pypi/numpy@1.26.4',
    'pkg:pypi/pytest@8.2.0',
    'pkg:pypi/safetensors@0.4.3',
    'pkg:pypi/torch@2.3.1',
    'pkg:pypi/transformers',
  ]);
});

test('development dependencies from pyproject are excluded from scope and not linked from the model', async () => {
  const pyproject = `[project]\nname = "tiny"\nversion = "1"\ndependencies = ["accelerate==0.33.0"]\n\n[dependency-groups]\ndev = ["ruff==0.5.0"]\n`;
  const dir = join(TMP, `pyproject-${dirs++}`);
  writeFiles(dir, {
    'pyproject.toml': new TextEncoder().encode(pyproject),
    'model.safetensors': modelFiles()['model-00001-of-00002.safetensors']!,
  });
  const bom = await buildModelBom(dir, deterministic);
  await assertSchemaValid(bom);
  const ruff = componentByRef(bom, 'pkg:pypi/ruff@0.5.0');
  assert.equal(ruff?.scope, 'excluded');
  assert.equal(componentByRef(bom, 'pkg:pypi/accelerate@0.33.0')?.scope, undefined);
  assert.deepEqual(dependsOn(bom, modelOf(bom)['bom-ref']), ['pkg:pypi/accelerate@0.33.0']);
});

test('a signature beside the model: its claims recorded, compared with the files, not verified', async () => {
  const dir = modelDir();
  copyFileSync(join(VECTORS, 'v1.1.0-sigstore', 'model.sig'), join(dir, 'model.sig'));
  const bom = await buildModelBom(dir, deterministic);
  await assertSchemaValid(bom);
  const model = modelOf(bom);
  assert.equal(prop(model, 'parapet:signature:present'), 'true');
  assert.equal(prop(model, 'parapet:signature:method'), 'sigstore');
  assert.equal(prop(model, 'parapet:signature:identity'), 'stefanb@us.ibm.com');
  assert.equal(prop(model, 'parapet:signature:oidc_issuer'), 'https://sigstore.verify.ibm.com/oauth2');
  assert.equal(prop(model, 'parapet:signature:tlog_entries'), '1');
  assert.equal(prop(model, 'parapet:signature:predicate_type'), 'https://model_signing/signature/v1.0');
  assert.equal(prop(model, 'parapet:signature:subject_name'), 'v1.1.0-sigstore');
  // The vector signed another model: its files are missing here and ours are unsigned.
  assert.equal(prop(model, 'parapet:signature:claims'), 'mismatch');
  assert.match(
    prop(model, 'parapet:signature:claims_detail'),
    /missing: signme-1, signme-2; unsigned: .*config\.json/,
  );
  assert.equal(prop(model, 'parapet:signature:verified'), 'not-checked');
  const attestation = (model.externalReferences as Json[]).find((r) => r.type === 'attestation');
  assert.equal(attestation?.url, 'model.sig');
  assert.equal(hashOf(attestation!, 'SHA-256'), sha256(readFileSync(join(dir, 'model.sig'))));
});

test('without a signature the BOM says so', async () => {
  const bom = await buildModelBom(modelDir(), deterministic);
  assert.equal(prop(modelOf(bom), 'parapet:signature:present'), 'false');
  assert.deepEqual(propValues(modelOf(bom), 'parapet:signature:method'), []);
});

test('the OMS key vector: claims match its files (ignored paths honoured); tampering and extra files show', async () => {
  const dir = vectorCopy('v1.1.0-elliptic-key');
  const bom = await buildModelBom(dir, deterministic);
  await assertSchemaValid(bom);
  const model = modelOf(bom);
  assert.equal(prop(model, 'parapet:signature:method'), 'key');
  assert.equal(
    prop(model, 'parapet:signature:key_hint'),
    'e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e',
  );
  assert.equal(prop(model, 'parapet:signature:claims'), 'match', 'ignore-me and model.sig are ignored paths');
  assert.equal(prop(model, 'parapet:signature:resources'), '2');
  assert.equal(prop(model, 'parapet:signature:hash_type'), 'sha256');

  writeFileSync(join(dir, 'signme-1'), 'tampered\n');
  writeFileSync(join(dir, 'extra.bin'), 'not signed');
  rmSync(join(dir, 'signme-2'));
  const after = modelOf(await buildModelBom(dir, deterministic));
  assert.equal(prop(after, 'parapet:signature:claims'), 'mismatch');
  assert.equal(
    prop(after, 'parapet:signature:claims_detail'),
    'changed: signme-1; missing: signme-2; unsigned: extra.bin',
  );
});

test('the OMS certificate vector: the signing certificate is described', async () => {
  const model = modelOf(await buildModelBom(vectorCopy('v1.1.0-certificate'), deterministic));
  assert.equal(prop(model, 'parapet:signature:method'), 'certificate');
  assert.ok(prop(model, 'parapet:signature:certificate_issuer').length > 0);
  assert.match(prop(model, 'parapet:signature:certificate_sha256'), /^[0-9a-f]{64}$/);
  assert.equal(prop(model, 'parapet:signature:claims'), 'match');
});

test('a single-file model: the hash on the model itself, the signature found beside it, "." resolved', async () => {
  const dir = vectorCopy('v0.3.1-elliptic-key');
  const bom = await buildModelBom(join(dir, 'signme-1'), deterministic);
  await assertSchemaValid(bom);
  const model = modelOf(bom);
  assert.equal(model.name, 'signme-1');
  assert.equal(model.components, undefined, 'no nested file components for a single file');
  assert.equal(hashOf(model, 'SHA-256'), sha256(readFileSync(join(dir, 'signme-1'))));
  assert.equal(prop(model, 'parapet:files'), '1');
  assert.equal(prop(model, 'parapet:signature:method'), 'key');
  assert.match(prop(model, 'parapet:signature:public_key_sha256'), /^[0-9a-f]{64}$/);
  assert.equal(prop(model, 'parapet:signature:claims'), 'match');
});

test('a single GGUF file: tensor counts and architecture from its header, licence from its metadata', async () => {
  const path = join(TMP, 'solo.gguf');
  writeFileSync(path, modelFiles()['gguf/tiny-q8_0.gguf']!);
  const bom = await buildModelBom(path, deterministic);
  await assertSchemaValid(bom);
  const model = modelOf(bom);
  assert.equal(prop(model, 'parapet:weights:parameters'), String(GGUF_PARAMETERS));
  assert.equal(prop(model.modelCard, 'parapet:parameters'), String(GGUF_PARAMETERS));
  assert.equal(model.modelCard.modelParameters.architectureFamily, 'llama');
  assert.deepEqual(model.licenses, [{ license: { id: 'Apache-2.0' } }]);
  // general.base_model.0.repo_url gives the lineage when there is no card.
  assert.equal(model.pedigree.ancestors[0].purl, 'pkg:huggingface/meta-llama/Llama-3.1-8B');
  assert.match(model.pedigree.notes, /GGUF metadata/);
});

test('the verification hook: a verdict replaces not-checked; a throwing verifier is a failed verification', async () => {
  const dir = vectorCopy('v1.1.0-elliptic-key');
  const seen: { modelPath: string; signaturePath: string }[] = [];
  const ok = modelOf(
    await buildModelBom(dir, {
      ...deterministic,
      verifySignature: async (input) => {
        seen.push(input);
        return { verified: true, detail: 'key e8450dec…' };
      },
    }),
  );
  assert.deepEqual(seen, [{ modelPath: dir, signaturePath: join(dir, 'model.sig') }]);
  assert.equal(prop(ok, 'parapet:signature:verified'), 'true');
  assert.equal(prop(ok, 'parapet:signature:verification_detail'), 'key e8450dec…');
  const failed = modelOf(
    await buildModelBom(dir, {
      ...deterministic,
      verifySignature: async () => {
        throw new Error('bad key');
      },
    }),
  );
  assert.equal(prop(failed, 'parapet:signature:verified'), 'false');
  assert.match(prop(failed, 'parapet:signature:verification_detail'), /bad key/);
});

test('an explicit signature path outside the model is read and named by its base name', async () => {
  const dir = vectorCopy('v1.1.0-elliptic-key');
  const sig = join(TMP, `elsewhere-${dirs++}.sig`);
  copyFileSync(join(dir, 'model.sig'), sig);
  rmSync(join(dir, 'model.sig'));
  const model = modelOf(await buildModelBom(dir, { ...deterministic, signaturePath: sig }));
  assert.equal(prop(model, 'parapet:signature:file'), basename(sig));
  assert.equal(prop(model, 'parapet:signature:claims'), 'match');
});

test('an adapter depends on its base model at runtime as well as descending from it', async () => {
  const readme =
    '---\nbase_model: acme/base-7b\nbase_model_relation: adapter\nlicense: other\nlicense_name: acme-license\nlicense_link: LICENSE\n---\n';
  const dir = join(TMP, `adapter-${dirs++}`);
  writeFiles(dir, {
    'README.md': new TextEncoder().encode(readme),
    'adapter_model.safetensors': modelFiles()['model-00002-of-00002.safetensors']!,
  });
  const bom = await buildModelBom(dir, deterministic);
  await assertSchemaValid(bom);
  const model = modelOf(bom);
  assert.deepEqual(model.licenses, [{ license: { name: 'acme-license', url: 'LICENSE' } }]);
  assert.equal(model.pedigree.ancestors[0].purl, 'pkg:huggingface/acme/base-7b');
  const base = componentByRef(bom, 'base-model/acme/base-7b');
  assert.equal(base?.type, 'machine-learning-model');
  assert.equal(base?.purl, 'pkg:huggingface/acme/base-7b');
  assert.deepEqual(dependsOn(bom, model['bom-ref']), ['base-model/acme/base-7b']);
});

test('the task falls back to the architecture class when the card has no pipeline_tag', async () => {
  const dir = join(TMP, `nocard-${dirs++}`);
  writeFiles(dir, {
    'config.json': new TextEncoder().encode(
      JSON.stringify({
        architectures: ['BertForSequenceClassification'],
        model_type: 'bert',
        auto_map: { AutoModel: 'x.Y' },
      }),
    ),
  });
  const model = modelOf(await buildModelBom(dir, deterministic));
  assert.equal(model.modelCard.modelParameters.task, 'text-classification');
  assert.equal(prop(model.modelCard, 'parapet:task:source'), 'architectures');
  assert.match(prop(model, 'parapet:config:auto_map'), /trust_remote_code/);
});

test('output is reproducible with a fixed serial number and no timestamp; otherwise both are fresh', async () => {
  const dir = modelDir();
  assert.deepEqual(await buildModelBom(dir, deterministic), await buildModelBom(dir, deterministic));
  const a = await buildModelBom(dir);
  const b = await buildModelBom(dir, { timestamp: new Date('2026-01-02T03:04:05Z') });
  assert.match(a.serialNumber as string, /^urn:uuid:[0-9a-f-]{36}$/);
  assert.notEqual(a.serialNumber, b.serialNumber);
  assert.equal((b.metadata as Json).timestamp, '2026-01-02T03:04:05.000Z');
});

test('CycloneDX 1.7 output validates against the 1.7 schema', async () => {
  const bom = await buildModelBom(modelDir(), { ...deterministic, specVersion: '1.7' });
  assert.equal(bom.specVersion, '1.7');
  await assertSchemaValid(bom);
  assert.equal(modelOf(bom).modelCard.modelParameters.task, 'text-generation');
});

test('an empty directory is a valid, empty BOM', async () => {
  const dir = join(TMP, `empty-${dirs++}`);
  mkdirSync(dir, { recursive: true });
  const bom = await buildModelBom(dir, deterministic);
  await assertSchemaValid(bom);
  assert.equal(prop(modelOf(bom), 'parapet:files'), '0');
  assert.equal(modelOf(bom).modelCard, undefined);
});

test('the report lists no issues for a clean model and is not incomplete', async () => {
  const report = await buildModelBomReport(modelDir(), deterministic);
  assert.deepEqual(report.issues, []);
  assert.equal(report.incomplete, false);
  assert.deepEqual(propValues(report.bom.metadata as Json, 'parapet:incomplete'), []);
});
