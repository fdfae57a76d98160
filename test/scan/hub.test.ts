/**
 * `parapet scan hf://OWNER/NAME[@REVISION]` against a local Hub on 127.0.0.1 that answers the subset of the
 * API Parapet uses, shaped as the Hub documents it: the recursive tree listing (type, oid, size, path, lfs)
 * with `Link: rel="next"` pagination, `resolve` answering 302 to a CDN path, Range reads as 206 with
 * Content-Range, 401 + X-Error-Code GatedRepo, 404 + RepoNotFound/RevisionNotFound, 429 + Retry-After
 * (test/fixtures/hub-replay.ts, shared with the dataset tests). No other network is touched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { type HubReplay, type HubRequest, type ReplayRepo, startHubReplay } from '../fixtures/hub-replay.ts';
import { reducePayload } from '../fixtures/pickle-writer.ts';
import { tinyModel } from '../fixtures/safetensors-writer.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-hub-'));
const TOKEN = 'hf_test_token';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const REPOS: Record<string, ReplayRepo> = {
  'model:acme/evil': {
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
  'model:acme/clean': {
    revisions: ['main', 'v1.0'],
    files: { 'model.safetensors': tinyModel(), 'config.json': enc('{"model_type": "bert"}') },
  },
  'model:acme/gated': { gated: true, files: { 'model.safetensors': tinyModel(), 'config.json': enc('{}') } },
  'model:acme/paged': {
    pageSize: 2,
    files: Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [`${n}.json`, enc(`{"n": "${n}"}`)])),
  },
  'model:acme/bigheader': { files: { 'model.safetensors': tinyModel({ note: 'x'.repeat(200_000) }) } },
  'model:acme/busy': { rateLimited: 1, files: { 'config.json': enc('{}') } },
};
const evilFiles = REPOS['model:acme/evil']!.files;

let hub: HubReplay;
let endpoint = '';

before(async () => {
  hub = await startHubReplay(REPOS, { token: TOKEN });
  endpoint = hub.endpoint;
});
after(async () => {
  await hub.close();
  rmSync(TMP, { recursive: true, force: true });
});

let caches = 0;
function opts(extra: Partial<NonNullable<ScanOptions['hub']>> = {}): ScanOptions {
  return {
    hub: { endpoint, token: undefined, cacheDir: join(TMP, `cache-${caches++}`), retryBaseMs: 10, ...extra },
  };
}

/** Requests logged while `fn` runs. */
async function logged<T>(fn: () => Promise<T>): Promise<{ value: T; requests: HubRequest[] }> {
  const from = hub.requests.length;
  const value = await fn();
  return { value, requests: hub.requests.slice(from) };
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
  const cdnFor = (bytes: Uint8Array): HubRequest[] =>
    requests.filter((r) => r.url.startsWith(hub.cdnPath(bytes)));
  for (const path of ['model.safetensors', 'gguf/tiny.gguf']) {
    const resolve = requests.filter((r) => r.url === `/acme/evil/resolve/main/${path}`);
    assert.ok(resolve.length > 0, path);
    assert.ok(
      resolve.every((r) => r.range !== undefined),
      `${path} fetched without Range`,
    );
    const served = cdnFor(evilFiles[path]!);
    assert.ok(served.length > 0 && served.every((r) => r.range !== undefined), `${path}: a full GET`);
  }
  // The pickle is fetched whole.
  assert.ok(cdnFor(evilFiles['pytorch_model.bin']!).some((r) => r.range === undefined));
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
  REPOS['model:acme/busy']!.rateLimited = 1_000_000;
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
    REPOS['model:acme/busy']!.rateLimited = 0;
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

test('a tag other than main is listed, fetched and named in locations', async () => {
  const { value, requests } = await logged(() => scanHub('hf://acme/clean@v1.0', opts()));
  assert.deepEqual(value.scanned, [
    'hf://acme/clean@v1.0/config.json',
    'hf://acme/clean@v1.0/model.safetensors',
  ]);
  assert.equal(requests[0]?.url, '/api/models/acme/clean/tree/v1.0?recursive=true');
  assert.ok(requests.some((r) => r.url === '/acme/clean/resolve/v1.0/config.json'));
});

// The local Hub itself, read directly: these are the shapes the scans above rely on, so a fixture that drifted
// from the Hub's would show here rather than as a puzzling scan result.
test('the local Hub answers in the shapes the Hub documents', async () => {
  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${endpoint}${path}`, { headers, redirect: 'manual' });
  const listing = await get('/api/models/acme/evil/tree/main?recursive=true');
  assert.equal(listing.status, 200);
  const entries = (await listing.json()) as Record<string, unknown>[];
  const byPath = new Map(entries.map((e) => [e.path, e]));
  assert.deepEqual(byPath.get('gguf'), {
    type: 'directory',
    oid: byPath.get('gguf')?.oid,
    size: 0,
    path: 'gguf',
  });
  const bin = evilFiles['pytorch_model.bin']!;
  const lfsEntry = byPath.get('pytorch_model.bin') as { lfs?: Record<string, unknown>; oid: string };
  assert.deepEqual(lfsEntry.lfs, {
    oid: hub.cdnPath(bin).slice('/cdn/'.length),
    size: bin.length,
    pointerSize: 134,
  });
  assert.match(lfsEntry.oid, /^[0-9a-f]{40}$/);
  assert.equal(byPath.get('config.json')?.lfs, undefined, 'a JSON file is a plain git blob');
  assert.equal(listing.headers.get('link'), null, 'one page: no Link');

  const paged = await get('/api/models/acme/paged/tree/main?recursive=true');
  assert.equal(((await paged.json()) as unknown[]).length, 2);
  assert.match(
    paged.headers.get('link') ?? '',
    /^<http:\/\/127\.0\.0\.1:\d+\/api\/models\/acme\/paged\/tree\/main\?recursive=true&cursor=2>; rel="next"$/,
  );

  const resolved = await get('/acme/evil/resolve/main/pytorch_model.bin');
  assert.equal(resolved.status, 302);
  assert.equal(resolved.headers.get('location'), `${hub.cdnPath(bin)}?sig=x`);
  assert.match(resolved.headers.get('x-repo-commit') ?? '', /^[0-9a-f]{40}$/);
  const part = await get(hub.cdnPath(bin), { range: 'bytes=0-3' });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 0-3/${bin.length}`);
  assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bin.subarray(0, 4));
  assert.equal((await get(hub.cdnPath(bin), { range: `bytes=${bin.length}-` })).status, 416);

  const errors: [string, Record<string, string>, number, string][] = [
    ['/api/models/acme/nothing/tree/main?recursive=true', {}, 404, 'RepoNotFound'],
    ['/api/datasets/acme/evil/tree/main?recursive=true', {}, 404, 'RepoNotFound'],
    ['/api/models/acme/evil/tree/v1.0?recursive=true', {}, 404, 'RevisionNotFound'],
    ['/api/models/acme/evil/tree/main', {}, 400, 'BadRequest'],
    ['/acme/evil/resolve/main/nope.json', {}, 404, 'EntryNotFound'],
    ['/acme/evil/resolve/main/%E0%A4%A', {}, 400, 'BadRequest'],
    ['/acme/gated/resolve/main/config.json', {}, 401, 'GatedRepo'],
    ['/acme/gated/resolve/main/config.json', { authorization: 'Bearer hf_wrong' }, 401, 'GatedRepo'],
  ];
  for (const [path, headers, status, code] of errors) {
    const res = await get(path, headers);
    assert.equal(res.status, status, path);
    assert.equal(res.headers.get('x-error-code'), code, path);
  }
  const authed = await get('/acme/gated/resolve/main/config.json', { authorization: `Bearer ${TOKEN}` });
  assert.equal(authed.status, 302);
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
