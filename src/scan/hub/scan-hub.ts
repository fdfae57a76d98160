import { describeError, ParapetError } from '../../core/errors.ts';
import { emptyResult, type ScanResult } from '../../core/result.ts';
import { type ByteSource, bufferSource, openFileSource } from '../../formats/byte-source.ts';
import { isGguf, parseGguf } from '../../formats/gguf.ts';
import { isSafetensors, MAX_HEADER_BYTES } from '../../formats/safetensors.ts';
import type { ScanOptions } from '../context.ts';
import { scanSourceAt } from '../engine.ts';
import { HubAuthError, HubClient, type HubEntry, type HubRepo, hubConfig } from './client.ts';

/** Whole files: the pickle family, containers, Keras/TF/ONNX graphs, configs, templates and code. */
const WHOLE = new Set(
  'bin pt pth ckpt pkl pickle joblib npy npz zip tar gz tgz bz2 xz 7z h5 hdf5 keras pb onnx json jinja j2 py yaml yml'.split(
    ' ',
  ),
);
/**
 * Data files, fetched whole from dataset repositories only (the data-set scanner reads them by content):
 * JSON Lines, CSV/TSV, Parquet, Arrow IPC; `md` for the dataset card, whose YAML `configs` can name a script.
 */
const DATA_WHOLE = new Set('jsonl ndjson csv tsv parquet arrow md'.split(' '));
const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_TOTAL_BYTES = 20 * 1024 * 1024 * 1024;
/** First Range read of a safetensors file: the length and, usually, the whole header. */
const SAFETENSORS_FIRST = 64 * 1024;
const GGUF_FIRST = 16 * 1024 * 1024;
const GGUF_MAX = 256 * 1024 * 1024;

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;
const REVISION = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** True for an argument Parapet reads as a Hub reference. */
export function isHubRef(arg: string): boolean {
  return arg.startsWith('hf://');
}

/**
 * Parses `hf://OWNER/NAME[@REVISION]` (a model) or `hf://datasets/OWNER/NAME[@REVISION]` (a data set)
 * strictly; anything else is a USAGE error.
 */
export function parseHubRef(ref: string): HubRepo {
  const bad = (why: string): ParapetError =>
    new ParapetError(
      'USAGE',
      `bad Hub reference ${JSON.stringify(ref)}: ${why} (expected hf://OWNER/NAME[@REVISION] or hf://datasets/OWNER/NAME[@REVISION])`,
    );
  if (!ref.startsWith('hf://')) throw bad('not an hf:// reference');
  let body = ref.slice('hf://'.length);
  const dataset = body.startsWith('datasets/');
  if (dataset) body = body.slice('datasets/'.length);
  const at = body.indexOf('@');
  const id = at < 0 ? body : body.slice(0, at);
  const revision = at < 0 ? 'main' : body.slice(at + 1);
  const parts = id.split('/');
  if (parts.length !== 2) throw bad('the repository must be OWNER/NAME');
  const [owner, name] = parts as [string, string];
  for (const part of [owner, name]) {
    if (!NAME.test(part) || part.includes('..') || part.includes('--'))
      throw bad(`invalid name ${JSON.stringify(part)}`);
  }
  if (
    revision.length === 0 ||
    revision.length > 255 ||
    !REVISION.test(revision) ||
    revision.split('/').includes('..')
  )
    throw bad(`invalid revision ${JSON.stringify(revision)}`);
  return dataset ? { owner, name, revision, kind: 'dataset' } : { owner, name, revision };
}

function extension(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1);
}

