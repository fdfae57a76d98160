import { describeError, ParapetError } from '../../core/errors.ts';
import type { Advisory, Ecosystem } from '../types.ts';
import { compileRecord } from './compile.ts';
import { matchEntry } from './match.ts';
import { mergeAdvisories, onlineKey } from './merge.ts';
import { indexName } from './names.ts';

/**
 * `--online`: asks the OSV API which records affect each dependency, then fetches each record once.
 *
 *   POST {endpoint}/v1/querybatch  {"queries":[{"package":{"name","ecosystem"},"version"}, ...]}
 *        → {"results":[{"vulns":[{"id","modified"}], "next_page_token"?}, ...]}  (same order as the queries)
 *   GET  {endpoint}/v1/vulns/{id}  → the full OSV record
 *
 * A result with `next_page_token` is asked again with `page_token` until it has none. Any failure (refused
 * connection, non-200, unparsable JSON, timeout) throws ParapetError: an unanswered query must surface as an
 * error in the scan, never as "no vulnerabilities".
 */

/** One dependency to ask about. */
export interface OsvQueryDep {
  ecosystem: Ecosystem;
  name: string;
  version: string;
}

export interface OsvQueryOptions {
  /** Base URL of the API; default https://api.osv.dev. */
  endpoint?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Injected fetch (tests, proxies); default globalThis.fetch. */
  fetchImpl?: typeof fetch;
  /** Concurrent GET /v1/vulns requests; default 8. */
  concurrency?: number;
}

/** OSV allows at most 1000 queries per batch. */
const BATCH = 1000;
/** Pagination rounds before giving up: a server that never stops paging is an error, not a loop. */
const MAX_PAGES = 50;
/** Distinct records fetched in one run. */
const MAX_RECORDS = 20_000;
/** Largest response body accepted. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Queries OSV for every dependency and returns the advisories affecting each, keyed `ecosystem:name@version`
 * (see onlineKey). Dependencies without advisories map to an empty list, so a missing key means "not asked".
 */
export async function queryOsvBatch(
  deps: readonly OsvQueryDep[],
  options: OsvQueryOptions = {},
): Promise<Map<string, Advisory[]>> {
  const endpoint = (options.endpoint ?? 'https://api.osv.dev').replace(/\/+$/, '');
  const ctx: RequestContext = {
    endpoint,
    timeoutMs: options.timeoutMs ?? 30_000,
    fetchImpl: options.fetchImpl ?? globalThis.fetch,
  };
  const unique = new Map<string, OsvQueryDep>();
  for (const d of deps) {
    const dep = { ...d, name: indexName(d.ecosystem, d.name) };
    unique.set(onlineKey(dep.ecosystem, dep.name, dep.version), dep);
  }
  const list = [...unique.values()];
  const idsPerDep = new Map<string, Set<string>>();
  for (let start = 0; start < list.length; start += BATCH) {
    const chunk = list.slice(start, start + BATCH);
    const ids = await queryChunk(ctx, chunk);
    chunk.forEach((dep, i) => {
      idsPerDep.set(onlineKey(dep.ecosystem, dep.name, dep.version), ids[i] ?? new Set());
    });
  }
  const allIds = new Set<string>();
  for (const ids of idsPerDep.values()) for (const id of ids) allIds.add(id);
  if (allIds.size > MAX_RECORDS)
    throw new ParapetError('LIMIT', `OSV named ${allIds.size} records; at most ${MAX_RECORDS} are fetched`);
  const records = await fetchRecords(ctx, [...allIds], options.concurrency ?? 8);

  const out = new Map<string, Advisory[]>();
  for (const dep of list) {
    const key = onlineKey(dep.ecosystem, dep.name, dep.version);
    const advisories: Advisory[] = [];
    for (const id of idsPerDep.get(key) ?? []) {
      const advisory = toAdvisory(records.get(id), id, dep);
      if (advisory) advisories.push(advisory);
    }
    out.set(key, mergeAdvisories(dep.ecosystem, advisories));
  }
  return out;
}

interface RequestContext {
  endpoint: string;
  timeoutMs: number;
  fetchImpl: typeof fetch;
}

