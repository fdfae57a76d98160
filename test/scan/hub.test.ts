/**
 * `parapet scan hf://OWNER/NAME[@REVISION]` against a local Hub on 127.0.0.1 that answers the subset of the
 * API Parapet uses, shaped as the Hub documents it: the recursive tree listing (type, oid, size, path, lfs)
 * with `Link: rel="next"` pagination, `resolve` answering 302 to a CDN path, Range reads as 206 with
 * Content-Range, 401 + X-Error-Code GatedRepo, 404 + RepoNotFound/RevisionNotFound, 429 + Retry-After.
 * No other network is touched.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../../src/cli/run.ts';
import { ParapetError } from '../../src/core/errors.ts';
import type { ScanOptions } from '../../src/scan/context.ts';
import { scanPaths } from '../../src/scan/engine.ts';
import { parseHubRef, scanHub } from '../../src/scan/hub/scan-hub.ts';
import { ESCAPE_TEMPLATES } from '../fixtures/chat-templates.ts';
import { captureIO } from '../fixtures/cli-io.ts';
import { llamaGguf } from '../fixtures/gguf-writer.ts';
import { reducePayload } from '../fixtures/pickle-writer.ts';
import { tinyModel } from '../fixtures/safetensors-writer.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-hub-'));
const TOKEN = 'hf_test_token';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Repo {
  files: Record<string, Uint8Array>;
  /** Listing is public, downloads need the token (X-Error-Code: GatedRepo). */
  gated?: boolean;
  /** Tree listing page size (Link pagination past it). */
  pageSize?: number;
  /** Tree requests answered 429 before the first success. */
  rateLimited?: number;
}

const LFS = new Set(['bin', 'safetensors', 'gguf', 'pt']);

const REPOS: Record<string, Repo> = {
  'acme/evil': {
    files: {
      'pytorch_model.bin': reducePayload('os', 'system', ['id']),
      'model.safetensors': tinyModel(),
      'config.json': enc('{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}'),
      'README.md': enc('# evil\n'),
      'gguf/tiny.gguf': llamaGguf(ESCAPE_TEMPLATES.cycler!),
      // A pickle named like safetensors: fetched whole once its first bytes are not a safetensors header.
      'weights/fake.safetensors': reducePayload('subprocess', 'Popen', ['id']),
    },
  },
  'acme/clean': {
    files: { 'model.safetensors': tinyModel(), 'config.json': enc('{"model_type": "bert"}') },
  },
  'acme/gated': { gated: true, files: { 'model.safetensors': tinyModel(), 'config.json': enc('{}') } },
  'acme/paged': {
    pageSize: 2,
    files: Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [`${n}.json`, enc(`{"n": "${n}"}`)])),
  },
  'acme/bigheader': { files: { 'model.safetensors': tinyModel({ note: 'x'.repeat(200_000) }) } },
  'acme/busy': { rateLimited: 1, files: { 'config.json': enc('{}') } },
};

interface Logged {
  url: string;
  range: string | undefined;
  auth: boolean;
}
const log: Logged[] = [];
const busyHits = new Map<string, number>();
let server: Server;
let endpoint = '';
/** Content by CDN id (the sha256 of the bytes). */
const cdn = new Map<string, Uint8Array>();

