/**
 * Child process of `npm run bench:guard`'s RSS figure, in plain Node (no tsx), so the memory measured is the
 * compiled guard's as users install it, not a TypeScript transpiler's.
 *   node --expose-gc bench/guard-rss-child.mjs baseline|guard PROMPTS.json
 * Both modes read the same prompts; `guard` imports dist/guard, creates a balanced guard and scans them all.
 * A GC runs before memory is read, so the figure is live memory, not garbage the collector has not reached.
 */
import { readFileSync } from 'node:fs';

const [mode, file] = process.argv.slice(2);
const prompts = JSON.parse(readFileSync(file, 'utf8'));
let flagged = 0;
if (mode === 'guard') {
  const { createGuard } = await import(new URL('../dist/guard/index.js', import.meta.url).href);
  const guard = createGuard('balanced');
  for (const p of prompts) if (guard.scanInput(p).action !== 'allow') flagged++;
}
globalThis.gc?.();
const mem = process.memoryUsage();
// RSS also counts the pages of the node binary a process has touched (ICU's normalisation and case tables,
// shared with every other Node process); Anonymous is the process's own memory.
const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
const anonKB = Number(/^Anonymous:\s+(\d+)/m.exec(rollup)?.[1] ?? Number.NaN);
process.stdout.write(
  `${JSON.stringify({ mode, prompts: prompts.length, flagged, rss: mem.rss, anon: anonKB * 1024, heapUsed: mem.heapUsed, maxRssKB: process.resourceUsage().maxRSS })}\n`,
);
