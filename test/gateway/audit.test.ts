/**
 * The audit log on real SQLite files in a temp dir: batch and timer flushing, close, reopen, durability
 * across a SIGKILLed writer, the queue-overflow policy, write errors that stay out of the request path
 * (a lock held by another connection, the folder replaced by a file), schema versioning and the reader's
 * filters.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  AUDIT_SCHEMA_VERSION,
  DROPPED_ROUTE,
  openAuditLog,
  readAuditRecords,
} from '../../src/gateway/audit.ts';
import type { AuditRecord } from '../../src/gateway/contracts.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-audit-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const AUDIT_MODULE = join(REPO, 'src/gateway/audit.ts');

let counter = 0;
function dbPath(): string {
  return join(TMP, `${counter++}`, 'audit.db');
}

const BASE_TIME = Date.parse('2026-01-02T03:04:05.000Z');

function record(n: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `req-${n}`,
    time: new Date(BASE_TIME + n * 1000).toISOString(),
    method: 'POST',
    route: '/v1/chat/completions',
    status: 200,
    stream: false,
    inputAction: 'allow',
    outputAction: 'allow',
    ruleIds: [],
    latencyMs: 12.5,
    ...extra,
  };
}

function ids(records: AuditRecord[]): string[] {
  return records.map((r) => r.id);
}

/** Polls `check` until it returns true; fails after `ms`. Timing is never the assertion itself. */
async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs a TypeScript snippet in a child `node --import tsx`; resolves with its exit code and output. */
function child(
  source: string,
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  const file = join(TMP, `child-${counter++}.ts`);
  writeFileSync(file, source);
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const guard = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child did not finish: ${out}`));
    }, 20_000);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d: string) => {
      out += d;
    });
    proc.stdout.on('data', (d: string) => {
      out += d;
      for (const line of d.split('\n')) if (line !== '') onLine?.(line, () => proc.kill('SIGKILL'));
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolvePromise({ code, signal, out });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Flushing

test('a full batch is written at once; a partial one waits', () => {
  const path = dbPath();
  const log = openAuditLog(path, { batchSize: 3, flushIntervalMs: 60_000 });
  try {
    log.write(record(1));
    log.write(record(2));
    assert.deepEqual(readAuditRecords(path), []);
    assert.deepEqual(log.stats(), { written: 0, queued: 2, dropped: 0 });
    log.write(record(3));
    assert.deepEqual(ids(readAuditRecords(path, { order: 'asc' })), ['req-1', 'req-2', 'req-3']);
    assert.deepEqual(log.stats(), { written: 3, queued: 0, dropped: 0 });
  } finally {
    log.close();
  }
});

test('the interval timer writes a partial batch', async () => {
  const path = dbPath();
  const log = openAuditLog(path, { batchSize: 100, flushIntervalMs: 20 });
  try {
    log.write(record(1));
    await eventually(() => readAuditRecords(path).length === 1);
    assert.equal(log.stats().written, 1);
  } finally {
    log.close();
  }
});

test('flush() writes now and close() flushes what is left; writes after close are ignored', () => {
  const path = dbPath();
  const log = openAuditLog(path, { batchSize: 100, flushIntervalMs: 60_000 });
  log.write(record(1));
  log.flush();
  assert.equal(readAuditRecords(path).length, 1);
  log.write(record(2));
  log.close();
  assert.deepEqual(ids(readAuditRecords(path)), ['req-2', 'req-1']);
  log.write(record(3));
  log.flush();
  log.close();
  assert.equal(readAuditRecords(path).length, 2);
});

test('every field survives close and reopen; absent optional fields stay absent', () => {
  const path = dbPath();
  const full = record(1, {
    keyId: 'k_3f9a1c2b',
    model: 'llama3:8b',
    upstream: 'local',
    stream: true,
    status: 400,
    inputAction: 'block',
    outputAction: 'skipped',
    ruleIds: ['guard/instruction-override', 'guard/secrets'],
    latencyMs: 3.25,
    upstreamMs: 1.5,
    promptTokens: 42,
    completionTokens: 7,
    error: 'blocked by input guard',
    prompt: 'Ignore all previous [REDACTED]',
    completion: 'ok',
  });
  const minimal = record(2);
  const first = openAuditLog(path);
  first.write(full);
  first.write(minimal);
  first.close();
  const second = openAuditLog(path);
  second.write(record(3));
  second.close();
  const back = readAuditRecords(path, { order: 'asc' });
  assert.deepEqual(back, [full, minimal, record(3)]);
});

test('a flushed batch survives the writer being SIGKILLed', async () => {
  const path = dbPath();
  const source = `
    import { openAuditLog } from ${JSON.stringify(AUDIT_MODULE)};
    const log = openAuditLog(${JSON.stringify(path)}, { batchSize: 1000, flushIntervalMs: 60000 });
    for (let i = 0; i < 50; i++)
      log.write({ id: 'kid-' + i, time: new Date(${BASE_TIME} + i).toISOString(), method: 'POST',
        route: '/v1/chat/completions', status: 200, stream: false, inputAction: 'allow',
        outputAction: 'allow', ruleIds: ['r'], latencyMs: 1 });
    log.flush();
    console.log('flushed');
    setInterval(() => {}, 1000); // stay alive until killed
  `;
  const result = await child(source, (line, kill) => {
    if (line === 'flushed') kill();
  });
  assert.equal(result.signal, 'SIGKILL', result.out);
  const back = readAuditRecords(path, { limit: 1000, order: 'asc' });
  assert.equal(back.length, 50);
  assert.equal(back[49]?.id, 'kid-49');
  // The killed writer left a WAL behind; a new writer picks it up and goes on.
  const log = openAuditLog(path);
  log.write(record(1));
  log.close();
  assert.equal(readAuditRecords(path, { limit: 1000 }).length, 51);
});

test('the flush timer does not keep the process alive', async () => {
  const path = dbPath();
  const source = `
    import { openAuditLog } from ${JSON.stringify(AUDIT_MODULE)};
    const log = openAuditLog(${JSON.stringify(path)}, { batchSize: 1000, flushIntervalMs: 600000 });
    log.write({ id: 'a', time: new Date().toISOString(), method: 'GET', route: '/v1/models', status: 200,
      stream: false, inputAction: 'skipped', outputAction: 'skipped', ruleIds: [], latencyMs: 1 });
    console.log('written');
  `;
  const result = await child(source);
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /written/);
});

// ---------------------------------------------------------------------------------------------------------
// Write errors and overflow

/** Another connection holding the write lock makes every insert fail with SQLITE_BUSY. */
function lockFile(path: string): { release: () => void } {
  const other = new Database(path);
  other.exec('BEGIN EXCLUSIVE');
  return {
    release: () => {
      other.exec('COMMIT');
      other.close();
    },
  };
}

test('a failing write does not throw, keeps the records and reports the error; the next flush retries', () => {
  const path = dbPath();
  const log = openAuditLog(path, { batchSize: 2, flushIntervalMs: 60_000 });
  try {
    const lock = lockFile(path);
    assert.doesNotThrow(() => {
      log.write(record(1));
      log.write(record(2)); // fills the batch: the flush fails
      log.write(record(3));
      log.flush();
    });
    const failing = log.stats();
    assert.equal(failing.written, 0);
    assert.equal(failing.queued, 3);
    assert.equal(failing.dropped, 0);
    assert.match(failing.lastError ?? '', /locked|busy/i);
    lock.release();
    log.flush();
    assert.deepEqual(log.stats(), { written: 3, queued: 0, dropped: 0 });
    assert.equal(readAuditRecords(path).length, 3);
  } finally {
    log.close();
  }
});

test('a full queue drops the oldest records, counts them and writes a row saying so', () => {
  const path = dbPath();
  const log = openAuditLog(path, { batchSize: 2, flushIntervalMs: 60_000 });
  try {
    const lock = lockFile(path);
    for (let n = 0; n < 25; n++) log.write(record(n)); // the queue holds 10 batches: 20 records
    const stuck = log.stats();
    assert.equal(stuck.queued, 20);
    assert.equal(stuck.dropped, 5);
    assert.equal(stuck.written, 0);
    lock.release();
    log.flush();
    assert.deepEqual(log.stats(), { written: 21, queued: 0, dropped: 5 });
    const back = readAuditRecords(path, { limit: 100, order: 'asc' });
    const kept = back.filter((r) => r.route !== DROPPED_ROUTE);
    assert.deepEqual(
      ids(kept),
      Array.from({ length: 20 }, (_, i) => `req-${i + 5}`),
    );
    const notice = back.filter((r) => r.route === DROPPED_ROUTE);
    assert.equal(notice.length, 1);
    assert.match(notice[0]?.error ?? '', /^5 audit record\(s\) dropped/);
    assert.match(notice[0]?.error ?? '', /from 2026-01-02T03:04:05\.000Z to 2026-01-02T03:04:09\.000Z/);
  } finally {
    log.close();
  }
});

test('records that could not be written by close() are counted as dropped', () => {
  const path = dbPath();
  const log = openAuditLog(path, { batchSize: 100, flushIntervalMs: 60_000 });
  const lock = lockFile(path);
  log.write(record(1));
  log.close();
  lock.release();
  assert.equal(log.stats().dropped, 1);
  assert.equal(log.stats().queued, 0);
});

test('a deleted log folder is recreated at the next flush; a folder that cannot be made is an error in stats', () => {
  const dir = join(TMP, `gone-${counter++}`);
  const path = join(dir, 'audit.db');
  const log = openAuditLog(path, { batchSize: 100, flushIntervalMs: 60_000 });
  try {
    log.write(record(1));
    log.flush();
    rmSync(dir, { recursive: true });
    // Without the identity check these would go into the unlinked file and vanish silently.
    log.write(record(2));
    log.flush();
    assert.equal(log.stats().lastError, undefined);
    assert.deepEqual(ids(readAuditRecords(path)), ['req-2']);

    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'a file where the folder was');
    log.write(record(3));
    assert.doesNotThrow(() => log.flush());
    assert.match(log.stats().lastError ?? '', /cannot open audit log/);
    assert.equal(log.stats().queued, 1);

    rmSync(dir);
    log.flush();
    assert.equal(log.stats().lastError, undefined);
    assert.deepEqual(ids(readAuditRecords(path)), ['req-3']);
  } finally {
    log.close();
  }
});

// ---------------------------------------------------------------------------------------------------------
// Schema and files

test('the file is owner-only, in WAL mode, with its schema version; a newer version is refused by the writer and the reader', () => {
  const path = dbPath();
  openAuditLog(path).close();
  const raw = new Database(path);
  assert.equal(raw.pragma('user_version', { simple: true }), AUDIT_SCHEMA_VERSION);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  raw.pragma(`user_version = ${AUDIT_SCHEMA_VERSION + 1}`);
  raw.close();
  assert.throws(() => openAuditLog(path), /schema version 2, newer than this Parapet understands \(1\)/);
  assert.throws(() => readAuditRecords(path), /newer than this Parapet understands/);
});

test('a SQLite file of something else, or not SQLite at all, is refused with a clear error', () => {
  const other = dbPath();
  mkdirSync(join(other, '..'), { recursive: true });
  const raw = new Database(other);
  raw.exec('CREATE TABLE users (name TEXT)');
  raw.close();
  assert.throws(() => openAuditLog(other), /is a SQLite file but not a Parapet audit log/);
  assert.throws(() => readAuditRecords(other), /is not a Parapet audit log/);

  const garbage = join(TMP, `garbage-${counter++}.db`);
  writeFileSync(garbage, 'this is not a database, just some text that is long enough '.repeat(20));
  assert.throws(() => openAuditLog(garbage), /not a SQLite audit log/);
  assert.throws(() => readAuditRecords(garbage), /not a SQLite audit log/);
});

test('bad options are refused', () => {
  assert.throws(() => openAuditLog(dbPath(), { batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => openAuditLog(dbPath(), { flushIntervalMs: 1.5 }), /flushIntervalMs/);
});

// ---------------------------------------------------------------------------------------------------------
// Reading

test('readAuditRecords filters by time and key, orders and limits; a missing file is NOT_FOUND', () => {
  const path = dbPath();
  const log = openAuditLog(path);
  for (let n = 0; n < 10; n++) log.write(record(n, { keyId: n % 2 === 0 ? 'k_even' : 'k_odd' }));
  log.close();
  assert.deepEqual(ids(readAuditRecords(path, { limit: 3 })), ['req-9', 'req-8', 'req-7']);
  assert.deepEqual(ids(readAuditRecords(path, { limit: 2, order: 'asc' })), ['req-0', 'req-1']);
  assert.deepEqual(ids(readAuditRecords(path, { keyId: 'k_odd', limit: 2 })), ['req-9', 'req-7']);
  // `since` in another zone still compares correctly: times are stored in one canonical form.
  const since = '2026-01-02T04:04:13+01:00'; // = 03:04:13Z = record 8
  assert.deepEqual(ids(readAuditRecords(path, { since })), ['req-9', 'req-8']);
  assert.deepEqual(ids(readAuditRecords(path, { since, keyId: 'k_even' })), ['req-8']);
  assert.throws(() => readAuditRecords(path, { since: 'yesterday-ish' }), /bad time/);
  assert.throws(() => readAuditRecords(path, { limit: -1 }), /limit must be a positive integer/);
  assert.throws(
    () => readAuditRecords(join(TMP, 'nope.db')),
    (err: Error & { code?: string }) => err.code === 'NOT_FOUND' && /cannot open audit log/.test(err.message),
  );
});

test('the reader works while a writer has the file open', () => {
  const path = dbPath();
  const log = openAuditLog(path, { batchSize: 1 });
  try {
    log.write(record(1));
    assert.equal(readAuditRecords(path).length, 1);
    log.write(record(2));
    assert.equal(readAuditRecords(path).length, 2);
  } finally {
    log.close();
  }
});
