/**
 * `parapet db update` and `parapet db info` in-process, through the same commander wiring and error mapping
 * as src/cli/run.ts (USAGE/NOT_FOUND → exit 2, other failures → exit 3, never a stack trace). Inputs are a
 * gzip'd tarball and directories written here; PARAPET_DATA_DIR points the default index at a temp dir.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Command, CommanderError } from 'commander';
import { dbCommand } from '../../../src/cli/commands/db.ts';
import { EXIT } from '../../../src/cli/io.ts';
import { describeError, ParapetError } from '../../../src/core/errors.ts';
import { bundledIndexPath } from '../../../src/deps/advisories/bundled.ts';
import { loadAdvisoryIndex } from '../../../src/deps/advisories/index-file.ts';
import { assertNoStackTrace, captureIO, type Outcome } from '../../fixtures/cli-io.ts';
import { ghsaRecord, malRecord, pysecYaml } from '../../fixtures/deps/advisories/osv-records.ts';
import { buildTar } from '../../fixtures/tar-writer.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-db-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** `parapet db ...` as run.ts runs a command (the lead registers dbCommand there). */
async function db(cwd: string, env: Record<string, string>, ...argv: string[]): Promise<Outcome> {
  return dbOn({ tty: false }, cwd, env, ...argv);
}

async function dbOn(
  terminal: { tty: boolean },
  cwd: string,
  env: Record<string, string>,
  ...argv: string[]
): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(cwd);
  io.stderrIsTTY = terminal.tty;
  let code: number = EXIT.clean;
  const program = new Command('parapet')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addCommand(
      dbCommand(
        io,
        (c) => {
          code = c;
        },
        env,
      ),
    );
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    await program.parseAsync(['db', ...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode === 0 ? EXIT.clean : EXIT.usage;
    else if (err instanceof ParapetError && (err.code === 'USAGE' || err.code === 'NOT_FOUND')) {
      io.stderr(`parapet: ${err.message}\n`);
      code = EXIT.usage;
    } else {
      io.stderr(`parapet: ${describeError(err)}\n`);
      code = EXIT.incomplete;
    }
  }
  const o = { code, stdout: stdout(), stderr: stderr() };
  assertNoStackTrace(o);
  return o;
}

