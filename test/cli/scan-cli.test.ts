/**
 * `parapet scan` end to end. Most cases run in-process through `run(argv, io)` with a capturing io (fast,
 * and the exact text of stdout and stderr can be asserted); a few spawn the real entry point to prove exit
 * codes and the stdout/stderr split survive a real process. Every fixture is built in code into a temp dir.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type * as Sarif from 'sarif';
import { run } from '../../src/cli/run.ts';
import { VERSION } from '../../src/cli/version.ts';
import { SEVERITIES, type Severity } from '../../src/core/severity.ts';
import { legacyTorchFile, plainDataPickle, torchStateDictPickle } from '../fixtures/checkpoints.ts';
import { assertNoStackTrace, assertUsageError, captureIO, type Outcome } from '../fixtures/cli-io.ts';
import { pickle, reducePayload } from '../fixtures/pickle-writer.ts';
import { sarifValidator } from '../fixtures/sarif-schema.ts';
import { buildTorchZip, buildZip } from '../fixtures/zip-writer.ts';

// ajv-formats is CommonJS with `exports.default`; under NodeNext a default import is the whole module.
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'parapet-'));
/** Directories made unreadable by a test; given their permissions back before cleanup. */
const locked: string[] = [];
after(() => {
  for (const dir of locked) chmodSync(dir, 0o755);
  rmSync(TMP, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// Fixtures

/** `os.system('id')` called on load: critical. */
const EVIL = reducePayload('os', 'system', ['id']);
/** `os.system` imported but never called: high only. */
const IMPORT_ONLY = pickle().proto(2).global('os', 'system').stop().bytesOut();
/** A class on no allow list, called: medium, high with --strict. */
const UNKNOWN_CALL = pickle().proto(2).global('mylib.models', 'Net').emptyTuple().reduce().stop().bytesOut();

let counter = 0;
/** Writes `bytes` to a fresh file under TMP (in `dir` when given) and returns its path. */
function file(name: string, bytes: Uint8Array | string, dir = TMP): string {
  const sub = join(dir, `case-${counter++}`);
  mkdirSync(sub, { recursive: true });
  const p = join(sub, name);
  writeFileSync(p, bytes);
  return p;
}

/** A fresh empty directory under TMP. */
function dir(name: string): string {
  const p = join(TMP, `${name}-${counter++}`);
  mkdirSync(p, { recursive: true });
  return p;
}

// ---------------------------------------------------------------------------------------------------------
// Running the CLI

/** Runs the CLI in-process; stderr is not a TTY (no progress lines) and colour is off. */
async function cli(...argv: string[]): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(TMP);
  const code = await run(argv, io);
  const o = { code, stdout: stdout(), stderr: stderr() };
  assertNoStackTrace(o);
  return o;
}

interface JsonReport {
  tool: { name: string; version: string };
  summary: {
    scanned: number;
    findings: Record<Severity, number>;
    errors: number;
    skipped: number;
    failOn: Severity;
    verdict: 'clean' | 'findings' | 'incomplete';
  };
  findings: Array<{ ruleId: string; severity: Severity; message: string; location: { path: string } }>;
  errors: Array<{ path: string; error: string }>;
  skipped: Array<{ path: string; why: string }>;
  scanned: string[];
}

async function jsonScan(...argv: string[]): Promise<{ code: number; report: JsonReport }> {
  const o = await cli('scan', '--format', 'json', ...argv);
  assert.equal(o.stderr, '');
  return { code: o.code, report: JSON.parse(o.stdout) as JsonReport };
}

// ---------------------------------------------------------------------------------------------------------
// Usage

test('--help prints the program usage to stdout and exits 0', async () => {
  const o = await cli('--help');
  assert.equal(o.code, 0);
  assert.match(o.stdout, /^Usage: parapet \[options\] \[command\]/);
  assert.match(o.stdout, /scan \[options\] <paths\.\.\.>/);
  assert.equal(o.stderr, '');
});

test('scan --help prints the scan usage, severities and exit codes, and exits 0', async () => {
  for (const argv of [
    ['scan', '--help'],
    ['scan', '-h'],
    ['help', 'scan'],
  ]) {
    const o = await cli(...argv);
    assert.equal(o.code, 0, argv.join(' '));
    assert.match(o.stdout, /^Usage: parapet scan \[options\] <paths\.\.\.>/, argv.join(' '));
    for (const text of ['--format', '--fail-on', '--strict', '--output', 'Exit codes:', 'incomplete'])
      assert.ok(o.stdout.includes(text), `${argv.join(' ')}: help lacks ${text}`);
    assert.equal(o.stderr, '');
  }
});

test('--version prints the package version and exits 0', async () => {
  const o = await cli('--version');
  assert.equal(o.code, 0);
  assert.equal(o.stdout.trim(), VERSION);
});

test('no arguments prints the usage and exits 2', async () => {
  const o = await cli();
  assert.equal(o.code, 2);
  assert.match(o.stdout + o.stderr, /Usage: parapet/);
});

test('scan without a path is a usage error', async () => {
  assertUsageError(await cli('scan'), /missing required argument 'paths'/);
});

test('an unknown flag is a usage error, with a message on stderr and nothing on stdout', async () => {
  const ok = file('ok.pkl', plainDataPickle());
  assertUsageError(await cli('scan', '--bogus', ok), /unknown option '--bogus'/);
  assertUsageError(await cli('--bogus'), /unknown option '--bogus'/);
  assertUsageError(await cli('scna', ok), /unknown command 'scna'/);
});

test('a bad --format is a usage error naming the allowed choices', async () => {
  const ok = file('ok.pkl', plainDataPickle());
  const o = await cli('scan', '--format', 'xml', ok);
  assertUsageError(o, /argument 'xml' is invalid/);
  assert.match(o.stderr, /table, json, sarif/);
  assertUsageError(await cli('scan', ok, '--format'), /argument missing/);
});

test('a bad --fail-on is a usage error naming the allowed choices', async () => {
  const ok = file('ok.pkl', plainDataPickle());
  const o = await cli('scan', '--fail-on', 'severe', ok);
  assertUsageError(o, /argument 'severe' is invalid/);
  assert.match(o.stderr, /critical, high, medium, low, info/);
});

test('a path that does not exist is a usage error that names it, even beside paths that do', async () => {
  const missing = join(TMP, 'no-such-model.pt');
  assertUsageError(await cli('scan', missing), /^parapet: no such file or directory: .*no-such-model\.pt\n$/);
  const ok = file('ok.pkl', plainDataPickle());
  assertUsageError(await cli('scan', ok, missing), /no such file or directory: .*no-such-model\.pt/);
});

// ---------------------------------------------------------------------------------------------------------
// Verdicts and exit codes

test('a clean file exits 0 with a table on stdout and nothing on stderr', async () => {
  for (const [name, bytes] of [
    ['plain.pkl', plainDataPickle()],
    ['model.pt', buildTorchZip(torchStateDictPickle(2))],
  ] as const) {
    const o = await cli('scan', file(name, bytes));
    assert.equal(o.code, 0, `${name}: ${o.stdout}`);
    assert.match(o.stdout, /^No findings in 1 scanned file\./);
    assert.match(o.stdout, /verdict: clean \(fail-on high\)\n$/);
    assert.equal(o.stderr, '');
  }
});

test('a malicious pickle exits 1 and names the rule and the callable', async () => {
  for (const [name, bytes] of [
    ['evil.pkl', EVIL],
    ['evil.pt', buildTorchZip(EVIL)],
  ] as const) {
    const o = await cli('scan', file(name, bytes));
    assert.equal(o.code, 1, name);
    assert.match(o.stdout, /critical\s+model\/pickle-dangerous-call/);
    assert.match(o.stdout, /os\.system/);
    assert.match(o.stdout, /verdict: findings \(fail-on high\)/);
    assert.equal(o.stderr, '');
  }
});

test('--fail-on sets the threshold: a high finding fails by default but not with --fail-on critical', async () => {
  const p = file('import-only.pkl', IMPORT_ONLY);
  const byDefault = await cli('scan', p);
  assert.equal(byDefault.code, 1);
  assert.match(byDefault.stdout, /high\s+model\/pickle-dangerous-import/);
  assert.doesNotMatch(byDefault.stdout, /^critical/m);

  const lenient = await cli('scan', '--fail-on', 'critical', p);
  assert.equal(lenient.code, 0);
  assert.match(lenient.stdout, /high\s+model\/pickle-dangerous-import/, 'the finding is still reported');
  assert.match(lenient.stdout, /verdict: clean \(fail-on critical\)/);
});

test('--strict turns an import on no allow list into a failing (high) finding', async () => {
  const p = file('custom.pkl', UNKNOWN_CALL);
  const normal = await cli('scan', p);
  assert.equal(normal.code, 0);
  assert.match(normal.stdout, /medium\s+model\/pickle-unknown-import/);

  const strict = await cli('scan', '--strict', p);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /high\s+model\/pickle-unknown-import/);

  assert.equal((await cli('scan', '--fail-on', 'medium', p)).code, 1, '--fail-on medium also fails it');
});

test('an empty file is skipped, reported as skipped, and exits 0', async () => {
  const p = file('empty.pt', '');
  const o = await cli('scan', p);
  assert.equal(o.code, 0);
  assert.match(o.stdout, /Skipped 1 file:\n {2}.*empty\.pt — empty file/);
  assert.match(o.stdout, /0 incomplete; 1 skipped/);
  const { code, report } = await jsonScan(p);
  assert.equal(code, 0);
  assert.deepEqual(report.skipped, [{ path: p, why: 'empty file' }]);
  assert.deepEqual(report.scanned, []);
});

test('an encrypted zip member makes the scan incomplete (exit 3) and says why', async () => {
  const ciphertext = Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff); // no pickle header
  const p = file(
    'locked.zip',
    buildZip([
      { name: 'archive/data.pkl', data: ciphertext, flags: 0x1 },
      { name: 'archive/version', data: new TextEncoder().encode('3\n') },
    ]),
  );
  const o = await cli('scan', p);
  assert.equal(o.code, 3, o.stdout);
  assert.match(o.stdout, /could not be analysed — the scan is incomplete/);
  assert.match(o.stdout, /locked\.zip!archive\/data\.pkl: encrypted zip member/);
  assert.match(o.stdout, /verdict: incomplete/);
  const { code, report } = await jsonScan(p);
  assert.equal(code, 3);
  assert.equal(report.summary.verdict, 'incomplete');
  assert.match(report.errors[0]?.error ?? '', /encrypted zip member/);
});