function sha(alg: 'sha1' | 'sha256', ...parts: (string | Uint8Array)[]): string {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function entries(repo: Repo): object[] {
  const out: object[] = [];
  const dirs = new Set<string>();
  for (const [path, bytes] of Object.entries(repo.files)) {
    const slash = path.lastIndexOf('/');
    if (slash > 0 && !dirs.has(path.slice(0, slash))) {
      dirs.add(path.slice(0, slash));
      out.push({
        type: 'directory',
        oid: sha('sha1', path.slice(0, slash)),
        size: 0,
        path: path.slice(0, slash),
      });
    }
    const gitOid = sha('sha1', `blob ${bytes.length}\0`, bytes);
    const ext = path.slice(path.lastIndexOf('.') + 1);
    out.push(
      LFS.has(ext)
        ? {
            type: 'file',
            oid: gitOid,
            size: bytes.length,
            path,
            lfs: { oid: sha('sha256', bytes), size: bytes.length, pointerSize: 134 },
          }
        : { type: 'file', oid: gitOid, size: bytes.length, path },
    );
  }
  return out;
}

function fail(res: ServerResponse, status: number, code: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code, ...extra });
  res.end(JSON.stringify({ error: code }));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', endpoint);
  const range = req.headers.range;
  const authed = req.headers.authorization === `Bearer ${TOKEN}`;
  log.push({ url: url.pathname + url.search, range, auth: req.headers.authorization !== undefined });
  let m = /^\/api\/models\/([^/]+)\/([^/]+)\/tree\/([^/]+)$/.exec(url.pathname);
  if (m) {
    const id = `${m[1]}/${m[2]}`;
    const repo = REPOS[id];
    if (repo === undefined) {
      fail(res, 404, 'RepoNotFound');
      return;
    }
    if (decodeURIComponent(m[3]!) !== 'main') {
      fail(res, 404, 'RevisionNotFound');
      return;
    }
    if (url.searchParams.get('recursive') !== 'true') {
      fail(res, 400, 'BadRequest');
      return;
    }
    const hits = (busyHits.get(id) ?? 0) + 1;
    busyHits.set(id, hits);
    if (hits <= (repo.rateLimited ?? 0)) {
      fail(res, 429, 'RateLimited', { 'retry-after': '1' });
      return;
    }
    const all = entries(repo);
    const size = repo.pageSize ?? 1000;
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const page = all.slice(cursor, cursor + size);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (cursor + size < all.length) {
      const next = new URL(url);
      next.searchParams.set('cursor', String(cursor + size));
      headers.link = `<${next.href}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(JSON.stringify(page));
    return;
  }
  m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (m) {
    const repo = REPOS[`${m[1]}/${m[2]}`];
    if (repo === undefined) {
      fail(res, 404, 'RepoNotFound');
      return;
    }
    if (decodeURIComponent(m[3]!) !== 'main') {
      fail(res, 404, 'RevisionNotFound');
      return;
    }
    if (repo.gated && !authed) {
      fail(res, 401, 'GatedRepo');
      return;
    }
    const bytes = repo.files[decodeURIComponent(m[4]!)];
    if (bytes === undefined) {
      fail(res, 404, 'EntryNotFound');
      return;
    }
    const id = sha('sha256', bytes);
    cdn.set(id, bytes);
    res.writeHead(302, { location: `/cdn/${id}?sig=x`, 'x-repo-commit': 'a'.repeat(40), etag: `"${id}"` });
    res.end();
    return;
  }
  m = /^\/cdn\/([0-9a-f]+)$/.exec(url.pathname);
  const bytes = m ? cdn.get(m[1]!) : undefined;
  if (bytes === undefined) {
    fail(res, 404, 'NotFound');
    return;
  }
  const r = range === undefined ? null : /^bytes=(\d+)-(\d+)$/.exec(range);
  if (r) {
    const start = Number(r[1]);
    const end = Math.min(Number(r[2]), bytes.length - 1);
    res.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${bytes.length}`,
      'content-length': String(end - start + 1),
    });
    res.end(bytes.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { 'content-length': String(bytes.length) });
  res.end(bytes);
}

before(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(TMP, { recursive: true, force: true });
});

let caches = 0;
function opts(extra: Partial<NonNullable<ScanOptions['hub']>> = {}): ScanOptions {
  return {
    hub: { endpoint, token: undefined, cacheDir: join(TMP, `cache-${caches++}`), retryBaseMs: 10, ...extra },
  };
}

/** Requests logged while `fn` runs. */
async function logged<T>(fn: () => Promise<T>): Promise<{ value: T; requests: Logged[] }> {
  const from = log.length;
  const value = await fn();
  return { value, requests: log.slice(from) };
}

