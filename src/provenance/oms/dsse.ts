/**
 * DSSE (Dead Simple Signing Envelope, v1.0.0): the envelope an OMS bundle carries, and the Pre-Authentication
 * Encoding its signatures cover. Also the broken PAE that model_signing v0.2.0 signed, which the reference
 * verifier still accepts as a fallback so that v0.2 signatures keep verifying.
 */
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { digestForKey } from './keys.ts';

/** The DSSE payloadType of an in-toto statement, the only one OMS uses. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** One DSSE signature as the bundle's JSON spells it. */
export interface DsseSignature {
  /** Base64 of the DER-encoded ECDSA signature. */
  sig: string;
  /** The reference writes `""`; pre-v1.1 bundles have `null`, Go omits it. Never used for verification. */
  keyid?: string | null;
}

/** A DSSE envelope as the bundle's JSON spells it. */
export interface DsseEnvelope {
  /** Base64 of the payload bytes (the in-toto statement JSON). */
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** Which encoding a signature was found to cover. */
export type PaeVariant = 'dsse-v1' | 'v0.2-compat';

/**
 * DSSE v1 PAE: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal byte counts.
 * Signing the PAE rather than the payload binds the payload type, so one payload cannot pass as another.
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const head = `DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.byteLength} `;
  return Buffer.concat([Buffer.from(head, 'utf8'), payload]);
}

/**
 * The PAE model_signing v0.2.0 signed by mistake: a Python f-string that interpolated the payload `bytes`
 * object, so the signed text holds its `repr` (`b'{\n  "_type": ...'`), with `DSSEV1` in capitals. The
 * v0.2.0 signer also hashed with SHA-256 whatever the curve (see `verifyEnvelopeSignature`).
 */
export function paeCompatV02(payloadType: string, payload: Uint8Array): Buffer {
  const text = `DSSEV1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.byteLength} ${pythonBytesRepr(payload)}`;
  return Buffer.from(text, 'utf8');
}

/**
 * Python's `repr(bytes)`: single quotes unless the bytes hold `'` and no `"`; `\\`, the quote, `\t`, `\n` and
 * `\r` escaped by name; other bytes outside printable ASCII as lower-case `\xNN`.
 */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const hasDouble = bytes.includes(0x22);
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  const parts: string[] = ['b', String.fromCharCode(quote)];
  for (const b of bytes) {
    if (b === quote || b === 0x5c) parts.push(`\\${String.fromCharCode(b)}`);
    else if (b === 0x09) parts.push('\\t');
    else if (b === 0x0a) parts.push('\\n');
    else if (b === 0x0d) parts.push('\\r');
    else if (b < 0x20 || b >= 0x7f) parts.push(`\\x${b.toString(16).padStart(2, '0')}`);
    else parts.push(String.fromCharCode(b));
  }
  parts.push(String.fromCharCode(quote));
  return parts.join('');
}

/**
 * Signs `payload` into a one-signature envelope: ECDSA over the PAE with the hash that matches the curve
 * (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512), DER-encoded, as the reference does. `keyid` is `""` as the
 * reference writes it.
 */
export function signEnvelope(
  payload: Uint8Array,
  privateKey: KeyObject,
  payloadType = IN_TOTO_PAYLOAD_TYPE,
): DsseEnvelope {
  const signature = cryptoSign(digestForKey(privateKey), pae(payloadType, payload), {
    key: privateKey,
    dsaEncoding: 'der',
  });
  return {
    payload: Buffer.from(payload).toString('base64'),
    payloadType,
    signatures: [{ sig: signature.toString('base64'), keyid: '' }],
  };
}

/**
 * Checks one DSSE signature (DER ECDSA, base64) over `payload` with `publicKey`: first the DSSE v1 PAE with
 * the curve's hash, then, as the reference verifier does, v0.2.0's broken PAE (with SHA-256, which v0.2.0
 * used, then with the curve's hash). Returns the variant that verified, or undefined.
 */
export function verifyEnvelopeSignature(
  payloadType: string,
  payload: Uint8Array,
  signature: Uint8Array,
  publicKey: KeyObject,
): PaeVariant | undefined {
  const digest = digestForKey(publicKey);
  const check = (data: Buffer, hash: string): boolean => {
    try {
      return cryptoVerify(hash, data, { key: publicKey, dsaEncoding: 'der' }, signature);
    } catch {
      // A signature that is not DER at all makes OpenSSL throw rather than return false.
      return false;
    }
  };
  if (check(pae(payloadType, payload), digest)) return 'dsse-v1';
  const compat = paeCompatV02(payloadType, payload);
  if (check(compat, 'sha256') || (digest !== 'sha256' && check(compat, digest))) return 'v0.2-compat';
  return undefined;
}