test('a directory without read permission makes the scan incomplete (exit 3)', async (t) => {
  const root = dir('perm');
  writeFileSync(join(root, 'ok.pkl'), plainDataPickle());
  const closed = join(root, 'closed');
  mkdirSync(closed);
  writeFileSync(join(closed, 'hidden.pkl'), EVIL);
  const lockedFile = join(root, 'locked.pkl');
  writeFileSync(lockedFile, plainDataPickle());
  chmodSync(lockedFile, 0o000);
  chmodSync(closed, 0o000);
  locked.push(closed);
  let readable = false;
  try {
    readdirSync(closed);
    readable = true;
  } catch {
    // EACCES, as intended
  }
  if (readable) {
    t.skip('running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not block reads here');
    return;
  }
  const o = await cli('scan', root);
  assert.equal(o.code, 3, o.stdout);
  assert.match(o.stdout, /closed: cannot read directory: EACCES/);
  assert.match(o.stdout, /locked\.pkl: cannot open: EACCES/);
  assert.match(o.stdout, /verdict: incomplete/);
});

test('a symlink loop and a dangling symlink are errors (exit 3) with a message, not a crash', async () => {
  const root = dir('links');
  symlinkSync(join(root, 'b'), join(root, 'a'));
  symlinkSync(join(root, 'a'), join(root, 'b'));
  symlinkSync(join(root, 'gone.pt'), join(root, 'dangling'));
  writeFileSync(join(root, 'ok.pkl'), plainDataPickle());

  const o = await cli('scan', root);
  assert.equal(o.code, 3, o.stdout);
  assert.match(o.stdout, /links-\d+\/a: symlink loop/);
  assert.match(o.stdout, /links-\d+\/b: symlink loop/);
  assert.match(o.stdout, /dangling: dangling symlink/);
  assert.equal(o.stderr, '');

  // Named directly on the command line, they exist (lstat) and are reported the same way, not as usage errors.
  const direct = await jsonScan(join(root, 'a'), join(root, 'dangling'));
  assert.equal(direct.code, 3);
  assert.deepEqual(
    direct.report.errors.map((e) => e.error),
    ['symlink loop: the link never resolves to a file', 'dangling symlink: its target does not exist'],
  );
});

