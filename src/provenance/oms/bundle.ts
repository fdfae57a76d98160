/**
 * The outer layer of an OMS signature: a Sigstore bundle (v0.3 JSON) holding the DSSE envelope and the
 * material to verify it with. Builds the two forms the reference's key and certificate signers write, and
 * reads any of the forms its verifier accepts (v0.2.0 through v1.1, key, certificate and keyless), never
 * trusting a byte of it: every field is type-checked here before anything looks at it.
 */

import type { KeyObject } from 'node:crypto';
import { describeError } from '../../core/errors.ts';
import type { DsseEnvelope } from './dsse.ts';
import { publicKeyHint } from './keys.ts';
import { readBoundedFile } from './read-file.ts';
import { bundleErrors } from './schema.ts';

/** The bundle media type the reference writes and, for key and certificate bundles, requires. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/**
 * Bundles bigger than this are refused before parsing. A manifest costs about 200 bytes a file or shard
 * (a third more in base64), so this fits a quarter of a million resources.
 */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** How a bundle was signed, read from its verification material. */
export type SigningMethod = 'key' | 'certificate' | 'sigstore';

/** A bundle as JSON, the way the reference's key and certificate signers write it. */
export interface OmsBundle {
  mediaType: string;
  verificationMaterial: Record<string, unknown>;
  dsseEnvelope: DsseEnvelope;
}

/** A bundle whose structure checked out; nothing in it is verified yet. */
export interface ParsedBundle {
  /** The parsed JSON, as read (sigstore-js wants it whole for keyless bundles). */
  json: OmsBundle;
  method: SigningMethod;
  /** The decoded DSSE payload: the bytes the signature covers. */
  payload: Buffer;
  payloadType: string;
  /** The first signature, decoded (the reference verifies only the first). */
  signature: Buffer;
  /** Key bundles: `publicKey.hint` (v1.1+), if any. */
  keyHint?: string;
  /** Key bundles before v1.1: `publicKey.rawBytes`, decoded (a PEM public key). */
  keyRawBytes?: Buffer;
  /** Certificate bundles: the DER certificates, leaf first. */
  certificates?: Buffer[];
}

/** A bundle for the key method: `publicKey.hint` (SHA-256 of the SPKI PEM) and empty `tlogEntries`. */
export function keyBundle(envelope: DsseEnvelope, publicKey: KeyObject): OmsBundle {
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: publicKeyHint(publicKey) }, tlogEntries: [] },
    dsseEnvelope: envelope,
  };
}

/**
 * A bundle for the certificate method: `x509CertificateChain` with the leaf first, then the intermediates,
 * each base64 DER (the chain type, not the single `certificate` keyless bundles carry), and empty
 * `tlogEntries`.
 */
export function certificateBundle(envelope: DsseEnvelope, chainDer: readonly Uint8Array[]): OmsBundle {
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      x509CertificateChain: {
        certificates: chainDer.map((der) => ({ rawBytes: Buffer.from(der).toString('base64') })),
      },
      tlogEntries: [],
    },
    dsseEnvelope: envelope,
  };
}

/**
 * The bundle as the reference (v1.1+) writes it: compact JSON, keys in the order above, no final newline.
 * Property order follows construction, which `keyBundle`/`certificateBundle` and `signEnvelope` fix.
 */
export function serializeBundle(bundle: OmsBundle): string {
  return JSON.stringify(bundle);
}

/** Reads a bundle file, refusing one over MAX_BUNDLE_BYTES; NOT_FOUND/UNREADABLE/LIMIT as ParapetErrors. */
export function readBundleFile(path: string): Buffer {
  return readBoundedFile(path, 'signature', MAX_BUNDLE_BYTES, 'LIMIT');
}

/**
 * Parses and structurally checks a bundle: JSON, the OMS bundle schema, one of the three kinds of
 * verification material, the v0.3 media type for key and certificate bundles (the reference's protobuf
 * reader demands it; sigstore-js checks keyless ones), base64 that decodes. Returns the reason on failure.
 */
export function parseBundle(
  bytes: Uint8Array,
): { ok: true; value: ParsedBundle } | { ok: false; reason: string } {
  if (bytes.byteLength > MAX_BUNDLE_BYTES) return fail(`the bundle is over ${MAX_BUNDLE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return fail(`the bundle is not JSON (${describeError(err)})`);
  }
  const errors = bundleErrors(json);
  if (errors.length > 0) return fail(`the bundle does not match the OMS bundle schema: ${errors.join('; ')}`);
  const bundle = json as OmsBundle;
  const material = bundle.verificationMaterial;
  const envelope = bundle.dsseEnvelope;

  const method = methodOf(material);
  if (method === undefined)
    return fail(
      'the bundle holds more than one kind of verification material (key, certificate chain, certificate)',
    );
  if (method !== 'sigstore' && bundle.mediaType !== BUNDLE_MEDIA_TYPE)
    return fail(
      `unsupported bundle media type ${JSON.stringify(bundle.mediaType)} (expected ${BUNDLE_MEDIA_TYPE})`,
    );

  const payload = decodeBase64(envelope.payload);
  if (payload === undefined || payload.length === 0) return fail('the DSSE payload is not base64');
  const first = envelope.signatures[0];
  const signature = first === undefined ? undefined : decodeBase64(first.sig);
  if (signature === undefined || signature.length === 0) return fail('the DSSE signature is not base64');

  const value: ParsedBundle = { json: bundle, method, payload, payloadType: envelope.payloadType, signature };
  if (method === 'key') {
    const pk = material.publicKey as { hint?: unknown; rawBytes?: unknown };
    if (typeof pk.hint === 'string' && pk.hint !== '') value.keyHint = pk.hint.toLowerCase();
    if (typeof pk.rawBytes === 'string') {
      const raw = decodeBase64(pk.rawBytes);
      if (raw === undefined) return fail('publicKey.rawBytes is not base64');
      value.keyRawBytes = raw;
    }
  } else if (method === 'certificate') {
    const chain = (material.x509CertificateChain as { certificates: { rawBytes: string }[] }).certificates;
    const certificates: Buffer[] = [];
    for (const [i, c] of chain.entries()) {
      const der = decodeBase64(c.rawBytes);
      if (der === undefined) return fail(`certificate ${i + 1} of the chain is not base64`);
      certificates.push(der);
    }
    value.certificates = certificates;
  }
  return { ok: true, value };
}

/** Exactly one of the three kinds, or undefined when the material mixes them. */
function methodOf(material: Record<string, unknown>): SigningMethod | undefined {
  const kinds: SigningMethod[] = [];
  if (material.publicKey !== undefined) kinds.push('key');
  if (material.x509CertificateChain !== undefined) kinds.push('certificate');
  if (material.certificate !== undefined) kinds.push('sigstore');
  return kinds.length === 1 ? kinds[0] : undefined;
}

/**
 * Base64 as protobuf's JSON mapping accepts it (standard or URL-safe alphabet, padding optional), or
 * undefined. Buffer.from(..., 'base64') alone would skip bad characters silently.
 */
export function decodeBase64(text: string): Buffer | undefined {
  const trimmed = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(trimmed) || trimmed.length % 4 === 1) return undefined;
  return Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
