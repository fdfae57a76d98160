import { ParapetError } from '../core/errors.ts';
import type { Location } from '../core/finding.ts';
import type { ScanResult } from '../core/result.ts';
import type { OsvQueryDep } from '../deps/advisories/online.ts';
import type { IncludeReader } from '../deps/manifests/index.ts';
import type { Advisory, AdvisoryIndex } from '../deps/types.ts';
import type { ByteSource } from '../formats/byte-source.ts';

/** Options a caller sets for a whole scan. */
export interface ScanOptions {
  /** Default-deny: unknown pickle imports count as high. */
  strict?: boolean;
  /** Decompressed bytes one top-level file may produce in all (default MAX_EXPANDED_BYTES). */
  maxExpandedBytes?: number;
  /** Called once per top-level file, before it is analysed (for progress bars). */
  onFile?: (path: string, index: number) => void;
  /**
   * Called as a long file is read (data sets: a 1 GB JSONL takes minutes), with the bytes of it read so far;
   * `location` says which file or archive member. Calls can be frequent: throttle the drawing, not the call.
   */
  onProgress?: (location: Location, doneBytes: number, totalBytes: number) => void;
  /** Hugging Face Hub settings for `hf://` paths (default: HF_ENDPOINT, HF_TOKEN, PARAPET_CACHE_DIR). */
  hub?: HubOptions;
  /**
   * Advisory index for dependency manifests (`parapet db update` writes one). Default: the user's index when
   * it exists, else the snapshot shipped with Parapet.
   */
  advisoryDb?: string;
  /** Also ask the OSV API about every pinned dependency (the only scan option that leaves the machine). */
  online?: OnlineOptions;
}

/** Where `online` queries go. */
export interface OnlineOptions {
  /** OSV API base URL (default https://api.osv.dev). */
  endpoint?: string;
  /** Per request, in ms (default 30 000). */
  timeoutMs?: number;
}

/** How `hf://OWNER/NAME[@REVISION]` is fetched; every field falls back to its environment variable or default. */
export interface HubOptions {
  /** Hub base URL (HF_ENDPOINT, default https://huggingface.co). */
  endpoint?: string;
  /** Access token for gated or private repositories (HF_TOKEN); sent as a Bearer header, never logged. */
  token?: string | undefined;
  /** Where downloaded files are kept between scans (PARAPET_CACHE_DIR, default <tmp>/parapet-hf-cache). */
  cacheDir?: string;
  /** Per-request timeout in ms: until the response headers, then between body chunks (default 60 000). */
  timeoutMs?: number;
  /** First retry delay in ms, doubled each try, when the Hub sends no Retry-After (default 1 000). */
  retryBaseMs?: number;
  /** Largest whole file fetched (default 2 GiB). */
  maxFileBytes?: number;
  /** Whole-file bytes fetched per repository in all (default 20 GiB). */
  maxTotalBytes?: number;
}

/** What a format handler needs: where it is, how deep, and how to hand nested content back to the dispatcher. */
export interface HandlerContext {
  result: ScanResult;
  location: Location;
  strict: boolean;
  /** Containers inside containers: 0 for a file on disk. */
  depth: number;
  /** Decompressed bytes still allowed for this top-level file (shared by everything nested in it). */
  budget: ExpansionBudget;
  /** What the whole scan shares: the advisory index, online queries, includes beside files on disk. */
  services: ScanServices;
  /** Analyses nested content (an archive member, an extracted file) with format detection. */
  scanNested(src: ByteSource, member: string, hints?: NestedHints): Promise<NestedOutcome>;
}

/**
 * Scan-wide services, built once per scan and shared by every file in it (see scan/services.ts). Loaded
 * lazily: a scan of model weights never reads the advisory index.
 */
export interface ScanServices {
  /** The advisory index, or the error that kept it from loading (reported per manifest, never "clean"). */
  advisories(): AdvisoryIndex | Error;
  /** OSV answers for these dependencies when `online` is on; undefined when it is off. Throws ParapetError. */
  queryOnline?(deps: readonly OsvQueryDep[]): Promise<Map<string, Advisory[]>>;
  /**
   * Reads a file a manifest includes (`-r other.txt`), resolved beside the including file; only for files on
   * disk, only inside the scanned directory, and only regular files under the size cap. Undefined otherwise.
   */
  readInclude?: IncludeReader;
  /** Findings already reported, so an included file scanned on its own too is not reported twice. */
  reported: Set<string>;
  /** ScanOptions.onProgress, for handlers that read one file for a long time. */
  progress?: (location: Location, doneBytes: number, totalBytes: number) => void;
}

/** What the parent knows about a nested item. */
export interface NestedHints {
  /** Raw tensor storage in a torch archive (`archive/data/0`): a pickle only with an explicit PROTO header. */
  tensorData?: boolean;
}

/** Whether nested content was recognised and analysed. */
export type NestedOutcome = 'analysed' | 'not-a-model-format';

/** The base name of what is being scanned: the innermost member's, or the file's (`a.zip!data/train.csv` → `train.csv`). */
export function baseNameOf(location: Location): string {
  const inner =
    location.member === undefined
      ? location.path
      : location.member.slice(location.member.lastIndexOf('!') + 1);
  return inner.slice(Math.max(inner.lastIndexOf('/'), inner.lastIndexOf('\\')) + 1);
}

/** Joins container member paths with "/" after the parent member ("outer.zip!inner.tar/file.pkl"). */
export function childMember(parent: Location, member: string): string {
  return parent.member === undefined ? member : `${parent.member}!${member}`;
}

/** How much decompressed output one top-level file may still produce: zip bombs and nested bombs stop here. */
export interface ExpansionBudget {
  remaining: number;
}

/** Decompressed bytes one top-level file may produce in all, across every nested archive and stream. */
export const MAX_EXPANDED_BYTES = 4 * 1024 * 1024 * 1024;

/** Charges `bytes` of decompressed output to the file's budget; LIMIT (scan incomplete) once it is spent. */
export function chargeExpansion(ctx: HandlerContext, bytes: number, what: string): void {
  ctx.budget.remaining -= bytes;
  if (ctx.budget.remaining < 0) {
    throw new ParapetError(
      'LIMIT',
      `${what}: the file decompresses past its expansion budget; the rest was not analysed`,
    );
  }
}
