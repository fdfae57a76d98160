/**
 * `parapet sign` and `parapet verify` in-process, through the same commander wiring and error mapping as
 * src/cli/run.ts (USAGE/NOT_FOUND → exit 2, other failures → exit 3, never a stack trace): round trips,
 * the upstream samples as upstream's scripts verify them, tampering (exit 1, files named), usage errors,
 * the progress bar on a terminal only, JSON output, and --help.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { signCommand } from '../../src/cli/commands/sign.ts';
import { verifyCommand } from '../../src/cli/commands/verify.ts';
import { EXIT } from '../../src/cli/io.ts';
import { describeError, ParapetError } from '../../src/core/errors.ts';
import { assertNoStackTrace, captureIO, type Outcome } from '../fixtures/cli-io.ts';
import { makeKeyPair, makePki } from '../fixtures/oms/pki.ts';
import { CA_CERT, SAMPLE_IDENTITY, SAMPLES, SIGNING_PUBLIC_KEY } from '../fixtures/oms/vectors.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-oms-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** `parapet <argv>` for the two commands, as run.ts runs a command (the lead registers them there). */
async function parapet(
  cwd: string,
  argv: string[],
  options: { tty?: boolean; env?: Record<string, string> } = {},
): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(cwd);
  io.stderrIsTTY = options.tty === true;
  let code: number = EXIT.clean;
  const setExit = (c: number) => {
    code = c;
  };
  const program = new Command('parapet')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addCommand(signCommand(io, setExit, options.env ?? {}))
    .addCommand(verifyCommand(io, setExit));
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode === 0 ? EXIT.clean : EXIT.usage;
    else if (err instanceof ParapetError && (err.code === 'USAGE' || err.code === 'NOT_FOUND')) {
      io.stderr(`parapet: ${err.message}\n`);
      code = EXIT.usage;
    } else {
      io.stderr(`parapet: ${describeError(err)}\n`);
      code = EXIT.incomplete;
    }
  }
  const o = { code, stdout: stdout(), stderr: stderr() };
  assertNoStackTrace(o);
  return o;
}

let n = 0;
/** A fresh working directory holding a small model `model/` and a P-256 key pair. */
function workspace(): { cwd: string; model: string } {
  const cwd = join(TMP, `w${n++}`);
  const model = join(cwd, 'model');
  mkdirSync(join(model, 'weights'), { recursive: true });
  writeFileSync(join(model, 'config.json'), '{"model_type": "llama"}\n');
  writeFileSync(join(model, 'weights', 'a.safetensors'), Buffer.alloc(50_000, 3));
  writeFileSync(join(model, 'tokenizer.json'), '{}');
  const keys = makeKeyPair('P-256');
  writeFileSync(join(cwd, 'key.pem'), keys.privatePem);
  writeFileSync(join(cwd, 'key.pub.pem'), keys.publicPem);
  return { cwd, model };
}

test('sign then verify: table output, exit 0; the default signature is ./model.sig', async () => {
  const { cwd } = workspace();
  const s = await parapet(cwd, ['sign', 'model', '--key', 'key.pem']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /^Signed model with key [0-9a-f]{64}/);
  assert.match(s.stdout, /resources {4}3 \(sha256, files\)/);
  assert.match(s.stdout, /root digest {2}sha256:[0-9a-f]{64}/);
  assert.equal(s.stderr, '', 'no progress bar when stderr is not a terminal');
  const bundle = JSON.parse(readFileSync(join(cwd, 'model.sig'), 'utf8'));
  assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');

  const v = await parapet(cwd, ['verify', 'model', '--signature', 'model.sig', '--key', 'key.pub.pem']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^VERIFIED {2}.*model\n {2}signed by {4}key [0-9a-f]{64}/);
});

test('verify after tampering: exit 1 and every changed, unsigned and missing file named', async () => {
  const { cwd, model } = workspace();
  assert.equal(
    (await parapet(cwd, ['sign', 'model', '--key', 'key.pem', '--output', 'm.sig', '--shard-size', '4096']))
      .code,
    0,
  );
  const weights = join(model, 'weights', 'a.safetensors');
  const bytes = readFileSync(weights);
  bytes[40_000] = 9;
  writeFileSync(weights, bytes);
  writeFileSync(join(model, 'evil.py'), 'import os');
  rmSync(join(model, 'tokenizer.json'));
  const v = await parapet(cwd, ['verify', 'model', '-s', 'm.sig', '--key', 'key.pub.pem']);
  assert.equal(v.code, 1);
  assert.match(v.stdout, /^FAILED {2}/);
  assert.match(v.stdout, /changed {4}weights\/a\.safetensors/);
  assert.match(v.stdout, /unsigned {3}evil\.py/);
  assert.match(v.stdout, /missing {4}tokenizer\.json/);
  const j = await parapet(cwd, [
    'verify',
    'model',
    '-s',
    'm.sig',
    '--key',
    'key.pub.pem',
    '--format',
    'json',
  ]);
  assert.equal(j.code, 1);
  const out = JSON.parse(j.stdout);
  assert.equal(out.ok, false);
  assert.equal(out.stage, 'model');
  assert.deepEqual(out.diff, {
    changed: ['weights/a.safetensors'],
    added: ['evil.py'],
    removed: ['tokenizer.json'],
  });
});