test('a directory symlink cycle terminates and scans each file once', { timeout: 20_000 }, async () => {
  const root = dir('cycle');
  const inner = join(root, 'dir');
  mkdirSync(join(inner, 'sub'), { recursive: true });
  writeFileSync(join(inner, 'ok.pkl'), plainDataPickle());
  writeFileSync(join(inner, 'sub', 'model.pt'), buildTorchZip(torchStateDictPickle(1)));
  symlinkSync('..', join(inner, 'loop')); // dir/loop -> .. (the parent of the scanned directory)
  symlinkSync('..', join(inner, 'sub', 'up')); // dir/sub/up -> dir
  symlinkSync('.', join(inner, 'self')); // dir/self -> dir

  const { code, report } = await jsonScan(inner);
  assert.equal(code, 0);
  assert.deepEqual(report.scanned, [join(inner, 'ok.pkl'), join(inner, 'sub', 'model.pt')]);
  assert.ok(
    report.skipped.some((s) => /symlink cycle/.test(s.why)),
    `no cycle reported: ${JSON.stringify(report.skipped)}`,
  );
  assert.deepEqual(report.errors, []);
});

test('a truncated pickle is reported, and its dangerous import still fails the scan', async () => {
  // os.system imported and its argument pushed, then the stream stops: no REDUCE, no STOP.
  const evilCut = EVIL.subarray(0, EVIL.length - 2);
  const o = await cli('scan', file('cut.pkl', evilCut));
  assert.equal(o.code, 1);
  assert.match(o.stdout, /model\/pickle-dangerous-import/);
  assert.match(o.stdout, /model\/pickle-malformed/);

  // A benign checkpoint cut in half: malformed (medium), nothing dangerous, so it passes at the default.
  const state = torchStateDictPickle(2);
  const { code, report } = await jsonScan(file('half.pkl', state.subarray(0, state.length >> 1)));
  assert.equal(code, 0);
  assert.ok(report.findings.some((f) => f.ruleId === 'model/pickle-malformed'));
  assert.ok(report.findings.every((f) => f.severity !== 'critical' && f.severity !== 'high'));
});

