/**
 * queryOsvBatch against a real HTTP server on 127.0.0.1 that answers in OSV's documented querybatch and
 * vulns format: pagination through next_page_token, one GET per distinct record, batches of 1000, and every
 * failure (HTTP 500, refused connection, bad JSON, timeout, wrong result count) as a ParapetError.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ParapetError } from '../../../src/core/errors.ts';
import { queryOsvBatch } from '../../../src/deps/advisories/online.ts';
import { ghsaRecord, malRecord } from '../../fixtures/deps/advisories/osv-records.ts';
import {
  type ReplayOptions,
  type ReplayServer,
  startOsvReplay,
} from '../../fixtures/deps/advisories/osv-replay-server.ts';

const RECORDS: Record<string, unknown> = {
  'GHSA-53q9-r3pm-6pq6': ghsaRecord({
    id: 'GHSA-53q9-r3pm-6pq6',
    pkg: 'torch',
    events: [{ introduced: '0' }, { fixed: '2.6.0' }],
    aliases: ['CVE-2025-32434', 'PYSEC-2025-41'],
    label: 'CRITICAL',
  }),
  'PYSEC-2025-41': {
    ...ghsaRecord({ id: 'PYSEC-2025-41', pkg: 'torch', events: [{ introduced: '0' }, { fixed: '2.6.0' }] }),
    aliases: ['CVE-2025-32434', 'GHSA-53q9-r3pm-6pq6'],
    database_specific: {},
  },
  'GHSA-63cw-57p8-fm3p': ghsaRecord({
    id: 'GHSA-63cw-57p8-fm3p',
    pkg: 'torch',
    events: [{ introduced: '0' }, { fixed: '2.10.0' }],
    aliases: ['CVE-2026-24747'],
    label: 'HIGH',
  }),
  'MAL-2026-2144': malRecord({ id: 'MAL-2026-2144', pkg: 'litellm', versions: ['1.82.7', '1.82.8'] }),
};

function affecting(ecosystem: string, name: string, version: string): string[] {
  if (ecosystem !== 'PyPI') return [];
  if (name === 'torch' && version === '2.5.1')
    return ['GHSA-53q9-r3pm-6pq6', 'PYSEC-2025-41', 'GHSA-63cw-57p8-fm3p'];
  if (name === 'torch' && version === '2.6.0') return ['GHSA-63cw-57p8-fm3p'];
  if (name === 'litellm' && version === '1.82.7') return ['MAL-2026-2144'];
  return [];
}

const servers: ReplayServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function replay(overrides: Partial<ReplayOptions> = {}): Promise<ReplayServer> {
  const server = await startOsvReplay({ vulnsFor: affecting, records: RECORDS, ...overrides });
  servers.push(server);
  return server;
}

const DEPS = [
  { ecosystem: 'PyPI' as const, name: 'torch', version: '2.5.1' },
  { ecosystem: 'PyPI' as const, name: 'Torch', version: '2.6.0' },
  { ecosystem: 'PyPI' as const, name: 'litellm', version: '1.82.7' },
  { ecosystem: 'PyPI' as const, name: 'requests', version: '2.32.3' },
];

test('querybatch + vulns: results keyed ecosystem:name@version, aliases merged, fix versions matched', async () => {
  const server = await replay();
  const results = await queryOsvBatch(DEPS, { endpoint: server.url });
  assert.deepEqual(
    [...results.keys()],
    ['PyPI:torch@2.5.1', 'PyPI:torch@2.6.0', 'PyPI:litellm@1.82.7', 'PyPI:requests@2.32.3'],
  );
  const torch = results.get('PyPI:torch@2.5.1') ?? [];
  assert.deepEqual(
    torch.map((a) => [a.id, a.severity, a.fixed]),
    [
      ['GHSA-53q9-r3pm-6pq6', 'critical', ['2.6.0']],
      ['GHSA-63cw-57p8-fm3p', 'high', ['2.10.0']],
    ],
    'PYSEC-2025-41 is the same vulnerability as the GHSA and is merged into it',
  );
  assert.ok(torch[0]?.aliases.includes('PYSEC-2025-41'));
  assert.deepEqual(
    results.get('PyPI:torch@2.6.0')?.map((a) => a.id),
    ['GHSA-63cw-57p8-fm3p'],
  );
  assert.deepEqual(
    results.get('PyPI:litellm@1.82.7')?.map((a) => [a.id, a.malicious, a.severity]),
    [['MAL-2026-2144', true, 'critical']],
  );
  assert.deepEqual(
    results.get('PyPI:requests@2.32.3'),
    [],
    'asked and clean: an empty list, not a missing key',
  );

  const [batch, ...gets] = server.requests;
  assert.equal(batch?.method, 'POST');
  assert.equal(batch?.path, '/v1/querybatch');
  assert.deepEqual((batch?.body as { queries: unknown[] } | undefined)?.queries[1], {
    package: { name: 'torch', ecosystem: 'PyPI' },
    version: '2.6.0',
  });
  // GHSA-63cw is named for two dependencies but fetched once.
  assert.deepEqual(gets.map((r) => `${r.method} ${r.path}`).sort(), [
    'GET /v1/vulns/GHSA-53q9-r3pm-6pq6',
    'GET /v1/vulns/GHSA-63cw-57p8-fm3p',
    'GET /v1/vulns/MAL-2026-2144',
    'GET /v1/vulns/PYSEC-2025-41',
  ]);
});

test('next_page_token is followed, per query, until it is absent', async () => {
  const server = await replay({ pageSize: 1 });
  const results = await queryOsvBatch(DEPS.slice(0, 1), { endpoint: server.url });
  assert.equal(results.get('PyPI:torch@2.5.1')?.length, 2);
  const batches = server.requests.filter((r) => r.path === '/v1/querybatch');
  assert.equal(batches.length, 3, 'three ids, one per page');
  assert.deepEqual((batches[1]?.body as { queries: unknown[] } | undefined)?.queries, [
    { package: { name: 'torch', ecosystem: 'PyPI' }, version: '2.5.1', page_token: 'page-1' },
  ]);
});

test('more than 1000 dependencies go out in batches of at most 1000', async () => {
  const server = await replay();
  const many = Array.from({ length: 1001 }, (_, i) => ({
    ecosystem: 'PyPI' as const,
    name: `pkg-${i}`,
    version: '1.0',
  }));
  const results = await queryOsvBatch(many, { endpoint: server.url });
  assert.equal(results.size, 1001);
  const sizes = server.requests.map((r) => (r.body as { queries: unknown[] }).queries.length);
  assert.deepEqual(sizes, [1000, 1]);
});

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ParapetError, `not a ParapetError: ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('HTTP 500 on querybatch or on a record is an error, never an empty result', async () => {
  const batch500 = await replay({ fail: (_m, path) => (path === '/v1/querybatch' ? 500 : undefined) });
  await rejectsWith(queryOsvBatch(DEPS, { endpoint: batch500.url }), /querybatch answered HTTP 500/);
  const vuln500 = await replay({ fail: (_m, path) => (path.startsWith('/v1/vulns/MAL') ? 503 : undefined) });
  await rejectsWith(queryOsvBatch(DEPS, { endpoint: vuln500.url }), /vulns\/MAL-2026-2144 answered HTTP 503/);
});

test('bad JSON and a wrong number of results are malformed answers', async () => {
  const garbage = await replay({
    rawBody: (_m, path) => (path === '/v1/querybatch' ? '<html>oops' : undefined),
  });
  await rejectsWith(queryOsvBatch(DEPS, { endpoint: garbage.url }), /not JSON/);
  const short = await replay({
    rawBody: (_m, path) => (path === '/v1/querybatch' ? '{"results":[]}' : undefined),
  });
  await rejectsWith(queryOsvBatch(DEPS, { endpoint: short.url }), /0 results for 4 queries/);
  const badId = await replay({
    rawBody: (_m, path) =>
      path === '/v1/querybatch' ? '{"results":[{"vulns":[{"id":"../x"}]}]}' : undefined,
  });
  await rejectsWith(queryOsvBatch(DEPS.slice(0, 1), { endpoint: badId.url }), /without a valid id/);
});

test('a refused connection and a server that never answers are errors', async () => {
  const gone = await replay();
  const url = gone.url;
  await gone.close();
  servers.splice(servers.indexOf(gone), 1);
  await rejectsWith(queryOsvBatch(DEPS, { endpoint: url }), /failed: .*ECONNREFUSED/);
  const silent = await replay({ hang: () => true });
  await rejectsWith(queryOsvBatch(DEPS, { endpoint: silent.url, timeoutMs: 200 }), /no answer within 200 ms/);
});

test('no dependencies: no request', async () => {
  const server = await replay();
  const results = await queryOsvBatch([], { endpoint: server.url });
  assert.equal(results.size, 0);
  assert.equal(server.requests.length, 0);
});
