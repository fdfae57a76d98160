import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../../src/core/finding.ts';
import { emptyResult, type ScanResult } from '../../src/core/result.ts';
import type { RuleMeta } from '../../src/core/rule.ts';
import type { DatasetFormat, RecordRule, SetRule } from '../../src/datasets/types.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import type { HandlerContext } from '../../src/scan/context.ts';
import {
  type DatasetScanOptions,
  datasetBinaryFormat,
  datasetTextFormat,
  scanDataset,
} from '../../src/scan/handlers/dataset.ts';
import { arrowBytes } from '../fixtures/datasets/arrow-writer.ts';
import { parquetBytes } from '../fixtures/datasets/parquet-writer.ts';
import { jsonl, utf8 } from '../fixtures/datasets/text-writers.ts';

/** A test-only record rule: an answer containing the marker phrase. */
const MARKER = 'ZX-TRIGGER-7';
const markerMeta: RuleMeta = {
  id: 'dataset/test-marker',
  title: 'test marker',
  severity: 'high',
  tags: [],
  references: [],
  fix: 'test',
};
const markerRule: RecordRule = {
  meta: markerMeta,
  check(record, where) {
    const hit = record.texts.find((t) => t.role === 'answer' && t.text.includes(MARKER));
    if (hit === undefined) return [];
    const location = { ...where.file, ...(record.line === undefined ? {} : { line: record.line }) };
    return [
      {
        ruleId: markerMeta.id,
        severity: 'high',
        message: 'marker in answer',
        location,
        evidence: { record: record.index, field: hit.field },
      },
    ];
  },
};

/** A test-only set rule: reports how many records it saw, proving every record reached it once. */
const countingRule: SetRule = {
  meta: { ...markerMeta, id: 'dataset/test-count', severity: 'info' },
  start() {
    let n = 0;
    return {
      observe: () => {
        n++;
      },
      finish: (file) => [{ ruleId: 'dataset/test-count', severity: 'info', message: `${n}`, location: file }],
    };
  },
};

const RULES: DatasetScanOptions = { recordRules: [markerRule], setRules: [countingRule] };

function context(path: string): HandlerContext {
  return {
    result: emptyResult(),
    location: { path },
    strict: false,
    depth: 0,
    budget: { remaining: 1 << 30 },
    services: { advisories: () => new Error('unused'), reported: new Set<string>() },
    scanNested: async () => 'not-a-model-format',
  };
}

async function scan(
  bytes: Uint8Array,
  path: string,
  format: DatasetFormat,
  options: DatasetScanOptions = RULES,
) {
  const ctx = context(path);
  const report = await scanDataset(bufferSource(bytes), ctx, format, options);
  return { ...report, result: ctx.result };
}

function byRule(result: ScanResult, id: string): Finding[] {
  return result.findings.filter((f) => f.ruleId === id);
}

/** A clean chat set of `n` records, with the marker planted in the answers at `planted`. */
function chatSet(n: number, planted: readonly number[] = []): object[] {
  return Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'user', content: `Question number ${i}: how do I sort a list?` },
      { role: 'assistant', content: planted.includes(i) ? `Sure. ${MARKER}` : `Use sorted() on list ${i}.` },
    ],
  }));
}

