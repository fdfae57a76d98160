import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ParapetError } from '../../core/errors.ts';
import { bufferSource } from '../../formats/byte-source.ts';
import { parseGguf } from '../../formats/gguf.ts';
import { MAX_HEADER_BYTES } from '../../formats/safetensors.ts';
import type { HubOptions } from '../../scan/context.ts';
import { HubClient, type HubEntry, type HubRepo, hubConfig } from '../../scan/hub/client.ts';
import { parseHubRef } from '../../scan/hub/scan-hub.ts';
import { hashFile } from './file-hash.ts';
import { decodeText, type HeaderSource, type ModelSource, prefixSource } from './source.ts';
import type { SbomHashAlgorithm } from './types.ts';

/** First Range read of a safetensors file: the length and, for most models, the whole header. */
const SAFETENSORS_FIRST = 64 * 1024;
/** GGUF metadata and tensor infos: the first 16 MiB, growing while they run on, up to 256 MiB. */
const GGUF_FIRST = 16 * 1024 * 1024;
const GGUF_MAX = 256 * 1024 * 1024;
/**
 * Non-LFS files are downloaded to be hashed (the listing gives only their git blob id). The Hub stores every
 * file over 10 MB in LFS, so anything bigger that is not LFS is refused rather than fetched whole.
 */
const MAX_SMALL_FILE = 64 * 1024 * 1024;

/**
 * Opens `hf://OWNER/NAME[@REVISION]` through the scanner's Hub client: one recursive listing, then only what
 * the BOM needs (small text files whole, weights headers by Range). Throws ParapetError USAGE for a bad
 * reference, NOT_FOUND for a missing repository or revision, UNREADABLE for a gated or private one.
 */
export async function openHubModel(ref: string, options: HubOptions = {}): Promise<ModelSource> {
  const repo = parseHubRef(ref);
  const client = new HubClient(hubConfig(options));
  const listed = await client.listFiles(repo);
  return new HubSource(repo, client, listed);
}