test('a garbage file is skipped as not a model format and exits 0', async () => {
  const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
  bytes[0] = 0xff; // no magic Parapet reads
  const p = file('garbage.bin', bytes);
  const o = await cli('scan', p);
  assert.equal(o.code, 0);
  assert.match(o.stdout, /garbage\.bin — not a model format/);
  const text = file('README.md', '# A model card\n\nNot a pickle.\n');
  assert.equal((await cli('scan', text)).code, 0);
});

test('findings win over incomplete: a malicious pickle beside an unreadable entry exits 1', async () => {
  const root = dir('mixed-bad');
  writeFileSync(join(root, 'evil.pkl'), EVIL);
  symlinkSync(join(root, 'missing.bin'), join(root, 'dangling'));
  const o = await cli('scan', root);
  assert.equal(o.code, 1, o.stdout);
  assert.match(o.stdout, /model\/pickle-dangerous-call/);
  assert.match(o.stdout, /dangling: dangling symlink/);
  assert.match(o.stdout, /verdict: findings/);
  assert.equal((await cli('scan', '--fail-on', 'info', root)).code, 1);
  // With the threshold above the only finding, the unreadable entry decides: incomplete.
  const hiOnly = dir('mixed-hi');
  writeFileSync(join(hiOnly, 'import.pkl'), IMPORT_ONLY);
  symlinkSync(join(hiOnly, 'missing.bin'), join(hiOnly, 'dangling'));
  assert.equal((await cli('scan', '--fail-on', 'critical', hiOnly)).code, 3);
});

// Regressions for bugs the first version of these tests found in src/.

/** `os.system('id')` with no PROTO header, opening with SHORT_BINUNICODE: pickle.loads runs it as is. */
const HEADERLESS_STACK_GLOBAL = Uint8Array.from([
  0x8c,
  2,
  ...Buffer.from('os'),
  0x8c,
  6,
  ...Buffer.from('system'),
  0x93,
  0x8c,
  2,
  ...Buffer.from('id'),
  0x85,
  0x52,
  0x2e,
]);

test('a pickle without a PROTO header whose first opcode is SHORT_BINUNICODE is still analysed', async () => {
  for (const [name, bytes] of [
    ['raw.pkl', HEADERLESS_STACK_GLOBAL],
    ['torch-zip.pt', buildTorchZip(HEADERLESS_STACK_GLOBAL)],
    ['legacy.pt', legacyTorchFile(HEADERLESS_STACK_GLOBAL)],
  ] as const) {
    const o = await cli('scan', file(name, bytes));
    assert.equal(o.code, 1, `${name}:\n${o.stdout}`);
    assert.match(o.stdout, /model\/pickle-dangerous-call/, name);
  }
});

test('system error messages name the error code once', async () => {
  const out = join(TMP, 'no-such-dir', 'report.json');
  const o = await cli('scan', '--output', out, file('ok.pkl', plainDataPickle()));
  assert.doesNotMatch(o.stderr, /ENOENT: ENOENT/);
});

