import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError, ParapetError } from '../../core/errors.ts';
import type { HubOptions } from '../context.ts';

/** A repository and revision on the Hub. */
export interface HubRepo {
  owner: string;
  name: string;
  revision: string;
  /** A model repository (the default) or a dataset repository (`hf://datasets/OWNER/NAME`). */
  kind?: 'model' | 'dataset';
}

/** One entry of `GET /api/models/{repo}/tree/{revision}?recursive=true`, as the Hub documents it. */
export interface HubEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

/** The Hub refused access: gated or private. The whole repository cannot be analysed. */
export class HubAuthError extends ParapetError {
  constructor(message: string) {
    super('UNREADABLE', message);
  }
}

const DEFAULT_ENDPOINT = 'https://huggingface.co';
const TRIES = 3;
const MAX_PAGES = 10_000;
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/** Resolved settings: options first, then the environment, then defaults. */
export interface HubConfig {
  endpoint: string;
  token: string | undefined;
  cacheDir: string;
  timeoutMs: number;
  retryBaseMs: number;
}

export function hubConfig(options: HubOptions = {}): HubConfig {
  const env = process.env;
  const endpoint = (options.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let origin: string;
  try {
    origin = new URL(endpoint).protocol;
  } catch {
    throw new ParapetError('USAGE', `HF_ENDPOINT is not a URL: ${endpoint}`);
  }
  if (origin !== 'https:' && origin !== 'http:')
    throw new ParapetError('USAGE', `HF_ENDPOINT must be http(s): ${endpoint}`);
  const token = 'token' in options ? options.token : env.HF_TOKEN || undefined;
  return {
    endpoint,
    token,
    cacheDir: options.cacheDir ?? env.PARAPET_CACHE_DIR ?? join(tmpdir(), 'parapet-hf-cache'),
    timeoutMs: options.timeoutMs ?? 60_000,
    retryBaseMs: options.retryBaseMs ?? 1_000,
  };
}

/** An idle timer: aborts the request when nothing arrives for `ms` (headers, then each body chunk). */
class Watchdog {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {
    this.touch();
  }
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(new Error(`no response for ${this.ms} ms`)), this.ms);
  }
  done(): void {
    clearTimeout(this.timer);
  }
}

interface Opened {
  res: Response;
  dog: Watchdog;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Seconds or an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const secs = Number(value);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

/** `<url>; rel="next"` from a Link header. */
function nextLink(link: string | null): string | undefined {
  if (link === null) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /\brel\s*=\s*"?next"?/.test(m[2]!)) return m[1];
  }
  return undefined;
}

function repoId(repo: HubRepo): string {
  return `${repo.kind === 'dataset' ? 'datasets/' : ''}${repo.owner}/${repo.name}`;
}

/**
 * The API path of the repository: `/api/models/OWNER/NAME` or `/api/datasets/OWNER/NAME`, as
 * huggingface_hub builds it (`{endpoint}/api/{repo_type}s/{repo_id}/tree/{revision}`).
 */
