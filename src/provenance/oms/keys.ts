/**
 * ECDSA keys as OMS uses them: P-256, P-384 and P-521 only (the curves Sigstore's protobuf specs name), each
 * signing with the hash that matches its size, and the public-key "hint" the reference writes into key
 * bundles. Everything else (RSA, Ed25519, other curves) is refused up front with a message, because a bundle
 * the reference verifier cannot check is worse than none.
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { describeError, ParapetError } from '../../core/errors.ts';
import { readBoundedFile } from './read-file.ts';

/** The curves OMS accepts, by their NIST names. */
export type Curve = 'P-256' | 'P-384' | 'P-521';

/** OpenSSL's curve names (what `asymmetricKeyDetails.namedCurve` reports) → NIST names. */
const CURVES: Readonly<Record<string, Curve>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** Hash per curve, as the reference's `get_ec_key_hash` picks it. */
const DIGEST: Readonly<Record<Curve, 'sha256' | 'sha384' | 'sha512'>> = {
  'P-256': 'sha256',
  'P-384': 'sha384',
  'P-521': 'sha512',
};

/** Key and certificate files are small; anything bigger is not one. */
export const MAX_KEY_FILE_BYTES = 1 << 20;

/** The curve of an EC key, or a USAGE error naming what the key is instead. */
export function curveOf(key: KeyObject): Curve {
  if (key.asymmetricKeyType !== 'ec')
    throw new ParapetError(
      'USAGE',
      `only ECDSA keys (P-256, P-384, P-521) can sign OMS bundles; this is a ${key.asymmetricKeyType ?? 'symmetric'} key`,
    );
  const named = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
  const curve = CURVES[named];
  if (curve === undefined)
    throw new ParapetError('USAGE', `unsupported curve ${named}: OMS keys are P-256, P-384 or P-521`);
  return curve;
}

/** The hash an ECDSA signature with this key uses (SHA-256/384/512 for P-256/384/521). */
export function digestForKey(key: KeyObject): 'sha256' | 'sha384' | 'sha512' {
  return DIGEST[curveOf(key)];
}

/**
 * A private key from PEM text (PKCS#8 or SEC1), DER bytes, or a KeyObject; refused unless it is an EC key
 * on a supported curve.
 */
export function loadPrivateKey(key: string | Uint8Array | KeyObject, passphrase?: string): KeyObject {
  let obj: KeyObject;
  if (key instanceof KeyObject) obj = key;
  else {
    if (passphrase === undefined && isEncryptedPem(key))
      throw new ParapetError('USAGE', 'the private key is encrypted: give its passphrase');
    try {
      if (typeof key === 'string' || looksLikePem(key)) {
        const pem = typeof key === 'string' ? key : Buffer.from(key);
        obj = createPrivateKey(passphrase === undefined ? { key: pem } : { key: pem, passphrase });
      } else obj = createPrivateKey({ key: Buffer.from(key), format: 'der', type: 'pkcs8' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_MISSING_PASSPHRASE')
        throw new ParapetError('USAGE', 'the private key is encrypted: give its passphrase');
      if (passphrase !== undefined && isEncryptedPem(key))
        throw new ParapetError('USAGE', 'cannot decrypt the private key: wrong passphrase?', { cause: err });
      throw new ParapetError('USAGE', `not a private key: ${describeError(err)}`, { cause: err });
    }
  }
  if (obj.type !== 'private')
    throw new ParapetError('USAGE', `expected a private key, got a ${obj.type} key`);
  curveOf(obj);
  return obj;
}

/**
 * A public key from PEM text (SPKI, or a certificate's text with a PEM block in it, as certtool writes),
 * DER SPKI, a compressed EC point (33/49/67 bytes, as the reference accepts), or a KeyObject (a private
 * key gives its public half).
 */
export function loadPublicKey(key: string | Uint8Array | KeyObject): KeyObject {
  let obj: KeyObject;
  if (key instanceof KeyObject) obj = key.type === 'private' ? createPublicKey(key) : key;
  else {
    try {
      if (typeof key === 'string' || looksLikePem(key)) obj = createPublicKey(Buffer.from(key));
      else {
        const spki = spkiFromCompressedPoint(key) ?? Buffer.from(key);
        obj = createPublicKey({ key: spki, format: 'der', type: 'spki' });
      }
    } catch (err) {
      throw new ParapetError('USAGE', `not a public key: ${describeError(err)}`, { cause: err });
    }
  }
  if (obj.type === 'secret') throw new ParapetError('USAGE', 'expected a public key, got a secret key');
  curveOf(obj);
  return obj;
}

/**
 * The `publicKey.hint` the reference (v1.1+) writes into key bundles: hex SHA-256 of the key's SPKI PEM
 * text, exactly as `public_bytes(PEM, SubjectPublicKeyInfo)` prints it (Node's SPKI PEM export is the same
 * bytes: 64-column base64, `\n` line ends).
 */
export function publicKeyHint(key: KeyObject): string {
  return createHash('sha256')
    .update(canonicalPublicKey(key).export({ type: 'spki', format: 'pem' }))
    .digest('hex');
}

/** True when two keys are the same public key (compared as DER SPKI). */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) => canonicalPublicKey(k).export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

/**
 * The public half with its point uncompressed. A key read from a compressed point exports compressed, but
 * the reference's hint is over the uncompressed SPKI (what `public_bytes` always writes); a JWK round trip
 * is node:crypto's way to decompress.
 */
function canonicalPublicKey(key: KeyObject): KeyObject {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createPublicKey({ key: pub.export({ format: 'jwk' }), format: 'jwk' });
}

/** Reads a key or certificate file, at most MAX_KEY_FILE_BYTES; NOT_FOUND and UNREADABLE as ParapetErrors. */
export function readKeyFile(path: string, what: string): Buffer {
  return readBoundedFile(path, what, MAX_KEY_FILE_BYTES);
}

function isEncryptedPem(key: string | Uint8Array): boolean {
  const head =
    typeof key === 'string' ? key.slice(0, 4096) : Buffer.from(key.subarray(0, 4096)).toString('latin1');
  return head.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || head.includes('Proc-Type: 4,ENCRYPTED');
}

function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, Math.min(bytes.length, 4096)))
    .toString('latin1')
    .includes('-----BEGIN');
}

/**
 * DER AlgorithmIdentifier (id-ecPublicKey + the curve OID) by compressed-point length. Building the SPKI by
 * hand is the only way node:crypto takes a bare point; every length fits DER's one-byte form.
 */
const EC_ALGORITHM_BY_POINT_LENGTH: ReadonlyMap<number, string> = new Map([
  [33, '301306072a8648ce3d020106082a8648ce3d030107'], // P-256
  [49, '301006072a8648ce3d020106052b81040022'], // P-384
  [67, '301006072a8648ce3d020106052b81040023'], // P-521
]);

function spkiFromCompressedPoint(point: Uint8Array): Buffer | undefined {
  const algorithm = EC_ALGORITHM_BY_POINT_LENGTH.get(point.length);
  if (algorithm === undefined || (point[0] !== 0x02 && point[0] !== 0x03)) return undefined;
  const bitString = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
  const body = Buffer.concat([Buffer.from(algorithm, 'hex'), bitString]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
