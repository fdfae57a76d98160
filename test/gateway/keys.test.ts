/**
 * The API-key store on a real SQLite file in a temp dir: the key life cycle (create, authenticate,
 * revoke), listings, persistence across reopening, that no secret reaches the file, and input checks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { ParapetError } from '../../src/core/errors.ts';
import type { CreateKeyInput } from '../../src/gateway/contracts.ts';
import { globMatch, modelAllowed, openKeyStore, SECRET_PATTERN } from '../../src/gateway/keys.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-keys-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

let counter = 0;
function storePath(): string {
  return join(TMP, `keys-${counter++}.db`);
}

test('a created key authenticates with its secret and the record says what it may do', () => {
  const store = openKeyStore(storePath());
  try {
    const { record, secret } = store.create({
      name: 'ci-bot',
      models: ['llama3*'],
      limits: { requestsPerMinute: 10 },
    });
    assert.match(secret, SECRET_PATTERN);
    assert.match(record.id, /^k_[0-9a-f]{8}$/);
    assert.equal(record.name, 'ci-bot');
    assert.deepEqual(record.scopes, ['inference']);
    assert.deepEqual(record.models, ['llama3*']);
    assert.deepEqual(record.limits, { requestsPerMinute: 10 });
    assert.equal(record.prefix, secret.slice(0, 12));
    assert.ok(!Number.isNaN(Date.parse(record.createdAt)));
    assert.equal(record.revokedAt, undefined);
    assert.deepEqual(store.authenticate(secret), record);
  } finally {
    store.close();
  }
});

test('wrong, malformed and near-miss secrets do not authenticate', () => {
  const store = openKeyStore(storePath());
  try {
    const { secret } = store.create({ name: 'a' });
    const last = secret.at(-1) === 'A' ? 'B' : 'A';
    for (const bad of [
      '',
      'ppk_',
      secret.slice(0, -1),
      `${secret.slice(0, -1)}${last}`,
      `${secret}x`,
      secret.toUpperCase(),
      `Bearer ${secret}`,
      ` ${secret}`,
      "ppk_' OR 1=1 --",
    ]) {
      assert.equal(store.authenticate(bad), undefined, bad);
    }
    assert.equal(store.authenticate(undefined as unknown as string), undefined);
  } finally {
    store.close();
  }
});

test('a revoked key no longer authenticates; revoking again keeps the first time', async () => {
  const store = openKeyStore(storePath());
  try {
    const { record, secret } = store.create({ name: 'old' });
    const revoked = store.revoke(record.id);
    assert.ok(revoked?.revokedAt);
    assert.equal(store.authenticate(secret), undefined);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(store.revoke(record.id)?.revokedAt, revoked.revokedAt);
    assert.equal(store.revoke('k_00000000'), undefined);
    assert.equal(store.revoke('not an id'), undefined);
  } finally {
    store.close();
  }
});

test('a revocation made through one handle is seen at once by another (a running gateway)', () => {
  const path = storePath();
  const gateway = openKeyStore(path);
  const cli = openKeyStore(path);
  try {
    const { record, secret } = cli.create({ name: 'shared' });
    assert.equal(gateway.authenticate(secret)?.id, record.id);
    cli.revoke(record.id);
    assert.equal(gateway.authenticate(secret), undefined);
  } finally {
    cli.close();
    gateway.close();
  }
});

test('list hides revoked keys unless asked', () => {
  const store = openKeyStore(storePath());
  try {
    const a = store.create({ name: 'a' }).record;
    const b = store.create({ name: 'b', scopes: ['inference', 'admin'] }).record;
    store.revoke(a.id);
    assert.deepEqual(
      store.list().map((k) => k.id),
      [b.id],
    );
    const all = store.list({ includeRevoked: true });
    assert.deepEqual(all.map((k) => k.id).sort(), [a.id, b.id].sort());
    assert.ok(all.find((k) => k.id === a.id)?.revokedAt);
    assert.deepEqual(all.find((k) => k.id === b.id)?.scopes, ['inference', 'admin']);
  } finally {
    store.close();
  }
});

test('keys persist across reopening, and the file is private (0600)', () => {
  const path = storePath();
  const first = openKeyStore(path);
  const { record, secret } = first.create({ name: 'persisted', models: ['qwen2.5:7b'] });
  first.close();
  first.close(); // closing twice is harmless
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const second = openKeyStore(path);
  try {
    assert.deepEqual(second.authenticate(secret), record);
    assert.deepEqual(second.list(), [record]);
  } finally {
    second.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    db.close();
  }
});

test('secrets never reach the disk, only their SHA-256', () => {
  const path = storePath();
  const store = openKeyStore(path);
  const secrets: string[] = [];
  for (let i = 0; i < 5; i++) secrets.push(store.create({ name: `key ${i}` }).secret);
  // Read the bytes while the store is open too, so the WAL file is checked before any checkpoint.
  const raw = () =>
    readdirSync(TMP)
      .filter((f) => f.startsWith(path.slice(TMP.length + 1)))
      .map((f) => readFileSync(join(TMP, f)).toString('latin1'))
      .join('\n');
  const check = (bytes: string) => {
    for (const secret of secrets) {
      assert.ok(!bytes.includes(secret), 'secret found in the key store files');
      assert.ok(!bytes.includes(secret.slice(4)), 'secret body found in the key store files');
      assert.ok(!bytes.includes(Buffer.from(secret.slice(4), 'base64url').toString('latin1')));
    }
  };
  check(raw());
  store.close();
  const bytes = raw();
  check(bytes);
  // The lookup column holds hex SHA-256 digests.
  const db = new Database(path, { readonly: true });
  try {
    const hashes = db.prepare('SELECT secret_sha256 FROM api_keys').pluck().all() as string[];
    assert.equal(hashes.length, 5);
    for (const h of hashes) assert.match(h, /^[0-9a-f]{64}$/);
  } finally {
    db.close();
  }
});

test('bad inputs are refused with a clear error and store nothing', () => {
  const store = openKeyStore(storePath());
  try {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: '' }, /name must be a non-empty string/],
      [{ name: '   ' }, /name must be a non-empty string/],
      [{ name: 'x'.repeat(101) }, /at most 100 characters/],
      [{ name: 42 }, /name must be a non-empty string/],
      [{ name: 'a', scopes: [] }, /non-empty list of inference, admin/],
      [{ name: 'a', scopes: ['root'] }, /unknown key scope "root"/],
      [{ name: 'a', models: [''] }, /model glob must be a non-empty string/],
      [{ name: 'a', models: 'llama3' }, /must be a list/],
      [{ name: 'a', limits: { requestsPerMinute: -1 } }, /non-negative integer/],
      [{ name: 'a', limits: { tokensPerMinute: 1.5 } }, /non-negative integer/],
      [{ name: 'a', limits: { rpm: 3 } }, /unknown key limit "rpm"/],
      [null, /must be an object/],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => store.create(input as CreateKeyInput),
        (err: unknown) => err instanceof ParapetError && err.code === 'USAGE' && message.test(err.message),
        JSON.stringify(input),
      );
    }
    assert.deepEqual(store.list({ includeRevoked: true }), []);
    // Zero limits are valid (0 = unlimited), and repeated scopes collapse.
    const ok = store.create({
      name: '  spaced  ',
      scopes: ['admin', 'admin'],
      limits: { requestsPerMinute: 0 },
    }).record;
    assert.equal(ok.name, 'spaced');
    assert.deepEqual(ok.scopes, ['admin']);
  } finally {
    store.close();
  }
});

test('a file that is not a key store is refused, not altered', () => {
  const text = storePath();
  writeFileSync(text, 'hello, not sqlite at all. '.repeat(100));
  assert.throws(() => openKeyStore(text), /cannot open key store/);
  assert.equal(readFileSync(text, 'utf8').slice(0, 5), 'hello');

  const other = storePath();
  const db = new Database(other);
  db.exec('CREATE TABLE things (x)');
  db.close();
  assert.throws(() => openKeyStore(other), /not a key store/);

  const newer = storePath();
  const db2 = new Database(newer);
  db2.pragma('user_version = 99');
  db2.close();
  assert.throws(() => openKeyStore(newer), /schema version 99/);

  assert.throws(() => openKeyStore(join(TMP, 'no-such-dir', 'k.db')), /cannot create key store/);
});

test('modelAllowed: * is any run of characters, everything else literal and case-sensitive', () => {
  const key = (models: string[]) => ({ models });
  assert.equal(modelAllowed(key([]), 'anything'), true);
  assert.equal(modelAllowed(key(['llama3*']), 'llama3:8b'), true);
  assert.equal(modelAllowed(key(['llama3*']), 'llama3'), true);
  assert.equal(modelAllowed(key(['llama3*']), 'Llama3'), false);
  assert.equal(modelAllowed(key(['llama3*']), 'xllama3'), false);
  assert.equal(modelAllowed(key(['qwen2.5:7b']), 'qwen2.5:7b'), true);
  assert.equal(modelAllowed(key(['qwen2.5:7b']), 'qwen205:7b'), false); // `.` is literal
  assert.equal(modelAllowed(key(['a', '*-instruct']), 'phi-instruct'), true);
  assert.equal(globMatch('*', ''), true);
  assert.equal(globMatch('a*b*c', 'aXXbYYc'), true);
  assert.equal(globMatch('a*b*c', 'aXXbYY'), false);
  assert.equal(globMatch('**a', 'ba'), true);
  assert.equal(globMatch('?', 'x'), false); // only * is special
  assert.equal(globMatch('[ab]', 'a'), false);
  // Many stars against a long near-miss: the matcher is linear-ish, this returns at once.
  assert.equal(globMatch(`${'*a'.repeat(50)}b`, 'a'.repeat(5000)), false);
});
