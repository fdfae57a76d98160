/**
 * X.509 for the OMS certificate method: PEM parsing, and the chain check the reference verifier does with an
 * OpenSSL store: leaf → intermediates carried in the bundle → one of the trust anchors the user gave, every
 * certificate valid at the leaf's notBefore (the reference pins the store's clock there, so a model signed
 * while its certificate was valid stays verifiable after the certificate expires), every issuer a CA, and a
 * leaf allowed to sign (KeyUsage digitalSignature, or ExtendedKeyUsage codeSigning).
 *
 * Signatures and issuer/subject matching come from node:crypto; extensions and dates from @sigstore/core's
 * ASN.1 reader (node:crypto exposes neither KeyUsage bits nor dates as Date on Node 20).
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { X509Certificate as Asn1Certificate } from '@sigstore/core';
import { ParapetError } from '../../core/errors.ts';

/** At most this many certificates in a chain or an anchor set; real chains have 2 to 4. */
export const MAX_CHAIN_CERTIFICATES = 16;

const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every `CERTIFICATE` PEM block in `text`, parsed; a USAGE error when there is none or one is broken. */
export function parsePemCertificates(
  text: string | Uint8Array,
  source = 'certificate file',
): X509Certificate[] {
  const str = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const blocks = str.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new ParapetError('USAGE', `no PEM certificate in ${source}`);
  if (blocks.length > MAX_CHAIN_CERTIFICATES)
    throw new ParapetError(
      'USAGE',
      `${source} holds ${blocks.length} certificates; at most ${MAX_CHAIN_CERTIFICATES}`,
    );
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new ParapetError('USAGE', `certificate ${i + 1} in ${source} is not valid X.509`, { cause: err });
    }
  });
}

/** A certificate from DER bytes, or undefined when they are not one. */
export function parseDerCertificate(der: Uint8Array): X509Certificate | undefined {
  try {
    return new X509Certificate(Buffer.from(der));
  } catch {
    return undefined;
  }
}

/** What a successful chain check found. */
export interface TrustedChain {
  ok: true;
  /** The leaf's public key: the one the DSSE signature must verify with. */
  publicKey: KeyObject;
  /** Subjects from the leaf to the anchor, one line each (`CN=...`). */
  path: string[];
  /** The leaf's notBefore, the instant the chain was checked at. */
  checkedAt: Date;
}

/** Why a chain check failed. */
export interface UntrustedChain {
  ok: false;
  reason: string;
}

/**
 * Validates `chain` (leaf first, then the intermediates a bundle carries) against `anchors` at the leaf's
 * notBefore. An anchor may be a root or any certificate the user chose to trust (including the leaf
 * itself): it ends the path. Name and path-length constraints and revocation are not checked, as the
 * reference does not check them either.
 */
export function verifyCertificateChain(
  chain: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
): TrustedChain | UntrustedChain {
  const leaf = chain[0];
  if (leaf === undefined) return { ok: false, reason: 'the bundle carries no certificate' };
  if (anchors.length === 0) return { ok: false, reason: 'no trust anchor given' };
  if (chain.length > MAX_CHAIN_CERTIFICATES)
    return {
      ok: false,
      reason: `the bundle carries ${chain.length} certificates; at most ${MAX_CHAIN_CERTIFICATES}`,
    };
  const leafInfo = asn1(leaf);
  if (leafInfo === undefined) return { ok: false, reason: 'the signing certificate cannot be parsed' };
  const at = leafInfo.notBefore;
  const usable = leafCanSign(leaf, leafInfo);
  if (!usable.ok) return usable;

  const path = [oneLine(leaf.subject)];
  const used = new Set<X509Certificate>([leaf]);
  let current = leaf;
  for (let depth = 0; depth <= MAX_CHAIN_CERTIFICATES; depth++) {
    if (!validAt(current, at))
      return {
        ok: false,
        reason: `certificate ${oneLine(current.subject)} is not valid at ${at.toISOString()}`,
      };
    if (anchors.some((a) => a.raw.equals(current.raw))) return trusted(leaf, path, at);
    const anchor = anchors.find((a) => issuedBy(current, a) && validAt(a, at));
    if (anchor !== undefined) {
      path.push(oneLine(anchor.subject));
      return trusted(leaf, path, at);
    }
    const next = chain.find((c) => !used.has(c) && issuedBy(current, c));
    if (next === undefined) break;
    used.add(next);
    path.push(oneLine(next.subject));
    current = next;
  }
  return {
    ok: false,
    reason: `the certificate chain (${path.join(' <- ')}) does not lead to a trusted certificate`,
  };
}

function trusted(leaf: X509Certificate, path: string[], at: Date): TrustedChain {
  return { ok: true, publicKey: leaf.publicKey, path, checkedAt: at };
}

/** `issuer` issued `cert`: names and key identifiers match, issuer is a CA, and its key verifies the signature. */
function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  if (!issuer.ca || !cert.checkIssued(issuer)) return false;
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function validAt(cert: X509Certificate, at: Date): boolean {
  const info = asn1(cert);
  return info !== undefined && info.notBefore <= at && at <= info.notAfter;
}

/** The reference accepts KeyUsage digitalSignature, else ExtendedKeyUsage codeSigning. */
function leafCanSign(leaf: X509Certificate, info: Asn1Certificate): { ok: true } | UntrustedChain {
  let digitalSignature = false;
  try {
    digitalSignature = info.extKeyUsage?.digitalSignature ?? false;
  } catch {
    digitalSignature = false;
  }
  if (digitalSignature || (leaf.keyUsage ?? []).includes(CODE_SIGNING_EKU)) return { ok: true };
  return {
    ok: false,
    reason:
      'the signing certificate may not sign (no KeyUsage digitalSignature, no ExtendedKeyUsage codeSigning)',
  };
}

const parsed = new WeakMap<X509Certificate, Asn1Certificate | null>();

function asn1(cert: X509Certificate): Asn1Certificate | undefined {
  let info = parsed.get(cert);
  if (info === undefined) {
    try {
      info = Asn1Certificate.parse(Buffer.from(cert.raw));
    } catch {
      info = null;
    }
    parsed.set(cert, info);
  }
  return info ?? undefined;
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}
