/**
 * The verification layers that do not hash: bundle parsing against the OMS schemas (the spec's valid,
 * invalid and invalid-payload vectors, truncated and mistyped bundles), statements, certificate chains
 * built here with openssl, and Sigstore keyless bundles verified offline against the shipped trusted root.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BUNDLE_MEDIA_TYPE, decodeBase64, parseBundle } from '../../src/provenance/oms/bundle.ts';
import {
  parseDerCertificate,
  parsePemCertificates,
  verifyCertificateChain,
} from '../../src/provenance/oms/certificates.ts';
import { legacyStatementErrors, plainAlgorithm, statementErrors } from '../../src/provenance/oms/schema.ts';
import { verifySigstoreBundle } from '../../src/provenance/oms/sigstore.ts';
import { makePki } from '../fixtures/oms/pki.ts';
import {
  CA_CERT,
  INTERMEDIATE_CERT,
  readText,
  SAMPLE_IDENTITY,
  SAMPLES,
  SPEC_VECTORS,
  VERSIONS,
} from '../fixtures/oms/vectors.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-oms-bundle-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

const spec = (name: string) => readFileSync(join(SPEC_VECTORS, name));
const sample = (dir: string) => readFileSync(join(SAMPLES, dir, 'model.sig'));

function parsedOk(bytes: Uint8Array) {
  const p = parseBundle(bytes);
  assert.ok(p.ok, p.ok ? '' : p.reason);
  return p.value;
}

function statementOf(bytes: Uint8Array): unknown {
  return JSON.parse(parsedOk(bytes).payload.toString('utf8'));
}

test('spec valid vectors: key, certificate and sigstore bundles pass the bundle and statement schemas', () => {
  for (const [name, method] of [
    ['valid/key.bundle.json', 'key'],
    ['valid/certificate.bundle.json', 'certificate'],
    ['valid/sigstore.bundle.json', 'sigstore'],
  ] as const) {
    const b = parsedOk(spec(name));
    assert.equal(b.method, method, name);
    assert.deepEqual(statementErrors(statementOf(spec(name))), [], name);
  }
});

test('spec invalid vectors: each fails bundle parsing with the reason it was made for', () => {
  const cases: [string, RegExp][] = [
    ['invalid/empty.bundle.json', /not JSON/],
    ['invalid/missing-envelope.bundle.json', /required property 'dsseEnvelope'/],
    ['invalid/missing-verification-material.bundle.json', /required property 'verificationMaterial'/],
    ['invalid/missing-tlog-entries.bundle.json', /required property 'tlogEntries'/],
  ];
  for (const [name, reason] of cases) {
    const p = parseBundle(spec(name));
    assert.equal(p.ok, false, name);
    if (!p.ok) assert.match(p.reason, reason, name);
  }
});

test('spec invalid-payload vector: the bundle parses, its statement fails on the predicate type', () => {
  const errors = statementErrors(statementOf(spec('invalid-payload/wrong-predicate.bundle.json')));
  assert.ok(
    errors.some((e) => /predicateType/.test(e)),
    errors.join('; '),
  );
});

test('every upstream sample bundle parses; v0.3.1+ statements pass the schema, v0.2.0 passes the legacy check', () => {
  for (const version of VERSIONS)
    for (const method of ['certificate', 'elliptic-key', 'sigstore']) {
      const dir = `${version}-${method}`;
      let bytes: Buffer;
      try {
        bytes = sample(dir);
      } catch {
        continue; // v0.2.0 has only a certificate sample
      }
      const b = parsedOk(bytes);
      assert.equal(b.method, method === 'elliptic-key' ? 'key' : method, dir);
      const statement = statementOf(bytes);
      if (version === 'v0.2.0') {
        assert.deepEqual(legacyStatementErrors(statement), [], dir);
        assert.notDeepEqual(statementErrors(statement), [], 'the v0.1 predicate is not the current schema');
      } else assert.deepEqual(statementErrors(statement), [], dir);
    }
});

test('key bundles: v1.1 carries the hint, v0.3.1 the PEM key in rawBytes; v0.3 media type required', () => {
  assert.equal(parsedOk(sample('v1.1.0-elliptic-key')).keyHint?.length, 64);
  const old = parsedOk(sample('v0.3.1-elliptic-key'));
  assert.equal(old.keyHint, undefined);
  assert.match(old.keyRawBytes!.toString(), /BEGIN PUBLIC KEY/);
  const json = JSON.parse(sample('v1.1.0-elliptic-key').toString());
  json.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
  const p = parseBundle(Buffer.from(JSON.stringify(json)));
  assert.equal(p.ok, false);
  if (!p.ok) assert.match(p.reason, new RegExp(`expected ${BUNDLE_MEDIA_TYPE.replace(/[.+]/g, '\\$&')}`));
});

test('truncated bundles fail as "not JSON" at every cut, never throw', () => {
  for (const dir of ['v1.1.0-elliptic-key', 'v1.1.0-certificate', 'v1.1.0-sigstore', 'v0.2.0-certificate']) {
    const bytes = sample(dir);
    for (const cut of [0, 1, 17, bytes.length >> 2, bytes.length >> 1, bytes.length - 1]) {
      const p = parseBundle(bytes.subarray(0, cut));
      assert.equal(p.ok, false, `${dir} cut at ${cut}`);
    }
  }
});

test('wrong JSON types and mixed material are refused with a reason', () => {
  const base = JSON.parse(sample('v1.1.0-elliptic-key').toString());
  const variants: [string, unknown][] = [
    ['null', null],
    ['array', []],
    ['string', 'bundle'],
    ['payload number', { ...base, dsseEnvelope: { ...base.dsseEnvelope, payload: 42 } }],
    ['signatures object', { ...base, dsseEnvelope: { ...base.dsseEnvelope, signatures: { sig: 'AA==' } } }],
    ['no signatures', { ...base, dsseEnvelope: { ...base.dsseEnvelope, signatures: [] } }],
    ['material string', { ...base, verificationMaterial: 'key' }],
    ['hint number', { ...base, verificationMaterial: { publicKey: { hint: 7 } } }],
    ['extra top-level field', { ...base, extra: true }],
    ['payload not base64', { ...base, dsseEnvelope: { ...base.dsseEnvelope, payload: 'no way!' } }],
    ['sig not base64', { ...base, dsseEnvelope: { ...base.dsseEnvelope, signatures: [{ sig: '@@@@' }] } }],
    [
      'key and chain',
      {
        ...base,
        verificationMaterial: {
          ...base.verificationMaterial,
          x509CertificateChain: { certificates: [{ rawBytes: 'AAAA' }] },
        },
      },
    ],
  ];
  for (const [what, json] of variants) {
    const p = parseBundle(Buffer.from(JSON.stringify(json)));
    assert.equal(p.ok, false, what);
    if (!p.ok) assert.ok(p.reason.length > 10, what);
  }
  // Deep nesting and a huge string do not crash the parser or the validator.
  assert.equal(parseBundle(Buffer.from('['.repeat(100_000) + ']'.repeat(100_000))).ok, false);
  assert.equal(parseBundle(Buffer.from(JSON.stringify({ mediaType: 'x'.repeat(5_000_000) }))).ok, false);
});

test('base64: standard and URL-safe alphabets, padding optional, garbage refused', () => {
  assert.equal(decodeBase64('aGVsbG8=')?.toString(), 'hello');
  assert.equal(decodeBase64('aGVsbG8')?.toString(), 'hello');
  assert.equal(decodeBase64('-_8')?.toString('hex'), 'fbff');
  assert.equal(decodeBase64('aGVs bG8='), undefined);
  assert.equal(decodeBase64('a'), undefined);
  assert.equal(decodeBase64('aGVsbG8=x'), undefined);
});

test("shard algorithm names: the reference's sha256-sharded-N reads as sha256; others untouched", () => {
  assert.equal(plainAlgorithm('sha256-sharded-8'), 'sha256');
  assert.equal(plainAlgorithm('blake2b-sharded-1000000000'), 'blake2b');
  assert.equal(plainAlgorithm('sha256'), 'sha256');
  assert.equal(plainAlgorithm('md5-sharded-8'), 'md5-sharded-8');
  const statement = statementOf(sample('v1.1.0-certificate')) as {
    predicate: { resources: { algorithm: string }[]; serialization: Record<string, unknown> };
  };
  statement.predicate.serialization = {
    method: 'shards',
    hash_type: 'sha256',
    allow_symlinks: false,
    shard_size: 8,
  };
  for (const r of statement.predicate.resources) r.algorithm = 'sha256-sharded-8';
  assert.deepEqual(statementErrors(statement), []);
  for (const r of statement.predicate.resources) r.algorithm = 'md5';
  assert.notDeepEqual(statementErrors(statement), []);
});

test('certificate chains of the samples verify to the RSA root, or to the intermediate as anchor', () => {
  const certs = parsedOk(sample('v1.1.0-certificate')).certificates!.map((d) => parseDerCertificate(d)!);
  const root = verifyCertificateChain(certs, parsePemCertificates(readText(CA_CERT)));
  assert.ok(root.ok);
  assert.deepEqual(root.path, ['CN=intermediate-ca', 'CN=intermediate-ca', 'CN=root-ca']);
  assert.equal(root.checkedAt.toISOString(), '2025-05-02T23:36:28.000Z', "checked at the leaf's notBefore");
  assert.ok(verifyCertificateChain(certs, parsePemCertificates(readText(INTERMEDIATE_CERT))).ok);
  assert.equal(
    verifyCertificateChain(certs.slice(0, 1), parsePemCertificates(readText(CA_CERT))).ok,
    false,
    'intermediate missing',
  );
  assert.equal(verifyCertificateChain(certs, []).ok, false);
  assert.equal(verifyCertificateChain([], parsePemCertificates(readText(CA_CERT))).ok, false);
});

test('chains built with openssl: trusted root, wrong root, leaf pinned, leaf that may not sign', () => {
  const pki = makePki(join(TMP, 'a'), { curve: 'P-384' });
  const other = makePki(join(TMP, 'b'), { name: 'other' });
  const chain = [new X509Certificate(pki.leafPem), new X509Certificate(pki.intermediatePem)];
  const ok = verifyCertificateChain(chain, parsePemCertificates(pki.rootPem));
  assert.ok(ok.ok);
  assert.deepEqual(ok.path, [
    'CN=parapet-test-signer',
    'CN=parapet-test-intermediate',
    'CN=parapet-test-root',
  ]);
  const wrong = verifyCertificateChain(chain, parsePemCertificates(other.rootPem + other.intermediatePem));
  assert.equal(wrong.ok, false);
  if (!wrong.ok) assert.match(wrong.reason, /does not lead to a trusted certificate/);
  assert.ok(
    verifyCertificateChain(chain, parsePemCertificates(pki.leafPem)).ok,
    'a pinned leaf is an anchor',
  );
  // An attacker's chain that names the right root but is signed by another key.
  const forged = [new X509Certificate(other.leafPem), new X509Certificate(other.intermediatePem)];
  assert.equal(verifyCertificateChain(forged, parsePemCertificates(pki.rootPem)).ok, false);
  // A leaf cannot stand in for a CA: the leaf of one chain does not issue anything.
  assert.equal(verifyCertificateChain([chain[0]!, chain[0]!], parsePemCertificates(pki.rootPem)).ok, false);

  const noSign = makePki(join(TMP, 'c'), {
    name: 'nosign',
    leafExtensions:
      'basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\nauthorityKeyIdentifier=keyid\n',
  });
  const r = verifyCertificateChain(
    [new X509Certificate(noSign.leafPem), new X509Certificate(noSign.intermediatePem)],
    parsePemCertificates(noSign.rootPem),
  );
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /may not sign/);
  const ekuOnly = makePki(join(TMP, 'd'), {
    name: 'eku',
    leafExtensions: 'basicConstraints=CA:FALSE\nextendedKeyUsage=codeSigning\nauthorityKeyIdentifier=keyid\n',
  });
  assert.ok(
    verifyCertificateChain(
      [new X509Certificate(ekuOnly.leafPem), new X509Certificate(ekuOnly.intermediatePem)],
      parsePemCertificates(ekuOnly.rootPem),
    ).ok,
    'ExtendedKeyUsage codeSigning alone is enough',
  );
});

test('PEM parsing: every block of a file, a clear error for none or a broken one', () => {
  const pki = makePki(join(TMP, 'pem'));
  assert.equal(parsePemCertificates(`junk\n${pki.rootPem}\n${pki.intermediatePem}`).length, 2);
  assert.throws(() => parsePemCertificates('nothing'), /no PEM certificate/);
  assert.throws(
    () => parsePemCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    /not valid X\.509/,
  );
  assert.equal(parseDerCertificate(Buffer.from('junk')), undefined);
});

test('Sigstore keyless samples verify offline with the right identity and issuer, and only with them', () => {
  for (const version of ['v0.3.1', 'v1.0.0', 'v1.0.1', 'v1.1.0']) {
    const json = JSON.parse(sample(`${version}-sigstore`).toString());
    const ok = verifySigstoreBundle(json, SAMPLE_IDENTITY);
    assert.ok(ok.ok, `${version}: ${ok.ok ? '' : ok.reason}`);
    assert.equal(ok.identity, SAMPLE_IDENTITY.identity);
    const wrongId = verifySigstoreBundle(json, { ...SAMPLE_IDENTITY, identity: 'mallory@example.com' });
    assert.equal(wrongId.ok, false);
    if (!wrongId.ok) assert.match(wrongId.reason, /signed by someone else/);
    assert.equal(
      verifySigstoreBundle(json, { ...SAMPLE_IDENTITY, issuer: 'https://accounts.google.com' }).ok,
      false,
    );
  }
  const valid = JSON.parse(spec('valid/sigstore.bundle.json').toString());
  assert.ok(verifySigstoreBundle(valid, SAMPLE_IDENTITY).ok, "the spec's sigstore vector");
});

test('Sigstore: a modified payload, a swapped signature or a broken structure fails', () => {
  const json = JSON.parse(sample('v1.1.0-sigstore').toString());
  const payload = Buffer.from(json.dsseEnvelope.payload, 'base64').toString().replace('signme-1', 'signme-X');
  const tampered = {
    ...json,
    dsseEnvelope: { ...json.dsseEnvelope, payload: Buffer.from(payload).toString('base64') },
  };
  assert.equal(verifySigstoreBundle(tampered, SAMPLE_IDENTITY).ok, false);
  const other = JSON.parse(sample('v1.0.1-sigstore').toString());
  const swapped = {
    ...json,
    dsseEnvelope: { ...json.dsseEnvelope, signatures: other.dsseEnvelope.signatures },
  };
  assert.equal(verifySigstoreBundle(swapped, SAMPLE_IDENTITY).ok, false);
  const noTlog = { ...json, verificationMaterial: { ...json.verificationMaterial, tlogEntries: [] } };
  assert.equal(verifySigstoreBundle(noTlog, SAMPLE_IDENTITY).ok, false);
  const r = verifySigstoreBundle({ mediaType: 'nope' }, SAMPLE_IDENTITY);
  assert.equal(r.ok, false);
});