test("upstream samples as upstream's scripts verify them (cwd = the samples directory)", async () => {
  const cwd = SAMPLES;
  const pub = relative(cwd, SIGNING_PUBLIC_KEY);
  const ca = relative(cwd, CA_CERT);
  const ok = async (argv: string[]) => {
    const o = await parapet(cwd, argv);
    assert.equal(o.code, 0, `${argv.join(' ')}\n${o.stdout}${o.stderr}`);
    return o;
  };
  await ok(['verify', 'v1.1.0-elliptic-key', '--signature', 'v1.1.0-elliptic-key/model.sig', '--key', pub]);
  await ok([
    'verify',
    'v1.0.0-elliptic-key/signme-1',
    '--signature',
    'v1.0.0-elliptic-key/model.sig',
    '--key',
    pub,
  ]);
  await ok([
    'verify',
    'v0.2.0-certificate',
    '--signature',
    'v0.2.0-certificate/model.sig',
    '--cert-chain',
    ca,
  ]);
  const c = await ok([
    'verify',
    'v1.1.0-certificate',
    '--signature',
    'v1.1.0-certificate/model.sig',
    '--cert-chain',
    ca,
  ]);
  assert.match(c.stdout, /certificate CN=intermediate-ca <- CN=intermediate-ca <- CN=root-ca/);
  const s = await ok([
    'verify',
    'v1.1.0-sigstore',
    '--signature',
    'v1.1.0-sigstore/model.sig',
    '--sigstore',
    '--identity',
    SAMPLE_IDENTITY.identity,
    '--issuer',
    SAMPLE_IDENTITY.issuer,
  ]);
  assert.match(s.stdout, /Sigstore identity stefanb@us\.ibm\.com/);
  // v1.0.1 needs its extra file ignored, relative to the current directory as upstream passes it.
  await ok([
    'verify',
    'v1.0.1-elliptic-key',
    '--signature',
    'v1.0.1-elliptic-key/model.sig',
    '--key',
    pub,
    '--ignore-paths',
    'v1.0.1-elliptic-key/ignore-me',
  ]);
  const bad = await parapet(cwd, [
    'verify',
    'v1.0.1-elliptic-key',
    '--signature',
    'v1.0.1-elliptic-key/model.sig',
    '--key',
    pub,
  ]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /unsigned {3}ignore-me/);
  const wrongId = await parapet(cwd, [
    'verify',
    'v1.1.0-sigstore',
    '--signature',
    'v1.1.0-sigstore/model.sig',
    '--sigstore',
    '--identity',
    'mallory@example.com',
    '--issuer',
    SAMPLE_IDENTITY.issuer,
  ]);
  assert.equal(wrongId.code, 1);
  assert.match(wrongId.stdout, /signed by someone else/);
});

test('certificate signing from the command line, verified with the root', async () => {
  const { cwd } = workspace();
  const pki = makePki(join(cwd, 'pki'), { curve: 'P-384' });
  const s = await parapet(cwd, [
    'sign',
    'model',
    '--key',
    pki.files.leafKey,
    '--cert-chain',
    pki.files.leaf,
    pki.files.intermediate,
    '--output',
    'c.sig',
    '--format',
    'json',
  ]);
  assert.equal(s.code, 0, s.stderr);
  const summary = JSON.parse(s.stdout);
  assert.equal(summary.method, 'certificate');
  assert.equal(summary.resources, 3);
  const v = await parapet(cwd, [
    'verify',
    'model',
    '-s',
    'c.sig',
    '--cert-chain',
    pki.files.root,
    '--format',
    'json',
  ]);
  assert.equal(v.code, 0, v.stdout);
  assert.equal(JSON.parse(v.stdout).signer.method, 'certificate');
  const wrong = await parapet(cwd, ['verify', 'model', '-s', 'c.sig', '--key', 'key.pub.pem']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /--cert-chain/);
});

