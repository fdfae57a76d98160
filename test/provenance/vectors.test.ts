/**
 * The upstream OMS vectors end to end through `verifyModel`: every signed sample model of
 * sigstore/model-transparency (v0.2.0 to v1.1.0, certificate, elliptic-key and sigstore methods) verifies
 * as upstream's test scripts say, v1.0.1 only with its extra file ignored; the spec's bundles verify or
 * fail as their directory says; and every kind of tampering fails with the files it touched named.
 */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type VerifyOptions, type VerifyResult, verifyModel } from '../../src/provenance/oms/verify.ts';
import { makeKeyPair } from '../fixtures/oms/pki.ts';
import {
  CA_CERT,
  copySample,
  readText,
  SAMPLE_IDENTITY,
  SAMPLE_KEY_HINT,
  type SampleMethod,
  SIGNING_PUBLIC_KEY,
  SPEC_VECTORS,
  sampleDir,
  sampleModelPath,
  VERSIONS,
} from '../fixtures/oms/vectors.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-oms-vectors-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

const METHODS: SampleMethod[] = ['certificate', 'elliptic-key', 'sigstore'];

/** How upstream's scripts verify each method. */
function trustFor(method: SampleMethod): VerifyOptions {
  if (method === 'certificate') return { certificateChain: [readText(CA_CERT)] };
  if (method === 'elliptic-key') return { publicKey: readText(SIGNING_PUBLIC_KEY) };
  return { sigstore: SAMPLE_IDENTITY };
}

function assertOk(r: VerifyResult, what: string): asserts r is Extract<VerifyResult, { ok: true }> {
  assert.ok(r.ok, `${what}: ${r.ok ? '' : `${r.stage}: ${r.reason} ${JSON.stringify(r.diff ?? {})}`}`);
}

function assertFails(
  r: VerifyResult,
  stage: string,
  reason: RegExp,
  what: string,
): Extract<VerifyResult, { ok: false }> {
  assert.equal(r.ok, false, `${what} should fail`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.stage, stage, `${what}: ${r.reason}`);
  assert.match(r.reason, reason, what);
  return r;
}

for (const version of VERSIONS)
  for (const method of METHODS) {
    const dir = sampleDir(version, method);
    if (dir === undefined) continue;
    const model = sampleModelPath(version, method);
    const signature = join(dir, 'model.sig');
    const needsIgnore = version === 'v1.0.1';
    test(`${version}-${method} verifies as upstream's script says${needsIgnore ? ' (with --ignore-paths ignore-me)' : ''}`, async () => {
      const ignore = needsIgnore ? { ignorePaths: [join(dir, 'ignore-me')] } : {};
      const r = await verifyModel(model, signature, { ...trustFor(method), ...ignore });
      assertOk(r, `${version}-${method}`);
      assert.equal(r.signer.method, method === 'elliptic-key' ? 'key' : method);
      if (r.signer.method === 'key') assert.equal(r.signer.keyHint, SAMPLE_KEY_HINT);
      if (r.signer.method === 'sigstore') assert.equal(r.signer.identity, SAMPLE_IDENTITY.identity);
      if (r.signer.method === 'certificate') assert.equal(r.signer.chain.at(-1), 'CN=root-ca');
      assert.ok(r.manifest.resources.length >= 1);
      if (version === 'v0.2.0') assert.ok(r.notes.some((n) => /v0\.2\.0/.test(n)));
      if (version === 'v1.1.0') assert.ok(r.manifest.serialization.ignore_paths.includes('ignore-me'));
    });
    if (needsIgnore)
      test(`${version}-${method} FAILS without the ignore path: ignore-me is an unsigned file`, async () => {
        const r = await verifyModel(model, signature, trustFor(method));
        const f = assertFails(r, 'model', /not signed/, `${version}-${method}`);
        assert.deepEqual(f.diff, { changed: [], added: ['ignore-me'], removed: [] });
        assertOk(
          await verifyModel(model, signature, { ...trustFor(method), ignoreUnsignedFiles: true }),
          '--ignore-unsigned-files',
        );
      });
  }

test("a sample verified with another method's trust fails with a hint of the right one", async () => {
  const dir = sampleDir('v1.1.0', 'certificate')!;
  const r = await verifyModel(dir, join(dir, 'model.sig'), { publicKey: readText(SIGNING_PUBLIC_KEY) });
  assertFails(
    r,
    'signature',
    /signed with a certificate chain: verify it with a certificate chain \(--cert-chain\)/,
    'cert as key',
  );
  const s = sampleDir('v1.1.0', 'sigstore')!;
  assertFails(
    await verifyModel(s, join(s, 'model.sig'), { certificateChain: [readText(CA_CERT)] }),
    'signature',
    /keyless/,
    'sigstore as cert',
  );
});

