/**
 * `parapet audit` end to end, in-process through `run(argv, io)`, over a real audit log written by
 * openAuditLog in a temp dir: the table and JSON formats, filters, finding the log through a config file,
 * and usage errors (exit 2, one clear line, no stack trace).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../../src/cli/run.ts';
import { openAuditLog } from '../../src/gateway/audit.ts';
import type { AuditRecord } from '../../src/gateway/contracts.ts';
import { assertNoStackTrace, assertUsageError, captureIO, type Outcome } from '../fixtures/cli-io.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-audit-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const DB = join(TMP, 'logs', 'audit.db');

const BASE_TIME = Date.parse('2026-01-02T03:04:05.000Z');

function record(n: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `req-${n}`,
    time: new Date(BASE_TIME + n * 60_000).toISOString(),
    keyId: n % 2 === 0 ? 'k_even0000' : 'k_odd00000',
    method: 'POST',
    route: '/v1/chat/completions',
    status: 200,
    model: 'llama3:8b',
    upstream: 'local',
    stream: false,
    inputAction: 'allow',
    outputAction: 'allow',
    ruleIds: [],
    latencyMs: 100 + n,
    upstreamMs: 99,
    ...extra,
  };
}

before(() => {
  const log = openAuditLog(DB);
  for (let n = 0; n < 6; n++) log.write(record(n));
  log.write(
    record(6, {
      status: 400,
      inputAction: 'block',
      outputAction: 'skipped',
      ruleIds: ['guard/instruction-override', 'guard/role-spoofing'],
      latencyMs: 1.25,
      error: 'blocked by the input guard',
    }),
  );
  // A client chose this model name: it must not reach the terminal as escape sequences.
  log.write(record(7, { model: 'evil\u001b[2J\u001b[31mred\u202e', latencyMs: 3 }));
  log.close();
});

async function cli(argv: string[], cwd = TMP): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(cwd);
  const code = await run(['audit', ...argv], io);
  const o = { code, stdout: stdout(), stderr: stderr() };
  assertNoStackTrace(o);
  return o;
}

test('the table lists records newest first with the expected columns', async () => {
  const o = await cli(['--db', DB]);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(o.stderr, '');
  const lines = o.stdout.split('\n');
  assert.match(
    lines[0] ?? '',
    /^time \(UTC\)\s+key\s+route\s+model\s+status\s+verdicts in\/out\s+rules\s+latency$/,
  );
  // Newest first: req-7 (the odd model) then the blocked req-6.
  assert.match(
    lines[2] ?? '',
    /^2026-01-02 03:10:05\s+k_even0000\s+\/v1\/chat\/completions\s+llama3:8b\s+400\s+block\/skipped\s+guard\/instruction-override,guard\/role-spoofing\s+1\.3 ms$/,
  );
  assert.match(lines[8] ?? '', /^2026-01-02 03:04:05\s+k_even0000\s+.*\s+200\s+allow\/allow\s+-\s+100 ms$/);
  assert.match(o.stdout, /8 records, newest first\n$/);
  assert.doesNotMatch(o.stdout, /\u001b|\u202e/);
  assert.match(lines[1] ?? '', /evil\?\[2J\?\[31mred\?/);
});

test('--format json gives the full records, newest first', async () => {
  const o = await cli(['--db', DB, '--format', 'json']);
  assert.equal(o.code, 0, o.stderr);
  const records = JSON.parse(o.stdout) as AuditRecord[];
  assert.equal(records.length, 8);
  assert.deepEqual(
    records.map((r) => r.id),
    ['req-7', 'req-6', 'req-5', 'req-4', 'req-3', 'req-2', 'req-1', 'req-0'],
  );
  assert.equal(records[1]?.error, 'blocked by the input guard');
  assert.deepEqual(records[1]?.ruleIds, ['guard/instruction-override', 'guard/role-spoofing']);
  assert.equal(records[0]?.model, 'evil\u001b[2J\u001b[31mred\u202e'); // JSON escapes it; data stays exact
});

test('--limit, --since and --key filter', async () => {
  const limited = await cli(['--db', DB, '--limit', '2']);
  assert.equal(limited.code, 0);
  assert.match(limited.stdout, /2 records, newest first \(limit 2 reached/);

  const since = await cli(['--db', DB, '--since', '2026-01-02T03:08:05Z', '--format', 'json']);
  assert.deepEqual(
    (JSON.parse(since.stdout) as AuditRecord[]).map((r) => r.id),
    ['req-7', 'req-6', 'req-5', 'req-4'],
  );

  const key = await cli(['--db', DB, '--key', 'k_odd00000', '--format', 'json', '-n', '2']);
  assert.deepEqual(
    (JSON.parse(key.stdout) as AuditRecord[]).map((r) => r.id),
    ['req-7', 'req-5'],
  );

  const none = await cli(['--db', DB, '--key', 'k_nobody']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /^No audit records in .* matching the filters\.\n$/);
});

test('--config finds the log through audit.path, relative to the config file', async () => {
  const dir = join(TMP, 'conf');
  mkdirSync(dir, { recursive: true });
  // apiKey names a variable set only in the gateway's environment: reading the log must not need it.
  const yaml =
    'upstreams:\n  - name: local\n    url: http://127.0.0.1:11434\n    kind: ollama\n    models: ["*"]\n' +
    `    apiKey: \${env:PARAPET_TEST_SURELY_UNSET_KEY}\n` +
    'audit:\n  path: ../logs/audit.db\n';
  writeFileSync(join(dir, 'parapet.yaml'), yaml);
  const given = await cli(['--config', join(dir, 'parapet.yaml'), '-n', '1', '--format', 'json']);
  assert.equal(given.code, 0, given.stderr);
  assert.equal((JSON.parse(given.stdout) as AuditRecord[])[0]?.id, 'req-7');
  // Without flags, ./parapet.yaml is read.
  const implicit = await cli(['-n', '1', '--format', 'json'], dir);
  assert.equal(implicit.code, 0, implicit.stderr);
  assert.equal((JSON.parse(implicit.stdout) as AuditRecord[])[0]?.id, 'req-7');
});

test('usage errors exit 2 with one clear line', async () => {
  assertUsageError(await cli(['--db', join(TMP, 'missing.db')]), /no audit log at .*missing\.db/);
  assertUsageError(await cli(['--db', DB, '--config', 'x.yaml']), /either --db or --config, not both/);
  assertUsageError(await cli(['--db', DB, '--limit', '0']), /--limit must be a positive integer/);
  assertUsageError(await cli(['--db', DB, '--limit', 'lots']), /--limit must be a positive integer/);
  assertUsageError(await cli(['--db', DB, '--since', 'last tuesday']), /bad time "last tuesday"/);
  assertUsageError(await cli(['--db', DB, '--format', 'xml']), /invalid/);

  const empty = join(TMP, 'empty-dir');
  mkdirSync(empty, { recursive: true });
  assertUsageError(await cli([], empty), /no parapet\.yaml here: give --db FILE or --config FILE/);
  assertUsageError(await cli(['--config', join(empty, 'nope.yaml')]), /no such config file/);
  writeFileSync(join(empty, 'bad.yaml'), 'audit: [1, 2\n');
  assertUsageError(
    await cli(['--config', join(empty, 'bad.yaml')]),
    /bad\.yaml.*\(or give the log file with --db\)/,
  );

  const garbage = join(TMP, 'garbage.db');
  writeFileSync(garbage, 'not a database at all, only words that fill the page. '.repeat(20));
  assertUsageError(await cli(['--db', garbage]), /not a SQLite audit log/);
});
