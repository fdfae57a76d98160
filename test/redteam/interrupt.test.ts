/**
 * Ctrl-C during `parapet redteam`: a real child process (the CLI as users start it) against a loopback
 * server that answers the first attempts and then never answers, interrupted with SIGINT or SIGTERM. It must
 * stop, keep what finished (JSONL records, a report marked incomplete), say so in one line and exit 3.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseRecords } from '../../src/redteam/records.ts';
import { assertNoStackTrace, type Outcome } from '../fixtures/cli-io.ts';
import { runRedteamCli, startCliProcess } from '../fixtures/redteam/cli.ts';
import { type ScriptedServer, startScriptedServer } from '../fixtures/redteam/scripted-server.ts';

const ANSWERED = 3;

/** Answers the first ANSWERED chats, then hangs: the run is stuck mid-way, as with a slow model. */
async function stallingServer(): Promise<ScriptedServer> {
  let chats = 0;
  return startScriptedServer({
    rules: [{ when: () => ++chats > ANSWERED, answer: { hang: true } }],
  });
}

/** Starts the CLI, waits for the server to hold a hanging request, sends `signal`, and collects the end. */
async function interruptedRun(
  server: ScriptedServer,
  args: string[],
  signal: NodeJS.Signals,
): Promise<Outcome> {
  const cli = startCliProcess(['redteam', ...args]);
  // a condition, not a timing: the (ANSWERED + 1)th chat is the one left hanging
  while (server.chats().length <= ANSWERED) {
    assert.equal(cli.child.exitCode, null, `the CLI ended early: ${cli.stderr()}`);
    await sleep(20);
  }
  cli.child.kill(signal);
  return cli.exited;
}

describe('parapet redteam interrupted', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parapet-redteam-interrupt-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGINT: stops, writes the records and an incomplete report, one note, exit 3', async () => {
    const server = await stallingServer();
    try {
      const records = join(dir, 'int.jsonl');
      const out = join(dir, 'int-dir');
      const o = await interruptedRun(
        server,
        [
          '--target',
          server.url,
          '-p',
          'encoding',
          '-n',
          '5',
          '-c',
          '1',
          '--records',
          records,
          '--output-dir',
          out,
        ],
        'SIGINT',
      );
      assertNoStackTrace(o);
      assert.equal(o.code, 3, o.stderr);
      assert.match(o.stdout, /Incomplete: the run was stopped after 3 of \d+ planned attempts/);
      assert.match(o.stderr, /^parapet: interrupted \(SIGINT\): 3 of \d+ attempts finished/m);
      assert.equal(o.stderr.trim().split('\n').length, 1, o.stderr);
      const parsed = parseRecords(readFileSync(records, 'utf8'));
      assert.equal(parsed.records.length, ANSWERED);
      assert.ok(
        parsed.records.every((r) => r.outcome === 'resisted'),
        'the aborted attempt is not an error',
      );
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      assert.equal(summary.incomplete.finished, ANSWERED);
      assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /id="incomplete"/);
    } finally {
      await server.close();
    }
  });

  it('SIGTERM: the JSON report says incomplete and holds what finished', async () => {
    const server = await stallingServer();
    try {
      const o = await interruptedRun(
        server,
        ['--target', server.url, '-p', 'encoding', '-n', '5', '-c', '2', '--format', 'json'],
        'SIGTERM',
      );
      assertNoStackTrace(o);
      assert.equal(o.code, 3, o.stderr);
      const report = JSON.parse(o.stdout) as {
        summary: { incomplete?: { finished: number } };
        records: unknown[];
      };
      assert.equal(report.summary.incomplete?.finished, report.records.length);
      assert.ok(report.records.length >= ANSWERED - 1);
      assert.match(o.stderr, /interrupted \(SIGTERM\)/);
    } finally {
      await server.close();
    }
  });

  it('near miss: an uninterrupted run is not marked incomplete and leaves no signal listener behind', async () => {
    const server = await startScriptedServer({ rules: [] });
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    try {
      const o = await runRedteamCli(['--target', server.url, '-p', 'encoding/hex', '-n', '2'], { cwd: dir });
      assert.equal(o.code, 0, o.stderr);
      assert.doesNotMatch(o.stdout, /Incomplete/);
      assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
    } finally {
      await server.close();
    }
  });

  it('in-process: a SIGINT delivered while the run waits stops it and the listeners are gone after', async () => {
    const server = await stallingServer();
    const before = process.listenerCount('SIGINT');
    try {
      const running = runRedteamCli(['--target', server.url, '-p', 'encoding', '-n', '5', '-c', '1'], {
        cwd: dir,
      });
      while (server.chats().length <= ANSWERED) await sleep(10);
      assert.equal(process.listenerCount('SIGINT'), before + 1);
      process.emit('SIGINT', 'SIGINT');
      const o = await running;
      assert.equal(o.code, 3, o.stderr);
      assert.match(o.stdout, /stopped after 3 of/);
      assert.equal(process.listenerCount('SIGINT'), before);
    } finally {
      await server.close();
    }
  });
});
