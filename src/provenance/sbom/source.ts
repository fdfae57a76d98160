/**
 * Where a model's files come from: a local directory or file (local-source.ts) or a Hugging Face repository
 * (hub-source.ts). The readers in this directory only see this interface, so a Hub model and a downloaded copy
 * of it produce the same BOM facts.
 */
import type { ByteSource } from '../../formats/byte-source.ts';
import type { HubRepo } from '../../scan/hub/client.ts';
import type { SbomHashAlgorithm, SbomIssue } from './types.ts';

/** One file of the model. */
export interface SourceEntry {
  /** Model-relative POSIX path. */
  path: string;
  size: number;
  /** A symbolic link to a regular file, followed (local only). */
  symlink?: boolean;
}

/** A header window over a weights file; `close` releases the file (a no-op for fetched bytes). */
export interface HeaderSource {
  src: ByteSource;
  close(): void;
  /** Why only part of the header could be fetched, when it could not all be. */
  truncated?: string;
}

/** The model's files and how to read them. Every read is bounded by the caller's cap. */
export interface ModelSource {
  readonly origin: 'local' | 'hub';
  /** The model's name: the directory's or file's base name, or the repository name. */
  readonly name: string;
  /** For hf:// models. */
  readonly hubRepo?: HubRepo;
  /** For hf:// models: the repository's web address on the endpoint used. */
  readonly hubUrl?: string;
  /** For local models: the absolute path given (directory or file). */
  readonly localPath?: string;
  /** A single-file model (a .gguf or .safetensors given directly). */
  readonly singleFile: boolean;
  /** Every file, sorted by path. */
  readonly entries: readonly SourceEntry[];
  /** Problems met while listing (unfollowed directory links, limits). */
  readonly issues: readonly SbomIssue[];
  /** The file's text (UTF-8, BOM stripped); throws ParapetError LIMIT above `maxBytes`. */
  readText(path: string, maxBytes: number): Promise<string>;
  /** The file's header bytes for the safetensors or GGUF parser (Range reads on the Hub). */
  openHeader(path: string, format: 'safetensors' | 'gguf'): Promise<HeaderSource>;
  /** The file's digests, computed (local, small Hub files) or as the Hub lists them (LFS SHA-256). */
  hash(
    path: string,
    algorithms: readonly SbomHashAlgorithm[],
  ): Promise<{ hashes: Partial<Record<SbomHashAlgorithm, string>>; origin: 'computed' | 'hub-lfs-oid' }>;
  /**
   * The OMS signature file: `explicit` (a local path) when given, else the default location. Undefined when
   * there is none. `path` is how the BOM names it (model-relative when inside the model).
   */
  readSignature(
    explicit: string | undefined,
    maxBytes: number,
  ): Promise<{ path: string; text: string } | undefined>;
}

/** A ByteSource over a fetched prefix of a `size`-byte file: reads past the prefix come back short. */
export function prefixSource(prefix: Uint8Array, size: number): ByteSource {
  return {
    size,
    readAt: (offset, length) => {
      const start = Math.max(0, offset);
      return prefix.subarray(start, Math.max(start, Math.min(prefix.length, offset + length)));
    },
  };
}

/** Decodes UTF-8 without failing on bad bytes, dropping a leading byte-order mark. */
export function decodeText(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
