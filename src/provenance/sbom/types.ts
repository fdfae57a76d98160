/**
 * The ML-BOM as Parapet builds it: what is read from a model (a directory, a single file, or a Hugging Face
 * repository) before it becomes CycloneDX. Readers (card.ts, config.ts, weights.ts, signature.ts, deps.ts)
 * produce these facts and never know about CycloneDX; assemble.ts turns them into a BOM and never reads files.
 */
import type { HubOptions } from '../../scan/context.ts';

/** CycloneDX versions `buildModelBom` writes; both carry `machine-learning-model` and `modelCard`. */
export const SBOM_SPEC_VERSIONS = ['1.6', '1.7'] as const;
export type SbomSpecVersion = (typeof SBOM_SPEC_VERSIONS)[number];

/** Hash algorithms recorded per file, spelled as CycloneDX spells them. */
export type SbomHashAlgorithm = 'SHA-256' | 'BLAKE3';

/**
 * Something that could not be read, recorded in the BOM (`metadata.properties`, `parapet:issue`) instead of
 * failing the whole build. `incomplete` issues mean the BOM is missing something it promises (a file's hash,
 * every file of the directory); the others mean author-supplied metadata was unreadable.
 */
export interface SbomIssue {
  /** Model-relative POSIX path of the file concerned, or '' for the model as a whole. */
  path: string;
  message: string;
  incomplete: boolean;
}

/** What the optional signature verifier (src/provenance/oms/verify.ts, wired by the caller) reports. */
export interface SignatureVerdict {
  verified: boolean;
  /** One line: the signer that was trusted, or why verification failed. */
  detail: string;
}

/**
 * HOOK for signature verification: Parapet's OMS verifier is a separate module; the CLI (or any caller)
 * passes a function that verifies `signaturePath` over the model at `modelPath` with the key material it
 * holds. Without one the BOM records the signature's claims with `parapet:signature:verified = not-checked`.
 * Only called for local models (a Hub model is not on disk).
 */
export type SignatureVerifier = (input: {
  modelPath: string;
  signaturePath: string;
}) => Promise<SignatureVerdict>;

/** Options for `buildModelBom`. */
export interface ModelBomOptions {
  /** CycloneDX version (default 1.6). */
  specVersion?: SbomSpecVersion;
  /** Also compute BLAKE3 for every local file (about 2x the hashing time); SHA-256 is always computed. */
  blake3?: boolean;
  /** The OMS signature file; default `model.sig` in the model directory (or beside a single-file model). */
  signaturePath?: string;
  /** See SignatureVerifier. */
  verifySignature?: SignatureVerifier;
  /** `urn:uuid:...` to use instead of a random one (reproducible output). */
  serialNumber?: string;
  /** BOM creation time (default now); `null` leaves `metadata.timestamp` out (reproducible output). */
  timestamp?: Date | null;
  /** Parapet's version, recorded in `metadata.tools` (the CLI passes its own). */
  toolVersion?: string;
  /** How hf:// references are fetched (endpoint, token, cache), as for `parapet scan`. */
  hub?: HubOptions;
  /** Called before each file is hashed or fetched (progress display). */
  onFile?: (path: string, index: number, total: number) => void;
}

/** One file of the model. */
export interface FileFacts {
  /** Model-relative POSIX path (the file's base name for a single-file model). */
  path: string;
  size: number;
  hashes: Partial<Record<SbomHashAlgorithm, string>>;
  /** `computed` from the bytes, or `hub-lfs-oid` (the SHA-256 the Hub lists for an LFS file). */
  hashOrigin?: 'computed' | 'hub-lfs-oid';
  /** A symbolic link that was followed (local models). */
  symlink?: boolean;
  /** Tensor statistics when the file is a safetensors or GGUF file (headers only). */
  weights?: WeightFileFacts;
}

