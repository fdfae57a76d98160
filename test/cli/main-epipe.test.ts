/**
 * The real entry point, with a reader that stops early (`parapet scan --help | head -1`): it must exit quietly,
 * not die on EPIPE with a stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

test('a closed stdout ends parapet quietly (EPIPE is not a crash)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'scan', '--help'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // Read nothing and close the pipe at once, as `head -0` would.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.ok(!/EPIPE|Unhandled 'error'/.test(stderr), `no crash on a closed pipe:\n${stderr}`);
  assert.ok(code === 0, `exit code ${code}`);
});
