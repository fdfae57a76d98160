/**
 * `npm run bench:deps-index`: the advisory index's cost, each figure beside a baseline measured in this same
 * run:
 *
 *   a. build throughput (records/s) from the pypa advisory-database tarball (2,661 YAML records)
 *                              vs. only parsing the same YAML files with `yaml` (what any build must do)
 *   b. load time of the bundled index, median of LOADS loads (each re-reads the file and checks its CRC)
 *                              vs. JSON.parse of every line of the same bytes (an eager loader)
 *   c. a synthetic index at OSV-export scale (25,000 records: 13,000 vulnerability records over 4,000
 *      packages, 12,000 single-package MAL records), built from a zip of OSV JSON: build throughput, file size,
 *      load median (target: under 100 ms), and 5,000 lookups of locked versions
 *                              vs. the same eager JSON.parse baseline
 *
 * Timings are printed, never asserted; a check that the work was real (records counted, lookups finding the
 * expected advisories) sets exit code 1 after printing. Results are also written to bench/out/deps-index.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { buildAdvisoryIndex } from '../src/deps/advisories/build.ts';
import { bundledIndexPath } from '../src/deps/advisories/bundled.ts';
import { loadAdvisoryIndex } from '../src/deps/advisories/index-file.ts';
import { bufferSource } from '../src/formats/byte-source.ts';
import { readTarEntries } from '../src/formats/tar.ts';
import { mulberry32 } from '../test/fixtures/prng.ts';
import { buildZip } from '../test/fixtures/zip-writer.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'bench', 'out');
const PYPA = join(ROOT, 'data/advisories/sources/pypa-advisory-database-vulns-3ccb6125.tgz');
const LOADS = 21;
const SYNTH = { vulnPackages: 4000, vulnRecords: 13_000, malRecords: 12_000, lookups: 5000 };
const TARGET_LOAD_MS = 100;

const TMP = mkdtempSync(join(tmpdir(), 'parapet-bench-deps-'));
const problems: string[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, performance.now() - t];
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** Median load time and median eager-parse time of one index file. */
function loadVsEager(path: string): { loadMs: number; eagerMs: number; bytes: number } {
  const loads: number[] = [];
  const eager: number[] = [];
  let bytes = 0;
  for (let i = 0; i < LOADS; i++) {
    loads.push(time(() => loadAdvisoryIndex(path))[1]);
    eager.push(
      time(() => {
        const text = readFileSync(path, 'utf8');
        bytes = Buffer.byteLength(text);
        for (const line of text.split('\n')) if (line) JSON.parse(line);
      })[1],
    );
  }
  return { loadMs: median(loads), eagerMs: median(eager), bytes };
}

// ---- a. build from the pypa tarball ----------------------------------------------------------------

const [pypa, buildMs] = time(() => buildAdvisoryIndex(PYPA, join(TMP, 'pypa.ndjson')));
const yamlMs = time(() => {
  const bytes = gunzipSync(readFileSync(PYPA));
  const src = bufferSource(bytes);
  for (const e of readTarEntries(src).entries)
    if (e.name.endsWith('.yaml')) parseYaml(Buffer.from(src.readAt(e.dataOffset, e.size)).toString('utf8'));
})[1];
const files = pypa.records + pypa.withdrawn + pypa.unusable + pypa.rejected;
if (pypa.records !== 2649) problems.push(`pypa build indexed ${pypa.records} records, expected 2649`);
console.log('a. build from the pypa tarball');
console.log(
  `   ${files} records in ${fmt(buildMs)}: ${Math.round((files / buildMs) * 1000)} records/s` +
    `   (baseline: YAML parse only ${fmt(yamlMs)}, ${Math.round((files / yamlMs) * 1000)} records/s; build/parse ${ratio(buildMs, yamlMs)})`,
);

// ---- b. load the bundled index ---------------------------------------------------------------------

const bundled = loadVsEager(bundledIndexPath());
console.log(
  `b. load the bundled index (${(bundled.bytes / 1024 / 1024).toFixed(2)} MiB), median of ${LOADS}`,
);
console.log(
  `   load ${fmt(bundled.loadMs)}   (baseline: eager JSON.parse of every line ${fmt(bundled.eagerMs)}; load/eager ${ratio(bundled.loadMs, bundled.eagerMs)})`,
);

// ---- c. synthetic OSV-export-scale index -----------------------------------------------------------