function apiPath(repo: HubRepo): string {
  return `/api/${repo.kind === 'dataset' ? 'datasets' : 'models'}/${repo.owner}/${repo.name}`;
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** A small Hugging Face Hub client over fetch: listing, Range reads and cached downloads, with retries. */
export class HubClient {
  constructor(readonly config: HubConfig) {}

  /** Every file of the repository at its revision (directories dropped), following `Link: rel="next"`. */
  async listFiles(repo: HubRepo): Promise<HubEntry[]> {
    const { endpoint } = this.config;
    let url: string | undefined =
      `${endpoint}${apiPath(repo)}/tree/${encodeURIComponent(repo.revision)}?recursive=true`;
    const files: HubEntry[] = [];
    const origin = new URL(endpoint).origin;
    for (let page = 0; url !== undefined; page++) {
      if (page >= MAX_PAGES)
        throw new ParapetError('LIMIT', `${repoId(repo)}: more than ${MAX_PAGES} listing pages`);
      const { res, dog } = await this.open(url, {}, `listing ${repoId(repo)}@${repo.revision}`);
      let body: unknown;
      try {
        const text = await readText(res, dog, MAX_LISTING_BYTES);
        body = JSON.parse(text);
      } catch (err) {
        throw new ParapetError('UNREADABLE', `listing ${repoId(repo)}: bad response: ${describeError(err)}`);
      } finally {
        dog.done();
      }
      if (!Array.isArray(body))
        throw new ParapetError('UNREADABLE', `listing ${repoId(repo)}: the Hub did not return a list`);
      for (const e of body) {
        const entry = toEntry(e);
        if (entry === undefined)
          throw new ParapetError(
            'UNREADABLE',
            `listing ${repoId(repo)}: malformed entry ${JSON.stringify(e).slice(0, 200)}`,
          );
        if (entry.type === 'file') files.push(entry);
      }
      const next = nextLink(res.headers.get('link'));
      if (next !== undefined) {
        const abs: URL = new URL(next, url);
        // The token goes to the configured endpoint only.
        if (abs.origin !== origin)
          throw new ParapetError(
            'UNREADABLE',
            `listing ${repoId(repo)}: next page on another host (${abs.origin})`,
          );
        url = abs.href;
      } else url = undefined;
    }
    return files;
  }

  /**
   * `{endpoint}/{prefix}{repo_id}/resolve/{revision}/{path}`, the prefix `datasets/` for data sets
   * (huggingface_hub's REPO_TYPES_URL_PREFIXES): repoId carries it.
   */
  private resolveUrl(repo: HubRepo, path: string): string {
    return `${this.config.endpoint}/${repoId(repo)}/resolve/${encodeURIComponent(repo.revision)}/${encodePath(path)}`;
  }

  /** Bytes `[start, end]` (inclusive) of a file, by an HTTP Range request (206 expected). */
  async readRange(repo: HubRepo, path: string, start: number, end: number): Promise<Uint8Array> {
    const want = end - start + 1;
    const { res, dog } = await this.open(
      this.resolveUrl(repo, path),
      { Range: `bytes=${start}-${end}` },
      `${repoId(repo)}/${path}`,
    );
    try {
      if (res.status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
        if (!m || Number(m[1]) !== start)
          throw new ParapetError('UNREADABLE', `${path}: bad Content-Range for bytes=${start}-${end}`);
      } else if (start !== 0) {
        throw new ParapetError(
          'UNREADABLE',
          `${path}: the server ignored the Range request (HTTP ${res.status})`,
        );
      }
      // A 200 from a server that ignores Range: read the prefix asked for, then stop.
      return await readBytes(res, dog, want, true);
    } finally {
      dog.done();
    }
  }

  /** The cache file for `key`, or undefined. */
  private cachePath(kind: string, repo: HubRepo, entry: HubEntry): string {
    const oid = entry.lfs?.oid ?? entry.oid;
    const key = createHash('sha256')
      .update([kind, repoId(repo), repo.revision, entry.path, oid].join('\0'))
      .digest('hex');
    return join(this.config.cacheDir, key);
  }

  /** A cached prefix saved by `savePrefix`, if any. */
  cachedPrefix(repo: HubRepo, entry: HubEntry): Uint8Array | undefined {
    const p = this.cachePath('prefix', repo, entry);
    return existsSync(p) ? readFileSync(p) : undefined;
  }

  savePrefix(repo: HubRepo, entry: HubEntry, bytes: Uint8Array): void {
    try {
      writeAtomic(this.cachePath('prefix', repo, entry), bytes);
    } catch {
      // A cache that cannot be written only costs a re-download.
    }
  }

  /** Downloads a whole file into the cache (or finds it there) and returns its path. Verifies size and oid. */
  async download(repo: HubRepo, entry: HubEntry): Promise<string> {
    const target = this.cachePath('file', repo, entry);
    if (existsSync(target) && statSync(target).size === entry.size) return target;
    mkdirSync(this.config.cacheDir, { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.part`;
    const { res, dog } = await this.open(
      this.resolveUrl(repo, entry.path),
      {},
      `${repoId(repo)}/${entry.path}`,
    );
    const hash = createHash(entry.lfs ? 'sha256' : 'sha1');
    // Git blob ids hash a "blob <size>\0" header before the content; LFS oids are the content's sha256.
    if (!entry.lfs) hash.update(`blob ${entry.size}\0`);
    const fh = await open(tmp, 'w');
    let got = 0;
    try {
      if (res.body !== null) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          dog.touch();
          got += chunk.length;
          if (got > entry.size)
            throw new ParapetError(
              'UNREADABLE',
              `${entry.path}: download is larger than the listed ${entry.size} bytes`,
            );
          hash.update(chunk);
          await fh.write(chunk);
        }
      }
      if (got !== entry.size)
        throw new ParapetError(
          'UNREADABLE',
          `${entry.path}: download ended at ${got} of ${entry.size} bytes`,
        );
      const oid = entry.lfs?.oid ?? entry.oid;
      const digest = hash.digest('hex');
      if (digest !== oid.toLowerCase())
        throw new ParapetError(
          'UNREADABLE',
          `${entry.path}: downloaded bytes do not match the listed oid ${oid}`,
        );
      await fh.close();
      renameSync(tmp, target);
      return target;
    } catch (err) {
      await fh.close().catch(() => {});
      rmSync(tmp, { force: true });
      if (err instanceof ParapetError) throw err;
      throw new ParapetError('UNREADABLE', `${entry.path}: download failed: ${describeError(err)}`);
    } finally {
      dog.done();
    }
  }

  /**
   * One GET with retries: network errors, 429 and 5xx are tried 3 times with backoff (Retry-After wins);
   * 401/403, 404 and other failures become clear ParapetErrors. Redirects are followed (fetch drops the
   * Authorization header when a redirect leaves the origin, as to the Hub's CDN).
   */
  private async open(url: string, extra: Record<string, string>, what: string): Promise<Opened> {
    const headers: Record<string, string> = { ...extra, 'User-Agent': 'parapet-scan' };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    let last = '';
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const dog = new Watchdog(this.config.timeoutMs);
      let res: Response;
      try {
        res = await fetch(url, { headers, redirect: 'follow', signal: dog.controller.signal });
      } catch (err) {
        dog.done();
        last = `network error: ${describeError((err as { cause?: unknown }).cause ?? err)}`;
        if (attempt + 1 < TRIES) await sleep(this.config.retryBaseMs * 2 ** attempt);
        continue;
      }
      if (res.ok) return { res, dog };
      dog.done();
      await res.body?.cancel().catch(() => {});
      const status = res.status;
      const code = res.headers.get('x-error-code');
      if (status === 429 || status >= 500) {
        last = status === 429 ? 'rate limited by the Hub (HTTP 429)' : `Hub server error (HTTP ${status})`;
        if (attempt + 1 < TRIES)
          await sleep(retryAfterMs(res.headers.get('retry-after')) ?? this.config.retryBaseMs * 2 ** attempt);
        continue;
      }
      if (status === 401 || status === 403) {
        const why = code === 'RepoNotFound' ? 'no such repository, or ' : '';
        throw new HubAuthError(
          `${what}: ${why}gated or private repository: set HF_TOKEN${this.config.token ? ' (the token given was refused)' : ''} (HTTP ${status})`,
        );
      }
      if (status === 404)
        throw new ParapetError(
          'NOT_FOUND',
          `${what}: no such repository or revision (HTTP 404${code ? ` ${code}` : ''})`,
        );
      throw new ParapetError('UNREADABLE', `${what}: HTTP ${status}`);
    }
    throw new ParapetError(
      last.startsWith('rate limited') ? 'LIMIT' : 'UNREADABLE',
      `${what}: ${last} after ${TRIES} tries`,
    );
  }
}

function toEntry(e: unknown): HubEntry | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as Record<string, unknown>;
  if ((o.type !== 'file' && o.type !== 'directory') || typeof o.path !== 'string') return undefined;
  const size = typeof o.size === 'number' && Number.isSafeInteger(o.size) && o.size >= 0 ? o.size : 0;
  const entry: HubEntry = { type: o.type, path: o.path, size, oid: typeof o.oid === 'string' ? o.oid : '' };
  const lfs = o.lfs as Record<string, unknown> | undefined;
  if (
    typeof lfs === 'object' &&
    lfs !== null &&
    typeof lfs.oid === 'string' &&
    typeof lfs.size === 'number'
  ) {
    entry.lfs = {
      oid: lfs.oid,
      size: lfs.size,
      pointerSize: typeof lfs.pointerSize === 'number' ? lfs.pointerSize : 0,
    };
    entry.size = lfs.size;
  }
  if (o.type === 'file' && !/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(entry.lfs?.oid ?? entry.oid))
    return undefined;
  return entry;
}

/** Reads a body up to `max` bytes: with `truncate`, stops there; otherwise more is an error. */
async function readBytes(res: Response, dog: Watchdog, max: number, truncate: boolean): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  const reader = res.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      dog.touch();
      if (got + value.length > max) {
        if (!truncate) throw new ParapetError('LIMIT', `response larger than ${max} bytes`);
        parts.push(value.subarray(0, max - got));
        got = max;
        break;
      }
      parts.push(value);
      got += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(parts, got);
}

async function readText(res: Response, dog: Watchdog, max: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(res, dog, max, false));
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.part`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
