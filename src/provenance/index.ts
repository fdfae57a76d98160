/**
 * Model provenance, public API: OpenSSF Model Signing (OMS) — hash a model into its manifest, sign it into
 * a Sigstore bundle with an ECDSA key or a certificate chain, and verify key, certificate and keyless
 * (Sigstore) bundles offline, in the exact format sigstore's reference `model_signing` reads and writes.
 *
 *   const { json } = await signModel('./my-model', { key: pem, output: './my-model/model.sig' });
 *   const r = await verifyModel('./my-model', './my-model/model.sig', { publicKey: publicPem });
 *   if (!r.ok) console.error(r.reason, r.diff);
 */

// The layers, for callers that build or inspect bundles themselves.
export {
  BUNDLE_MEDIA_TYPE,
  type OmsBundle,
  type ParsedBundle,
  parseBundle,
  type SigningMethod,
  serializeBundle,
} from './oms/bundle.ts';
export { diffManifests } from './oms/diff.ts';
export { type DsseEnvelope, IN_TOTO_PAYLOAD_TYPE, pae } from './oms/dsse.ts';
// Hashing a model into its manifest, and the in-toto statement it becomes.
export { GIT_IGNORE_PATHS, type HashModelOptions, hashModel } from './oms/hash.ts';
export { loadPrivateKey, loadPublicKey, publicKeyHint } from './oms/keys.ts';
export { DEFAULT_SHARD_SIZE, rootDigestOf } from './oms/manifest.ts';
// Signing.
export { type SignOptions, type SignResult, signModel } from './oms/sign.ts';
export { type SigningMaterial, signStatement } from './oms/sign-statement.ts';
export { defaultTrustedRootPath, type SigstoreIdentity } from './oms/sigstore.ts';
export {
  buildStatement,
  manifestFromStatement,
  PREDICATE_TYPE,
  PREDICATE_TYPE_V01,
  STATEMENT_TYPE,
  statementBytes,
} from './oms/statement.ts';
// Types shared by every layer.
export type {
  HashAlgorithm,
  HashOptions,
  ManifestDiff,
  ModelManifest,
  ResourceDescriptor,
  SerializationParams,
} from './oms/types.ts';
// Verifying.
export {
  type SignerInfo,
  type VerifyOptions,
  type VerifyResult,
  type VerifyStage,
  verifyModel,
} from './oms/verify.ts';
