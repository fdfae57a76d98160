/**
 * One measurement in a fresh Node process, so maxRSS is that measurement's own peak. Plain JavaScript on
 * purpose: running it through tsx would load esbuild and inflate the very RSS being measured.
 *
 *   node bench/worker.mjs idle                 Node starting and doing nothing
 *   node bench/worker.mjs import               loading parapet (dist/index.js) only
 *   node bench/worker.mjs scan PATH [--list]   scanPaths([PATH]); --list adds the paths flagged high+
 *   node bench/worker.mjs read PATH            reading every byte of PATH (a file or a directory tree)
 *                                              sequentially with an 8 MiB buffer: what touching data costs
 *
 * Prints one JSON line: { seconds, maxRssKB, ... }. `seconds` times the work itself, not Node's startup.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [mode, target, flag] = process.argv.slice(2);
const out = {};

/** Regular files under `path` (or `path` itself), depth first in name order. */
function files(path) {
  const st = statSync(path);
  if (st.isFile()) return [path];
  if (!st.isDirectory()) return [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

if (mode === 'idle') {
  out.seconds = 0;
} else if (mode === 'import') {
  const t0 = performance.now();
  await import('../dist/index.js');
  out.seconds = (performance.now() - t0) / 1000;
} else if (mode === 'scan') {
  const { scanPaths, verdictOf, SEVERITIES } = await import('../dist/index.js');
  const t0 = performance.now();
  const result = await scanPaths([target]);
  out.seconds = (performance.now() - t0) / 1000;
  out.scanned = result.scanned.length;
  out.skipped = result.skipped.length;
  out.errors = result.errors.length;
  out.verdict = verdictOf(result, 'high');
  out.findings = Object.fromEntries(
    SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length]),
  );
  out.rules = [...new Set(result.findings.map((f) => f.ruleId))].sort();
  out.firstErrors = result.errors.slice(0, 3);
  if (flag === '--list') {
    const high = new Set(['critical', 'high']);
    out.flagged = [
      ...new Set(result.findings.filter((f) => high.has(f.severity)).map((f) => f.location.path)),
    ];
    out.failed = result.errors.map((e) => e.path.split('!')[0]);
  }
} else if (mode === 'read') {
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  const t0 = performance.now();
  let bytes = 0;
  let count = 0;
  for (const file of files(target)) {
    const fd = openSync(file, 'r');
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        bytes += n;
      }
    } finally {
      closeSync(fd);
    }
    count++;
  }
  out.seconds = (performance.now() - t0) / 1000;
  out.bytes = bytes;
  out.files = count;
} else {
  process.stderr.write(`usage: worker.mjs idle|import|scan PATH [--list]|read PATH (got ${mode})\n`);
  process.exit(2);
}
out.maxRssKB = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify(out)}\n`);
