/**
 * Model-corpus evaluation: `npm run eval:models -- DIR [--formats a,b] [--strict] [--verbose]`.
 * Reads DIR/manifest.tsv (columns `file`, `expected`; `format` and `picklescan_rc` when present), scans each
 * file, and prints a confusion table per format, then `malicious detected: N/M`, `suspicious detected: N/M`
 * and `benign flagged: N/M` (flagged = a finding at high or above). Where the manifest has picklescan's
 * exit codes, the same three lines are printed for picklescan beside ours.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyResult } from '../src/core/result.ts';
import { atLeast, type Severity, severityRank } from '../src/core/severity.ts';
import { scanFile } from '../src/scan/engine.ts';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
if (dir === undefined) {
  console.error(
    'usage: npm run eval:models -- DIR [--formats pickle,pytorch-zip,...] [--strict] [--verbose]',
  );
  process.exit(2);
}
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const formatFilter = flag('--formats')?.split(',');
const strict = args.includes('--strict');
const verbose = args.includes('--verbose');

const lines = readFileSync(join(dir, 'manifest.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');
const header = lines[0]!.split('\t');
const col = (name: string) => header.indexOf(name);
if (col('file') < 0 || col('expected') < 0) {
  console.error(`${join(dir, 'manifest.tsv')} needs columns "file" and "expected"`);
  process.exit(2);
}

type Outcome = 'high+' | 'medium' | 'low/info' | 'clean' | 'incomplete' | 'skipped';
const OUTCOMES: Outcome[] = ['high+', 'medium', 'low/info', 'clean', 'incomplete', 'skipped'];
const EXPECTED = ['malicious', 'suspicious', 'benign'];
const table = new Map<string, Map<string, Map<Outcome, number>>>();
/** picklescan's verdict per format and expected label, from the manifest's picklescan_rc / _suspicious columns. */
type PeerOutcome = 'dangerous' | 'suspicious' | 'error' | 'clean';
const PEER_OUTCOMES: PeerOutcome[] = ['dangerous', 'suspicious', 'error', 'clean'];
const peerTable = new Map<string, Map<string, Map<PeerOutcome, number>>>();
let rows = 0;
const totals = { malicious: [0, 0], suspicious: [0, 0], benign: [0, 0] } as Record<string, [number, number]>;
const peer = { malicious: [0, 0], suspicious: [0, 0], benign: [0, 0] } as Record<string, [number, number]>;
let peerKnown = false;
const misses: string[] = [];
const started = performance.now();
let bytes = 0;

for (const line of lines.slice(1)) {
  const cells = line.split('\t');
  const file = cells[col('file')]!;
  const expected = cells[col('expected')]!;
  const format = col('format') >= 0 ? cells[col('format')]! : 'all';
  if (formatFilter && !formatFilter.includes(format)) continue;
  rows++;
  const result = emptyResult();
  await scanFile(join(dir, file), result, { strict });
  bytes += Number(cells[col('size')] ?? 0) || 0;
  const worst = result.findings.reduce<Severity | undefined>(
    (w, f) => (w === undefined || severityRank(f.severity) > severityRank(w) ? f.severity : w),
    undefined,
  );
  const outcome: Outcome =
    worst !== undefined && atLeast(worst, 'high')
      ? 'high+'
      : worst === 'medium'
        ? 'medium'
        : worst !== undefined
          ? 'low/info'
          : result.errors.length > 0
            ? 'incomplete'
            : result.skipped.length > 0
              ? 'skipped'
              : 'clean';
  if (!table.has(format)) table.set(format, new Map());
  const row = table.get(format)!;
  if (!row.has(expected)) row.set(expected, new Map());
  row.get(expected)!.set(outcome, (row.get(expected)!.get(outcome) ?? 0) + 1);

  const hit =
    expected === 'malicious'
      ? outcome === 'high+'
      : expected === 'suspicious'
        ? outcome === 'high+' || outcome === 'medium'
        : outcome === 'high+';
  const t = totals[expected];
  if (t) {
    t[1]++;
    if (hit) t[0]++;
  }
  if ((expected !== 'benign' && !hit) || (expected === 'benign' && hit) || verbose) {
    const top = result.findings
      .map((f) => `${f.severity}:${f.ruleId}`)
      .slice(0, 3)
      .join(' ');
    misses.push(
      `${expected.padEnd(10)} ${outcome.padEnd(10)} ${file}  ${top} ${result.errors.map((e) => e.error).join('; ')}`,
    );
  }
  const rc = col('picklescan_rc') >= 0 ? cells[col('picklescan_rc')] : undefined;
  const p = peer[expected];
  if (rc !== undefined && rc !== '' && p) {
    peerKnown = true;
    p[1]++;
    // picklescan's "suspicious" tier (exit 0) counts as detecting a suspicious file, not a malicious one.
    const suspiciousSeen = Number(cells[col('picklescan_suspicious')] ?? 0) > 0;
    if (rc === '1' || (expected === 'suspicious' && suspiciousSeen)) p[0]++;
    const po: PeerOutcome =
      rc === '1' ? 'dangerous' : rc === '2' ? 'error' : suspiciousSeen ? 'suspicious' : 'clean';
    if (!peerTable.has(format)) peerTable.set(format, new Map());
    const pr = peerTable.get(format)!;
    if (!pr.has(expected)) pr.set(expected, new Map());
    pr.get(expected)!.set(po, (pr.get(expected)!.get(po) ?? 0) + 1);
  }
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`\nconfusion per format (rows: expected; columns: worst outcome)${strict ? ' [--strict]' : ''}`);
const peerHeader = peerKnown ? `  | picklescan:${PEER_OUTCOMES.map((o) => pad(o, 11)).join('')}` : '';
console.log(
  `${'format'.padEnd(24)}${'expected'.padEnd(12)}${OUTCOMES.map((o) => pad(o, 11)).join('')}${peerHeader}`,
);
for (const [format, byExpected] of [...table.entries()].sort()) {
  for (const expected of EXPECTED) {
    const r = byExpected.get(expected);
    if (!r) continue;
    const peerRow = peerTable.get(format)?.get(expected);
    const peerCells = peerKnown
      ? `  |           ${PEER_OUTCOMES.map((o) => pad(peerRow?.get(o) ?? 0, 11)).join('')}`
      : '';
    console.log(
      `${format.padEnd(24)}${expected.padEnd(12)}${OUTCOMES.map((o) => pad(r.get(o) ?? 0, 11)).join('')}${peerCells}`,
    );
  }
}
if (misses.length > 0) {
  console.log(`\n${verbose ? 'every file' : 'misses and false positives'}:`);
  for (const m of misses) console.log(`  ${m}`);
}
const seconds = (performance.now() - started) / 1000;
console.log(`\nscanned ${rows} manifest rows (${(bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(2)} s`);
console.log(`malicious detected: ${totals.malicious![0]}/${totals.malicious![1]}`);
console.log(`suspicious detected: ${totals.suspicious![0]}/${totals.suspicious![1]}`);
console.log(`benign flagged: ${totals.benign![0]}/${totals.benign![1]}`);
if (peerKnown) {
  console.log('\npicklescan on the same rows (from the manifest: exit 1 = flagged):');
  console.log(`picklescan malicious detected: ${peer.malicious![0]}/${peer.malicious![1]}`);
  console.log(`picklescan suspicious detected: ${peer.suspicious![0]}/${peer.suspicious![1]}`);
  console.log(`picklescan benign flagged: ${peer.benign![0]}/${peer.benign![1]}`);
}