let n = 0;
function freshDir(): string {
  const dir = join(TMP, `case-${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A small advisory-database tarball in the pypa layout: vulns/<pkg>/PYSEC-*.yaml. */
function tarball(dir: string): string {
  const path = join(dir, 'advisory-database.tar.gz');
  const tar = buildTar([
    { name: 'vulns/', type: '5' },
    {
      name: 'vulns/gradio/PYSEC-2023-249.yaml',
      data: pysecYaml({ id: 'PYSEC-2023-249', pkg: 'gradio', fixed: '4.11.0', versions: ['4.10.0'] }),
    },
    {
      name: 'vulns/torch/PYSEC-2022-43015.yaml',
      data: pysecYaml({ id: 'PYSEC-2022-43015', pkg: 'torch', fixed: '1.13.1', versions: ['1.13.0'] }),
    },
    { name: 'vulns/.id-allocator', data: '2661\n' },
  ]);
  writeFileSync(path, gzipSync(tar));
  return path;
}

test('db update --from a tarball --output FILE builds it and prints one summary line', async () => {
  const dir = freshDir();
  const o = await db(dir, {}, 'update', '--from', tarball(dir), '--output', 'out/index.ndjson');
  assert.equal(o.code, 0, o.stderr);
  assert.match(
    o.stdout,
    new RegExp(
      `^Wrote ${join(dir, 'out/index.ndjson')}: 2 records, 2 packages, 0 rejected, 0 withdrawn, in \\d+ ms\\n  also: 1 files skipped by name\\n$`,
    ),
  );
  assert.equal(o.stderr, '', 'no progress lines when stderr is not a terminal');
  const index = loadAdvisoryIndex(join(dir, 'out/index.ndjson'));
  assert.deepEqual(
    index.lookup('PyPI', 'gradio', '4.10.0').map((a) => a.id),
    ['PYSEC-2023-249'],
  );
});

test('on a terminal, progress goes to stderr and is cleared before the summary', async () => {
  const dir = freshDir();
  const o = await dbOn({ tty: true }, dir, {}, 'update', '--from', tarball(dir), '-o', 'i.ndjson');
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stderr, /\r\x1b\[Kreading advisory-database\.tar\.gz: 2 files, 2 records/);
  assert.ok(o.stderr.endsWith('\r\x1b[K'), JSON.stringify(o.stderr));
  assert.match(o.stdout, /^Wrote /);
});

test('db update without --output writes to $PARAPET_DATA_DIR, and db info then uses it', async () => {
  const dir = freshDir();
  const data = join(dir, 'data');
  const env = { PARAPET_DATA_DIR: data };
  const records = join(dir, 'records');
  mkdirSync(records);
  writeFileSync(
    join(records, 'MAL-2026-2144.json'),
    JSON.stringify(malRecord({ id: 'MAL-2026-2144', pkg: 'litellm', versions: ['1.82.7'] })),
  );
  const built = await db(dir, env, 'update', '--from', 'records', '--format', 'json');
  assert.equal(built.code, 0, built.stderr);
  const report = JSON.parse(built.stdout);
  assert.equal(report.out, join(data, 'advisories.ndjson'));
  assert.equal(report.records, 1);
  const info = await db(dir, env, 'info');
  assert.equal(info.code, 0, info.stderr);
  assert.match(
    info.stdout,
    new RegExp(`^index     ${join(data, 'advisories.ndjson')}\\n          \\(built by parapet db update\\)`),
  );
  assert.match(info.stdout, /\nsource {4}records\n/);
  assert.match(info.stdout, /\nrecords {3}1 \(0 withdrawn and 0 rejected at build time\)\n/);
  assert.match(info.stdout, /\npackages {2}1\n/);
  assert.match(info.stdout, /\nbuilt at {2}\d{4}-\d\d-\d\dT/);
});

test('db info with no user index describes the bundled snapshot', async () => {
  const dir = freshDir();
  const o = await db(dir, { PARAPET_DATA_DIR: join(dir, 'nothing-here') }, 'info', '--format', 'json');
  assert.equal(o.code, 0, o.stderr);
  const info = JSON.parse(o.stdout);
  assert.equal(info.path, bundledIndexPath());
  assert.equal(info.origin, 'bundled');
  assert.ok(info.records > 2649);
  assert.match(info.source, /pypa\/advisory-database@3ccb6125/);
});

test('rejected records are counted and listed; the build still succeeds', async () => {
  const dir = freshDir();
  const records = join(dir, 'records');
  mkdirSync(records);
  const good = ghsaRecord({
    id: 'GHSA-aaaa-bbbb-cccc',
    pkg: 'vllm',
    events: [{ introduced: '0' }, { fixed: '0.8.5' }],
  });
  writeFileSync(join(records, 'GHSA-aaaa-bbbb-cccc.json'), JSON.stringify(good));
  writeFileSync(
    join(records, 'GHSA-zzzz-zzzz-zzzz.json'),
    '{"id": "GHSA-zzzz-zzzz-zzzz", "affected": "vllm"}',
  );
  const o = await db(dir, {}, 'update', '--from', 'records', '-o', 'i.ndjson');
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stdout, /: 1 records, 1 packages, 1 rejected, 0 withdrawn, in \d+ ms\n/);
  assert.match(o.stdout, /\n {2}rejected GHSA-zzzz-zzzz-zzzz\.json: "affected" is not a list\n/);
});

test('usage errors exit 2 with a message: missing input, no usable records, no --from, damaged --db', async () => {
  const dir = freshDir();
  const missing = await db(dir, {}, 'update', '--from', 'nope.zip', '-o', 'x.ndjson');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^parapet: cannot read .*nope\.zip/);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'GHSA-x.json'), 'not json');
  const none = await db(dir, {}, 'update', '--from', 'empty', '-o', 'x.ndjson');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no usable OSV records .*1 files read, 1 rejected/);
  assert.throws(() => readFileSync(join(dir, 'x.ndjson')), /ENOENT/, 'nothing written');
  const noFrom = await db(dir, {}, 'update');
  assert.equal(noFrom.code, 2);
  assert.match(noFrom.stderr, /give at least one --from PATH/);
  writeFileSync(join(dir, 'bad.ndjson'), '{"format":"something else"}\n{}\n');
  const bad = await db(dir, {}, 'info', '--db', 'bad.ndjson');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.ndjson is not a usable advisory index: not a Parapet advisory index/);
  const absent = await db(dir, {}, 'info', '--db', 'absent.ndjson');
  assert.equal(absent.code, 2);
  assert.match(absent.stderr, /cannot read advisory index .*absent\.ndjson/);
});

test('db --help lists both subcommands and where the index goes', async () => {
  const o = await db(freshDir(), {}, '--help');
  assert.equal(o.code, 0);
  assert.match(o.stdout, /update \[options\]/);
  assert.match(o.stdout, /info \[options\]/);
  assert.match(o.stdout, /PARAPET_DATA_DIR/);
});