/** A file of `size` bytes of which only `prefix` was fetched: reads past the prefix come back short. */
function prefixSource(prefix: Uint8Array, size: number): ByteSource {
  return {
    size,
    readAt: (offset, length) =>
      prefix.subarray(
        Math.max(0, offset),
        Math.max(Math.max(0, offset), Math.min(prefix.length, offset + length)),
      ),
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  return Buffer.concat([a, b]);
}

/**
 * Scans a Hugging Face Hub repository without cloning it: lists it through the Hub API and fetches only what
 * the scanners read (whole pickle-family files, configs and code; Range reads of safetensors and GGUF headers;
 * in dataset repositories also the data files and the dataset card).
 * Findings are located at `hf://OWNER/NAME@REVISION/PATH`. Files that are not fetched are listed in `skipped`
 * (no scanner reads them) or `errors` (a model file over a download limit: not analysed, never clean).
 * Throws ParapetError USAGE for a bad reference, NOT_FOUND for a missing repository or revision, and
 * UNREADABLE for a gated or private one (set HF_TOKEN).
 */
export async function scanHub(ref: string, options: ScanOptions = {}): Promise<ScanResult> {
  const repo = parseHubRef(ref);
  const client = new HubClient(hubConfig(options.hub));
  const maxFile = options.hub?.maxFileBytes ?? MAX_FILE_BYTES;
  let budget = options.hub?.maxTotalBytes ?? MAX_TOTAL_BYTES;
  const result = emptyResult();
  const base = `hf://${repo.kind === 'dataset' ? 'datasets/' : ''}${repo.owner}/${repo.name}@${repo.revision}`;
  const fetched = (ext: string): boolean =>
    WHOLE.has(ext) || (repo.kind === 'dataset' && DATA_WHOLE.has(ext));
  const files = (await client.listFiles(repo)).sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  let index = 0;
  for (const entry of files) {
    const where = `${base}/${entry.path}`;
    const ext = extension(entry.path);
    const ranged = ext === 'safetensors' || ext === 'gguf';
    if (!ranged && !fetched(ext)) {
      result.skipped.push({
        path: where,
        why: 'not fetched from the Hub: no Parapet scanner reads this file type',
      });
      continue;
    }
    if (entry.size === 0) {
      result.skipped.push({ path: where, why: 'empty file' });
      continue;
    }
    options.onFile?.(where, index++);
    try {
      const whole = async (): Promise<void> => {
        if (entry.size > maxFile) {
          result.errors.push({
            path: where,
            error: `not analysed: ${entry.size} bytes, over the ${maxFile}-byte download cap`,
          });
          return;
        }
        if (entry.size > budget) {
          result.errors.push({
            path: where,
            error: 'not analysed: the repository is over its total download budget',
          });
          return;
        }
        budget -= entry.size;
        const file = await client.download(repo, entry);
        const src = openFileSource(file);
        try {
          await scanSourceAt(src, where, result, options);
        } finally {
          src.close();
        }
      };
      if (!ranged) await whole();
      else {
        const header =
          ext === 'safetensors'
            ? await safetensorsHeader(client, repo, entry)
            : await ggufHeader(client, repo, entry);
        // Not what its name says: fetch it whole and let detection decide, as for a local file.
        if (header === undefined) await whole();
        else {
          if (header.error !== undefined) result.errors.push({ path: where, error: header.error });
          await scanSourceAt(header.src, where, result, options);
        }
      }
    } catch (err) {
      if (err instanceof HubAuthError) throw err;
      result.errors.push({ path: where, error: describeError(err) });
    }
  }
  return result;
}

interface RangedHeader {
  src: ByteSource;
  error?: string;
}

/** The header length and the header (up to the loaders' cap), by Range reads; undefined if not safetensors. */
async function safetensorsHeader(
  client: HubClient,
  repo: HubRepo,
  entry: HubEntry,
): Promise<RangedHeader | undefined> {
  let bytes = client.cachedPrefix(repo, entry);
  if (bytes === undefined) {
    bytes = await client.readRange(repo, entry.path, 0, Math.min(entry.size, SAFETENSORS_FIRST) - 1);
    if (bytes.length >= 8) {
      const n = Buffer.from(bytes).readBigUInt64LE(0);
      const end = 8n + n;
      if (n <= BigInt(MAX_HEADER_BYTES) && end <= BigInt(entry.size) && end > BigInt(bytes.length))
        bytes = concat(bytes, await client.readRange(repo, entry.path, bytes.length, Number(end) - 1));
    }
    client.savePrefix(repo, entry, bytes);
  }
  const src = prefixSource(bytes, entry.size);
  return isSafetensors(src) ? { src } : undefined;
}

/** The GGUF header and metadata: the first 16 MiB, more while the metadata runs on, up to 256 MiB. */
async function ggufHeader(
  client: HubClient,
  repo: HubRepo,
  entry: HubEntry,
): Promise<RangedHeader | undefined> {
  let bytes = client.cachedPrefix(repo, entry);
  if (bytes === undefined) {
    bytes = await client.readRange(repo, entry.path, 0, Math.min(entry.size, GGUF_FIRST) - 1);
    while (bytes.length < entry.size && bytes.length < GGUF_MAX && metadataRunsPast(bytes)) {
      const to = Math.min(entry.size, GGUF_MAX, bytes.length * 4);
      bytes = concat(bytes, await client.readRange(repo, entry.path, bytes.length, to - 1));
    }
    client.savePrefix(repo, entry, bytes);
  }
  if (!isGguf(bufferSource(bytes))) return undefined;
  if (bytes.length < entry.size && metadataRunsPast(bytes)) {
    // Parsed over the prefix alone, so the parser stops with "truncated" instead of reading unfetched bytes.
    return {
      src: bufferSource(bytes),
      error: `GGUF metadata runs past the first ${bytes.length} bytes fetched; the rest was not analysed`,
    };
  }
  return { src: prefixSource(bytes, entry.size) };
}

/** True when the metadata parsed over `prefix` alone stops because the prefix ends. */
function metadataRunsPast(prefix: Uint8Array): boolean {
  const src = bufferSource(prefix);
  if (!isGguf(src)) return false;
  try {
    const file = parseGguf(src);
    return file.error?.message.startsWith('GGUF truncated') === true;
  } catch (err) {
    return err instanceof ParapetError && err.message.startsWith('GGUF truncated');
  }
}
