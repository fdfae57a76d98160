import { describeError } from '../core/errors.ts';
import type { Location } from '../core/finding.ts';
import { emptyResult, mergeInto, type ScanResult } from '../core/result.ts';
import { type ByteSource, bufferSource, openFileSource } from '../formats/byte-source.ts';
import { detectCompression } from '../formats/compressed.ts';
import { isZip } from '../formats/zip.ts';
import {
  baseNameOf,
  childMember,
  type ExpansionBudget,
  type HandlerContext,
  MAX_EXPANDED_BYTES,
  type NestedHints,
  type NestedOutcome,
  type ScanOptions,
  type ScanServices,
} from './context.ts';
import { detectFormat } from './detect.ts';
import { BINARY_FORMATS, TEXT_FORMATS } from './formats.ts';
import { handleCompressed } from './handlers/compressed.ts';
import { handleNpy } from './handlers/npy.ts';
import { handlePickle } from './handlers/pickle.ts';
import { handleSevenZip } from './handlers/sevenzip.ts';
import { handleTar } from './handlers/tar.ts';
import { handleZip } from './handlers/zip.ts';
import { isHubRef, scanHub } from './hub/scan-hub.ts';
import { createScanServices, rootsOf } from './services.ts';
import { walk } from './walk.ts';

const NOT_A_MODEL =
  'not a model format Parapet reads (no known signature, and no config, template or code file name)';

/** Archives inside archives deeper than this are reported as not analysed. */
const MAX_NESTING = 5;

/**
 * Scans files and directories statically. Never loads, unpickles or runs anything, never prints and never
 * exits: every problem is a finding or an entry in `errors`. Throws only ParapetError NOT_FOUND for a
 * top-level path that does not exist, and for `hf://` references the errors `scanHub` documents.
 */
export async function scanPaths(paths: readonly string[], options: ScanOptions = {}): Promise<ScanResult> {
  const result = emptyResult();
  let index = 0;
  // `hf://OWNER/NAME[@REVISION]` arguments are Hugging Face Hub repositories, scanned after the local paths.
  const hub = paths.filter(isHubRef);
  const local = paths.filter((p) => !isHubRef(p));
  const services = createScanServices(options, rootsOf(local));
  for (const item of walk(local)) {
    if (item.kind === 'error') result.errors.push({ path: item.path, error: item.error });
    else if (item.kind === 'skip') result.skipped.push({ path: item.path, why: item.why });
    else {
      options.onFile?.(item.path, index++);
      await scanFile(item.path, result, options, services);
    }
  }
  for (const ref of hub) mergeInto(result, await scanHub(ref, options));
  return result;
}

/** Scans one file on disk into `result`. */
export async function scanFile(
  path: string,
  result: ScanResult,
  options: ScanOptions = {},
  services: ScanServices = createScanServices(options, rootsOf([path])),
): Promise<void> {
  let src: ReturnType<typeof openFileSource>;
  try {
    src = openFileSource(path);
  } catch (err) {
    result.errors.push({ path, error: `cannot open: ${describeError(err)}` });
    return;
  }
  try {
    await scanRoot(src, path, result, options, services);
  } finally {
    src.close();
  }
}