// ---------------------------------------------------------------------------------------------------------
// Output formats

/** A directory with one of each outcome: critical, high, medium, clean, empty, garbage. */
function mixedDir(): string {
  const root = dir('mixed');
  writeFileSync(join(root, 'a-evil.pkl'), EVIL);
  writeFileSync(join(root, 'b-import.pkl'), IMPORT_ONLY);
  writeFileSync(join(root, 'c-custom.pkl'), UNKNOWN_CALL);
  writeFileSync(join(root, 'd-ok.pt'), buildTorchZip(torchStateDictPickle(1)));
  writeFileSync(join(root, 'e-empty.bin'), '');
  writeFileSync(join(root, 'f-notes.txt'), 'just text\n');
  return root;
}

test('--format json parses and its summary matches its own lists', async () => {
  const root = mixedDir();
  const { code, report } = await jsonScan(root);
  assert.equal(code, 1);
  assert.deepEqual(report.tool, { name: 'parapet', version: VERSION });
  const counted = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of report.findings) counted[f.severity] += 1;
  assert.deepEqual(report.summary.findings, counted);
  assert.equal(report.summary.scanned, report.scanned.length);
  assert.equal(report.summary.errors, report.errors.length);
  assert.equal(report.summary.skipped, report.skipped.length);
  // And the lists are what the directory holds.
  assert.equal(report.scanned.length, 4);
  assert.equal(report.skipped.length, 2);
  assert.ok(counted.critical >= 1 && counted.high >= 1 && counted.medium >= 1, JSON.stringify(counted));
  assert.equal(report.summary.failOn, 'high');
  assert.equal(report.summary.verdict, 'findings');
  for (const f of report.findings) assert.ok(f.location.path.startsWith(root), f.location.path);
});

const validateSarif = sarifValidator();

test('--format sarif validates against the SARIF 2.1.0 schema and carries every finding', async () => {
  const root = mixedDir();
  symlinkSync(join(root, 'nowhere'), join(root, 'g-dangling'));
  const o = await cli('scan', '--format', 'sarif', root);
  assert.equal(o.code, 1);
  assert.equal(o.stderr, '');
  const log = JSON.parse(o.stdout) as Sarif.Log;
  assert.equal(validateSarif(log), true, JSON.stringify(validateSarif.errors, null, 2));
  const json = await jsonScan(root);
  const sarifRun = log.runs[0]!;
  assert.equal(sarifRun.results?.length, json.report.findings.length);
  assert.equal(sarifRun.invocations?.[0]?.executionSuccessful, false, 'the dangling link is an error');
  assert.equal(sarifRun.properties?.verdict, 'findings');
});

test('--output writes the report to the file and keeps stdout empty', async () => {
  const root = mixedDir();
  for (const format of ['json', 'sarif', 'table']) {
    const out = join(TMP, `report-${counter++}.${format}`);
    const o = await cli('scan', '--format', format, '--output', out, root);
    assert.equal(o.code, 1, 'the exit code still reflects the findings');
    assert.equal(o.stdout, '');
    assert.equal(o.stderr, `report written to ${out}\n`);
    const text = readFileSync(out, 'utf8');
    if (format === 'table') assert.match(text, /verdict: findings/);
    else JSON.parse(text);
  }
  const out = join(TMP, `short-${counter++}.json`);
  assert.equal((await cli('scan', '-f', 'json', '-o', out, root)).code, 1);
  assert.ok(existsSync(out));
});

test('an --output path that cannot be written fails with a message, not a stack trace', async () => {
  const out = join(TMP, 'no-such-dir', 'report.json');
  const o = await cli('scan', '--format', 'json', '--output', out, file('ok.pkl', plainDataPickle()));
  assert.equal(o.code, 2);
  assert.equal(o.stdout, '');
  assert.match(o.stderr, /^parapet: cannot write --output .*ENOENT/);
});

// ---------------------------------------------------------------------------------------------------------
// The real process

interface Spawned extends Outcome {
  signal: NodeJS.Signals | null;
}

/** Runs `node --import tsx src/cli/main.ts …` from the repository root, stdout and stderr as pipes. */
function spawnCli(...argv: string[]): Promise<Spawned> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...argv],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        const o = { code, stdout, stderr, signal: err?.signal ?? null };
        assertNoStackTrace(o);
        resolve(o);
      },
    );
  });
}