/** Tensor counts of one weights file, from its header. */
export interface WeightFileFacts {
  format: 'safetensors' | 'gguf';
  tensors: number;
  /** Sum over tensors of the product of their dimensions (a bigint: a hostile header can exceed 2^53). */
  parameters: bigint;
  /** Tensor count per dtype (safetensors `F16`, GGUF `Q4_K`...), sorted by name. */
  dtypes: Record<string, number>;
  /** GGUF metadata worth recording (general.*, architecture), as strings. */
  metadata?: Record<string, string>;
}

/** A sharded safetensors checkpoint described by `*.safetensors.index.json`. */
export interface ShardIndexFacts {
  /** The index file's path. */
  path: string;
  /** Shard paths named in `weight_map`, sorted. */
  shards: string[];
  /** Tensors named in `weight_map`. */
  tensors: number;
  /** Sum over the named shards' headers (undefined when a shard is missing or unreadable). */
  parameters?: bigint;
  /** `metadata.total_size` as declared. */
  declaredTotalSize?: number;
}

/** The model card's YAML front matter, as far as it could be read. */
export interface CardFacts {
  /** `license` (a string, or a list on some cards), as written: `apache-2.0`, `llama3`, `other`. */
  licenses: string[];
  licenseName?: string;
  licenseLink?: string;
  datasets: string[];
  baseModels: string[];
  /** `base_model_relation`: adapter, merge, quantized, finetune. */
  baseModelRelation?: string;
  tags: string[];
  languages: string[];
  pipelineTag?: string;
  libraryName?: string;
  /** Metric names listed under `metrics:` (no values). */
  metricNames: string[];
  /** `model-index` results with values. */
  results: { type: string; value: string; slice?: string }[];
}

/** `config.json` fields that describe the architecture. */
export interface ConfigFacts {
  architectures: string[];
  modelType?: string;
  /** Hyper-parameters recorded as-is (hidden_size, num_hidden_layers, vocab_size, torch_dtype...). */
  hyperparameters: Record<string, string>;
  /** `auto_map` present: the model ships its own code (`trust_remote_code`). */
  remoteCode: boolean;
}

/** What a `model.sig` (OMS Sigstore bundle) claims; none of it is trusted until verified. */
export interface SignatureFacts {
  /** Model-relative path, or the path given. */
  path: string;
  mediaType?: string;
  method: 'key' | 'certificate' | 'sigstore' | 'unknown';
  /** `publicKey.hint` (v1.1+: SHA-256 of the signer's PEM public key). */
  keyHint?: string;
  /** SHA-256 of `publicKey.rawBytes` (pre-1.1 bundles embed the PEM). */
  publicKeySha256?: string;
  /** Certificate subject, SAN (the Sigstore identity) and issuer claims of the signing certificate. */
  certificateSubject?: string;
  certificateIssuer?: string;
  identity?: string;
  oidcIssuer?: string;
  certificateSha256?: string;
  tlogEntries: number;
  predicateType?: string;
  subjectName?: string;
  subjectDigest?: string;
  serialization?: { method?: string; hashType?: string; shardSize?: number; ignorePaths: string[] };
  /** Resources the predicate lists: name → hex digest (absent for shards). */
  resources: { name: string; algorithm: string; digest: string }[];
  /** How the listed digests compare with the files hashed here. */
  claimsMatch:
    | { status: 'match' }
    | { status: 'mismatch'; changed: string[]; missing: string[]; unsigned: string[] }
    | { status: 'not-compared'; reason: string };
  verdict?: SignatureVerdict;
  /** Why the bundle could not be fully read, when it could not. */
  error?: string;
}

/** One dependency found in a manifest beside the model, merged across manifests by purl. */
export interface DependencyFacts {
  purl: string;
  ecosystem: 'PyPI' | 'npm';
  name: string;
  version?: string;
  specifiers: string[];
  direct: boolean;
  dev: boolean;
  /** Manifests that name it (model-relative paths). */
  files: string[];
}
