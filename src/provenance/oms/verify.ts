/**
 * Verifying a model against an OMS signature, in the reference verifier's order: the bundle's structure,
 * the signature (a public key, a certificate chain to the user's anchors, or Sigstore keyless with an
 * identity policy), the statement inside, and only then the model itself, re-hashed with the parameters the
 * signer recorded and compared file by file. A failed check is a result (`ok: false` with a reason, and a
 * diff when the files differ), never an exception; exceptions are for what stops verification from running
 * at all (a missing model or bundle, an unreadable file, a bad option).
 */

import type { KeyObject, X509Certificate } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { describeError, ParapetError } from '../../core/errors.ts';
import { type ParsedBundle, parseBundle, readBundleFile, type SigningMethod } from './bundle.ts';
import { parseDerCertificate, parsePemCertificates, verifyCertificateChain } from './certificates.ts';
import { diffManifests } from './diff.ts';
import { IN_TOTO_PAYLOAD_TYPE, type PaeVariant, verifyEnvelopeSignature } from './dsse.ts';
import { GIT_IGNORE_PATHS, type HashModelOptions, hashModel } from './hash.ts';
import { curveOf, loadPublicKey, publicKeyHint, samePublicKey } from './keys.ts';
import { fileOfResource } from './manifest.ts';
import { legacyStatementErrors, statementErrors } from './schema.ts';
import { type SigstoreIdentity, verifySigstoreBundle } from './sigstore.ts';
import { manifestFromStatement, PREDICATE_TYPE_V01 } from './statement.ts';
import type { HashOptions, ManifestDiff, ModelManifest } from './types.ts';

/** How to verify: exactly one of `publicKey`, `certificateChain` and `sigstore`. */
export interface VerifyOptions {
  /** The signer's public key (PEM, DER, compressed point, or KeyObject), for key bundles. */
  publicKey?: string | Uint8Array | KeyObject;
  /** PEM texts of the trust anchors (roots, or any certificate you trust), for certificate bundles. */
  certificateChain?: readonly (string | Uint8Array)[];
  /** For keyless bundles: who must have signed, and optionally another trusted root (a file path). */
  sigstore?: SigstoreIdentity & { trustedRoot?: string };
  /** More paths to leave out (relative to the model root, or absolute inside it), on top of those recorded. */
  ignorePaths?: readonly string[];
  /** Pass even when the model holds files the signature does not list (the signed ones must still match). */
  ignoreUnsignedFiles?: boolean;
  /** Progress of re-hashing the model. */
  onProgress?: HashOptions['onProgress'];
  /** Worker threads for re-hashing (see HashOptions.workers). */
  workers?: number;
}

/** Who signed, as far as verification established it. */
export type SignerInfo =
  | { method: 'key'; keyHint: string }
  | { method: 'certificate'; chain: string[] }
  | { method: 'sigstore'; identity: string; issuer: string };

/** Where verification stopped. */
export type VerifyStage = 'bundle' | 'signature' | 'statement' | 'model';

/** The outcome: the signed manifest when everything matched, else the first failure and its reason. */
export type VerifyResult =
  | { ok: true; manifest: ModelManifest; signer: SignerInfo; notes: string[] }
  | { ok: false; stage: VerifyStage; reason: string; diff?: ManifestDiff };

/**
 * Verifies the model at `modelPath` (a directory, or a single file) against the bundle at `bundlePath`.
 * Throws ParapetError only when verification cannot run: USAGE for bad options, NOT_FOUND for a missing
 * model or bundle, UNREADABLE/LIMIT for I/O trouble.
 */