const rand = mulberry32(6);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const version = () => `${Math.floor(rand() * 5)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 10)}`;
const members: { name: string; data: Uint8Array; method: 'deflate' }[] = [];
const encoder = new TextEncoder();
for (let i = 0; i < SYNTH.vulnRecords; i++) {
  const pkg = `ml-package-${i % SYNTH.vulnPackages}`;
  const fixed = version();
  const record = {
    schema_version: '1.6.0',
    id: `GHSA-synth-${i}`,
    modified: '2026-01-01T00:00:00Z',
    aliases: [`CVE-2026-${10_000 + i}`, `PYSEC-2026-${i}`],
    summary: `Synthetic vulnerability ${i} in ${pkg}: ${pick(['deserialization', 'path traversal', 'SSRF', 'template injection'])} when a crafted input is processed`,
    details: 'x'.repeat(600),
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'PyPI', name: pkg },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
        versions: Array.from({ length: 40 }, version),
      },
    ],
    references: [{ type: 'ADVISORY', url: `https://github.com/advisories/GHSA-synth-${i}` }],
    database_specific: { severity: 'HIGH' },
  };
  members.push({
    name: `GHSA-synth-${i}.json`,
    data: encoder.encode(JSON.stringify(record)),
    method: 'deflate',
  });
}
for (let i = 0; i < SYNTH.malRecords; i++) {
  const record = {
    id: `MAL-2026-${i}`,
    modified: '2026-01-01T00:00:00Z',
    summary: `Malicious code in typosquat-${i} (PyPI)`,
    affected: [
      {
        package: { ecosystem: 'PyPI', name: `typosquat-${i}` },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
      },
    ],
    database_specific: { 'malicious-packages-origins': [{ source: 'ossf-package-analysis' }] },
  };
  members.push({
    name: `MAL-2026-${i}.json`,
    data: encoder.encode(JSON.stringify(record)),
    method: 'deflate',
  });
}
const zipPath = join(TMP, 'all.zip');
writeFileSync(zipPath, buildZip(members));
const [synth, synthBuildMs] = time(() => buildAdvisoryIndex(zipPath, join(TMP, 'synth.ndjson')));
const jsonParseMs = time(() => {
  for (const m of members) JSON.parse(Buffer.from(m.data).toString('utf8'));
})[1];
const total = SYNTH.vulnRecords + SYNTH.malRecords;
if (synth.records !== total) problems.push(`synthetic build indexed ${synth.records} of ${total} records`);
const load = loadVsEager(synth.out);
const index = loadAdvisoryIndex(synth.out);
let found = 0;
const lookupMs = time(() => {
  for (let i = 0; i < SYNTH.lookups; i++) {
    const name =
      i % 5 === 0 ? `typosquat-${i}` : i % 2 === 0 ? `ml-package-${i % SYNTH.vulnPackages}` : `clean-${i}`;
    found += index.lookup('PyPI', name, version()).length > 0 ? 1 : 0;
  }
})[1];
if (found === 0) problems.push('the synthetic lookups found nothing');
console.log(
  `c. synthetic index: ${total} records, ${synth.packages} packages, ${(load.bytes / 1024 / 1024).toFixed(1)} MiB`,
);
console.log(
  `   build ${fmt(synthBuildMs)}: ${Math.round((total / synthBuildMs) * 1000)} records/s` +
    `   (baseline: JSON.parse of the same records ${fmt(jsonParseMs)}; build/parse ${ratio(synthBuildMs, jsonParseMs)})`,
);
console.log(
  `   load ${fmt(load.loadMs)} median of ${LOADS} (target < ${TARGET_LOAD_MS} ms: ${load.loadMs < TARGET_LOAD_MS ? 'met' : 'MISSED'})` +
    `   (baseline: eager JSON.parse ${fmt(load.eagerMs)}; load/eager ${ratio(load.loadMs, load.eagerMs)})`,
);
console.log(
  `   ${SYNTH.lookups} lookups in ${fmt(lookupMs)} (${found} with advisories), ${((lookupMs / SYNTH.lookups) * 1000).toFixed(1)} µs each`,
);

mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(
  join(OUT_DIR, 'deps-index.json'),
  `${JSON.stringify(
    {
      pypa: { records: files, buildMs, yamlParseMs: yamlMs, recordsPerSecond: (files / buildMs) * 1000 },
      bundled: bundled,
      synthetic: {
        records: total,
        packages: synth.packages,
        buildMs: synthBuildMs,
        jsonParseMs,
        ...load,
        lookupMs,
        lookups: SYNTH.lookups,
      },
      targetLoadMs: TARGET_LOAD_MS,
    },
    null,
    2,
  )}\n`,
);
rmSync(TMP, { recursive: true, force: true });
for (const p of problems) console.error(`problem: ${p}`);
if (problems.length > 0) process.exitCode = 1;