test('real process: exit codes and the stdout/stderr split hold end to end', async () => {
  const evil = file('evil.pkl', EVIL);
  const ok = file('ok.pkl', plainDataPickle());
  const root = mixedDir();
  const [findings, clean, json, missing] = await Promise.all([
    spawnCli('scan', evil),
    spawnCli('scan', ok),
    spawnCli('scan', '--format', 'json', root),
    spawnCli('scan', join(TMP, 'missing.pt')),
  ]);

  assert.equal(findings.code, 1, findings.stderr);
  assert.match(findings.stdout, /critical\s+model\/pickle-dangerous-call/);
  assert.match(findings.stdout, /verdict: findings/);
  assert.equal(findings.stderr, '', 'stderr is not a TTY: no progress lines');
  assert.doesNotMatch(findings.stdout, /\x1b\[/, 'no colour when stdout is a pipe');

  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout, /^No findings in 1 scanned file\./);
  assert.equal(clean.stderr, '');

  assert.equal(json.code, 1, json.stderr);
  assert.equal(json.stderr, '');
  const report = JSON.parse(json.stdout) as JsonReport;
  assert.equal(report.summary.verdict, 'findings');
  assert.equal(report.summary.scanned, 4);

  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /^parapet: no such file or directory: .*missing\.pt\n$/);
});

test('real process: an incomplete scan exits 3 and a usage error exits 2', async () => {
  const root = dir('proc-links');
  symlinkSync(join(root, 'b'), join(root, 'a'));
  symlinkSync(join(root, 'a'), join(root, 'b'));
  const out = join(TMP, `proc-report-${counter++}.sarif`);
  const [incomplete, usage] = await Promise.all([
    spawnCli('scan', '--format', 'sarif', '--output', out, root),
    spawnCli('scan', '--fail-on', 'severe', root),
  ]);
  assert.equal(incomplete.code, 3, incomplete.stderr);
  assert.equal(incomplete.stdout, '');
  assert.equal(incomplete.stderr, `report written to ${out}\n`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as Sarif.Log;
  assert.equal(validateSarif(log), true, JSON.stringify(validateSarif.errors, null, 2));
  assert.equal(log.runs[0]?.invocations?.[0]?.executionSuccessful, false);

  assert.equal(usage.code, 2);
  assert.equal(usage.stdout, '');
  assert.match(usage.stderr, /argument 'severe' is invalid/);
});

test('directory scans visit every file by content: a pickle named model.txt and an object .npy are found', async () => {
  const root = dir('by-content');
  file('model.txt', EVIL, root);
  const npyHeader = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
  const padded = npyHeader.padEnd(118, ' ') + '\n';
  const npy = Buffer.concat([
    Buffer.from('\x93NUMPY\x01\x00', 'latin1'),
    Buffer.from([padded.length, 0]),
    Buffer.from(padded),
    EVIL,
  ]);
  file('arrays.npy', npy, root);
  const o = await cli('scan', '--format', 'json', root);
  assert.equal(o.code, 1);
  const report = JSON.parse(o.stdout) as { findings: { ruleId: string; location: { path: string } }[] };
  const hits = report.findings
    .filter((f) => f.ruleId === 'model/pickle-dangerous-call')
    .map((f) => f.location.path);
  assert.ok(
    hits.some((p) => p.endsWith('model.txt')),
    JSON.stringify(hits),
  );
  assert.ok(
    hits.some((p) => p.endsWith('arrays.npy')),
    JSON.stringify(hits),
  );
});

test('on a terminal, a data set read for long grows a progress bar on stderr that reaches 100%', async () => {
  const rows = Array.from({ length: 3000 }, (_, i) =>
    JSON.stringify({ instruction: `Question ${i}?`, output: `Answer ${i}.` }),
  );
  const path = file('progress.jsonl', `${rows.join('\n')}\n`);
  const { io, stdout, stderr } = captureIO(TMP);
  io.stderrIsTTY = true;
  const code = await run(['scan', '--format', 'json', path], io);
  assert.equal(code, 0, stderr());
  assert.match(stderr(), /scanning 1: .*progress\.jsonl \[#+\.*\]\s+\d+%/);
  assert.match(stderr(), /\[#{30}\] 100% {2}[\d.]+ KiB \/ [\d.]+ KiB/);
  assert.ok(stderr().endsWith('\r\x1b[K'), 'the line is cleared at the end');
  assert.doesNotMatch(stdout(), /scanning|\[#/, 'progress never reaches stdout');
});