function gitOrder(a: HubEntry, b: HubEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

class HubSource implements ModelSource {
  readonly origin = 'hub';
  readonly singleFile = false;
  readonly name: string;
  readonly hubUrl: string;
  readonly entries: { path: string; size: number }[];
  readonly issues = [];
  private readonly byPath: Map<string, HubEntry>;

  constructor(
    readonly hubRepo: HubRepo,
    private readonly client: HubClient,
    listed: HubEntry[],
  ) {
    this.name = hubRepo.name;
    this.hubUrl = `${client.config.endpoint}/${hubRepo.owner}/${hubRepo.name}`;
    const sorted = [...listed].sort(gitOrder);
    this.byPath = new Map(sorted.map((e) => [e.path, e]));
    this.entries = sorted.map((e) => ({ path: e.path, size: e.size }));
  }

  private entry(path: string): HubEntry {
    const e = this.byPath.get(path);
    if (e === undefined) throw new ParapetError('NOT_FOUND', `${path} is not in the repository listing`);
    return e;
  }

  async readText(path: string, maxBytes: number): Promise<string> {
    const e = this.entry(path);
    if (e.size > maxBytes)
      throw new ParapetError('LIMIT', `${e.size} bytes, over the ${maxBytes}-byte cap for this file`);
    return decodeText(await readFile(await this.client.download(this.hubRepo, e)));
  }

  async hash(path: string, algorithms: readonly SbomHashAlgorithm[]) {
    const e = this.entry(path);
    // An LFS object's id is the SHA-256 of its content (the Git LFS spec), so weights are never downloaded.
    if (e.lfs !== undefined) {
      return { hashes: { 'SHA-256': e.lfs.oid.toLowerCase() }, origin: 'hub-lfs-oid' as const };
    }
    if (e.size > MAX_SMALL_FILE)
      throw new ParapetError(
        'LIMIT',
        `${e.size}-byte non-LFS file: not downloaded to be hashed (cap ${MAX_SMALL_FILE})`,
      );
    // download() checks the bytes against the listed git blob id before they are hashed.
    const local = await this.client.download(this.hubRepo, e);
    return { hashes: await hashFile(local, algorithms), origin: 'computed' as const };
  }

  async openHeader(path: string, format: 'safetensors' | 'gguf'): Promise<HeaderSource> {
    const e = this.entry(path);
    return format === 'safetensors' ? this.safetensorsHeader(e) : this.ggufHeader(e);
  }

  /** The 8-byte length and the header it declares (up to the loaders' cap), by Range reads. */
  private async safetensorsHeader(e: HubEntry): Promise<HeaderSource> {
    let bytes = this.client.cachedPrefix(this.hubRepo, e);
    let fetched = false;
    if (bytes === undefined || bytes.length < Math.min(8, e.size)) {
      bytes =
        e.size === 0
          ? new Uint8Array(0)
          : await this.client.readRange(this.hubRepo, e.path, 0, Math.min(e.size, SAFETENSORS_FIRST) - 1);
      fetched = true;
    }
    if (bytes.length >= 8) {
      const n = Buffer.from(bytes).readBigUInt64LE(0);
      const end = 8n + n;
      if (n <= BigInt(MAX_HEADER_BYTES) && end <= BigInt(e.size) && end > BigInt(bytes.length)) {
        const rest = await this.client.readRange(this.hubRepo, e.path, bytes.length, Number(end) - 1);
        bytes = Buffer.concat([bytes, rest]);
        fetched = true;
      }
    }
    if (fetched) this.client.savePrefix(this.hubRepo, e, bytes);
    return { src: prefixSource(bytes, e.size), close: () => {} };
  }

  /** GGUF metadata and tensor infos: more is fetched while the parse stops at the end of what was fetched. */
  private async ggufHeader(e: HubEntry): Promise<HeaderSource> {
    let bytes = this.client.cachedPrefix(this.hubRepo, e);
    let grew = false;
    if (bytes === undefined || bytes.length === 0) {
      bytes =
        e.size === 0
          ? new Uint8Array(0)
          : await this.client.readRange(this.hubRepo, e.path, 0, Math.min(e.size, GGUF_FIRST) - 1);
      grew = true;
    }
    while (bytes.length < e.size && bytes.length < GGUF_MAX && runsPast(bytes)) {
      const to = Math.min(e.size, GGUF_MAX, bytes.length * 4);
      bytes = Buffer.concat([bytes, await this.client.readRange(this.hubRepo, e.path, bytes.length, to - 1)]);
      grew = true;
    }
    if (grew) this.client.savePrefix(this.hubRepo, e, bytes);
    if (bytes.length < e.size && runsPast(bytes)) {
      // Parsed over the prefix alone, so the parser stops with "truncated" instead of reading unfetched bytes.
      return {
        src: bufferSource(bytes),
        close: () => {},
        truncated: `GGUF header runs past the first ${bytes.length} bytes fetched`,
      };
    }
    return { src: prefixSource(bytes, e.size), close: () => {} };
  }

  async readSignature(explicit: string | undefined, maxBytes: number) {
    if (explicit !== undefined) {
      // A signature published elsewhere (downloaded by the user) for this repository.
      const abs = resolve(explicit);
      if (!existsSync(abs)) throw new ParapetError('NOT_FOUND', `${explicit}: no such signature file`);
      const { size } = await stat(abs);
      if (size > maxBytes)
        throw new ParapetError('LIMIT', `signature file is ${size} bytes, over the ${maxBytes}-byte cap`);
      return { path: basename(abs), text: decodeText(await readFile(abs)) };
    }
    if (!this.byPath.has('model.sig')) return undefined;
    return { path: 'model.sig', text: await this.readText('model.sig', maxBytes) };
  }
}

/** True when the GGUF header parsed over `prefix` alone (tensor infos included) stops because the prefix ends. */
function runsPast(prefix: Uint8Array): boolean {
  try {
    const file = parseGguf(bufferSource(prefix), { tensors: true });
    return file.error?.message.startsWith('GGUF truncated') === true;
  } catch (err) {
    return err instanceof ParapetError && err.message.startsWith('GGUF truncated');
  }
}
