// biome-ignore-all lint/suspicious/noTemplateCurlyInString: configs here hold literal ${env:NAME} references
/**
 * `parapet keys` end to end, in-process through `run(argv, io)`: create prints the secret once and it
 * authenticates against the store, list and revoke in table and JSON, --config uses the config's
 * keys.store, and usage errors exit 2 without a stack trace. Stores are real SQLite files in a temp dir.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { run } from '../../src/cli/run.ts';
import type { ApiKeyRecord } from '../../src/gateway/contracts.ts';
import { openKeyStore } from '../../src/gateway/keys.ts';
import { assertNoStackTrace, assertUsageError, captureIO, type Outcome } from '../fixtures/cli-io.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-keys-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

let counter = 0;
function freshDir(): string {
  const dir = join(TMP, `case-${counter++}`);
  mkdirSync(dir);
  return dir;
}

async function cli(cwd: string, ...argv: string[]): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(cwd);
  const code = await run(['keys', ...argv], io);
  const o = { code, stdout: stdout(), stderr: stderr() };
  assertNoStackTrace(o);
  return o;
}

const SECRET = /ppk_[A-Za-z0-9_-]{43}/g;

test('create prints the secret exactly once, says so, and the secret authenticates', async () => {
  const dir = freshDir();
  const o = await cli(dir, 'create', '--name', 'ci-bot', '--model', 'llama3*', '--rpm', '30', '--tpm', '0');
  assert.equal(o.code, 0, o.stderr);
  const secrets = o.stdout.match(SECRET) ?? [];
  assert.equal(secrets.length, 1, o.stdout);
  assert.match(o.stdout, /cannot be shown again/);
  assert.match(o.stdout, /Created key k_[0-9a-f]{8} \(ci-bot\)/);
  assert.match(o.stdout, /30 requests\/min, unlimited tokens\/min/);
  // The default store is ./parapet-keys.db in the CLI's working directory.
  const store = openKeyStore(join(dir, 'parapet-keys.db'));
  try {
    const record = store.authenticate(secrets[0] ?? '');
    assert.equal(record?.name, 'ci-bot');
    assert.deepEqual(record?.scopes, ['inference']);
    assert.deepEqual(record?.models, ['llama3*']);
    assert.deepEqual(record?.limits, { requestsPerMinute: 30, tokensPerMinute: 0 });
  } finally {
    store.close();
  }
});

test('create --format json gives the record, the secret once, and the note', async () => {
  const dir = freshDir();
  const o = await cli(
    dir,
    'create',
    '--name',
    'ops',
    '--scope',
    'inference',
    '--scope',
    'admin',
    '-f',
    'json',
  );
  assert.equal(o.code, 0, o.stderr);
  const out = JSON.parse(o.stdout) as { key: ApiKeyRecord; secret: string; store: string; note: string };
  assert.deepEqual(out.key.scopes, ['inference', 'admin']);
  assert.equal((o.stdout.match(SECRET) ?? []).length, 1);
  assert.equal(out.store, join(dir, 'parapet-keys.db'));
  assert.match(out.note, /cannot be shown again/);
  assert.equal(out.key.prefix, out.secret.slice(0, 12));
});

test('list shows live keys (never secrets); --all adds revoked ones; revoke is idempotent', async () => {
  const dir = freshDir();
  const store = ['--store', 'state.db'];
  const empty = await cli(dir, 'list', ...store);
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /No keys in .*state\.db\. Create one with/);
  assert.equal(existsSync(join(dir, 'state.db')), false, 'list must not create a store');

  const a = JSON.parse((await cli(dir, 'create', '--name', 'alice', ...store, '-f', 'json')).stdout);
  const b = JSON.parse((await cli(dir, 'create', '--name', 'bob', ...store, '-f', 'json')).stdout);

  const listed = await cli(dir, 'list', ...store);
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /^ID\s+NAME\s+PREFIX\s+SCOPES\s+MODELS\s+RPM\s+TPM\s+CREATED$/m);
  assert.match(listed.stdout, new RegExp(`${a.key.id}\\s+alice\\s+${a.key.prefix}`));
  assert.match(listed.stdout, /2 keys in /);
  assert.doesNotMatch(listed.stdout, SECRET);

  const revoked = await cli(dir, 'revoke', a.key.id, ...store);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`Revoked key ${a.key.id} \\(alice\\)`));
  const again = await cli(dir, 'revoke', a.key.id, ...store);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already revoked at/);

  const live = JSON.parse((await cli(dir, 'list', ...store, '--format', 'json')).stdout) as ApiKeyRecord[];
  assert.deepEqual(
    live.map((k) => k.id),
    [b.key.id],
  );
  const all = JSON.parse((await cli(dir, 'list', '--all', ...store, '-f', 'json')).stdout) as ApiKeyRecord[];
  assert.equal(all.length, 2);
  assert.ok(all.find((k) => k.id === a.key.id)?.revokedAt);
  const table = await cli(dir, 'list', '--all', ...store);
  assert.match(table.stdout, /REVOKED$/m);

  // The revoked secret no longer authenticates; the live one still does.
  const s = openKeyStore(join(dir, 'state.db'));
  try {
    assert.equal(s.authenticate(a.secret), undefined);
    assert.equal(s.authenticate(b.secret)?.id, b.key.id);
  } finally {
    s.close();
  }

  await cli(dir, 'revoke', b.key.id, ...store);
  const none = await cli(dir, 'list', ...store);
  assert.match(none.stdout, /No live keys .*\(2 revoked; --all shows them\)/);
});

test('--config uses the keys.store of the gateway config, resolved against its folder', async () => {
  const dir = freshDir();
  mkdirSync(join(dir, 'conf'));
  writeFileSync(
    join(dir, 'conf', 'parapet.yaml'),
    'upstreams:\n  - name: local\n    url: http://127.0.0.1:11434\nkeys:\n  store: ../data-keys.db\n',
  );
  const o = await cli(dir, 'create', '--config', 'conf/parapet.yaml', '--name', 'from-config');
  assert.equal(o.code, 0, o.stderr);
  assert.ok(existsSync(join(dir, 'data-keys.db')));
  const listed = await cli(dir, 'list', '--config', 'conf/parapet.yaml');
  assert.match(listed.stdout, /from-config/);

  // Variables only the gateway needs (an upstream key) may be unset here; one in keys.store may not.
  writeFileSync(
    join(dir, 'conf', 'env.yaml'),
    'upstreams:\n  - name: local\n    url: http://127.0.0.1:11434\n    apiKey: ${env:PARAPET_TEST_UNSET_UPSTREAM_KEY}\n' +
      'keys:\n  store: ../data-keys.db\n',
  );
  assert.match((await cli(dir, 'list', '--config', 'conf/env.yaml')).stdout, /from-config/);
  writeFileSync(
    join(dir, 'conf', 'env-store.yaml'),
    'upstreams:\n  - name: local\n    url: http://127.0.0.1:11434\nkeys:\n  store: ${env:PARAPET_TEST_UNSET_DIR}/k.db\n',
  );
  assertUsageError(
    await cli(dir, 'create', '--config', 'conf/env-store.yaml', '--name', 'x'),
    /keys\.store names an environment variable that is not set/,
  );

  // A broken config is a usage error naming the key and line.
  writeFileSync(
    join(dir, 'conf', 'bad.yaml'),
    'upstreams:\n  - name: local\n    url: http://x\nkeys:\n  stor: k.db\n',
  );
  assertUsageError(
    await cli(dir, 'list', '--config', 'conf/bad.yaml'),
    /conf\/bad\.yaml:5: keys\.stor: unknown key \(did you mean "store"\?\)/,
  );
  assertUsageError(await cli(dir, 'list', '--config', 'conf/none.yaml'), /no such config file/);
});

test('usage errors exit 2 with a message and no stack trace', async () => {
  const dir = freshDir();
  assertUsageError(await cli(dir, 'revoke', 'k_00000000'), /no key store at/);
  assertUsageError(await cli(dir, 'create'), /required option '--name <name>'/);
  assertUsageError(await cli(dir, 'create', '--name', 'x', '--scope', 'root'), /expected inference or admin/);
  assertUsageError(await cli(dir, 'create', '--name', 'x', '--rpm', '-5'), /whole number/);
  assertUsageError(await cli(dir, 'create', '--name', 'x', '--tpm', '1.5'), /whole number/);
  assertUsageError(await cli(dir, 'create', '--name', ''), /name must be a non-empty string/);
  assertUsageError(await cli(dir, 'create', '--name', 'x'.repeat(101)), /at most 100 characters/);
  assertUsageError(await cli(dir, 'create', '--name', 'x', '--model', ''), /model glob must be a non-empty/);
  assertUsageError(await cli(dir, 'list', '--format', 'xml'), /Allowed choices are table, json/);
  assertUsageError(
    await cli(dir, 'list', '--config', 'a.yaml', '--store', 'b.db'),
    /--config or --store, not both/,
  );
  assertUsageError(await cli(dir, 'revoke', 'alice'), /not a key id: "alice"/);
  await cli(dir, 'create', '--name', 'someone');
  assertUsageError(await cli(dir, 'revoke', 'k_00000000'), /no key k_00000000 in/);
  assertUsageError(await cli(dir, 'revoke'), /missing required argument 'id'/);
  assertUsageError(await cli(dir, 'rotate'), /unknown command 'rotate'/);
  const bare = await cli(dir);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /create \[options\]/);
});

test('--help teaches with examples, and names are printed safely', async () => {
  const dir = freshDir();
  const help = await cli(dir, '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /shown once/);
  assert.match(help.stdout, /parapet keys create --config parapet\.yaml --name ci-bot/);
  assert.match(help.stdout, /parapet keys revoke k_/);
  const createHelp = await cli(dir, 'create', '--help');
  assert.equal(createHelp.code, 0);
  assert.match(createHelp.stdout, /--scope <scope>/);
  assert.match(createHelp.stdout, /Examples:/);

  const o = await cli(dir, 'create', '--name', 'evil\u001b[2Jname');
  assert.equal(o.code, 0);
  assert.doesNotMatch(o.stdout, /\u001b/);
  assert.match(o.stdout, /evil\\u001b\[2Jname/);
});
