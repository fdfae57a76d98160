/**
 * The signing layers under `signModel`, without hashing: DSSE PAE (v1 and v0.2.0's broken one), ECDSA per
 * curve with the matching hash and DER encoding, key loading and the reference's public-key hint, and the
 * bundle forms for the key and certificate methods, compared with the upstream v1.1.0 samples.
 */
import assert from 'node:assert/strict';
import {
  createPrivateKey,
  verify as cryptoVerify,
  ECDH,
  generateKeyPairSync,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import {
  certificateBundle,
  keyBundle,
  parseBundle,
  serializeBundle,
} from '../../src/provenance/oms/bundle.ts';
import {
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  paeCompatV02,
  pythonBytesRepr,
  signEnvelope,
  verifyEnvelopeSignature,
} from '../../src/provenance/oms/dsse.ts';
import { digestForKey, loadPrivateKey, loadPublicKey, publicKeyHint } from '../../src/provenance/oms/keys.ts';
import { signStatement } from '../../src/provenance/oms/sign-statement.ts';
import { makeKeyPair, makePki, type TestCurve } from '../fixtures/oms/pki.ts';
import {
  readText,
  SAMPLE_KEY_HINT,
  SAMPLES,
  SIGNING_KEY,
  SIGNING_PUBLIC_KEY,
} from '../fixtures/oms/vectors.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-oms-dsse-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

function throwsUsage(fn: () => unknown, message: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof ParapetError && err.code === 'USAGE' && message.test(err.message),
  );
}

test('PAE is the DSSE v1 encoding: lengths in bytes, single spaces, payload appended raw', () => {
  // The example in the DSSE protocol document.
  assert.equal(
    pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
    'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
  );
  const utf8 = Buffer.from('é');
  assert.equal(pae('t', utf8).toString(), 'DSSEv1 1 t 2 é', 'payload length counts bytes');
  assert.deepEqual(pae('t', new Uint8Array()), Buffer.from('DSSEv1 1 t 0 '));
});

test('Python bytes repr: quote choice and escapes as CPython prints them', () => {
  const r = (s: string | number[]) =>
    pythonBytesRepr(typeof s === 'string' ? Buffer.from(s, 'latin1') : Uint8Array.from(s));
  assert.equal(r('{"a": 1}\n'), `b'{"a": 1}\\n'`);
  assert.equal(r("it's"), `b"it's"`, 'a \' without any " switches to double quotes');
  assert.equal(r(`it's "x"`), `b'it\\'s "x"'`, "both quotes: single, with \\' escaped");
  assert.equal(r('a\\b\tc\rd'), `b'a\\\\b\\tc\\rd'`);
  assert.equal(r([0, 0x1f, 0x7f, 0x80, 0xff, 0x41]), `b'\\x00\\x1f\\x7f\\x80\\xffA'`);
  assert.equal(r(''), `b''`);
  assert.equal(paeCompatV02('t', Buffer.from('{"x":\n1}')).toString(), `DSSEV1 1 t 8 b'{"x":\\n1}'`);
});

for (const [curve, hash] of [
  ['P-256', 'sha256'],
  ['P-384', 'sha384'],
  ['P-521', 'sha512'],
] as const) {
  test(`${curve}: signs the PAE with ${hash}, DER-encoded, and verifies; tampering does not`, () => {
    const pair = makeKeyPair(curve);
    const key = loadPrivateKey(pair.privatePem);
    const pub = loadPublicKey(pair.publicPem);
    assert.equal(digestForKey(key), hash);
    const payload = Buffer.from('{"_type": "https://in-toto.io/Statement/v1"}');
    const env = signEnvelope(payload, key);
    assert.equal(env.payloadType, IN_TOTO_PAYLOAD_TYPE);
    assert.equal(Buffer.from(env.payload, 'base64').toString(), payload.toString());
    assert.equal(env.signatures.length, 1);
    assert.equal(env.signatures[0]!.keyid, '', 'keyid is "" as the reference writes it');
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    assert.equal(sig[0], 0x30, 'DER SEQUENCE');
    assert.ok(
      cryptoVerify(hash, pae(IN_TOTO_PAYLOAD_TYPE, payload), { key: pub, dsaEncoding: 'der' }, sig),
      'an independent check with the curve hash',
    );
    if (hash !== 'sha256')
      assert.equal(
        cryptoVerify('sha256', pae(IN_TOTO_PAYLOAD_TYPE, payload), { key: pub, dsaEncoding: 'der' }, sig),
        false,
      );
    assert.equal(verifyEnvelopeSignature(env.payloadType, payload, sig, pub), 'dsse-v1');

    const altered = Buffer.from(payload);
    altered[5] = altered[5]! ^ 1;
    assert.equal(verifyEnvelopeSignature(env.payloadType, altered, sig, pub), undefined);
    assert.equal(verifyEnvelopeSignature('application/json', payload, sig, pub), undefined, 'type is bound');
    const other = loadPublicKey(makeKeyPair(curve).publicPem);
    assert.equal(verifyEnvelopeSignature(env.payloadType, payload, sig, other), undefined);
    assert.equal(
      verifyEnvelopeSignature(env.payloadType, payload, Buffer.from('not a signature'), pub),
      undefined,
    );
    assert.equal(
      verifyEnvelopeSignature(env.payloadType, payload, sig.subarray(0, sig.length - 3), pub),
      undefined,
    );
  });
}