export async function verifyModel(
  modelPath: string,
  bundlePath: string,
  options: VerifyOptions,
): Promise<VerifyResult> {
  // Trust material is read before the bundle: a bad key or certificate file is the caller's error
  // whatever the bundle holds.
  const trust = prepareTrust(options);
  const wanted = trust.method;
  const root = resolve(modelPath);
  try {
    lstatSync(root);
  } catch {
    throw new ParapetError('NOT_FOUND', `model not found: ${modelPath}`);
  }
  const parsed = parseBundle(readBundleFile(bundlePath));
  if (!parsed.ok) return { ok: false, stage: 'bundle', reason: parsed.reason };
  const bundle = parsed.value;
  if (bundle.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return {
      ok: false,
      stage: 'bundle',
      reason: `DSSE payload type is ${bundle.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}`,
    };
  if (bundle.method !== wanted)
    return { ok: false, stage: 'signature', reason: methodMismatch(bundle.method, wanted) };

  const notes: string[] = [];
  const signed = checkSignature(bundle, trust, notes);
  if (!signed.ok) return { ok: false, stage: 'signature', reason: signed.reason };

  const statement = readStatement(bundle.payload, notes);
  if (!statement.ok) return { ok: false, stage: 'statement', reason: statement.reason };
  const expected = statement.manifest;

  const hashOptions: HashModelOptions = {
    hashAlgorithm: expected.serialization.hash_type,
    allowSymlinks: expected.serialization.allow_symlinks,
    // Recorded paths are relative to the model root, the caller's are absolute or relative to it.
    ignorePaths: [...expected.serialization.ignore_paths, ...(options.ignorePaths ?? [])],
    // The signature file is never part of the model, wherever it lies.
    signaturePath: resolve(bundlePath),
    // Like the reference, leave out .git & co. unless the signer signed them.
    ignoreGitPaths: !signsGitPaths(expected),
  };
  if (expected.serialization.method === 'shards' && expected.serialization.shard_size !== undefined)
    hashOptions.shardSize = expected.serialization.shard_size;
  if (options.onProgress !== undefined) hashOptions.onProgress = options.onProgress;
  if (options.workers !== undefined) hashOptions.workers = options.workers;
  let actual: ModelManifest;
  try {
    actual = await hashModel(root, hashOptions);
  } catch (err) {
    // A symlink the signer did not allow, a FIFO or a name that is not UTF-8: the model is not what was
    // signed (the reference fails verification too). I/O trouble and limits still throw.
    if (err instanceof ParapetError && (err.code === 'USAGE' || err.code === 'MALFORMED'))
      return {
        ok: false,
        stage: 'model',
        reason: `the model cannot be hashed as it was signed: ${err.message}`,
      };
    throw err;
  }

  const diff = diffManifests(expected, actual);
  if (options.ignoreUnsignedFiles === true) diff.added = [];
  if (diff.changed.length + diff.added.length + diff.removed.length > 0)
    return { ok: false, stage: 'model', reason: describeDiff(diff), diff };
  return { ok: true, manifest: expected, signer: signed.signer, notes };
}

/** The one way to verify the caller chose, with its key or anchors loaded. */
type Trust =
  | { method: 'key'; publicKey: KeyObject }
  | { method: 'certificate'; anchors: X509Certificate[] }
  | { method: 'sigstore'; policy: SigstoreIdentity & { trustedRoot?: string } };

function prepareTrust(options: VerifyOptions): Trust {
  const method = requestedMethod(options);
  if (method === 'key') return { method, publicKey: loadPublicKey(options.publicKey!) };
  if (method === 'certificate')
    return {
      method,
      anchors: options.certificateChain!.flatMap((pem, i) =>
        parsePemCertificates(pem, `certificate chain ${i + 1}`),
      ),
    };
  return { method, policy: options.sigstore! };
}

function requestedMethod(options: VerifyOptions): SigningMethod {
  const given: SigningMethod[] = [];
  if (options.publicKey !== undefined) given.push('key');
  if (options.certificateChain !== undefined) given.push('certificate');
  if (options.sigstore !== undefined) given.push('sigstore');
  if (given.length !== 1)
    throw new ParapetError(
      'USAGE',
      given.length === 0
        ? 'say how to verify: a public key, a certificate chain, or a Sigstore identity and issuer'
        : `give one way to verify, not ${given.length} (${given.join(', ')})`,
    );
  if (options.certificateChain?.length === 0)
    throw new ParapetError('USAGE', 'the certificate chain is empty');
  if (options.sigstore !== undefined && (options.sigstore.identity === '' || options.sigstore.issuer === ''))
    throw new ParapetError('USAGE', 'Sigstore verification needs both an identity and an issuer');
  return given[0]!;
}

const METHOD_HINT: Readonly<Record<SigningMethod, string>> = {
  key: 'a public key (--key)',
  certificate: 'a certificate chain (--cert-chain)',
  sigstore: 'a Sigstore identity (--sigstore --identity --issuer)',
};

function methodMismatch(actual: SigningMethod, wanted: SigningMethod): string {
  const what = {
    key: 'with a key',
    certificate: 'with a certificate chain',
    sigstore: 'keyless with Sigstore',
  }[actual];
  return `the bundle was signed ${what}: verify it with ${METHOD_HINT[actual]}, not ${METHOD_HINT[wanted]}`;
}

type SignatureCheck = { ok: true; signer: SignerInfo } | { ok: false; reason: string };

function checkSignature(bundle: ParsedBundle, trust: Trust, notes: string[]): SignatureCheck {
  if (trust.method === 'sigstore') {
    const policy = trust.policy;
    const check = verifySigstoreBundle(bundle.json, policy, policy.trustedRoot);
    return check.ok
      ? { ok: true, signer: { method: 'sigstore', identity: check.identity, issuer: check.issuer } }
      : check;
  }
  let publicKey: KeyObject;
  let signer: SignerInfo;
  if (trust.method === 'key') {
    publicKey = trust.publicKey;
    const hint = publicKeyHint(publicKey);
    if (bundle.keyHint !== undefined && bundle.keyHint !== hint)
      return {
        ok: false,
        reason: `the bundle was signed with another key (hint ${bundle.keyHint}, yours is ${hint})`,
      };
    if (bundle.keyHint === undefined) {
      notes.push('the bundle uses the pre-v1.1 key format (publicKey.rawBytes, no hint)');
      const embedded = bundle.keyRawBytes === undefined ? undefined : tryLoadPublicKey(bundle.keyRawBytes);
      if (embedded !== undefined && !samePublicKey(embedded, publicKey))
        return {
          ok: false,
          reason: 'the bundle was signed with another key (its publicKey.rawBytes differ from yours)',
        };
    }
    signer = { method: 'key', keyHint: hint };
  } else {
    const anchors = trust.anchors;
    const chain = [];
    for (const [i, der] of (bundle.certificates ?? []).entries()) {
      const cert = parseDerCertificate(der);
      if (cert === undefined)
        return { ok: false, reason: `certificate ${i + 1} in the bundle is not valid X.509` };
      chain.push(cert);
    }
    const trusted = verifyCertificateChain(chain, anchors);
    if (!trusted.ok) return trusted;
    publicKey = trusted.publicKey;
    try {
      curveOf(publicKey);
    } catch (err) {
      return {
        ok: false,
        reason: `the signing certificate's key cannot sign OMS bundles: ${describeError(err)}`,
      };
    }
    signer = { method: 'certificate', chain: trusted.path };
  }
  const variant: PaeVariant | undefined = verifyEnvelopeSignature(
    bundle.payloadType,
    bundle.payload,
    bundle.signature,
    publicKey,
  );
  if (variant === undefined)
    return {
      ok: false,
      reason:
        'the DSSE signature does not verify: the payload or the signature was altered, or another key signed it',
    };
  if (variant === 'v0.2-compat')
    notes.push("signature made over model_signing v0.2.0's PAE (accepted for compatibility)");
  return { ok: true, signer };
}

function tryLoadPublicKey(bytes: Buffer): KeyObject | undefined {
  try {
    return loadPublicKey(bytes);
  } catch {
    return undefined;
  }
}

type StatementRead = { ok: true; manifest: ModelManifest } | { ok: false; reason: string };

/** The payload as a statement: JSON, the schema (or the v0.1 layout), a manifest, a root digest that adds up. */
function readStatement(payload: Buffer, notes: string[]): StatementRead {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `the signed payload is not JSON (${describeError(err)})` };
  }
  const legacy = (statement as { predicateType?: unknown } | null)?.predicateType === PREDICATE_TYPE_V01;
  const errors = legacy ? legacyStatementErrors(statement) : statementErrors(statement);
  if (errors.length > 0)
    return { ok: false, reason: `the signed statement is not an OMS statement: ${errors.join('; ')}` };
  if (legacy)
    notes.push(
      'v0.2.0 statement (predicate Digests/v0.1): no serialization parameters, files hashed with SHA-256',
    );
  let manifest: ModelManifest;
  try {
    manifest = manifestFromStatement(statement);
  } catch (err) {
    return { ok: false, reason: `the signed statement cannot be read: ${describeError(err)}` };
  }
  // manifestFromStatement has checked that the subject digest adds up (the reference's "Manifest is
  // inconsistent"); what it does not judge is whether an ignore path could hide the whole model.
  const badIgnore = manifest.serialization.ignore_paths.find((p) => !safeIgnorePath(p));
  if (badIgnore !== undefined)
    return {
      ok: false,
      reason: `the signed ignore path ${JSON.stringify(badIgnore)} is not a relative path inside the model`,
    };
  return { ok: true, manifest };
}

/** The spec forbids absolute and `..` ignore paths; `.` or empty would ignore the whole model. */
function safeIgnorePath(path: string): boolean {
  if (path === '' || isAbsolute(path) || path.startsWith('/')) return false;
  const parts = path.split(/[\\/]/);
  return !parts.includes('..') && parts.some((p) => p !== '' && p !== '.');
}

/** True when the signed resources include a file under one of the git paths left out by default. */
function signsGitPaths(manifest: ModelManifest): boolean {
  const sharded = manifest.serialization.method === 'shards';
  return manifest.resources.some((r) =>
    GIT_IGNORE_PATHS.includes(fileOfResource(r.name, sharded).split('/')[0]!),
  );
}

function describeDiff(diff: ManifestDiff): string {
  const parts: string[] = [];
  if (diff.changed.length > 0) parts.push(`${diff.changed.length} changed`);
  if (diff.added.length > 0) parts.push(`${diff.added.length} not signed`);
  if (diff.removed.length > 0) parts.push(`${diff.removed.length} missing`);
  return `the model does not match its signature: ${parts.join(', ')}`;
}