test('spec vectors: valid key/certificate/sigstore bundles verify the v1.1.0 sample models; invalid ones fail', async () => {
  const keyModel = sampleDir('v1.1.0', 'elliptic-key')!;
  const sigModel = sampleDir('v1.1.0', 'sigstore')!;
  const v = (name: string) => join(SPEC_VECTORS, name);
  // The spec's key and certificate bundles both sign the v1.1.0 key sample's files (subject name "model") but
  // were written outside the model: the sample's own model.sig is an unsigned file to them.
  const unsigned = await verifyModel(keyModel, v('valid/key.bundle.json'), trustFor('elliptic-key'));
  assert.deepEqual(unsigned.ok ? undefined : unsigned.diff, {
    changed: [],
    added: ['model.sig'],
    removed: [],
  });
  const skipSig = (dir: string) => ({ ignorePaths: [join(dir, 'model.sig')] });
  assertOk(
    await verifyModel(keyModel, v('valid/key.bundle.json'), {
      ...trustFor('elliptic-key'),
      ...skipSig(keyModel),
    }),
    'valid/key',
  );
  assertOk(
    await verifyModel(keyModel, v('valid/certificate.bundle.json'), {
      ...trustFor('certificate'),
      ...skipSig(keyModel),
    }),
    'valid/certificate',
  );
  assertOk(
    await verifyModel(sigModel, v('valid/sigstore.bundle.json'), trustFor('sigstore')),
    'valid/sigstore',
  );
  for (const name of ['empty', 'missing-envelope', 'missing-tlog-entries', 'missing-verification-material'])
    assertFails(
      await verifyModel(keyModel, v(`invalid/${name}.bundle.json`), trustFor('elliptic-key')),
      'bundle',
      /./,
      name,
    );
  // Its payload was edited without re-signing: caught at the signature already.
  assertFails(
    await verifyModel(keyModel, v('invalid-payload/wrong-predicate.bundle.json'), trustFor('elliptic-key')),
    'signature',
    /does not verify/,
    'wrong-predicate',
  );
});

/** A writable copy of the v1.1.0 key sample (directory named like the original). */
function copyKeySample(name: string): string {
  const dest = join(TMP, name, 'v1.1.0-elliptic-key');
  mkdirSync(join(TMP, name), { recursive: true });
  return copySample(sampleDir('v1.1.0', 'elliptic-key')!, dest);
}

const keyTrust = (): VerifyOptions => trustFor('elliptic-key');

test('tampering: one byte changed names the file', async () => {
  const dir = copyKeySample('one-byte');
  const file = join(dir, 'signme-2');
  const bytes = readFileSync(file);
  bytes[0] = bytes[0]! ^ 0x01;
  writeFileSync(file, bytes);
  const f = assertFails(
    await verifyModel(dir, join(dir, 'model.sig'), keyTrust()),
    'model',
    /1 changed/,
    'one byte',
  );
  assert.deepEqual(f.diff, { changed: ['signme-2'], added: [], removed: [] });
});

test('tampering: a byte appended, an extra file, a file in a new directory', async () => {
  const dir = copyKeySample('extra');
  appendFileSync(join(dir, 'signme-1'), 'x');
  writeFileSync(join(dir, 'payload.py'), 'import os\n');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'evil.bin'), 'x');
  const f = assertFails(
    await verifyModel(dir, join(dir, 'model.sig'), keyTrust()),
    'model',
    /changed.*not signed/,
    'extra',
  );
  assert.deepEqual(f.diff, { changed: ['signme-1'], added: ['payload.py', 'sub/evil.bin'], removed: [] });
});

test('tampering: a removed file and a renamed file', async () => {
  const removed = copyKeySample('removed');
  rmSync(join(removed, 'signme-1'));
  const r = assertFails(
    await verifyModel(removed, join(removed, 'model.sig'), keyTrust()),
    'model',
    /1 missing/,
    'removed',
  );
  assert.deepEqual(r.diff, { changed: [], added: [], removed: ['signme-1'] });

  const renamed = copyKeySample('renamed');
  renameSync(join(renamed, 'signme-2'), join(renamed, 'signme-3'));
  const n = assertFails(
    await verifyModel(renamed, join(renamed, 'model.sig'), keyTrust()),
    'model',
    /not signed.*missing/,
    'renamed',
  );
  assert.deepEqual(n.diff, { changed: [], added: ['signme-3'], removed: ['signme-2'] });
  // --ignore-unsigned-files does not excuse a missing signed file.
  assertFails(
    await verifyModel(renamed, join(renamed, 'model.sig'), { ...keyTrust(), ignoreUnsignedFiles: true }),
    'model',
    /missing/,
    'renamed, unsigned ignored',
  );
});