test('the v0.2.0 sample verifies only through the compat PAE (SHA-256 over the Python repr)', () => {
  const parsed = parseBundle(readFileSync(join(SAMPLES, 'v0.2.0-certificate/model.sig')));
  assert.ok(parsed.ok);
  const { payload, payloadType, signature } = parsed.value;
  const leaf = new X509Certificate(parsed.value.certificates![0]!).publicKey;
  assert.equal(verifyEnvelopeSignature(payloadType, payload, signature, leaf), 'v0.2-compat');
  const pae1 = pae(payloadType, payload);
  assert.equal(cryptoVerify('sha384', pae1, { key: leaf, dsaEncoding: 'der' }, signature), false);
  assert.equal(
    cryptoVerify('sha256', paeCompatV02(payloadType, payload), { key: leaf, dsaEncoding: 'der' }, signature),
    true,
  );
  // Any other payload fails the compat path too.
  const altered = Buffer.from(payload);
  altered[altered.length - 3] = altered[altered.length - 3]! ^ 1;
  assert.equal(verifyEnvelopeSignature(payloadType, altered, signature, leaf), undefined);
});

test("keys: the samples' key gives the hint the v1.1.0 bundles carry, from PEM, certtool text or private key", () => {
  const pub = loadPublicKey(readText(SIGNING_PUBLIC_KEY)); // certtool text with the PEM block after it
  assert.equal(publicKeyHint(pub), SAMPLE_KEY_HINT);
  const priv = loadPrivateKey(readText(SIGNING_KEY));
  assert.equal(publicKeyHint(priv), SAMPLE_KEY_HINT);
  assert.equal(publicKeyHint(loadPublicKey(priv)), SAMPLE_KEY_HINT, 'a private key gives its public half');
  const der = pub.export({ type: 'spki', format: 'der' });
  assert.equal(publicKeyHint(loadPublicKey(der)), SAMPLE_KEY_HINT, 'DER SPKI');
  // The reference also takes a bare compressed point (49 bytes for P-384).
  const uncompressed = der.subarray(der.length - 97);
  const compressed = ECDH.convertKey(uncompressed, 'secp384r1', undefined, undefined, 'compressed') as Buffer;
  assert.equal(compressed.length, 49);
  assert.equal(publicKeyHint(loadPublicKey(compressed)), SAMPLE_KEY_HINT);
});

test('keys: RSA, Ed25519, other curves, garbage and encrypted keys are refused with a reason', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  throwsUsage(
    () => loadPrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    /ECDSA.*rsa/,
  );
  throwsUsage(() => loadPublicKey(rsa.publicKey), /ECDSA/);
  const ed = generateKeyPairSync('ed25519');
  throwsUsage(() => loadPrivateKey(ed.privateKey), /ed25519/);
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  throwsUsage(() => loadPrivateKey(k1.privateKey), /unsupported curve secp256k1/);
  throwsUsage(
    () => loadPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
    /not a private key/,
  );
  throwsUsage(() => loadPrivateKey(Buffer.from([1, 2, 3])), /not a private key/);
  throwsUsage(() => loadPublicKey('hello'), /not a public key/);
  throwsUsage(
    () => loadPrivateKey(makeKeyPair('P-256').publicPem),
    /not a private key|expected a private key/,
  );
  const encrypted = createPrivateKey(makeKeyPair('P-256').privatePem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sesame' })
    .toString();
  throwsUsage(() => loadPrivateKey(encrypted), /encrypted/);
  assert.equal(loadPrivateKey(encrypted, 'sesame').asymmetricKeyType, 'ec');
});

