/**
 * `parapet scan` over a whole project: manifests, lock files and includes on disk, through the real CLI entry
 * (`run`), with the shipped advisory snapshot, a user index built by `parapet db update`, and `--online`
 * against a local server that speaks OSV's documented querybatch format.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { run } from '../../src/cli/run.ts';
import { captureIO, type Outcome } from '../fixtures/cli-io.ts';
import { ghsaRecord, malRecord } from '../fixtures/deps/advisories/osv-records.ts';
import { startOsvReplay } from '../fixtures/deps/advisories/osv-replay-server.ts';
import { bigUvLock } from '../fixtures/deps/manifests/big-lock.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-deps-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

async function cli(args: string[]): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(TMP);
  const code = await run(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

interface JsonFinding {
  ruleId: string;
  severity: string;
  location: { path: string; line?: number };
  evidence?: Record<string, unknown>;
}
function findingsOf(out: Outcome): JsonFinding[] {
  return (JSON.parse(out.stdout) as { findings: JsonFinding[] }).findings;
}

function project(name: string, files: Record<string, string>): string {
  const dir = join(TMP, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('a project directory: vulnerable, malicious and typosquatted packages found at their file and line, includes followed', async () => {
  const dir = project('app', {
    'requirements.txt': ['-r requirements/base.txt', 'litellm==1.82.7', 'reqeusts==2.31.0', ''].join('\n'),
    'requirements/base.txt': ['numpy==2.1.0', 'torch==2.5.1', ''].join('\n'),
    'README.md': '# app\n',
  });
  const out = await cli(['scan', dir, '--format', 'json']);
  assert.equal(out.code, 1, `findings at high and above exit 1\n${out.stderr}`);
  const findings = findingsOf(out);
  const at = (id: string) =>
    findings.filter((f) => f.ruleId === id).map((f) => `${f.location.path}:${f.location.line}`);
  assert.deepEqual(at('deps/malicious-package'), [`${join(dir, 'requirements.txt')}:2`]);
  assert.deepEqual(at('deps/typosquat'), [`${join(dir, 'requirements.txt')}:3`]);
  // torch 2.5.1 is in the included file: reported there, once, although that file is also scanned on its own.
  assert.deepEqual(at('deps/known-vulnerability'), [`${join(dir, 'requirements/base.txt')}:2`]);
});

test('an include that leaves the scanned directory is not read, and says so', async () => {
  const outside = join(TMP, 'secret-outside.txt');
  writeFileSync(outside, 'root:x:0:0:root:/root:/bin/bash\n');
  const dir = project('escape', { 'requirements.txt': '-r ../secret-outside.txt\nnumpy==2.1.0\n' });
  const out = await cli(['scan', dir, '--format', 'json']);
  const findings = findingsOf(out);
  const unreadable = findings.filter((f) => f.ruleId === 'deps/manifest-unreadable');
  assert.equal(unreadable.length, 1, out.stdout);
  assert.ok(!out.stdout.includes('root:x:0:0'), 'nothing of the outside file reaches the report');
  assert.equal(out.code, 0, 'a medium finding does not fail at the default --fail-on high');
});

test('a 5,000-package uv.lock scans with its few real findings and no noise', async () => {
  const dir = project('big', { 'uv.lock': bigUvLock(5000) });
  const out = await cli(['scan', join(dir, 'uv.lock'), '--format', 'json']);
  const findings = findingsOf(out);
  assert.ok(findings.length < 20, `a realistic lock gives a handful of findings, not ${findings.length}`);
  assert.ok(
    findings.every((f) => f.ruleId !== 'deps/typosquat'),
    `no typosquat among the generated names: ${JSON.stringify(findings.filter((f) => f.ruleId === 'deps/typosquat'))}`,
  );
});

test('parapet db update builds an index that scan --advisory-db then uses', async () => {
  const src = join(TMP, 'osv-dir');
  mkdirSync(src, { recursive: true });
  writeFileSync(
    join(src, 'GHSA-test-0001.json'),
    JSON.stringify(
      ghsaRecord({
        id: 'GHSA-test-0001',
        pkg: 'tinyllm',
        events: [{ introduced: '0' }, { fixed: '1.2.0' }],
        aliases: ['CVE-2099-0001'],
        label: 'HIGH',
      }),
    ),
  );
  writeFileSync(
    join(src, 'MAL-2099-1.json'),
    JSON.stringify(malRecord({ id: 'MAL-2099-1', pkg: 'evil-llm' })),
  );
  const db = join(TMP, 'advisories.ndjson');
  const built = await cli(['db', 'update', '--from', src, '--output', db]);
  assert.equal(built.code, 0, built.stderr);
  const dir = project('custom-db', { 'requirements.txt': 'tinyllm==1.1.0\nevil-llm==0.1\n' });
  const out = await cli(['scan', dir, '--format', 'json', '--advisory-db', db]);
  const ids = findingsOf(out)
    .map((f) => f.ruleId)
    .sort();
  assert.deepEqual(ids, ['deps/known-vulnerability', 'deps/malicious-package']);
  const fixed = await cli([
    'scan',
    project('custom-db-fixed', { 'requirements.txt': 'tinyllm==1.2.0\n' }),
    '--format',
    'json',
    '--advisory-db',
    db,
  ]);
  assert.deepEqual(findingsOf(fixed), [], 'the fixed version is clean');
});

test('a broken advisory index makes the scan incomplete (exit 3), never clean', async () => {
  const bad = join(TMP, 'broken.ndjson');
  writeFileSync(bad, 'not an index\n');
  const dir = project('broken-db', { 'requirements.txt': 'numpy==2.1.0\n' });
  const out = await cli(['scan', dir, '--advisory-db', bad]);
  assert.equal(out.code, 3, out.stdout + out.stderr);
  assert.match(out.stdout, /advisory index could not be loaded/);
});

test('--online asks OSV (querybatch, then each record) and reports what it answers; a failing OSV is exit 3', async () => {
  const record = ghsaRecord({
    id: 'GHSA-onl-0001',
    pkg: 'numpy',
    events: [{ introduced: '0' }, { fixed: '2.1.1' }],
    aliases: ['CVE-2099-0002'],
    label: 'HIGH',
  });
  const osv = await startOsvReplay({
    vulnsFor: (eco, name, version) =>
      eco === 'PyPI' && name === 'numpy' && version === '2.1.0' ? ['GHSA-onl-0001'] : [],
    records: { 'GHSA-onl-0001': record },
  });
  try {
    const dir = project('online', { 'requirements.txt': 'numpy==2.1.0\nrequests==2.32.3\n' });
    const out = await cli(['scan', dir, '--format', 'json', '--online', '--osv-endpoint', osv.url]);
    const vulns = findingsOf(out).filter((f) => f.ruleId === 'deps/known-vulnerability');
    assert.equal(vulns.length, 1, out.stdout);
    assert.match(JSON.stringify(vulns[0]?.evidence), /GHSA-onl-0001|CVE-2099-0002/);
    assert.ok(
      osv.requests.some((r) => r.method === 'POST' && r.path === '/v1/querybatch'),
      'querybatch was used',
    );
    assert.ok(
      osv.requests.some((r) => r.path === '/v1/vulns/GHSA-onl-0001'),
      'the record was fetched',
    );
  } finally {
    await osv.close();
  }
  const failing = await startOsvReplay({ vulnsFor: () => [], records: {}, fail: () => 500 });
  try {
    const dir = project('online-fail', { 'requirements.txt': 'numpy==2.1.0\n' });
    const out = await cli(['scan', dir, '--online', '--osv-endpoint', failing.url]);
    assert.equal(out.code, 3, `an unanswered query is incomplete, not clean\n${out.stdout}`);
    assert.match(out.stdout, /OSV query failed/);
  } finally {
    await failing.close();
  }
});
