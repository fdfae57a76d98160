/**
 * What an OpenSSF Model Signing bundle (`model.sig`, a Sigstore bundle v0.3 with a DSSE envelope around an
 * in-toto statement) CLAIMS: the signing method, who signed (key hint, certificate subject, Sigstore identity
 * and OIDC issuer), and the file digests it lists. Nothing here verifies a signature — that is
 * src/provenance/oms/verify.ts, reached through the `verifySignature` hook — so every field is a claim, and
 * the BOM says so. The digests are compared with the files hashed for the BOM, which tells a reader whether
 * the signature even describes these bytes.
 */
import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import { X509Certificate as SigstoreX509 } from '@sigstore/core';
import type { FileFacts, SignatureFacts } from './types.ts';

/** A bundle is a few KiB (a Sigstore one with a certificate and log entry, about 10 KiB). */
export const MAX_SIGNATURE_BYTES = 16 * 1024 * 1024;
const MAX_RESOURCES = 1_000_000;

/** Fulcio's OIDC issuer extensions: v2 (DER UTF8String) and the deprecated v1 (raw string). */
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
/** Paths the OMS signer leaves out by default (top-level components), recorded from v1.1 on. */
const DEFAULT_IGNORED = ['.git', '.gitattributes', '.github', '.gitignore'];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function b64(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return undefined;
  return Buffer.from(v, 'base64');
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads the claims of bundle text `text` found at `path`. Never throws: damage is recorded in `error`. */
export function readSignatureClaims(path: string, text: string): SignatureFacts {
  const facts: SignatureFacts = {
    path,
    method: 'unknown',
    tlogEntries: 0,
    resources: [],
    claimsMatch: { status: 'not-compared', reason: 'the bundle was not read' },
  };
  const fail = (why: string): SignatureFacts => {
    facts.error = why;
    facts.claimsMatch = { status: 'not-compared', reason: why };
    return facts;
  };
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    return fail('not a JSON Sigstore bundle');
  }
  if (!isRecord(bundle)) return fail('not a JSON Sigstore bundle (not an object)');
  const mediaType = str(bundle.mediaType);
  if (mediaType !== undefined) facts.mediaType = mediaType;
  const material = bundle.verificationMaterial;
  if (isRecord(material)) readMaterial(material, facts);
  const envelope = bundle.dsseEnvelope;
  if (!isRecord(envelope)) return fail('no DSSE envelope');
  const payload = b64(envelope.payload);
  if (payload === undefined) return fail('the DSSE payload is not base64');
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    return fail('the DSSE payload is not a JSON in-toto statement');
  }
  if (!isRecord(statement)) return fail('the DSSE payload is not an in-toto statement');
  readStatement(statement, facts);
  if (facts.error !== undefined) facts.claimsMatch = { status: 'not-compared', reason: facts.error };
  return facts;
}

function readMaterial(material: Record<string, unknown>, facts: SignatureFacts): void {
  if (Array.isArray(material.tlogEntries)) facts.tlogEntries = material.tlogEntries.length;
  const key = material.publicKey;
  if (isRecord(key)) {
    facts.method = 'key';
    const hint = str(key.hint);
    if (hint !== undefined && hint !== '') facts.keyHint = hint.slice(0, 256);
    const raw = b64(key.rawBytes);
    if (raw !== undefined && raw.length > 0) facts.publicKeySha256 = sha256Hex(raw);
    return;
  }
  const chain = material.x509CertificateChain;
  if (isRecord(chain) && Array.isArray(chain.certificates)) {
    facts.method = 'certificate';
    const leaf = chain.certificates[0];
    if (isRecord(leaf)) readCertificate(b64(leaf.rawBytes), facts, false);
    return;
  }
  const cert = material.certificate;
  if (isRecord(cert)) {
    // A single short-lived certificate is what Fulcio issues: keyless Sigstore signing.
    facts.method = 'sigstore';
    readCertificate(b64(cert.rawBytes), facts, true);
  }
}

function readCertificate(der: Buffer | undefined, facts: SignatureFacts, fulcio: boolean): void {
  if (der === undefined || der.length === 0) {
    facts.error = 'the signing certificate is missing or not base64';
    return;
  }
  try {
    const cert = new NodeX509(der);
    // Fulcio certificates have an empty subject (the identity is in the SAN): Node then reports undefined.
    const subject = cert.subject as string | undefined;
    const issuer = cert.issuer as string | undefined;
    if (subject) facts.certificateSubject = subject.replaceAll('\n', ', ');
    if (issuer) facts.certificateIssuer = issuer.replaceAll('\n', ', ');
    facts.certificateSha256 = sha256Hex(der);
    const san = cert.subjectAltName;
    if (san !== undefined) facts.identity = san.replace(/^(?:email|URI|DNS):/, '').slice(0, 512);
  } catch {
    facts.error = 'the signing certificate is not a readable X.509 certificate';
    return;
  }
  if (!fulcio) return;
  try {
    const cert = SigstoreX509.parse(Buffer.from(der));
    const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
    const issuer = v2
      ? v2.valueObj.subs[0]?.value.toString('utf8')
      : cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString('utf8');
    if (issuer) facts.oidcIssuer = issuer.slice(0, 512);
  } catch {
    // The Node parse above succeeded; an unreadable extension only loses the issuer claim.
  }
}

