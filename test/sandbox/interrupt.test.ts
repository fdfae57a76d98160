/**
 * Ctrl-C during `parapet sandbox`: the CLI as a real child process, a sandboxed command that would run for
 * minutes with a background child, SIGINT to the CLI. The whole sandboxed tree must die, the report of what
 * was observed until then is still printed, and the exit code is 3 (incomplete), without a stack trace.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../src/cli/run.ts';
import { runSandboxed } from '../../src/sandbox/index.ts';
import { assertNoStackTrace, captureIO } from '../fixtures/cli-io.ts';
import { startCliProcess } from '../fixtures/redteam/cli.ts';
import { processesLeft, processesWith } from './processes.ts';

describe('parapet sandbox interrupted', () => {
  it('SIGINT kills the whole sandboxed tree, still reports, exits 3', async () => {
    const cli = startCliProcess([
      'sandbox',
      '--profile',
      'serve',
      '--',
      'sh',
      '-c',
      'sleep 3171 & echo ready; sleep 3172',
    ]);
    while (!cli.stderr().includes('ready') || processesWith('sleep\u00003172') === 0) {
      assert.equal(cli.child.exitCode, null, `the CLI ended early: ${cli.stderr()}`);
      await sleep(20);
    }
    assert.equal(processesWith('sleep\u00003171'), 1);
    cli.child.kill('SIGINT');
    const o = await cli.exited;
    assertNoStackTrace(o);
    assert.equal(o.code, 3, o.stderr);
    assert.match(o.stderr, /sandbox: interrupted \(SIGINT\): the whole sandboxed tree was killed/);
    assert.match(o.stdout, /sandbox\/exec/, 'what was observed before the interrupt is reported');
    assert.equal(await processesLeft('sleep\u00003171'), 0, 'the background child must be gone too');
    assert.equal(await processesLeft('sleep\u00003172'), 0);
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
    assert.equal(await processesLeft('sleep\u00003173'), 0);
  });

  it('near miss: a run that ends by itself is complete and leaves no signal listener behind', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const { io, stdout, stderr } = captureIO(tmpdir());
    const code = await run(['sandbox', '--profile', 'serve', '--', 'true'], io);
    assert.doesNotMatch(stderr(), /interrupted/);
    assert.notEqual(code, 3, stdout());
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
  });
});
