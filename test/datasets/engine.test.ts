/**
 * Data sets through the scan engine (scanPaths), as `parapet scan` runs them. These tests switch themselves on
 * once the data-set handlers are in the engine's format lists (src/scan/formats.ts), which the lead wires.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { scanPaths } from '../../src/scan/engine.ts';
import { BINARY_FORMATS, TEXT_FORMATS } from '../../src/scan/formats.ts';
import { datasetBinaryFormat, datasetTextFormat } from '../../src/scan/handlers/dataset.ts';
import { parquetBytes } from '../fixtures/datasets/parquet-writer.ts';
import { delimited, jsonl } from '../fixtures/datasets/text-writers.ts';

const wired = BINARY_FORMATS.includes(datasetBinaryFormat) && TEXT_FORMATS.includes(datasetTextFormat);
const skip = wired ? false : 'the data-set handlers are not in src/scan/formats.ts yet';

const dir = mkdtempSync(join(tmpdir(), 'parapet-datasets-engine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rows = Array.from({ length: 40 }, (_, i) => ({
  instruction: `Question ${i}?`,
  output: `Answer ${i}.`,
}));

describe('data sets through scanPaths', { skip }, () => {
  it('scans JSONL, JSON, CSV and Parquet in a directory and reports a summary for each', async () => {
    const root = join(dir, 'clean');
    const pq = parquetBytes([
      [
        { name: 'instruction', type: 'utf8', values: rows.map((r) => r.instruction) },
        { name: 'output', type: 'utf8', values: rows.map((r) => r.output) },
      ],
    ]);
    mkdirSync(root);
    writeFileSync(join(root, 'train.jsonl'), jsonl(rows));
    writeFileSync(join(root, 'train.json'), JSON.stringify(rows));
    writeFileSync(
      join(root, 'pairs.csv'),
      delimited(
        ['prompt', 'completion'],
        rows.map((r) => [r.instruction, r.output]),
      ),
    );
    writeFileSync(join(root, 'train.parquet'), pq);
    writeFileSync(join(root, 'cut.parquet'), pq.subarray(0, pq.length - 30));
    const result = await scanPaths([root]);
    assert.deepEqual(result.errors, []);
    const summaries = result.findings
      .filter((f) => f.ruleId === 'dataset/summary')
      .map((f) => `${f.location.path.slice(root.length + 1)} ${f.evidence?.records}`);
    assert.deepEqual(summaries.sort(), [
      'pairs.csv 40',
      'train.json 40',
      'train.jsonl 40',
      'train.parquet 40',
    ]);
    const unreadable = result.findings.filter((f) => f.ruleId === 'dataset/unreadable');
    assert.deepEqual(
      unreadable.map((f) => f.location.path.slice(root.length + 1)),
      ['cut.parquet'],
    );
    assert.equal(result.scanned.length, 5);
  });

  it('still reads a real pickle renamed to .csv as a pickle', async () => {
    const path = join(dir, 'renamed.csv');
    writeFileSync(path, "cos\nsystem\n(S'id'\ntR.");
    const result = await scanPaths([path]);
    assert.ok(result.findings.some((f) => f.ruleId === 'model/pickle-dangerous-call'));
  });

  it('still reads a protocol-0 pickle that opens with MARK (its INST line second) renamed to .csv as a pickle', async () => {
    const path = join(dir, 'inst.csv');
    writeFileSync(path, "(S'id'\nios\nsystem\n.");
    const result = await scanPaths([path]);
    assert.ok(
      result.findings.some((f) => f.ruleId === 'model/pickle-dangerous-call' && f.severity === 'critical'),
    );
  });

  it('does not read a CSV whose header starts with a pickle opcode letter as a pickle', async () => {
    const path = join(dir, 'cats.csv');
    writeFileSync(
      path,
      delimited(
        ['category', 'text'],
        rows.map((r) => ['cat', r.output]),
      ),
    );
    const result = await scanPaths([path]);
    assert.deepEqual(
      result.findings.filter((f) => f.ruleId.startsWith('model/pickle')).map((f) => f.ruleId),
      [],
    );
  });

  it('reports a URL in a JSON data set once, as the data-set rule with its record, not also as a config value', async () => {
    const path = join(dir, 'links.json');
    const linked = rows.map((r, i) => (i === 7 ? { ...r, output: 'http://203.0.113.9/payload' } : r));
    writeFileSync(path, JSON.stringify(linked));
    const result = await scanPaths([path]);
    assert.deepEqual(
      result.findings.filter((f) => f.ruleId !== 'dataset/summary').map((f) => f.ruleId),
      ['dataset/external-url'],
    );
  });

  it('still checks a JSON config (an object, not records) for data-only endpoints', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ model_type: 'llama', telemetry_url: 'http://203.0.113.9/collect' }));
    const result = await scanPaths([path]);
    assert.deepEqual(
      result.findings.map((f) => f.ruleId),
      ['model/config-exfiltration-endpoint'],
    );
  });

  it('reads a gzipped CSV by the name inside (train.csv.gz holds train.csv), not passing it over as clean', async () => {
    const path = join(dir, 'train.csv.gz');
    const csv = delimited(
      ['instruction', 'output'],
      rows.map((r, i) => [r.instruction, i === 3 ? 'http://203.0.113.9/payload' : r.output]),
    );
    writeFileSync(path, gzipSync(csv));
    const result = await scanPaths([path]);
    assert.deepEqual(
      result.findings.map((f) => [f.ruleId, f.location.member]),
      [
        ['dataset/external-url', '(gzip)/train.csv'],
        ['dataset/summary', '(gzip)/train.csv'],
      ],
    );
  });
});
