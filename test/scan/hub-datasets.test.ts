/**
 * `hf://datasets/OWNER/NAME[@REVISION]` against a local Hub on 127.0.0.1 answering the dataset side of the API
 * as huggingface_hub uses it: `GET /api/datasets/{repo_id}/tree/{revision}?recursive=true` for the listing and
 * `GET /datasets/{repo_id}/resolve/{revision}/{path}` (302 to a CDN) for files. A model repository of the same
 * name answers on the model routes with other files, so a mix-up shows (test/fixtures/hub-replay.ts, shared with
 * the model tests). No other network is touched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import type { ScanOptions } from '../../src/scan/context.ts';
import { parseHubRef, scanHub } from '../../src/scan/hub/scan-hub.ts';
import { cleanRows, toJsonl } from '../fixtures/datasets-poison/instruction-set.ts';
import { type HubReplay, type ReplayRepo, startHubReplay } from '../fixtures/hub-replay.ts';
import { reducePayload } from '../fixtures/pickle-writer.ts';
import { ALIASED_SUBPROCESS } from '../fixtures/python-sources.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-hub-ds-'));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Repositories by `kind:owner/name`. */
const REPOS: Record<string, ReplayRepo> = {
  'dataset:acme/chat-data': {
    files: {
      'README.md': enc(
        '---\nconfigs:\n- config_name: default\n  data_files: data/train.jsonl\n---\n# chat data\n',
      ),
      'data/train.jsonl': toJsonl(cleanRows(50)),
      'data/extra.pkl': reducePayload('os', 'system', ['id']),
      'chat-data.py': enc(ALIASED_SUBPROCESS),
      'images/cat.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    },
  },
  // Same owner/name as a model: must never be what a dataset reference reads.
  'model:acme/chat-data': { files: { 'pytorch_model.bin': reducePayload('subprocess', 'Popen', ['id']) } },
};

let hub: HubReplay;
let endpoint = '';

before(async () => {
  hub = await startHubReplay(REPOS);
  endpoint = hub.endpoint;
});
after(async () => {
  await hub.close();
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
  const from = hub.requests.length;
  const result = await scanHub('hf://datasets/acme/chat-data', opts());
  const seen = hub.requests.slice(from).map((r) => r.url);
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
