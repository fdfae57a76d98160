/**
 * Ctrl-C during `parapet sandbox`: the CLI as a real child process, a sandboxed command that would run for
 * minutes with a background child, SIGINT to the CLI. The whole sandboxed tree must die, the report of what
 * was observed until then is still printed, and the exit code is 3 (incomplete), without a stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/run.ts';
import { runSandboxed } from '../../src/sandbox/index.ts';
import { assertNoStackTrace, captureIO } from '../fixtures/cli-io.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Live processes whose command line contains `marker` (NUL-separated argv). */
function processesWith(marker: string): number {
  let count = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker)) count++;
    } catch {
      // the process ended while we looked
    }
  }
  return count;
}

async function gone(marker: string): Promise<number> {
  // the kernel reaps the namespace's processes just after the CLI exits: wait for it, bounded
  for (let i = 0; i < 100 && processesWith(marker) > 0; i++) await sleep(20);
  return processesWith(marker);
}

describe('parapet sandbox interrupted', () => {
  it('SIGINT kills the whole sandboxed tree, still reports, exits 3', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'sandbox',
        '--profile',
        'serve',
        '--',
        'sh',
        '-c',
        'sleep 3171 & echo ready; sleep 3172',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
    });
    const exited = once(child, 'exit');
    while (!stderr.includes('ready') || processesWith('sleep\u00003172') === 0) {
      assert.equal(child.exitCode, null, `the CLI ended early: ${stderr}`);
      await sleep(20);
    }
    assert.equal(processesWith('sleep\u00003171'), 1);
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    assertNoStackTrace({ code: code ?? -1, stdout, stderr });
    assert.equal(code, 3, stderr);
    assert.match(stderr, /sandbox: interrupted \(SIGINT\): the whole sandboxed tree was killed/);
    assert.match(stdout, /sandbox\/exec/, 'what was observed before the interrupt is reported');
    assert.equal(await gone('sleep\u00003171'), 0, 'the background child must be gone too');
    assert.equal(await gone('sleep\u00003172'), 0);
  });

  it('an abort before the start ends the command at once and marks the run incomplete', async () => {
    const r = await runSandboxed({
      command: ['sleep', '3173'],
      profile: 'serve',
      signal: AbortSignal.abort(),
    });
    assert.equal(r.interrupted, true);
    assert.equal(r.timedOut, false);
    assert.ok(r.errors.some((e) => /^interrupted/.test(e)));
    assert.equal(await gone('sleep\u00003173'), 0);
  });

  it('near miss: a run that ends by itself is complete and leaves no signal listener behind', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const { io, stdout, stderr } = captureIO(ROOT);
    const code = await run(['sandbox', '--profile', 'serve', '--', 'true'], io);
    assert.doesNotMatch(stderr(), /interrupted/);
    assert.notEqual(code, 3, stdout());
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
  });
});
