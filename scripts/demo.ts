/**
 * `npm run demo`: builds example model files by code (benign and malicious) into ./examples and scans them
 * with the built CLI, printing the findings table. Exit code 1 from the scan is the expected result here.
 */
import { spawnSync } from 'node:child_process';
import { writeExamples } from './examples.ts';

const paths = await writeExamples('examples');
console.log(
  `Wrote ${paths.length} example files under examples/ (benign/ and malicious/), built by scripts/examples.ts.\n`,
);
console.log('$ parapet scan examples/\n');
const run = spawnSync(process.execPath, ['dist/cli/main.js', 'scan', 'examples'], { stdio: 'inherit' });
console.log(
  `\nparapet exited with ${run.status}: 0 clean, 1 findings at or above --fail-on (high), 2 usage error, 3 incomplete.`,
);
if (run.status !== 1) {
  console.error('demo: expected exit code 1 (the malicious examples must be flagged)');
  process.exit(1);
}
