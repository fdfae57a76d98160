#!/usr/bin/env node
import { run } from './run.ts';

// A reader that goes away (`parapet scan . | head`) is not an error: stop writing and exit quietly, as Unix
// tools do, instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const code = await run(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: process.stderr.isTTY === true,
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  columns: process.stdout.columns ?? 120,
  cwd: process.cwd(),
});
process.exitCode = code;
