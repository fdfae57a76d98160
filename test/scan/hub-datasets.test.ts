/**
 * `hf://datasets/OWNER/NAME[@REVISION]` against a local Hub on 127.0.0.1 answering the dataset side of the API
 * as huggingface_hub uses it: `GET /api/datasets/{repo_id}/tree/{revision}?recursive=true` for the listing and
 * `GET /datasets/{repo_id}/resolve/{revision}/{path}` (302 to a CDN) for files. A model repository of the same
 * name answers on the model routes with other files, so a mix-up shows. No other network is touched.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import type { ScanOptions } from '../../src/scan/context.ts';
import { parseHubRef, scanHub } from '../../src/scan/hub/scan-hub.ts';
import { cleanRows, toJsonl } from '../fixtures/datasets-poison/instruction-set.ts';
import { reducePayload } from '../fixtures/pickle-writer.ts';
import { ALIASED_SUBPROCESS } from '../fixtures/python-sources.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-hub-ds-'));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Repositories by `kind:owner/name`. */
const REPOS: Record<string, Record<string, Uint8Array>> = {
  'dataset:acme/chat-data': {
    'README.md': enc(
      '---\nconfigs:\n- config_name: default\n  data_files: data/train.jsonl\n---\n# chat data\n',
    ),
    'data/train.jsonl': toJsonl(cleanRows(50)),
    'data/extra.pkl': reducePayload('os', 'system', ['id']),
    'chat-data.py': enc(ALIASED_SUBPROCESS),
    'images/cat.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
  },
  // Same owner/name as a model: must never be what a dataset reference reads.
  'model:acme/chat-data': { 'pytorch_model.bin': reducePayload('subprocess', 'Popen', ['id']) },
};

const requests: string[] = [];
let server: Server;
let endpoint = '';
const cdn = new Map<string, Uint8Array>();

function sha(alg: 'sha1' | 'sha256', ...parts: (string | Uint8Array)[]): string {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function fail(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code });
  res.end(JSON.stringify({ error: code }));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', endpoint);
  requests.push(url.pathname + url.search);
  let m = /^\/api\/(models|datasets)\/([^/]+)\/([^/]+)\/tree\/([^/]+)$/.exec(url.pathname);
  if (m) {
    const files = REPOS[`${m[1] === 'datasets' ? 'dataset' : 'model'}:${m[2]}/${m[3]}`];
    if (files === undefined) {
      fail(res, 404, 'RepoNotFound');
      return;
    }
    if (decodeURIComponent(m[4] ?? '') !== 'main') {
      fail(res, 404, 'RevisionNotFound');
      return;
    }
    const listing = Object.entries(files).map(([path, bytes]) => ({
      type: 'file',
      oid: sha('sha1', `blob ${bytes.length}\0`, bytes),
      size: bytes.length,
      path,
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(listing));
    return;
  }
  m = /^\/(datasets\/)?([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (m) {
    const bytes = REPOS[`${m[1] ? 'dataset' : 'model'}:${m[2]}/${m[3]}`]?.[decodeURIComponent(m[5] ?? '')];
    if (bytes === undefined) {
      fail(res, 404, 'EntryNotFound');
      return;
    }
    const id = sha('sha256', bytes);
    cdn.set(id, bytes);
    res.writeHead(302, { location: `/cdn/${id}` });
    res.end();
    return;
  }
  const bytes = cdn.get(url.pathname.slice('/cdn/'.length));
  if (bytes === undefined) {
    fail(res, 404, 'NotFound');
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
function opts(): ScanOptions {
  return { hub: { endpoint, token: undefined, cacheDir: join(TMP, `cache-${caches++}`), retryBaseMs: 10 } };
}

test('hf://datasets/OWNER/NAME[@REV] parses as a dataset; the model form is unchanged', () => {
  assert.deepEqual(parseHubRef('hf://datasets/acme/chat-data'), {
    owner: 'acme',
    name: 'chat-data',
    revision: 'main',
    kind: 'dataset',
  });
  assert.deepEqual(parseHubRef('hf://datasets/acme/chat-data@v1.0'), {
    owner: 'acme',
    name: 'chat-data',
    revision: 'v1.0',
    kind: 'dataset',
  });
  assert.deepEqual(parseHubRef('hf://acme/chat-data'), {
    owner: 'acme',
    name: 'chat-data',
    revision: 'main',
  });
  for (const bad of [
    'hf://datasets/acme',
    'hf://datasets/acme/x/y',
    'hf://datasets//x',
    'hf://datasets/acme/..',
  ])
    assert.throws(
      () => parseHubRef(bad),
      (e: unknown) => e instanceof ParapetError && e.code === 'USAGE',
      bad,
    );
});

test('a dataset repository is listed and fetched on the dataset routes; its script and pickle are found', async () => {
  const from = requests.length;
  const result = await scanHub('hf://datasets/acme/chat-data', opts());
  const seen = requests.slice(from);
  assert.equal(seen[0], '/api/datasets/acme/chat-data/tree/main?recursive=true');
  assert.ok(
    seen.every((r) => !r.startsWith('/api/models/') && !r.startsWith('/acme/')),
    seen.join('\n'),
  );
  const base = 'hf://datasets/acme/chat-data@main';
  assert.ok(
    result.findings.some(
      (f) => f.ruleId === 'model/remote-code-dangerous-call' && f.location.path === `${base}/chat-data.py`,
    ),
  );
  assert.ok(
    result.findings.some(
      (f) => f.ruleId === 'model/pickle-dangerous-call' && f.location.path === `${base}/data/extra.pkl`,
    ),
  );
  // The data file and the card are fetched (the data-set scanner reads them); a PNG is not.
  assert.ok(seen.includes('/datasets/acme/chat-data/resolve/main/data/train.jsonl'));
  assert.ok(seen.includes('/datasets/acme/chat-data/resolve/main/README.md'));
  assert.deepEqual(
    result.skipped.filter((s) => s.path.endsWith('.png')).map((s) => s.path),
    [`${base}/images/cat.png`],
  );
  // Nothing from the model of the same name.
  assert.ok(!result.findings.some((f) => f.location.path.includes('pytorch_model.bin')));
});

test('a missing dataset is NOT_FOUND, not an empty clean scan', async () => {
  await assert.rejects(
    scanHub('hf://datasets/acme/nope', opts()),
    (e: unknown) => e instanceof ParapetError && e.code === 'NOT_FOUND',
  );
});