test('a progress bar on a terminal only, on stderr, cleared at the end', async () => {
  const { cwd } = workspace();
  const s = await parapet(cwd, ['sign', 'model', '--key', 'key.pem'], { tty: true });
  assert.equal(s.code, 0);
  assert.match(s.stderr, /hashing \[#+\.*\] +\d+%/);
  assert.match(s.stderr, /100%/);
  assert.ok(s.stderr.endsWith('\r\x1b[K'), 'the bar is erased');
  assert.doesNotMatch(s.stdout, /hashing/);
  const v = await parapet(cwd, ['verify', 'model', '--key', 'key.pub.pem'], { tty: true });
  assert.equal(v.code, 0);
  assert.match(v.stderr, /verifying \[/);
});

test('encrypted keys: --passphrase-env names the variable; missing or unset is a usage error', async () => {
  const { cwd } = workspace();
  const { createPrivateKey } = await import('node:crypto');
  const enc = createPrivateKey(readFileSync(join(cwd, 'key.pem')))
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
    .toString();
  writeFileSync(join(cwd, 'enc.pem'), enc);
  const noPass = await parapet(cwd, ['sign', 'model', '--key', 'enc.pem']);
  assert.equal(noPass.code, 2);
  assert.match(noPass.stderr, /encrypted/);
  const unset = await parapet(cwd, ['sign', 'model', '--key', 'enc.pem', '--passphrase-env', 'KEY_PASS']);
  assert.equal(unset.code, 2);
  assert.match(unset.stderr, /KEY_PASS is not set/);
  const ok = await parapet(cwd, ['sign', 'model', '--key', 'enc.pem', '--passphrase-env', 'KEY_PASS'], {
    env: { KEY_PASS: 'open sesame' },
  });
  assert.equal(ok.code, 0, ok.stderr);
});

test('usage errors exit 2 with a message; nothing on stdout', async () => {
  const { cwd } = workspace();
  assert.equal((await parapet(cwd, ['sign', 'model', '--key', 'key.pem'])).code, 0);
  const cases: [string[], RegExp][] = [
    [['sign', 'model'], /required option '--key/],
    [['sign', 'model', '--key', 'missing.pem'], /private key not found/],
    [['sign', 'missing-model', '--key', 'key.pem'], /not found/],
    [['sign', 'model', '--key', 'key.pub.pem'], /not a private key/],
    [['sign', 'model', '--key', 'key.pem', '--hash', 'md5'], /Allowed choices are sha256, blake2b, blake3/],
    [['sign', 'model', '--key', 'key.pem', '--shard-size', '0'], /whole number of bytes above 0/],
    [['sign', 'model', '--key', 'key.pem', '--shard-size', '1.5'], /whole number/],
    [['verify', 'model'], /exactly one of --key, --cert-chain and --sigstore/],
    [
      ['verify', 'model', '--key', 'key.pub.pem', '--sigstore', '--identity', 'a', '--issuer', 'b'],
      /exactly one/,
    ],
    [['verify', 'model', '--key', 'key.pub.pem', '--identity', 'a'], /go with --sigstore/],
    [['verify', 'model', '--sigstore', '--identity', 'a'], /needs --identity and --issuer/],
    [['verify', 'model', '--key', 'key.pub.pem', '--signature', 'none.sig'], /signature not found/],
    [['verify', 'nowhere', '--key', 'key.pub.pem'], /model not found/],
    [['verify', 'model', '--cert-chain', 'key.pub.pem'], /no PEM certificate/],
  ];
  for (const [argv, message] of cases) {
    const o = await parapet(cwd, argv);
    assert.equal(o.code, 2, `${argv.join(' ')}: ${o.stderr}`);
    assert.equal(o.stdout, '', argv.join(' '));
    assert.match(o.stderr, message, argv.join(' '));
  }
});

test('a truncated signature exits 1; hashing that cannot complete exits 3', async () => {
  const { cwd, model } = workspace();
  assert.equal((await parapet(cwd, ['sign', 'model', '--key', 'key.pem'])).code, 0);
  const sig = readFileSync(join(cwd, 'model.sig'));
  writeFileSync(join(cwd, 'model.sig'), sig.subarray(0, sig.length >> 1));
  const v = await parapet(cwd, ['verify', 'model', '--key', 'key.pub.pem']);
  assert.equal(v.code, 1);
  assert.match(v.stdout, /bundle {5}the bundle is not JSON/);
  // A symbolic-link loop in a model signed with --allow-symlinks: the walk gives up (a limit), exit 3.
  symlinkSync('loop-b', join(model, 'loop-a'));
  symlinkSync('loop-a', join(model, 'loop-b'));
  const s = await parapet(cwd, ['sign', 'model', '--key', 'key.pem', '--allow-symlinks']);
  assert.equal(s.code, 3, s.stderr);
  assert.match(s.stderr, /symbolic link loop/);
  // Without --allow-symlinks a link is refused up front as a usage problem, with the way out named.
  const refused = await parapet(cwd, ['sign', 'model', '--key', 'key.pem']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--allow-symlinks/);
});

test('--help teaches: what it does, examples, exit codes', async () => {
  for (const cmd of ['sign', 'verify']) {
    const o = await parapet(TMP, [cmd, '--help']);
    assert.equal(o.code, 0);
    assert.match(o.stdout, /Examples:/);
    assert.match(o.stdout, /Exit codes:/);
    assert.match(o.stdout, cmd === 'sign' ? /openssl ecparam/ : /--sigstore --identity ID --issuer URL/);
  }
});
