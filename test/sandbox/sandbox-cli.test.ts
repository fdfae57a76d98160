/** `parapet sandbox` through the whole CLI (src/cli/run.ts): exit codes, formats, usage errors, help. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { run } from '../../src/cli/run.ts';
import { assertNoStackTrace, assertUsageError, captureIO, type Outcome } from '../fixtures/cli-io.ts';
import { benignPickle, osSystemPickle } from '../fixtures/sandbox/payloads.ts';
import { sarifValidator } from '../fixtures/sarif-schema.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-sandbox-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const EVIL = join(TMP, 'evil.pkl');
const BENIGN = join(TMP, 'benign.pkl');
writeFileSync(EVIL, osSystemPickle('id'));
writeFileSync(BENIGN, benignPickle());

async function cli(argv: string[]): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(TMP);
  const code = await run(['sandbox', ...argv], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('parapet sandbox (CLI)', () => {
  it('exits 1 with the exec finding for a malicious pickle, in JSON', async () => {
    const o = await cli(['--model', EVIL, '--loader', 'pickle', '--format', 'json']);
    assert.equal(o.code, 1, o.stderr);
    const report = JSON.parse(o.stdout) as { findings: { ruleId: string; severity: string }[] };
    assert.ok(report.findings.some((f) => f.ruleId === 'sandbox/exec' && f.severity === 'critical'));
    assert.match(o.stderr, /uid=0/, "the command's own output goes to stderr");
    assertNoStackTrace(o);
  });

  it('near miss: exits 0 for the benign pickle', async () => {
    const o = await cli(['--model', BENIGN, '--loader', 'pickle']);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stdout, /No findings/);
    assert.match(o.stderr, /sandbox: exit 0/);
  });

  it('writes SARIF to --output, and --quiet keeps the command output away', async () => {
    const out = join(TMP, 'r.sarif');
    const o = await cli(['-m', EVIL, '--loader', 'pickle', '-f', 'sarif', '-o', out, '--quiet']);
    assert.equal(o.code, 1);
    assert.equal(o.stdout, '');
    assert.doesNotMatch(o.stderr, /uid=0/);
    const sarif = JSON.parse(readFileSync(out, 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    assert.ok(sarif.runs[0]!.results.some((r) => r.ruleId === 'sandbox/exec'));
    const validate = sarifValidator();
    assert.ok(validate(sarif), JSON.stringify(validate.errors));
    // A command line as the location (no model) must still make valid SARIF.
    const cmdOut = join(TMP, 'cmd.sarif');
    const o2 = await cli([
      '-f',
      'sarif',
      '-o',
      cmdOut,
      '--quiet',
      '--',
      'sh',
      '-c',
      'id -u > /dev/null; cat ~/.ssh/id_rsa',
    ]);
    assert.equal(o2.code, 1, o2.stderr);
    const cmdSarif = JSON.parse(readFileSync(cmdOut, 'utf8'));
    assert.ok(validate(cmdSarif), JSON.stringify(validate.errors));
  });

  it('exits 3 when the loader library is missing, naming it', async () => {
    const o = await cli(['-m', BENIGN, '--loader', 'torch', '--python', '/usr/bin/python3']);
    assert.equal(o.code, 3, o.stderr);
    assert.match(o.stderr, /Python module torch \(pip install torch\)/);
  });

  it('runs a command after --', async () => {
    const o = await cli(['--', 'sh', '-c', 'echo hello-from-inside; id -u']);
    assert.equal(o.code, 1, 'sh starting id is an exec finding');
    assert.match(o.stderr, /hello-from-inside/);
    const clean = await cli(['--', '/bin/echo', 'hi']);
    assert.equal(clean.code, 0, clean.stderr);
    const lenient = await cli(['--fail-on', 'critical', '--profile', 'serve', '--', 'sh', '-c', 'id -u']);
    assert.equal(lenient.code, 0, 'under serve an exec is high, below --fail-on critical');
  });

  it('usage errors exit 2', async () => {
    assertUsageError(await cli([]), /nothing to run/);
    assertUsageError(await cli(['--loader', 'pickle']), /exactly one --model/);
    assertUsageError(await cli(['--allow-net', 'everything', '--', 'true']), /allow-net/);
    assertUsageError(await cli(['--timeout', '-1', '--', 'true']), /--timeout must be a whole number/);
    assertUsageError(await cli(['--model', join(TMP, 'missing.pkl'), '--loader', 'pickle']), /no such file/);
    assertUsageError(
      await cli(['--loader', 'pickle', '-m', BENIGN, '--', 'true']),
      /either --loader or a command/,
    );
  });

  it('--help teaches with examples', async () => {
    const o = await cli(['--help']);
    assert.equal(o.code, 0);
    for (const text of [
      '--loader pickle',
      'sandbox/secret-read',
      'Exit codes',
      '--profile serve',
      'what to enable',
    ])
      assert.ok(o.stdout.includes(text), text);
  });
});
