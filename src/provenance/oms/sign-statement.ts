/**
 * The signing layer that needs no file system: statement bytes in, a bundle out, by the key method (a hint
 * of the public key) or the certificate method (the leaf and its chain). `signModel` (sign.ts) hashes the
 * model and calls this.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { ParapetError } from '../../core/errors.ts';
import { certificateBundle, keyBundle, type OmsBundle } from './bundle.ts';
import { parsePemCertificates } from './certificates.ts';
import { signEnvelope } from './dsse.ts';
import { loadPrivateKey, samePublicKey } from './keys.ts';

/** What signs: an EC private key, and for the certificate method its certificate and chain. */
export interface SigningMaterial {
  /** PEM text (PKCS#8 or SEC1), DER, or a KeyObject; P-256, P-384 or P-521. */
  key: string | Uint8Array | KeyObject;
  /** For an encrypted PEM key. */
  passphrase?: string;
  /**
   * The certificate method: PEM texts whose first certificate is the signing (leaf) certificate for `key`,
   * followed by the intermediates (roots may be left out: verifiers bring their own). Unset → key method.
   */
  certificateChain?: readonly (string | Uint8Array)[];
}

/** Signs ready statement bytes (the DSSE payload) into a bundle. */
export function signStatement(statement: Uint8Array, material: SigningMaterial): OmsBundle {
  return prepareSigner(material)(statement);
}

/**
 * Loads and cross-checks the key material once (USAGE errors for a bad key or a certificate that is not
 * the key's), and returns the function that signs a statement — so a caller can fail before hashing.
 */
export function prepareSigner(material: SigningMaterial): (statement: Uint8Array) => OmsBundle {
  const key = loadPrivateKey(material.key, material.passphrase);
  if (material.certificateChain === undefined)
    return (statement) => keyBundle(signEnvelope(statement, key), key);
  const certificates: X509Certificate[] = material.certificateChain.flatMap((pem, i) =>
    parsePemCertificates(pem, `certificate chain ${i + 1}`),
  );
  const leaf = certificates[0];
  if (leaf === undefined) throw new ParapetError('USAGE', 'the certificate chain holds no certificate');
  // The reference refuses a certificate that is not the key's: the bundle would never verify.
  if (!samePublicKey(leaf.publicKey, key))
    throw new ParapetError(
      'USAGE',
      `the first certificate (${leaf.subject.split('\n').join(', ')}) is not for the signing key: put the signing certificate first`,
    );
  const chainDer = certificates.map((c) => c.raw);
  return (statement) => certificateBundle(signEnvelope(statement, key), chainDer);
}
