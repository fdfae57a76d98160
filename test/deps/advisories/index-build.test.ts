/**
 * buildAdvisoryIndex and loadAdvisoryIndex end to end: the pypa advisory-database tarball committed under
 * data/advisories/sources (counts as measured, known rows looked up), an OSV export zip written with the
 * project's zip writer, a directory tree of JSON and YAML in the pypa and OpenSSF layouts, bad records
 * rejected and counted, de-duplication and alias merging, damaged index files refused, and the bundled
 * snapshot.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ParapetError } from '../../../src/core/errors.ts';
import {
  type BuildProgress,
  type BuildReport,
  buildAdvisoryIndex,
} from '../../../src/deps/advisories/build.ts';
import { bundledIndexPath, loadBundledIndex } from '../../../src/deps/advisories/bundled.ts';
import { type LoadedAdvisoryIndex, loadAdvisoryIndex } from '../../../src/deps/advisories/index-file.ts';
import { ghsaRecord, malRecord, pysecYaml } from '../../fixtures/deps/advisories/osv-records.ts';
import { buildZip } from '../../fixtures/zip-writer.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-advisories-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const PYPA = new URL(
  '../../../data/advisories/sources/pypa-advisory-database-vulns-3ccb6125.tgz',
  import.meta.url,
).pathname;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

let pypa: BuildReport;
let pypaIndex: LoadedAdvisoryIndex;
const progress: BuildProgress[] = [];
before(() => {
  pypa = buildAdvisoryIndex(PYPA, join(TMP, 'pypa.ndjson'), (p) => progress.push(p));
  pypaIndex = loadAdvisoryIndex(pypa.out);
});

test('the pypa tarball builds with the counts measured on it', () => {
  // 2,661 YAML files: 2,649 usable records, 10 withdrawn, 2 with only GIT ranges; none malformed.
  assert.equal(pypa.records, 2649);
  assert.equal(pypa.withdrawn, 10);
  assert.equal(pypa.unusable, 2);
  assert.equal(pypa.rejected, 0, JSON.stringify(pypa.problems.slice(0, 3)));
  assert.equal(
    pypa.packages,
    658,
    '664 package directories, 660 names after PEP 503, 658 with a usable record',
  );
  assert.equal(pypa.skipped, 1, 'vulns/.id-allocator');
  assert.deepEqual(pypaIndex.describe(), {
    source: 'pypa-advisory-database-vulns-3ccb6125.tgz',
    records: 2649,
    packages: 658,
    builtAt: pypa.header.builtAt,
  });
  assert.equal(pypa.header.newestModified, '2024-10-10T17:22:00.587279Z');
  assert.ok(progress.length >= 5, 'progress every 500 files and at the end');
  assert.equal(progress.at(-1)?.records, 2649);
});

test('known pypa rows are found, with their fix versions', () => {
  const torch = pypaIndex.lookup('PyPI', 'torch', '1.13.0');
  assert.deepEqual(
    torch.map((a) => [a.id, a.aliases, a.fixed, a.malicious]),
    [['PYSEC-2022-43015', ['CVE-2022-45907'], ['1.13.1'], false]],
  );
  assert.match(torch[0]?.summary ?? '', /torch\.jit\.annotations\.parse_type_line/);
  assert.equal(torch[0]?.severity, 'medium', 'no CVSS vector in the record: the documented fallback');
  assert.deepEqual(pypaIndex.lookup('PyPI', 'torch', '1.13.1'), []);
  assert.deepEqual(
    pypaIndex.lookup('PyPI', 'torch', '1.13.1rc1').map((a) => a.id),
    ['PYSEC-2022-43015'],
  );

  const gradio = pypaIndex.lookup('PyPI', 'gradio', '4.10.0');
  const traversal = gradio.find((a) => a.id === 'PYSEC-2023-249');
  assert.ok(traversal, JSON.stringify(gradio.map((a) => a.id)));
  assert.deepEqual(traversal.aliases, ['CVE-2023-51449', 'GHSA-6qm2-wpxq-7qh2']);
  assert.deepEqual(traversal.fixed, ['4.11.0']);
  assert.ok(!pypaIndex.lookup('PyPI', 'gradio', '4.11.0').some((a) => a.id === 'PYSEC-2023-249'));
  // last_affected: py through 1.11.0.
  assert.deepEqual(
    pypaIndex.lookup('PyPI', 'py', '1.11.0').map((a) => a.id),
    ['PYSEC-2022-42969'],
  );
  assert.deepEqual(pypaIndex.lookup('PyPI', 'py', '1.11.1'), []);
  // Withdrawn: redis PYSEC-2023-73 is not in the index.
  assert.ok(!pypaIndex.lookup('PyPI', 'redis', '4.5.0').some((a) => a.id === 'PYSEC-2023-73'));
  // Names are looked up PEP 503-normalised, whatever the caller passes.
  assert.deepEqual(
    pypaIndex.lookup('PyPI', 'Torch', '1.13.0').map((a) => a.id),
    ['PYSEC-2022-43015'],
  );
  assert.deepEqual(pypaIndex.lookup('PyPI', 'no-such-package', '1.0'), []);
  assert.deepEqual(pypaIndex.lookup('npm', 'torch', '1.0.0'), [], 'another ecosystem');
  assert.deepEqual(pypaIndex.lookup('PyPI', 'constructor', '1.0'), [], 'prototype names are not packages');
});

test('an OSV export zip (PyPI/all.zip layout) builds; bad members are rejected and counted', () => {
  const records = [
    ghsaRecord({
      id: 'GHSA-53q9-r3pm-6pq6',
      pkg: 'torch',
      events: [{ introduced: '0' }, { fixed: '2.6.0' }],
      aliases: ['CVE-2025-32434'],
      label: 'CRITICAL',
    }),
    ghsaRecord({
      id: 'GHSA-hj4w-hm2g-p6w5',
      pkg: 'vllm',
      events: [{ introduced: '0.6.5' }, { fixed: '0.8.5' }],
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    }),
    malRecord({ id: 'MAL-2026-2144', pkg: 'litellm', versions: ['1.82.7', '1.82.8'] }),
    malRecord({ id: 'MAL-2022-7426', pkg: 'torchtriton' }),
    { id: 'GO-2024-2699', affected: [{ package: { ecosystem: 'Go', name: 'github.com/ollama/ollama' } }] },
  ];
  const zip = buildZip([
    ...records.map((r) => ({ name: `${r.id}.json`, data: json(r), method: 'deflate' as const })),
    { name: 'GHSA-broken-json.json', data: new TextEncoder().encode('{"id": "GHSA-x", '), method: 'deflate' },
    { name: 'PYSEC-no-id.json', data: json({ affected: [] }) },
    { name: 'GHSA-bad-affected.json', data: json({ id: 'GHSA-bad', affected: 'torch' }) },
    { name: 'README.md', data: new TextEncoder().encode('not a record') },
  ]);
  const path = join(TMP, 'all.zip');
  writeFileSync(path, zip);
  const report = buildAdvisoryIndex(path, join(TMP, 'zip.ndjson'));
  assert.equal(report.records, 4);
  assert.equal(report.unusable, 1, 'the Go record');
  assert.equal(report.rejected, 3);
  assert.equal(report.skipped, 1, 'README.md');
  assert.deepEqual(
    report.problems.map((p) => p.path),
    ['GHSA-broken-json.json', 'PYSEC-no-id.json', 'GHSA-bad-affected.json'],
  );
  assert.match(report.problems[0]?.reason ?? '', /does not parse/);
  const index = loadAdvisoryIndex(report.out);
  assert.deepEqual(
    index.lookup('PyPI', 'torch', '2.6.0rc1').map((a) => [a.id, a.severity]),
    [['GHSA-53q9-r3pm-6pq6', 'critical']],
  );
  assert.deepEqual(
    index.lookup('PyPI', 'vllm', '0.8.4').map((a) => a.severity),
    ['critical'],
  );
  assert.deepEqual(
    index.lookup('PyPI', 'litellm', '1.82.8').map((a) => [a.id, a.malicious]),
    [['MAL-2026-2144', true]],
  );
  assert.deepEqual(index.lookup('PyPI', 'litellm', '1.82.6'), []);
  assert.deepEqual(
    index.lookupAnyVersion('PyPI', 'litellm'),
    [],
    'a versions-only MAL record is not whole-package',
  );
  assert.deepEqual(
    index.lookupAnyVersion('PyPI', 'torchtriton').map((a) => a.id),
    ['MAL-2022-7426'],
  );
});

test('a directory tree of JSON and YAML (pypa and OpenSSF layouts) builds; symlinks and dot-dirs are skipped', () => {
  const root = join(TMP, 'tree');
  mkdirSync(join(root, 'vulns/gradio'), { recursive: true });
  mkdirSync(join(root, 'osv/malicious/pypi/reqeusts'), { recursive: true });
  mkdirSync(join(root, '.git/objects'), { recursive: true });
  writeFileSync(
    join(root, 'vulns/gradio/PYSEC-2023-249.yaml'),
    pysecYaml({
      id: 'PYSEC-2023-249',
      pkg: 'gradio',
      fixed: '4.11.0',
      versions: ['4.10.0', '4.9.1'],
      alias: 'CVE-2023-51449',
    }),
  );
  // Unquoted 1.10 must stay the string "1.10", not the number 1.1.
  writeFileSync(
    join(root, 'vulns/gradio/PYSEC-2099-1.yaml'),
    pysecYaml({ id: 'PYSEC-2099-1', pkg: 'gradio', fixed: '1.10', versions: ['1.9'] }),
  );
  writeFileSync(
    join(root, 'osv/malicious/pypi/reqeusts/MAL-2024-1.json'),
    JSON.stringify(malRecord({ id: 'MAL-2024-1', pkg: 'reqeusts' })),
  );
  writeFileSync(join(root, 'vulns/gradio/PYSEC-bad.yaml'), 'id: [unclosed\n');
  writeFileSync(
    join(root, '.git/objects/GHSA-hidden.json'),
    JSON.stringify(malRecord({ id: 'MAL-hidden', pkg: 'x' })),
  );
  symlinkSync('/etc', join(root, 'vulns/outside'));
  const report = buildAdvisoryIndex(root, join(TMP, 'tree.ndjson'));
  assert.equal(report.records, 3);
  assert.equal(report.rejected, 1);
  assert.match(report.problems[0]?.path ?? '', /PYSEC-bad\.yaml$/);
  const index = loadAdvisoryIndex(report.out);
  assert.deepEqual(
    index.lookup('PyPI', 'gradio', '1.9.5').map((a) => a.id),
    ['PYSEC-2023-249', 'PYSEC-2099-1'],
  );
  assert.deepEqual(
    index.lookup('PyPI', 'gradio', '1.10').map((a) => a.id),
    ['PYSEC-2023-249'],
    '1.10, not 1.1',
  );
  assert.deepEqual(
    index.lookupAnyVersion('PyPI', 'reqeusts').map((a) => a.id),
    ['MAL-2024-1'],
  );
  assert.deepEqual(index.lookupAnyVersion('PyPI', 'x'), [], '.git is never read');
});

test('records are de-duplicated by id (newest wins) and merged by alias at lookup', () => {
  const dir = join(TMP, 'dedupe');
  const older = join(dir, 'a');
  const newer = join(dir, 'b');
  mkdirSync(older, { recursive: true });
  mkdirSync(newer, { recursive: true });
  const base = { id: 'GHSA-1111-2222-3333', pkg: 'ray', aliases: ['CVE-2099-1'], label: 'LOW' };
  writeFileSync(
    join(older, 'GHSA-1111-2222-3333.json'),
    JSON.stringify(
      ghsaRecord({
        ...base,
        events: [{ introduced: '0' }, { fixed: '2.0' }],
        modified: '2024-01-01T00:00:00Z',
      }),
    ),
  );
  writeFileSync(
    join(newer, 'GHSA-1111-2222-3333.json'),
    JSON.stringify(
      ghsaRecord({
        ...base,
        events: [{ introduced: '0' }, { fixed: '2.8.1' }],
        modified: '2025-01-01T00:00:00Z',
      }),
    ),
  );
  // The same vulnerability as a PYSEC record naming the GHSA: one advisory at lookup, the worse severity.
  writeFileSync(
    join(newer, 'PYSEC-2099-5.json'),
    JSON.stringify({
      ...ghsaRecord({ id: 'PYSEC-2099-5', pkg: 'ray', events: [{ introduced: '0' }, { fixed: '2.8.1' }] }),
      aliases: ['CVE-2099-1', 'GHSA-1111-2222-3333'],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    }),
  );
  const report = buildAdvisoryIndex([older, newer], join(TMP, 'dedupe.ndjson'));
  assert.equal(report.records, 2);
  assert.equal(report.duplicates, 1);
  const hits = loadAdvisoryIndex(report.out).lookup('PyPI', 'ray', '2.5.0');
  assert.equal(hits.length, 1, JSON.stringify(hits));
  assert.equal(hits[0]?.id, 'GHSA-1111-2222-3333', 'the GitHub id is preferred');
  assert.deepEqual(hits[0]?.aliases, ['CVE-2099-1', 'PYSEC-2099-5']);
  assert.equal(hits[0]?.severity, 'critical');
  assert.deepEqual(hits[0]?.fixed, ['2.8.1'], 'the newer record, fixed 2.8.1, won');
});

test('inputs with no usable record fail the build and write nothing', () => {
  const dir = join(TMP, 'empty');
  mkdirSync(dir);
  writeFileSync(join(dir, 'GHSA-x.json'), '{ nope');
  const out = join(TMP, 'never.ndjson');
  assert.throws(
    () => buildAdvisoryIndex(dir, out),
    (err) => err instanceof ParapetError && err.code === 'USAGE' && /no usable OSV records/.test(err.message),
  );
  assert.throws(() => readFileSync(out), /ENOENT/);
  assert.throws(
    () => buildAdvisoryIndex(join(TMP, 'missing-dir'), out),
    (err) => err instanceof ParapetError && err.code === 'NOT_FOUND',
  );
});

test('damaged, foreign or missing index files are refused with a clear error', () => {
  const good = readFileSync(pypa.out);
  const check = (name: string, bytes: Uint8Array | string, pattern: RegExp) => {
    const path = join(TMP, name);
    writeFileSync(path, bytes);
    assert.throws(
      () => loadAdvisoryIndex(path),
      (err) => err instanceof ParapetError && err.code === 'MALFORMED' && pattern.test(err.message),
      name,
    );
  };
  check('truncated.ndjson', good.subarray(0, good.length - 100), /body is \d+ bytes/);
  const flipped = Buffer.from(good);
  flipped.writeUInt8(flipped.readUInt8(flipped.length - 10) ^ 0x01, flipped.length - 10);
  check('flipped.ndjson', flipped, /checksum/);
  check('foreign.ndjson', '{"hello":"world"}\n{}\n', /not a Parapet advisory index/);
  check(
    'newer.ndjson',
    '{"format":"parapet-advisory-index","version":2}\n{}\n',
    /version 2.*parapet db update/,
  );
  check('one-line.json', '{"format":"parapet-advisory-index"}', /no header/);
  assert.throws(
    () => loadAdvisoryIndex(join(TMP, 'nope.ndjson')),
    (err) => err instanceof ParapetError && err.code === 'NOT_FOUND',
  );
});

test('the bundled snapshot loads and knows the curated ML-stack and malicious records', () => {
  const index = loadBundledIndex();
  assert.equal(index.path, bundledIndexPath());
  const info = index.describe();
  assert.ok(info.records > 2649, `pypa records plus curated ones: ${info.records}`);
  assert.match(info.source, /pypa\/advisory-database@3ccb6125/);
  const litellm = index.lookup('PyPI', 'litellm', '1.82.7');
  assert.equal(litellm.length, 1);
  assert.equal(litellm[0]?.malicious, true);
  assert.equal(litellm[0]?.severity, 'critical');
  assert.deepEqual(litellm[0]?.aliases, ['MAL-2026-2144']);
  assert.deepEqual(index.lookup('PyPI', 'litellm', '1.82.6'), []);
  assert.deepEqual(index.lookup('PyPI', 'litellm', '1.82.9'), []);
  const torch = index.lookup('PyPI', 'torch', '2.5.1');
  const weightsOnly = torch.find((a) => a.aliases.includes('CVE-2025-32434'));
  assert.ok(weightsOnly, JSON.stringify(torch));
  assert.equal(weightsOnly.severity, 'critical');
  assert.deepEqual(weightsOnly.fixed, ['2.6.0']);
  assert.ok(!index.lookup('PyPI', 'torch', '2.6.0').some((a) => a.aliases.includes('CVE-2025-32434')));
  assert.ok(!index.lookup('PyPI', 'torch', '2.6.0+cu124').some((a) => a.aliases.includes('CVE-2025-32434')));
  assert.deepEqual(
    index.lookupAnyVersion('PyPI', 'torchtriton').map((a) => a.malicious),
    [true],
  );
  assert.ok(
    index.lookup('PyPI', 'llama-cpp-python', '0.2.71').some((a) => a.aliases.includes('CVE-2024-34359')),
  );
  assert.deepEqual(index.lookup('PyPI', 'llama-cpp-python', '0.2.29'), [], 'introduced 0.2.30');
});