test('tampering: a swapped key (another P-384 key) fails on the hint, and without a hint on the signature', async () => {
  const dir = sampleDir('v1.1.0', 'elliptic-key')!;
  const other = makeKeyPair('P-384').publicPem;
  assertFails(
    await verifyModel(dir, join(dir, 'model.sig'), { publicKey: other }),
    'signature',
    /another key/,
    'hint',
  );
  // v1.0.0 bundles carry the key itself (rawBytes) instead of a hint.
  const old = sampleDir('v1.0.0', 'elliptic-key')!;
  assertFails(
    await verifyModel(join(old, 'signme-1'), join(old, 'model.sig'), { publicKey: other }),
    'signature',
    /another key/,
    'rawBytes',
  );
  // A bundle whose hint was removed still fails: the signature does not verify with the other key.
  const json = JSON.parse(readFileSync(join(dir, 'model.sig'), 'utf8'));
  json.verificationMaterial.publicKey = { rawBytes: Buffer.from(other).toString('base64') };
  const forged = join(TMP, 'forged-hint.sig');
  writeFileSync(forged, JSON.stringify(json));
  assertFails(
    await verifyModel(dir, forged, { publicKey: other }),
    'signature',
    /does not verify/,
    'no hint',
  );
});

test('tampering: a modified payload (digest of a changed file swapped in) fails the signature', async () => {
  const dir = copyKeySample('payload');
  const sig = join(dir, 'model.sig');
  const json = JSON.parse(readFileSync(sig, 'utf8'));
  const statement = Buffer.from(json.dsseEnvelope.payload, 'base64').toString();
  json.dsseEnvelope.payload = Buffer.from(statement.replace('signme-2', 'signme-X')).toString('base64');
  writeFileSync(sig, JSON.stringify(json));
  assertFails(await verifyModel(dir, sig, keyTrust()), 'signature', /does not verify/, 'payload');
});

test('tampering: a truncated bundle fails at the bundle stage, at any length', async () => {
  const dir = sampleDir('v1.1.0', 'elliptic-key')!;
  const bytes = readFileSync(join(dir, 'model.sig'));
  for (const cut of [0, 10, bytes.length >> 1, bytes.length - 2]) {
    const path = join(TMP, `truncated-${cut}.sig`);
    writeFileSync(path, bytes.subarray(0, cut));
    assertFails(await verifyModel(dir, path, keyTrust()), 'bundle', /not JSON/, `cut at ${cut}`);
  }
});

test('tampering: a certificate bundle against another root, and a keyless one for another identity', async () => {
  const cert = sampleDir('v1.1.0', 'certificate')!;
  const foreignRoot = join(TMP, 'foreign-root');
  const { makePki } = await import('../fixtures/oms/pki.ts');
  const pki = makePki(foreignRoot);
  assertFails(
    await verifyModel(cert, join(cert, 'model.sig'), { certificateChain: [pki.rootPem] }),
    'signature',
    /does not lead to a trusted certificate/,
    'foreign root',
  );
  const sig = sampleDir('v1.1.0', 'sigstore')!;
  assertFails(
    await verifyModel(sig, join(sig, 'model.sig'), {
      sigstore: { ...SAMPLE_IDENTITY, identity: 'someone@else.example' },
    }),
    'signature',
    /signed by someone else/,
    'identity',
  );
});

test('bad options and missing inputs throw ParapetErrors, not failures', async () => {
  const dir = sampleDir('v1.1.0', 'elliptic-key')!;
  const sig = join(dir, 'model.sig');
  await assert.rejects(verifyModel(dir, sig, {}), { code: 'USAGE' });
  await assert.rejects(verifyModel(dir, sig, { ...keyTrust(), sigstore: SAMPLE_IDENTITY }), {
    code: 'USAGE',
  });
  await assert.rejects(verifyModel(dir, sig, { sigstore: { identity: '', issuer: 'x' } }), { code: 'USAGE' });
  await assert.rejects(verifyModel(join(TMP, 'nope'), sig, keyTrust()), { code: 'NOT_FOUND' });
  await assert.rejects(verifyModel(dir, join(TMP, 'nope.sig'), keyTrust()), { code: 'NOT_FOUND' });
  await assert.rejects(verifyModel(dir, sig, { publicKey: 'not a key' }), { code: 'USAGE' });
});