/** Detects the format of `src` and runs its handler; nested content re-enters here with depth + 1. */
export async function scanSource(
  src: ByteSource,
  location: Location,
  depth: number,
  result: ScanResult,
  strict: boolean,
  hints: NestedHints,
  budget: ExpansionBudget,
  services: ScanServices,
): Promise<NestedOutcome> {
  const ctx: HandlerContext = {
    result,
    location,
    strict,
    depth,
    budget,
    services,
    scanNested: async (child, member, childHints = {}) => {
      const childLocation: Location = { path: location.path, member: childMember(location, member) };
      if (depth + 1 > MAX_NESTING) {
        result.errors.push({
          path: `${location.path}!${childLocation.member}`,
          error: `archives nested more than ${MAX_NESTING} deep`,
        });
        return 'analysed';
      }
      try {
        return await scanSource(
          child,
          childLocation,
          depth + 1,
          result,
          strict,
          childHints,
          budget,
          services,
        );
      } catch (err) {
        result.errors.push({ path: `${location.path}!${childLocation.member}`, error: describeError(err) });
        return 'analysed';
      }
    },
  };
  // Formats with their own structure go first: a safetensors header length or a GGUF version can look
  // like a pickle opcode or a zlib header, and those readings must not shadow the real one.
  const binary = BINARY_FORMATS.find((f) => f.detect(src, baseNameOf(location)));
  if (binary !== undefined) return binary.handle(src, ctx);
  const format = detectFormat(src);
  switch (format) {
    case 'pickle': {
      const isPickle = handlePickle(src, ctx, hints.tensorData === true);
      // A pickle/zip polyglot: torch.load picks one reading, zipfile the other. Analyse both.
      if (isPickle && !hints.tensorData && isZip(src)) await handleZip(src, ctx);
      return isPickle ? 'analysed' : 'not-a-model-format';
    }
    case 'maybe-pickle':
    case 'unknown':
      return scanOther(src, ctx, format === 'maybe-pickle' && !hints.tensorData);
    case 'zip':
      await handleZip(src, ctx);
      return 'analysed';
    case 'tar':
      await handleTar(src, ctx);
      return 'analysed';
    case '7z':
      await handleSevenZip(src, ctx);
      return 'analysed';
    case 'compressed': {
      const kind = detectCompression(src)!;
      return handleCompressed(src, kind, ctx);
    }
    case 'npy':
      handleNpy(src, ctx);
      return 'analysed';
  }
}

/** Bytes with no container signature: a headerless pickle, then every text format whose name matches. */
async function scanOther(src: ByteSource, ctx: HandlerContext, mayBePickle: boolean): Promise<NestedOutcome> {
  const name = baseNameOf(ctx.location);
  // A file can be a loadable pickle and a text format at once (Python that also parses as a pickle):
  // both readings are analysed, as with pickle/zip polyglots.
  let outcome: NestedOutcome =
    mayBePickle && handlePickle(src, ctx, true) ? 'analysed' : 'not-a-model-format';
  for (const text of TEXT_FORMATS) {
    if (text.detect(src, name) && (await text.handle(src, ctx)) === 'analysed') outcome = 'analysed';
  }
  return outcome;
}

/** Scans an in-memory file as if it were on disk at `path` (for library users and tests). */
export async function scanBytes(
  bytes: Uint8Array,
  path: string,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const result = emptyResult();
  await scanRoot(bufferSource(bytes), path, result, options, createScanServices(options));
  return result;
}

/** Scans `src` as a top-level file located at `path` (used by the Hub scanner for fetched files and headers). */
export function scanSourceAt(
  src: ByteSource,
  path: string,
  result: ScanResult,
  options: ScanOptions = {},
  services: ScanServices = createScanServices(options),
): Promise<void> {
  return scanRoot(src, path, result, options, services);
}

/** A top-level file, on disk or in memory: analysed, skipped as not a model format, or recorded as an error. */
async function scanRoot(
  src: ByteSource,
  path: string,
  result: ScanResult,
  options: ScanOptions,
  services: ScanServices,
): Promise<void> {
  if (src.size === 0) {
    result.skipped.push({ path, why: 'empty file' });
    return;
  }
  try {
    const budget = { remaining: options.maxExpandedBytes ?? MAX_EXPANDED_BYTES };
    const outcome = await scanSource(src, { path }, 0, result, options.strict ?? false, {}, budget, services);
    if (outcome === 'analysed') result.scanned.push(path);
    else result.skipped.push({ path, why: NOT_A_MODEL });
  } catch (err) {
    result.errors.push({ path, error: describeError(err) });
  }
}
