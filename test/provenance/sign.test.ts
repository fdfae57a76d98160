/**
 * `signModel` end to end and round trips through `verifyModel`: P-256/384/521 keys, certificate chains
 * issued here with openssl, every hash and the shard method, ignore paths recorded and honoured, the
 * signature file never signed; and the reference-compatibility proof: signing upstream's v1.1.0 key sample
 * with its own private key yields the statement upstream signed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { parseBundle } from '../../src/provenance/oms/bundle.ts';
import { type JsonValue, pythonJson } from '../../src/provenance/oms/canonical-json.ts';
import { statementErrors } from '../../src/provenance/oms/schema.ts';
import { signModel } from '../../src/provenance/oms/sign.ts';
import { type VerifyResult, verifyModel } from '../../src/provenance/oms/verify.ts';
import { makeKeyPair, makePki, type TestCurve } from '../fixtures/oms/pki.ts';
import {
  CA_CERT,
  copySample,
  INTERMEDIATE_CERT,
  KEYS,
  readText,
  SAMPLE_KEY_HINT,
  SIGNING_KEY,
  SIGNING_PUBLIC_KEY,
  sampleDir,
} from '../fixtures/oms/vectors.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-oms-sign-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

let n = 0;
/** A small model directory: a config, weights in a subdirectory, an empty file. */
function makeModel(name = 'tiny-model'): string {
  const dir = join(TMP, `m${n++}`, name);
  mkdirSync(join(dir, 'weights'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{"architectures": ["LlamaForCausalLM"]}\n');
  writeFileSync(join(dir, 'weights', 'model-00001.safetensors'), Buffer.alloc(4096, 7));
  writeFileSync(join(dir, 'weights', 'model-00002.safetensors'), Buffer.from('weights part two'));
  writeFileSync(join(dir, 'empty.txt'), '');
  return dir;
}

function assertOk(r: VerifyResult, what: string): void {
  assert.ok(r.ok, `${what}: ${r.ok ? '' : `${r.stage}: ${r.reason} ${JSON.stringify(r.diff ?? {})}`}`);
}

function statementOf(json: string): Record<string, unknown> {
  const p = parseBundle(Buffer.from(json));
  assert.ok(p.ok);
  return JSON.parse(p.value.payload.toString());
}

for (const curve of ['P-256', 'P-384', 'P-521'] as TestCurve[]) {
  test(`${curve} key: Parapet signs, Parapet verifies; the signature file inside the model is not signed`, async () => {
    const model = makeModel();
    const keys = makeKeyPair(curve);
    const output = join(model, 'model.sig');
    let lastDone = -1;
    let total = -1;
    const signed = await signModel(model, {
      key: keys.privatePem,
      output,
      onProgress: (d, t) => {
        assert.ok(d >= lastDone, 'progress never goes back');
        lastDone = d;
        total = t;
      },
    });
    assert.equal(signed.method, 'key');
    assert.equal(signed.output, output);
    assert.equal(readFileSync(output, 'utf8'), signed.json, 'the file holds exactly the returned JSON');
    assert.equal(lastDone, total, 'progress ends at the total');
    assert.deepEqual(
      signed.manifest.resources.map((r) => r.name),
      ['config.json', 'empty.txt', 'weights/model-00001.safetensors', 'weights/model-00002.safetensors'],
    );
    assert.ok(
      signed.manifest.serialization.ignore_paths.includes('model.sig'),
      'recorded as the reference does',
    );
    assert.deepEqual(statementErrors(statementOf(signed.json)), []);
    assert.deepEqual(
      readdirSync(model).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary file left behind',
    );
    assertOk(await verifyModel(model, output, { publicKey: keys.publicPem }), curve);
    // Signing again over an existing signature gives the same manifest: the old bundle was never part of it.
    const again = await signModel(model, { key: keys.privatePem, output });
    assert.equal(again.manifest.rootDigest.digest, signed.manifest.rootDigest.digest);
    const other = makeKeyPair(curve);
    const r = await verifyModel(model, output, { publicKey: other.publicPem });
    assert.equal(r.ok, false);
  });
}

for (const curve of ['P-256', 'P-384', 'P-521'] as TestCurve[]) {
  test(`${curve} certificate chain built with openssl: signs, verifies to its root, not to another`, async () => {
    const pki = makePki(join(TMP, `pki-${curve}`), { curve });
    const model = makeModel();
    const output = join(TMP, `cert-${curve}.sig`);
    const signed = await signModel(model, {
      key: pki.leafKey.privatePem,
      certificateChain: [pki.leafPem, pki.intermediatePem],
      output,
    });
    assert.equal(signed.method, 'certificate');
    assert.deepEqual(Object.keys(signed.bundle.verificationMaterial), [
      'x509CertificateChain',
      'tlogEntries',
    ]);
    const r = await verifyModel(model, output, { certificateChain: [pki.rootPem] });
    assertOk(r, curve);
    if (r.ok)
      assert.deepEqual(r.signer, {
        method: 'certificate',
        chain: ['CN=parapet-test-signer', 'CN=parapet-test-intermediate', 'CN=parapet-test-root'],
      });
    const stranger = makePki(join(TMP, `pki-stranger-${curve}`), { name: 'stranger' });
    const bad = await verifyModel(model, output, { certificateChain: [stranger.rootPem] });
    assert.equal(bad.ok, false);
  });
}

test('the upstream sample chain: Parapet signs with signing-key.pem + its certificates; verifies to ca-cert.pem', async () => {
  const model = makeModel();
  const output = join(model, 'model.sig');
  await signModel(model, {
    key: readText(SIGNING_KEY),
    certificateChain: [readText(join(KEYS, 'signing-key-cert.pem')), readText(INTERMEDIATE_CERT)],
    output,
  });
  assertOk(await verifyModel(model, output, { certificateChain: [readText(CA_CERT)] }), 'sample chain');
});

for (const [label, opts, algorithm] of [
  ['blake2b files', { hashAlgorithm: 'blake2b' }, 'blake2b'],
  ['blake3 files', { hashAlgorithm: 'blake3' }, 'blake3'],
  ['sha256 shards of 1000 bytes', { shardSize: 1000 }, 'sha256-sharded-1000'],
  ['blake2b shards of 7 bytes', { hashAlgorithm: 'blake2b', shardSize: 7 }, 'blake2b-sharded-7'],
] as const) {
  test(`${label}: signed parameters are recorded and verification re-hashes with them`, async () => {
    const model = makeModel();
    const keys = makeKeyPair('P-256');
    const output = join(TMP, `hash-${n}.sig`);
    const signed = await signModel(model, { key: keys.privatePem, output, ...opts });
    assert.ok(
      signed.manifest.resources.every((r) => r.algorithm === algorithm),
      algorithm,
    );
    assertOk(await verifyModel(model, output, { publicKey: keys.publicPem }), label);
    // One byte changed in the middle of the 4 KiB file names that file only, even across many shards.
    const weights = join(model, 'weights', 'model-00001.safetensors');
    const bytes = readFileSync(weights);
    bytes[2500] = 0;
    writeFileSync(weights, bytes);
    const r = await verifyModel(model, output, { publicKey: keys.publicPem });
    assert.deepEqual(r.ok ? undefined : r.diff, {
      changed: ['weights/model-00001.safetensors'],
      added: [],
      removed: [],
    });
  });
}

test('ignore paths: recorded relative to the model, left out when signing and when verifying', async () => {
  const model = makeModel();
  mkdirSync(join(model, 'cache'));
  writeFileSync(join(model, 'cache', 'tmp.bin'), 'scratch');
  writeFileSync(join(model, 'notes.txt'), 'not part of the release');
  const keys = makeKeyPair('P-384');
  const output = join(TMP, 'ignored.sig');
  const signed = await signModel(model, {
    key: keys.privatePem,
    output,
    ignorePaths: [join(model, 'cache'), 'notes.txt'],
  });
  assert.ok(signed.manifest.resources.every((r) => !r.name.startsWith('cache') && r.name !== 'notes.txt'));
  assert.ok(signed.manifest.serialization.ignore_paths.includes('cache'));
  assert.ok(signed.manifest.serialization.ignore_paths.includes('notes.txt'));
  // The verifier needs no --ignore-paths: they are in the signature. Changing ignored files changes nothing.
  writeFileSync(join(model, 'cache', 'tmp.bin'), 'changed scratch');
  assertOk(await verifyModel(model, output, { publicKey: keys.publicPem }), 'ignored paths');
});

test('single-file model: the resource is "." as the reference names it, and verifies', async () => {
  const dir = join(TMP, 'single');
  mkdirSync(dir);
  const file = join(dir, 'model.gguf');
  writeFileSync(file, Buffer.alloc(3000, 1));
  const keys = makeKeyPair('P-256');
  const output = join(dir, 'model.gguf.sig');
  const signed = await signModel(file, { key: keys.privatePem, output, shardSize: 1024 });
  assert.equal(signed.manifest.modelName, 'model.gguf');
  assert.deepEqual(
    signed.manifest.resources.map((r) => r.name),
    ['.:0:1024', '.:1024:2048', '.:2048:3000'],
  );
  assertOk(await verifyModel(file, output, { publicKey: keys.publicPem }), 'single file');
});

test('bad key material is refused before any hashing; an empty model is refused', async () => {
  const model = makeModel();
  let hashed = false;
  const onProgress = () => {
    hashed = true;
  };
  const pki = makePki(join(TMP, 'pki-refuse'));
  await assert.rejects(signModel(model, { key: 'nope', onProgress }), { code: 'USAGE' });
  await assert.rejects(
    signModel(model, { key: makeKeyPair('P-256').privatePem, certificateChain: [pki.leafPem], onProgress }),
    (err: unknown) => err instanceof ParapetError && /not for the signing key/.test(err.message),
  );
  assert.equal(hashed, false);
  const empty = join(TMP, 'empty-model');
  mkdirSync(empty);
  await assert.rejects(signModel(empty, { key: makeKeyPair('P-256').privatePem }), /nothing to sign/);
  await assert.rejects(signModel(join(TMP, 'missing'), { key: makeKeyPair('P-256').privatePem }), {
    code: 'NOT_FOUND',
  });
  await assert.rejects(
    signModel(model, { key: makeKeyPair('P-256').privatePem, output: join(TMP, 'no-such-dir', 'x.sig') }),
    { code: 'USAGE' },
  );
});

/** `obj` with keys in the order of `template` (recursively), for comparing what differs only by order. */
function reorderLike(obj: unknown, template: unknown): unknown {
  if (Array.isArray(obj) && Array.isArray(template))
    return obj.map((v, i) => reorderLike(v, template[i] ?? template[0]));
  if (
    obj &&
    typeof obj === 'object' &&
    template &&
    typeof template === 'object' &&
    !Array.isArray(template)
  ) {
    const o = obj as Record<string, unknown>;
    const t = template as Record<string, unknown>;
    const keys = [...Object.keys(t).filter((k) => k in o), ...Object.keys(o).filter((k) => !(k in t))];
    return Object.fromEntries(keys.map((k) => [k, reorderLike(o[k], t[k])]));
  }
  return obj;
}

test("reference compatibility: signing the v1.1.0 key sample with its private key gives upstream's statement", async () => {
  const src = sampleDir('v1.1.0', 'elliptic-key')!;
  const model = copySample(src, join(TMP, 'compat', 'v1.1.0-elliptic-key'));
  const upstreamBundle = readFileSync(join(src, 'model.sig'), 'utf8');
  const upstream = parseBundle(Buffer.from(upstreamBundle));
  assert.ok(upstream.ok);
  const upstreamBytes = upstream.value.payload;

  // As upstream's script signed it: model.sig inside the model, ignore-me ignored.
  const output = join(model, 'model.sig');
  const ours = await signModel(model, {
    key: readText(SIGNING_KEY),
    output,
    ignorePaths: [join(model, 'ignore-me')],
  });
  const ourBytes = Buffer.from(ours.statement);

  // 1. The serializer writes exactly what the reference writes, given the reference's key order: the
  //    upstream payload re-serialised from its own parse is byte-identical.
  const upstreamJson = JSON.parse(upstreamBytes.toString());
  assert.equal(pythonJson(upstreamJson as JsonValue), upstreamBytes.toString());

  // 2. Same statement: subject, root digest, resources, serialization. Python's protobuf Struct (the
  //    predicate) and frozenset (ignore_paths) come out in a per-process random order — upstream's own
  //    v1.1.0 samples disagree with each other — so the only order-free comparison is by content.
  const ourJson = JSON.parse(ourBytes.toString());
  assert.deepEqual(ourJson.subject, upstreamJson.subject, 'same model name and root digest');
  assert.equal(
    ourJson.subject[0].digest.sha256,
    '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4',
  );
  assert.deepEqual(
    ourJson.predicate.resources,
    upstreamJson.predicate.resources.map((r: Record<string, string>) =>
      reorderLike(r, ourJson.predicate.resources[0]),
    ),
  );
  assert.deepEqual(
    [...ourJson.predicate.serialization.ignore_paths].sort(),
    [...upstreamJson.predicate.serialization.ignore_paths].sort(),
    'same ignore paths, signature file included',
  );

  // 3. Byte for byte: put upstream's statement in our key order (and ignore_paths in ours), serialise it
  //    the reference's way, and it is exactly the payload Parapet signed.
  const reordered = reorderLike(upstreamJson, ourJson) as {
    predicate: { serialization: { ignore_paths: string[] } };
  };
  reordered.predicate.serialization.ignore_paths = ourJson.predicate.serialization.ignore_paths;
  assert.equal(pythonJson(reordered as unknown as JsonValue), ourBytes.toString());
  assert.equal(ourBytes.length, upstreamBytes.length, 'same length: only the order differs');

  // 4. Parapet's bundle is the reference's bundle form, and verifies with the sample's public key.
  assert.equal(JSON.parse(ours.json).verificationMaterial.publicKey.hint, SAMPLE_KEY_HINT);
  assertOk(await verifyModel(model, output, { publicKey: readText(SIGNING_PUBLIC_KEY) }), 'ours');
  // And upstream's bundle verifies the same files.
  writeFileSync(output, upstreamBundle);
  assertOk(await verifyModel(model, output, { publicKey: readText(SIGNING_PUBLIC_KEY) }), 'upstream');
});
