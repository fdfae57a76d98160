/**
 * `parapet sbom` in-process, through a commander program built as src/cli/run.ts builds its own (same
 * exit-code mapping), since registering the command in run.ts is the lead's change.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { sbomCommand } from '../../src/cli/commands/sbom.ts';
import { EXIT } from '../../src/cli/io.ts';
import { describeError, ParapetError } from '../../src/core/errors.ts';
import { assertNoStackTrace, assertUsageError, captureIO, type Outcome } from '../fixtures/cli-io.ts';
import { assertSchemaValid, type Json, modelOf, prop } from '../fixtures/sbom/bom-access.ts';
import { modelFiles, writeFiles } from '../fixtures/sbom/model-dir.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-sbom-cli-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const SERIAL = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
let n = 0;

function modelDir(extra: Record<string, Uint8Array> = {}): string {
  const dir = join(TMP, `m${n++}`);
  writeFiles(dir, { ...modelFiles(), ...extra });
  return dir;
}

/** Runs `parapet sbom ARGS` the way run() does: exit codes 0/2/3, messages on stderr, never a stack trace. */
async function sbom(args: string[]): Promise<Outcome> {
  const { io, stdout, stderr } = captureIO(TMP);
  let code: number = EXIT.clean;
  const program = new Command('parapet')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addCommand(
      sbomCommand(io, (c) => {
        code = c;
      }),
    );
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    await program.parseAsync(['sbom', ...args], { from: 'user' });
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
  const outcome = { code, stdout: stdout(), stderr: stderr() };
  assertNoStackTrace(outcome);
  return outcome;
}

test('prints a valid CycloneDX 1.6 BOM on stdout, exit 0; reproducible with --serial-number and --timestamp none', async () => {
  const dir = modelDir();
  const args = [dir, '--serial-number', SERIAL, '--timestamp', 'none'];
  const a = await sbom(args);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stderr, '');
  const bom = JSON.parse(a.stdout) as Json;
  await assertSchemaValid(bom);
  assert.equal(bom.specVersion, '1.6');
  assert.equal(bom.serialNumber, SERIAL);
  assert.equal(bom.metadata.timestamp, undefined);
  assert.equal(modelOf(bom).type, 'machine-learning-model');
  assert.match(bom.metadata.tools.components[0].version, /^\d+\.\d+\.\d+/);
  const b = await sbom(args);
  assert.equal(b.stdout, a.stdout);
});

test('--output writes the file, --spec 1.7 and --blake3 are honoured', async () => {
  const out = join(TMP, 'bom.cdx.json');
  const o = await sbom([
    modelDir(),
    '--output',
    out,
    '--spec',
    '1.7',
    '--blake3',
    '--timestamp',
    '2026-05-01T00:00:00Z',
  ]);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(o.stdout, '');
  assert.match(o.stderr, /BOM written to .*bom\.cdx\.json/);
  const bom = JSON.parse(readFileSync(out, 'utf8')) as Json;
  await assertSchemaValid(bom);
  assert.equal(bom.specVersion, '1.7');
  assert.equal(bom.metadata.timestamp, '2026-05-01T00:00:00.000Z');
  const config = (modelOf(bom).components as Json[]).find((c) => c.name === 'config.json');
  assert.deepEqual(config?.hashes.map((h: Json) => h.alg).sort(), ['BLAKE3', 'SHA-256']);
});

test('--signature names the signature file; its claims are recorded', async () => {
  const sig = join(import.meta.dirname, '..', 'fixtures', 'sbom', 'oms', 'v1.1.0-sigstore', 'model.sig');
  const o = await sbom([modelDir(), '--signature', sig]);
  assert.equal(o.code, 0, o.stderr);
  const model = modelOf(JSON.parse(o.stdout) as Json);
  assert.equal(prop(model, 'parapet:signature:method'), 'sigstore');
  assert.equal(prop(model, 'parapet:signature:verified'), 'not-checked');
});

test('unreadable metadata is a warning on stderr and in the BOM, exit 0', async () => {
  const o = await sbom([modelDir({ 'README.md': new TextEncoder().encode('---\nlicense: [\n---\n') })]);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stderr, /^warning: README\.md: YAML front matter is not valid YAML/m);
  JSON.parse(o.stdout);
});

test('a file that cannot be hashed: the BOM is still printed, exit 3 (incomplete)', async () => {
  const dir = modelDir();
  symlinkSync(join(dir, 'gone'), join(dir, 'weights.bin'));
  const o = await sbom([dir]);
  assert.equal(o.code, 3);
  assert.match(o.stderr, /^incomplete: weights\.bin: not readable/m);
  const bom = JSON.parse(o.stdout) as Json;
  assert.equal(prop(bom.metadata, 'parapet:incomplete'), 'true');
});

test('control characters in file names reach the terminal escaped', async () => {
  const dir = modelDir();
  symlinkSync(join(dir, 'gone'), join(dir, 'evil\u001b[31mname'));
  const o = await sbom([dir]);
  assert.equal(o.code, 3);
  assert.ok(!o.stderr.includes('\u001b'), JSON.stringify(o.stderr));
  assert.match(o.stderr, /evil\\x1b\[31mname/);
});

test('usage errors exit 2: no such model, an unknown --spec, a bad --timestamp or serial, an unwritable --output', async () => {
  assertUsageError(await sbom([join(TMP, 'absent')]), /no such file or directory/);
  assertUsageError(await sbom([modelDir(), '--spec', '1.4']), /Allowed choices are 1\.6, 1\.7/);
  assertUsageError(
    await sbom([modelDir(), '--timestamp', 'yesterday']),
    /--timestamp "yesterday" is not a date/,
  );
  assertUsageError(await sbom([modelDir(), '--serial-number', '42']), /serial number must be urn:uuid/);
  assertUsageError(
    await sbom([modelDir(), '--output', join(TMP, 'no-dir', 'x.json')]),
    /cannot write --output/,
  );
  assertUsageError(await sbom([modelDir(), '--signature', join(TMP, 'none.sig')]), /no such signature file/);
  assertUsageError(await sbom(['hf://just-a-name']), /bad Hub reference/);
});

test('--help teaches: what goes where, exit codes, examples', async () => {
  const o = await sbom(['--help']);
  assert.equal(o.code, 0);
  for (const re of [
    /modelCard/,
    /Exit codes:/,
    /3\s+BOM written but incomplete/,
    /parapet sbom hf:\/\/OWNER\/NAME@COMMIT/,
    /docs\/sbom\.md/,
  ]) {
    assert.match(o.stdout, re);
  }
});

test('the verification hook reaches the BOM through the command', async () => {
  const { io, stdout } = captureIO(TMP);
  const dir = join(TMP, `signed-${n++}`);
  mkdirSync(dir);
  const vector = join(import.meta.dirname, '..', 'fixtures', 'sbom', 'oms', 'v1.1.0-elliptic-key');
  for (const f of ['model.sig', 'signme-1', 'signme-2', 'ignore-me'])
    copyFileSync(join(vector, f), join(dir, f));
  let code = -1;
  const cmd = sbomCommand(
    io,
    (c) => {
      code = c;
    },
    async () => ({ verified: true, detail: 'key e8450dec…' }),
  ).exitOverride();
  await cmd.parseAsync([dir], { from: 'user' });
  assert.equal(code, 0);
  const model = modelOf(JSON.parse(stdout()) as Json);
  assert.equal(prop(model, 'parapet:signature:verified'), 'true');
  assert.equal(prop(model, 'parapet:signature:claims'), 'match');
});