/** A bundle's JSON with the payload and signature blanked, to compare forms. */
function shape(json: string): string {
  const b = JSON.parse(json);
  b.dsseEnvelope.payload = 'PAYLOAD';
  for (const s of b.dsseEnvelope.signatures) s.sig = 'SIG';
  for (const c of b.verificationMaterial.x509CertificateChain?.certificates ?? []) c.rawBytes = 'CERT';
  return JSON.stringify(b);
}

test('key bundle: the exact form of the reference v1.1.0 key sample (hint, empty tlogEntries, keyid "")', () => {
  const sample = readText(join(SAMPLES, 'v1.1.0-elliptic-key/model.sig'));
  const statement = parseBundle(Buffer.from(sample));
  assert.ok(statement.ok);
  const ours = serializeBundle(signStatement(statement.value.payload, { key: readText(SIGNING_KEY) }));
  assert.equal(shape(ours), shape(sample), 'same keys, same order, same compact JSON, no final newline');
  assert.equal(JSON.parse(ours).dsseEnvelope.payload, JSON.parse(sample).dsseEnvelope.payload);
  const parsed = parseBundle(Buffer.from(ours));
  assert.ok(parsed.ok);
  assert.equal(parsed.value.keyHint, SAMPLE_KEY_HINT);
  const pub = loadPublicKey(readText(SIGNING_PUBLIC_KEY));
  assert.equal(
    verifyEnvelopeSignature(parsed.value.payloadType, parsed.value.payload, parsed.value.signature, pub),
    'dsse-v1',
  );
});

test('certificate bundle: the form of the reference v1.1.0 certificate sample (leaf first, chain, no root)', () => {
  const sample = readText(join(SAMPLES, 'v1.1.0-certificate/model.sig'));
  const parsed = parseBundle(Buffer.from(sample));
  assert.ok(parsed.ok);
  const pki = makePki(join(TMP, 'pki-shape'), { curve: 'P-384' });
  const bundle = signStatement(parsed.value.payload, {
    key: pki.leafKey.privatePem,
    certificateChain: [pki.leafPem, pki.intermediatePem],
  });
  assert.equal(shape(serializeBundle(bundle)), shape(sample));
  const chain = (bundle.verificationMaterial.x509CertificateChain as { certificates: { rawBytes: string }[] })
    .certificates;
  assert.equal(chain.length, 2);
  // One PEM text holding both certificates is the same as two.
  const joined = signStatement(parsed.value.payload, {
    key: pki.leafKey.privatePem,
    certificateChain: [pki.leafPem + pki.intermediatePem],
  });
  assert.deepEqual(joined.verificationMaterial, bundle.verificationMaterial);
});

test("certificate signing refuses a chain whose first certificate is not the key's", () => {
  const pki = makePki(join(TMP, 'pki-mismatch'));
  throwsUsage(
    () =>
      signStatement(Buffer.from('{}'), {
        key: makeKeyPair('P-256').privatePem,
        certificateChain: [pki.leafPem],
      }),
    /not for the signing key/,
  );
  throwsUsage(
    () =>
      signStatement(Buffer.from('{}'), {
        key: pki.leafKey.privatePem,
        certificateChain: [pki.intermediatePem, pki.leafPem],
      }),
    /put the signing certificate first/,
  );
  throwsUsage(
    () =>
      signStatement(Buffer.from('{}'), { key: pki.leafKey.privatePem, certificateChain: ['no pem here'] }),
    /no PEM certificate/,
  );
});

for (const curve of ['P-256', 'P-384', 'P-521'] as TestCurve[]) {
  test(`${curve} key and certificate bundles parse back and their signatures verify`, () => {
    const payload = Buffer.from('{"hello": "world"}');
    const pair = makeKeyPair(curve);
    const kb = parseBundle(
      Buffer.from(
        serializeBundle(
          keyBundle(signEnvelope(payload, loadPrivateKey(pair.privatePem)), loadPublicKey(pair.publicPem)),
        ),
      ),
    );
    assert.ok(kb.ok);
    assert.equal(kb.value.method, 'key');
    assert.equal(
      verifyEnvelopeSignature(
        kb.value.payloadType,
        kb.value.payload,
        kb.value.signature,
        loadPublicKey(pair.publicPem),
      ),
      'dsse-v1',
    );
    const pki = makePki(join(TMP, `pki-${curve}`), { curve });
    const cb = parseBundle(
      Buffer.from(
        serializeBundle(
          certificateBundle(signEnvelope(payload, loadPrivateKey(pki.leafKey.privatePem)), [
            Buffer.from(pki.leafPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
          ]),
        ),
      ),
    );
    assert.ok(cb.ok);
    assert.equal(cb.value.method, 'certificate');
    assert.equal(cb.value.certificates!.length, 1);
  });
}