/** Record ids for each query of one chunk, following next_page_token per query. */
async function queryChunk(ctx: RequestContext, chunk: OsvQueryDep[]): Promise<Set<string>[]> {
  const ids = chunk.map(() => new Set<string>());
  let pending = chunk.map((dep, index) => ({ index, dep, token: undefined as string | undefined }));
  for (let page = 0; pending.length > 0; page++) {
    if (page >= MAX_PAGES)
      throw new ParapetError('LIMIT', `OSV querybatch still paging after ${MAX_PAGES} rounds; giving up`);
    const body = {
      queries: pending.map(({ dep, token }) => ({
        package: { name: dep.name, ecosystem: dep.ecosystem },
        version: dep.version,
        ...(token !== undefined ? { page_token: token } : {}),
      })),
    };
    const response = await requestJson(ctx, 'POST', '/v1/querybatch', body);
    const results = isObject(response) ? response.results : undefined;
    if (!Array.isArray(results) || results.length !== pending.length)
      throw malformed(
        `/v1/querybatch answered ${Array.isArray(results) ? results.length : 'no'} results for ${pending.length} queries`,
      );
    const next: typeof pending = [];
    results.forEach((result, i) => {
      const item = pending[i]!;
      if (!isObject(result)) throw malformed('/v1/querybatch result is not an object');
      const vulns = result.vulns ?? [];
      if (!Array.isArray(vulns)) throw malformed('/v1/querybatch "vulns" is not a list');
      for (const v of vulns) {
        if (!isObject(v) || typeof v.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(v.id))
          throw malformed('/v1/querybatch returned a vulnerability without a valid id');
        ids[item.index]?.add(v.id);
      }
      const token = result.next_page_token;
      if (typeof token === 'string' && token !== '') next.push({ ...item, token });
    });
    pending = next;
  }
  return ids;
}

/** GET /v1/vulns/{id} for each id, at most `concurrency` at a time; each id is fetched once. */
async function fetchRecords(
  ctx: RequestContext,
  ids: string[],
  concurrency: number,
): Promise<Map<string, unknown>> {
  const records = new Map<string, unknown>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      records.set(id, await requestJson(ctx, 'GET', `/v1/vulns/${encodeURIComponent(id)}`));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ids.length)) }, worker));
  return records;
}

async function requestJson(
  ctx: RequestContext,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const url = `${ctx.endpoint}${path}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
  try {
    let response: Response;
    try {
      response = await ctx.fetchImpl(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: controller.signal,
      });
    } catch (err) {
      const why = controller.signal.aborted ? `no answer within ${ctx.timeoutMs} ms` : describeCause(err);
      throw new ParapetError('UNREADABLE', `OSV API ${method} ${url} failed: ${why}`, { cause: err });
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_BODY_BYTES) {
      await response.body?.cancel();
      throw malformed(`${method} ${url}: answer of ${declared} bytes, over the ${MAX_BODY_BYTES}-byte cap`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      const why = controller.signal.aborted ? `no answer within ${ctx.timeoutMs} ms` : describeCause(err);
      throw new ParapetError('UNREADABLE', `OSV API ${method} ${url}: reading the answer failed: ${why}`, {
        cause: err,
      });
    }
    if (response.status !== 200)
      throw new ParapetError(
        'UNREADABLE',
        `OSV API ${method} ${url} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`,
      );
    if (text.length > MAX_BODY_BYTES)
      throw malformed(`${method} ${url}: answer larger than ${MAX_BODY_BYTES} bytes`);
    try {
      return JSON.parse(text);
    } catch (err) {
      throw malformed(`${method} ${url} answered something that is not JSON (${describeError(err)})`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** fetch wraps the real reason (ECONNREFUSED...) in `cause`. */
function describeCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined ? describeError(cause) : describeError(err);
}

const malformed = (msg: string) => new ParapetError('MALFORMED', `OSV API: ${msg}`);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The advisory for `dep` from a full OSV record. OSV already decided the version is affected, so the record is
 * reported even when Parapet's own matching cannot confirm it (GIT-only ranges, a record Parapet cannot read);
 * the fix versions come from the ranges that do match. Only a withdrawn record is left out.
 */
function toAdvisory(raw: unknown, id: string, dep: OsvQueryDep): Advisory | undefined {
  const compiled = compileRecord(raw);
  if (compiled.kind === 'withdrawn') return undefined;
  const found =
    compiled.kind === 'ok'
      ? compiled.entries.find((e) => e.ecosystem === dep.ecosystem && e.name === dep.name)
      : undefined;
  if (found === undefined) {
    const summary = isObject(raw) && typeof raw.summary === 'string' ? raw.summary : '';
    const aliases =
      isObject(raw) && Array.isArray(raw.aliases) ? raw.aliases.filter((a) => typeof a === 'string') : [];
    const malicious = id.startsWith('MAL-');
    return {
      id,
      aliases,
      summary,
      severity: malicious ? 'critical' : 'medium',
      fixed: [],
      malicious,
      references: [],
    };
  }
  const { entry } = found;
  const match = matchEntry(entry, dep.ecosystem, dep.version);
  return {
    id: entry.id,
    aliases: entry.aliases,
    summary: entry.summary,
    severity: entry.severity,
    fixed: match.fixed,
    malicious: entry.malicious === true,
    references: entry.references,
  };
}
