/**
 * Rebuilds the advisory snapshot Parapet ships, data/advisories/index.ndjson, from the committed sources:
 * the pypa advisory-database tarball (data/advisories/sources/) and Parapet's curated OSV records
 * (data/advisories/curated/). Run after changing either:
 *
 *   npx tsx scripts/build-advisory-snapshot.ts [--built-at ISO-TIME]
 *
 * The build fails (exit 1) if any curated record is rejected: those are hand-written and must all load.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAdvisoryIndex } from '../src/deps/advisories/build.ts';
import { bundledIndexPath } from '../src/deps/advisories/bundled.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const pypa = join(root, 'data/advisories/sources/pypa-advisory-database-vulns-3ccb6125.tgz');
const curated = join(root, 'data/advisories/curated');

const flag = process.argv.indexOf('--built-at');
const builtAt = flag >= 0 ? process.argv[flag + 1] : undefined;

const report = buildAdvisoryIndex([pypa, curated], bundledIndexPath(), undefined, {
  source:
    'pypa/advisory-database@3ccb6125 (2024-10-10) + Parapet curated ML-stack and malicious-release records',
  ...(builtAt !== undefined ? { builtAt } : {}),
});
console.log(
  `${report.out}: ${report.records} records, ${report.packages} packages, ${report.rejected} rejected, ` +
    `${report.withdrawn} withdrawn, ${report.unusable} unusable, ${report.header.bodyBytes} bytes, ${report.ms} ms`,
);
const curatedProblems = report.problems.filter((p) => p.path.startsWith('PARAPET-'));
for (const p of report.problems) console.error(`  rejected ${p.path}: ${p.reason}`);
if (curatedProblems.length > 0) {
  console.error('curated records must all load; fix them and run again');
  process.exitCode = 1;
}