function readStatement(statement: Record<string, unknown>, facts: SignatureFacts): void {
  const predicateType = str(statement.predicateType);
  if (predicateType !== undefined) facts.predicateType = predicateType;
  const subjects = Array.isArray(statement.subject) ? statement.subject.filter(isRecord) : [];
  const first = subjects[0];
  if (first !== undefined) {
    const name = str(first.name);
    if (name !== undefined) facts.subjectName = name;
    const digest = isRecord(first.digest) ? str(first.digest.sha256) : undefined;
    if (digest !== undefined) facts.subjectDigest = digest.toLowerCase();
  }
  if (predicateType === 'https://model_signing/Digests/v0.1') {
    // The v0.2 format: one subject per file, SHA-256, no serialization block.
    for (const s of subjects.slice(0, MAX_RESOURCES)) {
      const name = str(s.name);
      const digest = isRecord(s.digest) ? str(s.digest.sha256) : undefined;
      if (name !== undefined && digest !== undefined)
        facts.resources.push({ name, algorithm: 'sha256', digest: digest.toLowerCase() });
    }
    // Its subjects are the files themselves, not a model root.
    delete facts.subjectName;
    delete facts.subjectDigest;
    facts.serialization = { method: 'files', hashType: 'sha256', ignorePaths: [] };
    return;
  }
  const predicate = statement.predicate;
  if (!isRecord(predicate)) {
    facts.error ??= 'the statement has no predicate';
    return;
  }
  const ser = predicate.serialization;
  if (isRecord(ser)) {
    const s: NonNullable<SignatureFacts['serialization']> = { ignorePaths: [] };
    const method = str(ser.method);
    const hashType = str(ser.hash_type);
    if (method !== undefined) s.method = method;
    if (hashType !== undefined) s.hashType = hashType;
    // Written through protobuf Struct, so an integer may come as 8.0.
    if (typeof ser.shard_size === 'number' && Number.isSafeInteger(ser.shard_size))
      s.shardSize = ser.shard_size;
    if (Array.isArray(ser.ignore_paths))
      s.ignorePaths = ser.ignore_paths.filter((p): p is string => typeof p === 'string').slice(0, 1000);
    facts.serialization = s;
  }
  if (Array.isArray(predicate.resources)) {
    for (const r of predicate.resources.slice(0, MAX_RESOURCES)) {
      if (!isRecord(r)) continue;
      const name = str(r.name);
      const algorithm = str(r.algorithm);
      const digest = str(r.digest);
      if (name !== undefined && algorithm !== undefined && digest !== undefined) {
        facts.resources.push({ name, algorithm, digest: digest.toLowerCase() });
      }
    }
  }
}

/** True when `path` is `ignored` or inside it (OMS ignore paths are exact relative paths, no globs). */
function under(path: string, ignored: string): boolean {
  const p = ignored.replace(/^\.\//, '').replace(/\/+$/, '');
  return p !== '' && (path === p || path.startsWith(`${p}/`));
}

/**
 * Compares the signature's listed digests with the files hashed for the BOM. Only `files` serialisation can
 * be compared (a shard digest covers part of a file), with SHA-256 — or BLAKE3 when it was computed here.
 */
export function compareClaims(
  facts: SignatureFacts,
  files: readonly FileFacts[],
  singleFile: boolean,
): SignatureFacts['claimsMatch'] {
  if (facts.error !== undefined) return { status: 'not-compared', reason: facts.error };
  if (facts.resources.length === 0)
    return { status: 'not-compared', reason: 'the signature lists no file digests' };
  const method = facts.serialization?.method ?? 'files';
  if (method !== 'files')
    return { status: 'not-compared', reason: `the signature hashes ${method}, not whole files` };
  const algorithms = new Set(facts.resources.map((r) => r.algorithm));
  const alg = algorithms.size === 1 ? [...algorithms][0] : undefined;
  const key = alg === 'sha256' ? 'SHA-256' : alg === 'blake3' ? 'BLAKE3' : undefined;
  if (key === undefined || files.some((f) => f.hashes[key] === undefined)) {
    return {
      status: 'not-compared',
      reason: `the signature uses ${[...algorithms].join(', ')}, which was not computed for every file here`,
    };
  }
  const onDisk = new Map(files.map((f) => [f.path, f.hashes[key]!]));
  const changed: string[] = [];
  const missing: string[] = [];
  const listed = new Set<string>();
  for (const r of facts.resources) {
    // A single-file model is named "." by the reference signer, by its base name in the spec.
    const path = singleFile && (r.name === '.' || r.name === files[0]?.path) ? files[0]!.path : r.name;
    listed.add(path);
    const digest = onDisk.get(path);
    if (digest === undefined) missing.push(r.name);
    else if (digest !== r.digest) changed.push(r.name);
  }
  const ignored = [...(facts.serialization?.ignorePaths ?? []), ...DEFAULT_IGNORED, facts.path];
  const unsigned = files
    .map((f) => f.path)
    .filter((p) => !listed.has(p) && !ignored.some((i) => under(p, i)));
  if (changed.length === 0 && missing.length === 0 && unsigned.length === 0) return { status: 'match' };
  return { status: 'mismatch', changed, missing, unsigned };
}
