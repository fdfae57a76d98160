/**
 * `parapet probe` through commander, with the same error mapping as src/cli/run.ts (the lead registers the
 * command there; until then this wraps it the same way): exit codes, formats, target files, progress.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { probeCommand, progressBar } from '../../src/cli/commands/probe.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { ParapetError } from '../../src/core/errors.ts';
import * as P from '../fixtures/probe/products.ts';
import { closedPort, type ReplayServer, startReplay } from '../fixtures/probe/replay.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-probe-'));

async function cli(argv: string[], tty = false): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: tty,
    color: false,
    columns: 120,
    cwd: TMP,
  };
  let code = 0;
  const cmd = probeCommand(io, (c) => {
    code = c;
  });
  const program = new Command('parapet')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  program.addCommand(cmd);
  cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    await program.parseAsync(['probe', ...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode === 0 ? 0 : 2;
    else if (err instanceof ParapetError && err.code === 'USAGE') {
      stderr += `parapet: ${err.message}\n`;
      code = 2;
    } else throw err;
  }
  return { code, stdout, stderr };
}

let open: ReplayServer;
let locked: ReplayServer;
before(async () => {
  open = await startReplay(P.ollamaRoutes({ version: '0.1.33' }));
  locked = await startReplay(P.liteLlmRoutes({ masterKey: true }));
});
after(async () => {
  await open.close();
  await locked.close();
  rmSync(TMP, { recursive: true, force: true });
});

describe('parapet probe', () => {
  it('exit 1 with findings at or above --fail-on, listed in the table', async () => {
    const r = await cli([open.url, '--rate', '1000']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /probe\/unauthenticated-model-listing/);
    assert.match(r.stdout, /CVE-2024-37032/);
    assert.equal(r.stderr, '');
  });

  it('exit 0 on an authenticated server; --fail-on info turns its identification into a failure', async () => {
    assert.equal((await cli([locked.url, '--rate', '1000'])).code, 0);
    assert.equal((await cli([locked.url, '--rate', '1000', '--fail-on', 'info'])).code, 1);
  });

  it('JSON and SARIF carry the probe findings', async () => {
    const json = JSON.parse((await cli([open.url, '--rate', '1000', '-f', 'json'])).stdout) as {
      findings: { ruleId: string }[];
    };
    assert.ok(json.findings.some((f) => f.ruleId === 'probe/open-management-endpoint'));
    const out = join(TMP, 'probe.sarif');
    const r = await cli([open.url, '--rate', '1000', '-f', 'sarif', '-o', out]);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(readFileSync(out, 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    assert.ok(sarif.runs[0]!.results.some((x) => x.ruleId === 'probe/vulnerable-version'));
  });

  it('reads -i FILE with comments; a closed port is skipped and the run is clean', async () => {
    const port = await closedPort();
    const file = join(TMP, 'targets.txt');
    writeFileSync(file, `# lab\n${locked.url}   # litellm\n\n127.0.0.1:${port}\n`);
    const r = await cli(['-i', file, '--rate', '1000']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /closed/);
  });

  it('bad targets and flags are usage errors (exit 2) before anything is sent', async () => {
    const before = open.requests.length;
    for (const argv of [
      [open.url, '10.0.0.0/8'],
      [open.url, 'host:0'],
      ['-i', join(TMP, 'missing.txt')],
      [open.url, '--concurrency', '0'],
      [open.url, '--rate', 'fast'],
      [open.url, '--header', 'no-colon'],
      [open.url, '--ports', '80,x'],
      [],
    ]) {
      const r = await cli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, /parapet: |error/);
    }
    assert.equal(open.requests.length, before);
  });

  it('--help teaches targets, safety and exit codes', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const s of ['CIDR', 'never', '--allow-generate', 'Exit codes', 'probe/cors-any-origin'])
      assert.ok(r.stdout.includes(s), s);
  });

  it('draws a progress bar on a TTY stderr only', async () => {
    const tty = await cli([locked.url, '--rate', '1000'], true);
    assert.match(tty.stderr, /\[#+\] 1\/1 targets/);
    assert.equal((await cli([locked.url, '--rate', '1000'])).stderr, '');
    assert.equal(progressBar(5, 10, 10), '[#####.....] 5/10 targets');
  });
});
