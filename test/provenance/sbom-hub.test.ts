/**
 * `buildModelBom('hf://OWNER/NAME[@REV]')` against a local Hub stand-in on 127.0.0.1: the same facts as for
 * the local copy, the Hub purl, LFS hashes taken from the listing, weights read by Range only, and the Hub's
 * refusals as clear errors. No other network is touched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { buildModelBom } from '../../src/provenance/sbom/index.ts';
import type { ModelBomOptions } from '../../src/provenance/sbom/types.ts';
import { buildGguf } from '../fixtures/gguf-writer.ts';
import { type HubReplay, startHubReplay } from '../fixtures/hub-replay.ts';
import {
  assertSchemaValid,
  componentByRef,
  fileOf,
  hashOf,
  type Json,
  modelOf,
  prop,
  propValues,
} from '../fixtures/sbom/bom-access.ts';
import { modelFiles, SAFETENSORS_PARAMETERS, sha256, writeFiles } from '../fixtures/sbom/model-dir.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-sbom-hub-'));
const SIG = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'sbom', 'oms', 'v1.1.0-elliptic-key', 'model.sig'),
);
const FILES = { ...modelFiles(), 'model.sig': new Uint8Array(SIG) };
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
let hub: HubReplay;

before(async () => {
  hub = await startHubReplay(
    {
      'model:acme/tiny': { files: FILES, revisions: ['main', COMMIT], pageSize: 4 },
      // Metadata of about 20 MiB, past the first 16 MiB Range read, then the tensor infos.
      'model:acme/biggguf': {
        files: {
          'big.gguf': buildGguf(
            [
              ['general.architecture', 'llama'],
              [
                'tokenizer.ggml.tokens',
                { elementType: 8, array: Array.from({ length: 20 }, (_, i) => `${i}`.repeat(1 << 20)) },
              ],
            ],
            {
              tensors: [
                { name: 'a', dims: [3, 5] },
                { name: 'b', dims: [7] },
              ],
            },
          ),
        },
      },
      'model:acme/gated': {
        files: { 'config.json': new TextEncoder().encode('{"model_type": "bert"}') },
        gated: true,
      },
    },
    { token: 'hf_ok' },
  );
});
after(async () => {
  await hub.close();
  rmSync(TMP, { recursive: true, force: true });
});

let caches = 0;
function options(extra: Partial<NonNullable<ModelBomOptions['hub']>> = {}): ModelBomOptions {
  return {
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    timestamp: null,
    hub: {
      endpoint: hub.endpoint,
      token: undefined,
      cacheDir: join(TMP, `cache-${caches++}`),
      retryBaseMs: 10,
      ...extra,
    },
  };
}

test('hf://OWNER/NAME@COMMIT: the Hub purl, the repository, every listed file with its SHA-256', async () => {
  const from = hub.requests.length;
  const bom = await buildModelBom(`hf://acme/tiny@${COMMIT}`, options());
  await assertSchemaValid(bom);
  const model = modelOf(bom);
  assert.equal(model.name, 'tiny');
  assert.equal(model.group, 'acme');
  assert.equal(model.version, COMMIT);
  assert.equal(model.purl, `pkg:huggingface/acme/tiny@${COMMIT}`);
  assert.equal(model['bom-ref'], model.purl);
  assert.equal(prop(model, 'parapet:source'), `hf://acme/tiny@${COMMIT}`);
  const refs = model.externalReferences as Json[];
  assert.ok(refs.some((r) => r.type === 'website' && r.url === `${hub.endpoint}/acme/tiny`));
  assert.ok(
    refs.some(
      (r) => r.type === 'model-card' && r.url === `${hub.endpoint}/acme/tiny/blob/${COMMIT}/README.md`,
    ),
  );
  assert.ok(
    refs.some(
      (r) => r.type === 'attestation' && r.url === `${hub.endpoint}/acme/tiny/resolve/${COMMIT}/model.sig`,
    ),
  );
  for (const [path, bytes] of Object.entries(FILES)) {
    const c = fileOf(bom, path);
    assert.equal(hashOf(c, 'SHA-256'), sha256(bytes), path);
    const lfs = /\.(safetensors|gguf)$/.test(path);
    assert.deepEqual(propValues(c, 'parapet:hash:origin'), lfs ? ['hub-lfs-oid'] : [], path);
  }
  // The listing was paged (4 entries a page) and fully read.
  const pages = hub.requests.slice(from).filter((r) => r.url.startsWith('/api/models/acme/tiny/tree/'));
  assert.ok(pages.length >= 3, JSON.stringify(pages));
});

test('weights are read by Range only and never downloaded whole', async () => {
  const from = hub.requests.length;
  await buildModelBom('hf://acme/tiny', options());
  const requests = hub.requests.slice(from);
  for (const path of [
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
    'gguf/tiny-q8_0.gguf',
  ]) {
    const resolves = requests.filter((r) => r.url === `/acme/tiny/resolve/main/${path}`);
    assert.ok(resolves.length > 0, path);
    assert.ok(
      resolves.every((r) => r.range !== undefined),
      `${path}: ${JSON.stringify(resolves)}`,
    );
    const cdn = requests.filter((r) =>
      r.url.startsWith(`/cdn/${sha256(FILES[path as keyof typeof FILES]!)}`),
    );
    assert.ok(cdn.length > 0 && cdn.every((r) => r.range !== undefined), path);
  }
});

test('the Hub model yields the same model card, counts, lineage and dependencies as its local copy', async () => {
  const dir = join(TMP, 'tiny');
  writeFiles(dir, FILES);
  const local = await buildModelBom(dir, options());
  const remote = await buildModelBom('hf://acme/tiny', options());
  assert.deepEqual(modelOf(remote).modelCard, modelOf(local).modelCard);
  assert.deepEqual(modelOf(remote).pedigree, modelOf(local).pedigree);
  assert.deepEqual(modelOf(remote).licenses, modelOf(local).licenses);
  assert.deepEqual(modelOf(remote).tags, modelOf(local).tags);
  assert.equal(prop(modelOf(remote).modelCard, 'parapet:parameters'), String(SAFETENSORS_PARAMETERS));
  const libs = (bom: Json): string[] =>
    (bom.components as Json[]).filter((c) => c.type === 'library').map((c) => c.purl as string);
  assert.deepEqual(libs(remote), libs(local));
  assert.ok(componentByRef(remote, 'pkg:pypi/numpy@1.26.4'), 'the -r include was fetched from the Hub');
  for (const name of ['method', 'key_hint', 'claims', 'verified']) {
    assert.equal(
      prop(modelOf(remote), `parapet:signature:${name}`),
      prop(modelOf(local), `parapet:signature:${name}`),
      name,
    );
  }
});

test('a second build reuses cached header prefixes', async () => {
  const opts = options();
  await buildModelBom('hf://acme/tiny', opts);
  const from = hub.requests.length;
  await buildModelBom('hf://acme/tiny', opts);
  const ranged = hub.requests.slice(from).filter((r) => r.range !== undefined);
  assert.deepEqual(ranged, []);
});

test('a GGUF header longer than the first Range read is fetched on until the tensor infos end', async () => {
  const from = hub.requests.length;
  const bom = await buildModelBom('hf://acme/biggguf', options());
  const gguf = modelOf(bom).components.find((c: Json) => c.name === 'big.gguf');
  assert.equal(prop(gguf, 'parapet:weights:tensors'), '2');
  assert.equal(prop(gguf, 'parapet:weights:parameters'), String(3 * 5 + 7));
  const ranges = hub.requests
    .slice(from)
    .filter((r) => r.url.startsWith('/cdn/'))
    .map((r) => r.range);
  assert.ok(ranges.length >= 2 && ranges.every((r) => r !== undefined), JSON.stringify(ranges));
});

test("the Hub's refusals: no such repository or revision, a gated repository without and with a token", async () => {
  await assert.rejects(
    buildModelBom('hf://acme/missing', options()),
    (e: unknown) => e instanceof ParapetError && e.code === 'NOT_FOUND',
  );
  await assert.rejects(
    buildModelBom('hf://acme/tiny@nope', options()),
    (e: unknown) => e instanceof ParapetError && e.code === 'NOT_FOUND',
  );
  await assert.rejects(
    buildModelBom('hf://not a ref', options()),
    (e: unknown) => e instanceof ParapetError && e.code === 'USAGE',
  );
  // Gated: the listing is public but every download is refused, so nothing could be hashed.
  await assert.rejects(
    buildModelBom('hf://acme/gated', options()),
    (e: unknown) =>
      e instanceof ParapetError && e.code === 'UNREADABLE' && /gated or private/.test(e.message),
  );
  const bom = await buildModelBom('hf://acme/gated', options({ token: 'hf_ok' }));
  assert.equal(modelOf(bom).modelCard.modelParameters.architectureFamily, 'bert');
});