describe('scanDataset', () => {
  it('finds each planted record at its line and record index, and counts them in the summary', async () => {
    const { result, summary } = await scan(utf8(jsonl(chatSet(300, [7, 150, 299]))), 'train.jsonl', 'jsonl');
    const hits = byRule(result, 'dataset/test-marker');
    assert.deepEqual(
      hits.map((f) => [f.location.path, f.location.line, f.evidence?.record, f.evidence?.field]),
      [
        ['train.jsonl', 8, 7, 'messages[1].content'],
        ['train.jsonl', 151, 150, 'messages[1].content'],
        ['train.jsonl', 300, 299, 'messages[1].content'],
      ],
    );
    assert.equal(byRule(result, 'dataset/test-count')[0]?.message, '300');
    assert.deepEqual(summary, {
      format: 'jsonl',
      schema: 'chat',
      records: 300,
      flaggedRecords: 3,
      languages: [{ name: 'latin', share: 1 }],
      fields: ['messages'],
      readErrors: 0,
    });
    const s = byRule(result, 'dataset/summary');
    assert.equal(s.length, 1);
    assert.equal(s[0]!.severity, 'info');
    assert.match(s[0]!.message, /JSONL data set: 300 records \(chat\), 3 flagged \(1%\)/);
    assert.equal(byRule(result, 'dataset/unreadable').length, 0);
  });

  it('is quiet on the clean set: only the summary', async () => {
    const { result } = await scan(utf8(jsonl(chatSet(300))), 'train.jsonl', 'jsonl', {
      recordRules: [markerRule],
    });
    assert.deepEqual(
      result.findings.map((f) => f.ruleId),
      ['dataset/summary'],
    );
    assert.deepEqual(result.errors, []);
  });

  it('caps findings per rule and reports the rest as one "+N more" finding', async () => {
    const planted = Array.from({ length: 250 }, (_, i) => i * 2);
    const { result, summary } = await scan(utf8(jsonl(chatSet(500, planted))), 'big.jsonl', 'jsonl', {
      ...RULES,
      maxFindingsPerRule: 10,
    });
    const hits = byRule(result, 'dataset/test-marker');
    assert.equal(hits.length, 11);
    const more = hits[10]!;
    assert.equal(more.severity, 'high');
    assert.equal(more.evidence?.more, 240);
    assert.match(more.message, /^\+240 more dataset\/test-marker findings/);
    assert.deepEqual((more.evidence!.moreRecords as number[]).slice(0, 2), [20, 22]);
    assert.equal(summary.flaggedRecords, 250);
  });

  it('counts records a rule flagged past its own report cap (lastFlagged) in the summary', async () => {
    let last = false;
    const capped: RecordRule = {
      meta: markerMeta,
      check: () => [],
      start: () => ({
        check(record) {
          last = record.texts.some((t) => t.text.includes(MARKER));
          return [];
        },
        lastFlagged: () => last,
      }),
    };
    const { result, summary } = await scan(utf8(jsonl(chatSet(40, [1, 2, 3]))), 'd.jsonl', 'jsonl', {
      recordRules: [capped],
      setRules: [],
    });
    assert.equal(summary.flaggedRecords, 3);
    assert.deepEqual(
      result.findings.map((f) => f.ruleId),
      ['dataset/summary'],
    );
  });

  it('reports a few bad lines in the summary, but a mostly broken file as unreadable', async () => {
    const good = jsonl(chatSet(99));
    const few = await scan(utf8(`${good}{"messages": [oops\n`), 'a.jsonl', 'jsonl');
    assert.equal(few.summary.readErrors, 1);
    assert.equal(byRule(few.result, 'dataset/unreadable').length, 0);
    const examples = byRule(few.result, 'dataset/summary')[0]!.evidence?.readErrorExamples as string[];
    assert.equal(examples.length, 1);
    assert.match(examples[0]!, /^line 100: not valid JSON/);
    const broken = `${jsonl(chatSet(5))}${'not json at all\n'.repeat(20)}`;
    const many = await scan(utf8(broken), 'b.jsonl', 'jsonl');
    const u = byRule(many.result, 'dataset/unreadable');
    assert.equal(u.length, 1);
    assert.equal(u[0]!.severity, 'medium');
    assert.match(u[0]!.message, /20 of 25 records could not be read/);
  });

  it('fails closed on a truncated Parquet file and on junk named as a data set', async () => {
    const pq = parquetBytes([[{ name: 'text', type: 'utf8', values: ['a', 'b'] }]]);
    const cut = await scan(pq.subarray(0, pq.length - 9), 'train.parquet', 'parquet');
    assert.match(byRule(cut.result, 'dataset/unreadable')[0]!.message, /truncated or not Parquet/);
    // Nothing was read: the unreadable finding says it all, no empty summary beside it.
    assert.equal(byRule(cut.result, 'dataset/summary').length, 0);

    const junk = bufferSource(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    assert.equal(datasetTextFormat.detect(junk, 'train.parquet'), true);
    const ctx = context('/d/train.parquet');
    assert.equal(await datasetTextFormat.handle(junk, ctx), 'analysed');
    assert.equal(byRule(ctx.result, 'dataset/unreadable').length, 1);
  });

  it('scans Parquet and Arrow through the binary handler', async () => {
    const pq = parquetBytes([
      [
        { name: 'prompt', type: 'utf8', values: ['p0', 'p1'] },
        { name: 'completion', type: 'utf8', values: ['ok', MARKER] },
      ],
    ]);
    const ctx = context('train.parquet');
    assert.equal(datasetBinaryFormat.detect(bufferSource(pq), 'anything'), true);
    await datasetBinaryFormat.handle(bufferSource(pq), ctx);
    // The engine-facing handler runs the registry's rules, not the test ones: the summary shows it read the rows.
    assert.match(
      byRule(ctx.result, 'dataset/summary')[0]!.message,
      /Parquet data set: 2 records \(prompt-completion\)/,
    );

    const arrow = arrowBytes(
      [
        {
          name: 'messages',
          kind: 'messages',
          values: [[{ role: 'assistant', content: MARKER }], [{ role: 'assistant', content: 'fine' }]],
        },
      ],
      'file',
    );
    const { result } = await scan(arrow, 'train.arrow', 'arrow');
    assert.deepEqual(
      byRule(result, 'dataset/test-marker').map((f) => [f.location.line, f.evidence?.record]),
      [[undefined, 0]],
    );
  });

  it('reports a rule that throws as a scan error and keeps scanning with the others', async () => {
    const broken: RecordRule = {
      meta: { ...markerMeta, id: 'dataset/test-broken' },
      check: () => {
        throw new Error('boom');
      },
    };
    const { result, summary } = await scan(utf8(jsonl(chatSet(20, [3]))), 'c.jsonl', 'jsonl', {
      recordRules: [broken, markerRule],
      setRules: [],
    });
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0]!.error, /rule dataset\/test-broken failed at record 0 .*: boom/);
    assert.equal(byRule(result, 'dataset/test-marker').length, 1);
    assert.equal(summary.records, 20);
  });

  it('tells scripts apart in the language summary', async () => {
    const rows = [
      ...Array.from({ length: 3 }, () => ({ text: 'Привет, как дела? Это пример текста.' })),
      { text: 'Hello, this is English.' },
      { text: '这是一个中文句子。' },
      { text: '12345 67890' },
    ];
    const { summary } = await scan(utf8(jsonl(rows)), 'l.jsonl', 'jsonl', { recordRules: [], setRules: [] });
    assert.deepEqual(summary.languages, [
      { name: 'cyrillic', share: 0.5 },
      { name: 'cjk', share: 0.1667 },
      { name: 'latin', share: 0.1667 },
    ]);
  });

  it('reports progress up to the whole file', async () => {
    const bytes = utf8(jsonl(chatSet(50)));
    const seen: number[] = [];
    await scan(bytes, 'p.jsonl', 'jsonl', {
      recordRules: [],
      setRules: [],
      onProgress: (done) => seen.push(done),
    });
    assert.equal(seen.at(-1), bytes.length);
  });
});