test('a malicious pickle is found at hf://owner/name@rev/path; safetensors and GGUF are read by Range only', async () => {
  const { value: result, requests } = await logged(() => scanHub('hf://acme/evil', opts()));
  const evil = result.findings.filter((f) => f.location.path === 'hf://acme/evil@main/pytorch_model.bin');
  assert.ok(
    evil.some((f) => f.severity === 'critical'),
    JSON.stringify(result.findings.map((f) => [f.ruleId, f.location.path])),
  );
  assert.ok(result.findings.some((f) => f.location.path === 'hf://acme/evil@main/gguf/tiny.gguf'));
  assert.ok(
    result.findings.some((f) => f.location.path === 'hf://acme/evil@main/weights/fake.safetensors'),
    'a pickle named .safetensors is fetched whole and found',
  );
  assert.ok(!result.findings.some((f) => f.location.path.endsWith('/model.safetensors')));
  assert.deepEqual(result.errors, []);
  for (const p of ['config.json', 'model.safetensors', 'pytorch_model.bin', 'gguf/tiny.gguf'])
    assert.ok(result.scanned.includes(`hf://acme/evil@main/${p}`), p);
  assert.deepEqual(
    result.skipped.map((s) => s.path),
    ['hf://acme/evil@main/README.md'],
  );
  // The benign safetensors and the GGUF: resolve + CDN requests, every one with a Range header.
  const cdnFor = (bytes: Uint8Array): Logged[] =>
    requests.filter((r) => r.url.startsWith(`/cdn/${sha('sha256', bytes)}`));
  for (const path of ['model.safetensors', 'gguf/tiny.gguf']) {
    const resolve = requests.filter((r) => r.url === `/acme/evil/resolve/main/${path}`);
    assert.ok(resolve.length > 0, path);
    assert.ok(
      resolve.every((r) => r.range !== undefined),
      `${path} fetched without Range`,
    );
    const served = cdnFor(REPOS['acme/evil']!.files[path]!);
    assert.ok(served.length > 0 && served.every((r) => r.range !== undefined), `${path}: a full GET`);
  }
  // The pickle is fetched whole.
  assert.ok(cdnFor(REPOS['acme/evil']!.files['pytorch_model.bin']!).some((r) => r.range === undefined));
  assert.ok(!requests.some((r) => r.auth), 'no token configured, none sent');
});

test('a safetensors header longer than the first Range read is completed by a second one', async () => {
  const { value, requests } = await logged(() => scanHub('hf://acme/bigheader', opts()));
  assert.deepEqual(value.errors, []);
  assert.deepEqual(value.findings, []);
  assert.deepEqual(value.scanned, ['hf://acme/bigheader@main/model.safetensors']);
  const ranges = requests.filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range);
  assert.equal(ranges.length, 2);
  assert.ok(ranges.every((r) => r !== undefined));
});

test('a second scan with the same cache downloads nothing again', async () => {
  const o = opts();
  const first = await logged(() => scanHub('hf://acme/evil', o));
  const second = await logged(() => scanHub('hf://acme/evil', o));
  assert.ok(first.requests.some((r) => r.url.startsWith('/cdn/')));
  assert.deepEqual(
    second.requests.map((r) => r.url),
    ['/api/models/acme/evil/tree/main?recursive=true'],
  );
  assert.deepEqual(
    second.value.findings.map((f) => [f.ruleId, f.location.path]),
    first.value.findings.map((f) => [f.ruleId, f.location.path]),
  );
  assert.deepEqual(second.value.scanned, first.value.scanned);
});

test('a gated repository without a token is a clear UNREADABLE error; with HF_TOKEN it scans', async () => {
  await assert.rejects(
    scanHub('hf://acme/gated', opts()),
    (err: unknown) =>
      err instanceof ParapetError &&
      err.code === 'UNREADABLE' &&
      /gated or private repository: set HF_TOKEN/.test(err.message),
  );
  const { value, requests } = await logged(() => scanHub('hf://acme/gated@main', opts({ token: TOKEN })));
  assert.deepEqual(value.errors, []);
  assert.equal(value.scanned.length, 2);
  // The token goes to the Hub, never to the CDN host the redirect points at... here the same origin, so
  // only check it was sent to the API and resolve endpoints.
  assert.ok(requests.filter((r) => !r.url.startsWith('/cdn/')).every((r) => r.auth));
});

test('a missing repository or revision is NOT_FOUND', async () => {
  for (const ref of ['hf://acme/nothing', 'hf://acme/evil@no-such-branch']) {
    await assert.rejects(
      scanHub(ref, opts()),
      (err: unknown) =>
        err instanceof ParapetError &&
        err.code === 'NOT_FOUND' &&
        /no such repository or revision/.test(err.message),
      ref,
    );
  }
});

test('429 with Retry-After is retried after the delay the Hub asks for', async () => {
  const t0 = Date.now();
  const { value, requests } = await logged(() => scanHub('hf://acme/busy', opts()));
  assert.ok(Date.now() - t0 >= 900, 'Retry-After: 1 honoured');
  assert.equal(requests.filter((r) => r.url.startsWith('/api/models/acme/busy/tree/')).length, 2);
  assert.deepEqual(value.scanned, ['hf://acme/busy@main/config.json']);
});

test('429 on every try ends in a rate-limit error after 3 tries', async () => {
  REPOS['acme/busy']!.rateLimited = 1_000_000;
  try {
    const { requests } = await logged(() =>
      assert.rejects(scanHub('hf://acme/busy', opts()), (err: unknown) => {
        return (
          err instanceof ParapetError && err.code === 'LIMIT' && /rate limited.*3 tries/.test(err.message)
        );
      }),
    );
    assert.equal(requests.length, 3);
  } finally {
    REPOS['acme/busy']!.rateLimited = 0;
  }
});

