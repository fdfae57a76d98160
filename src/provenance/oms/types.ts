/**
 * The OpenSSF Model Signing (OMS) model as Parapet handles it. Layers, outside in: a Sigstore bundle (v0.3)
 * holds a DSSE envelope, whose payload is an in-toto statement, whose predicate
 * (`https://model_signing/signature/v1.0`) lists every file (or shard) of the model with its digest and how the
 * model was serialised. Hashing (hash.ts, manifest.ts, statement.ts) never knows about keys; signing and
 * verification (bundle.ts, sign.ts, verify.ts) never walk the file system themselves.
 */

/** Hash algorithms the reference implementation offers (`hash_type` in the predicate). */
export type HashAlgorithm = 'sha256' | 'blake2b' | 'blake3';

/** One signed item: a file, or a shard of one (`path:start:end`), with its hex digest. */
export interface ResourceDescriptor {
  /** POSIX path relative to the model root; `.`-style naming for a single-file model follows the reference. */
  name: string;
  /** As the predicate spells it (`sha256`, `blake2b`, `blake3`). */
  algorithm: string;
  /** Lower-case hex. */
  digest: string;
}

/** The predicate's `serialization` object, as the reference writes it. */
export interface SerializationParams {
  /** `files` (one digest per file) or `shards` (one per `shard_size` piece). */
  method: 'files' | 'shards';
  hash_type: HashAlgorithm;
  allow_symlinks: boolean;
  /** Paths left out of the manifest, relative to the model root, as recorded. */
  ignore_paths: string[];
  /** Bytes per shard, for `shards`. */
  shard_size?: number;
}

/** A model's manifest: what was (or is to be) signed. */
export interface ModelManifest {
  /** The statement subject's name: the model directory's (or file's) base name. */
  modelName: string;
  /** In the reference implementation's order. */
  resources: ResourceDescriptor[];
  serialization: SerializationParams;
  /** The subject digest: sha256 over the resources' digests, in order. */
  rootDigest: { algorithm: 'sha256'; digest: string };
}

/** How to hash a model. */
export interface HashOptions {
  hashAlgorithm?: HashAlgorithm;
  /** Shard files into pieces of this many bytes (the `shards` method); unset → one digest per file. */
  shardSize?: number;
  /** Paths (relative to the model root, or absolute inside it) to leave out; the signature file always is. */
  ignorePaths?: readonly string[];
  allowSymlinks?: boolean;
  /** Called as bytes are hashed (for a progress bar); `total` is known before hashing starts. */
  onProgress?: (done: number, total: number) => void;
  /** Worker threads for hashing (default: the number of CPUs, at most 8). 0 hashes on the calling thread. */
  workers?: number;
}

/** How a model on disk differs from a manifest: what verification reports on failure. */
export interface ManifestDiff {
  /** In both, with different digests. */
  changed: string[];
  /** On disk, not in the manifest. */
  added: string[];
  /** In the manifest, not on disk. */
  removed: string[];
}
