#!/usr/bin/env node
import { run } from './run.ts';

const code = await run(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: process.stderr.isTTY === true,
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  columns: process.stdout.columns ?? 120,
  cwd: process.cwd(),
});
process.exitCode = code;