test('listings are followed across Link rel="next" pages', async () => {
  const { value, requests } = await logged(() => scanHub('hf://acme/paged', opts()));
  assert.equal(requests.filter((r) => r.url.includes('/tree/')).length, 3);
  assert.equal(requests.filter((r) => r.url.startsWith('/cdn/')).length, 5);
  assert.deepEqual(
    [...value.scanned, ...value.skipped.map((s) => s.path)].sort(),
    ['a', 'b', 'c', 'd', 'e'].map((n) => `hf://acme/paged@main/${n}.json`),
  );
  assert.deepEqual(value.errors, []);
});

test('whole files over the download cap are errors (not analysed), never clean', async () => {
  const result = await scanHub('hf://acme/evil', opts({ maxFileBytes: 16 }));
  assert.ok(
    result.errors.some(
      (e) => e.path === 'hf://acme/evil@main/pytorch_model.bin' && /download cap/.test(e.error),
    ),
  );
  assert.ok(!result.scanned.includes('hf://acme/evil@main/pytorch_model.bin'));
});

test('malformed references are usage errors', async () => {
  for (const ref of [
    'hf://',
    'hf://gpt2',
    'hf://a/b/c',
    'hf://acme/evil@',
    'hf://acme/ev il',
    'hf://../evil',
    'hf://acme/evil@../x',
    'hf:/acme/evil',
    'https://huggingface.co/acme/evil',
  ]) {
    assert.throws(
      () => parseHubRef(ref),
      (err: unknown) => err instanceof ParapetError && err.code === 'USAGE',
      ref,
    );
  }
  assert.deepEqual(parseHubRef('hf://acme/evil@refs/pr/1'), {
    owner: 'acme',
    name: 'evil',
    revision: 'refs/pr/1',
  });
  await assert.rejects(
    scanPaths(['hf://acme'], opts()),
    (err: unknown) => err instanceof ParapetError && err.code === 'USAGE',
  );
});

test('scanPaths merges hf:// results with local ones', async () => {
  const result = await scanPaths(['hf://acme/clean'], opts());
  assert.deepEqual(result.scanned, [
    'hf://acme/clean@main/config.json',
    'hf://acme/clean@main/model.safetensors',
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// The CLI reads HF_ENDPOINT / HF_TOKEN / PARAPET_CACHE_DIR from the environment.

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  process.env.HF_ENDPOINT = endpoint;
  process.env.PARAPET_CACHE_DIR = join(TMP, `cli-cache-${caches++}`);
  delete process.env.HF_TOKEN;
  const { io, stdout, stderr } = captureIO(TMP);
  try {
    const code = await run(argv, io);
    return { code, stdout: stdout(), stderr: stderr() };
  } finally {
    for (const k of ['HF_ENDPOINT', 'PARAPET_CACHE_DIR', 'HF_TOKEN']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

test('CLI: findings exit 1 and name the hf:// location; clean exits 0', async () => {
  const evil = await cli('scan', 'hf://acme/evil@main', '--format', 'json');
  assert.equal(evil.code, 1, evil.stderr);
  assert.match(evil.stdout, /hf:\/\/acme\/evil@main\/pytorch_model\.bin/);
  const clean = await cli('scan', 'hf://acme/clean');
  assert.equal(clean.code, 0, clean.stderr + clean.stdout);
});

test('CLI: gated exits 3 (cannot be analysed), a missing repo or a bad reference exits 2', async () => {
  const gated = await cli('scan', 'hf://acme/gated');
  assert.equal(gated.code, 3);
  assert.match(gated.stderr, /gated or private repository: set HF_TOKEN/);
  assert.doesNotMatch(gated.stderr, /^\s{4}at /m);
  const missing = await cli('scan', 'hf://acme/nothing');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such repository or revision/);
  const bad = await cli('scan', 'hf://nope');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected hf:\/\/OWNER\/NAME\[@REVISION\]/);
});

test('CLI help mentions hf:// and the environment variables', async () => {
  const help = await cli('scan', '--help');
  assert.equal(help.code, 0);
  for (const word of ['hf://OWNER/NAME[@REVISION]', 'HF_TOKEN', 'HF_ENDPOINT', 'PARAPET_CACHE_DIR'])
    assert.ok(help.stdout.includes(word), word);
});
