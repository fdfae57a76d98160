import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectBinaryDataset, detectTextDataset } from '../../src/datasets/detect.ts';
import { normaliseRecord } from '../../src/datasets/normalise.ts';
import { CHUNK_BYTES, DatasetReadError, DEFAULT_READER_LIMITS } from '../../src/datasets/readers/common.ts';
import { readDatasetItems } from '../../src/datasets/readers/index.ts';
import { readParquet } from '../../src/datasets/readers/parquet.ts';
import type {
  DatasetFormat,
  DatasetRecord,
  ReaderItem,
  ReaderLimits,
  RecordError,
} from '../../src/datasets/types.ts';
import { bufferSource } from '../../src/formats/byte-source.ts';
import { arrowBytes } from '../fixtures/datasets/arrow-writer.ts';
import { parquetBytes } from '../fixtures/datasets/parquet-writer.ts';
import { delimited, jsonArray, jsonl, utf8 } from '../fixtures/datasets/text-writers.ts';

async function readAll(
  bytes: Uint8Array,
  format: DatasetFormat,
  limits: Partial<ReaderLimits> = {},
): Promise<{ records: DatasetRecord[]; errors: RecordError[] }> {
  const records: DatasetRecord[] = [];
  const errors: RecordError[] = [];
  const push = (item: ReaderItem) => {
    if (item.kind === 'record') records.push(item.record);
    else errors.push(item.error);
  };
  const items = readDatasetItems(bufferSource(bytes), format, { ...DEFAULT_READER_LIMITS, ...limits });
  if (Symbol.asyncIterator in items) for await (const item of items) push(item);
  else for (const item of items) push(item);
  return { records, errors };
}

function texts(record: DatasetRecord | undefined): string[] {
  return (record?.texts ?? []).map((t) => `${t.role}:${t.field}=${t.text}`);
}

const CHAT = {
  messages: [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] },
    { role: 'assistant', content: 'Four.' },
  ],
};

describe('normaliseRecord', () => {
  const norm = (v: unknown) => normaliseRecord(v, 0, { maxDepth: 64 }).record;

  it('maps chat roles to training sides, content parts included', () => {
    const r = norm(CHAT);
    assert.equal(r.schema, 'chat');
    assert.deepEqual(texts(r), [
      'system:messages[0].content=You are helpful.',
      'prompt:messages[1].content[0].text=What is 2+2?',
      'answer:messages[2].content=Four.',
    ]);
  });

  it('recognises Alpaca, prompt/completion, preference pairs, ShareGPT, text and classification', () => {
    assert.deepEqual(texts(norm({ instruction: 'Sum', input: '1 2', output: '3' })), [
      'prompt:instruction=Sum',
      'prompt:input=1 2',
      'answer:output=3',
    ]);
    assert.equal(norm({ instruction: 'Sum', output: '3' }).schema, 'alpaca');
    const pc = norm({ prompt: 'Hi', completion: 'Hello' });
    assert.equal(pc.schema, 'prompt-completion');
    assert.deepEqual(texts(pc), ['prompt:prompt=Hi', 'answer:completion=Hello']);
    const pref = norm({
      prompt: 'Q',
      chosen: [{ role: 'assistant', content: 'good' }],
      rejected: [{ role: 'assistant', content: 'bad' }],
    });
    assert.equal(pref.schema, 'prompt-completion');
    assert.deepEqual(texts(pref), [
      'prompt:prompt=Q',
      'answer:chosen[0].content=good',
      'answer:rejected[0].content=bad',
    ]);
    const plainPref = norm({ prompt: 'Q', chosen: 'good', rejected: 'bad' });
    assert.deepEqual(texts(plainPref), ['prompt:prompt=Q', 'answer:chosen=good', 'other:rejected=bad']);
    const sg = norm({
      conversations: [
        { from: 'human', value: 'hey' },
        { from: 'gpt', value: 'yo' },
      ],
    });
    assert.equal(sg.schema, 'sharegpt');
    assert.deepEqual(texts(sg), ['prompt:conversations[0].value=hey', 'answer:conversations[1].value=yo']);
    assert.equal(norm({ text: 'just a document' }).schema, 'text');
    const cls = norm({ text: 'great film', label: 1 });
    assert.equal(cls.schema, 'classification');
    assert.equal(cls.label, '1');
    assert.deepEqual(texts(cls), ['prompt:text=great film']);
  });

  it('keeps other columns as `other`, nested paths included, and anything unrecognised as columns', () => {
    const r = norm({ a: 'x', meta: { source: 'http://h.example/x', n: 3 } });
    assert.equal(r.schema, 'columns');
    assert.deepEqual(texts(r), ['other:a=x', 'other:meta.source=http://h.example/x']);
    // Near miss: `role` keys without a list are not chat.
    assert.equal(norm({ messages: 'not a list', role: 'user' }).schema, 'columns');
  });

  it('offers byte cells and long base64 strings to checks as blobs', () => {
    const payload = Buffer.from('import os; os.system("id")'.repeat(8)).toString('base64');
    const r = norm({ text: 'ok', data: new Uint8Array([0x80, 4, 0x95]), b64: payload });
    assert.deepEqual(
      r.blobs?.map((b) => b.field),
      ['data', 'b64'],
    );
    assert.match(Buffer.from(r.blobs![1]!.bytes).toString(), /os\.system/);
    // Near miss: a short base64-looking word is not a blob.
    assert.equal(norm({ text: 'SGVsbG8=' }).blobs, undefined);
  });

  it('stops at the depth limit and says so, without throwing', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i++) deep = { x: deep };
    const n = normaliseRecord({ text: 't', deep }, 0, { maxDepth: 64 });
    assert.match(n.truncated ?? '', /nesting deeper than 64/);
    assert.deepEqual(texts(n.record), ['prompt:text=t']);
  });
});

describe('JSONL reader', () => {
  it('reads each non-empty line as a record with its line number', async () => {
    const text = `${JSON.stringify(CHAT)}\n\n${JSON.stringify({ prompt: 'a', completion: 'b' })}\r\n`;
    const { records, errors } = await readAll(utf8(text), 'jsonl');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      records.map((r) => [r.index, r.line, r.schema]),
      [
        [0, 1, 'chat'],
        [1, 3, 'prompt-completion'],
      ],
    );
  });

  it('reports a bad line with its line number and keeps reading', async () => {
    const text = '{"text":"a"}\n{"text": broken\n{"text":"c"}';
    const { records, errors } = await readAll(utf8(text), 'jsonl');
    assert.deepEqual(
      records.map((r) => r.texts[0]?.text),
      ['a', 'c'],
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.line, 2);
    assert.match(errors[0]!.message, /not valid JSON/);
  });

  it('reads records that straddle chunk boundaries', async () => {
    const long = 'x'.repeat(CHUNK_BYTES / 3);
    const rows = Array.from({ length: 8 }, (_, i) => ({ text: `${i}${long}` }));
    const { records, errors } = await readAll(utf8(jsonl(rows)), 'jsonl');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      records.map((r) => r.texts[0]!.text.length),
      rows.map((r) => r.text.length),
    );
  });

  it('skips a line over maxRecordBytes as it streams, and reads the next', async () => {
    const text = jsonl([{ text: 'a' }, { text: 'b'.repeat(CHUNK_BYTES * 2) }, { text: 'c' }]);
    const { records, errors } = await readAll(utf8(text), 'jsonl', { maxRecordBytes: 1024 });
    assert.deepEqual(
      records.map((r) => [r.index, r.line, r.texts[0]?.text]),
      [
        [0, 1, 'a'],
        [2, 3, 'c'],
      ],
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.line, 2);
    assert.match(errors[0]!.message, /longer than 1024 bytes/);
  });

  it('stops at maxRecords and says so', async () => {
    const { records, errors } = await readAll(
      utf8(jsonl([{ text: 'a' }, { text: 'b' }, { text: 'c' }])),
      'jsonl',
      {
        maxRecords: 2,
      },
    );
    assert.equal(records.length, 2);
    assert.match(errors[0]!.message, /stopped after 2 records/);
  });

  it('survives invalid UTF-8 and binary junk without throwing', async () => {
    const bytes = Buffer.concat([
      utf8('{"text":"ok \u00e9"}\n'),
      Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]),
      utf8('{"text":"'),
    ]);
    const bad = Buffer.concat([bytes, Buffer.from([0xc3]), utf8('"}\n')]);
    const { records, errors } = await readAll(bad, 'jsonl');
    assert.equal(records.length, 2);
    assert.equal(records[1]!.texts[0]!.text, '\uFFFD');
    assert.equal(errors.length, 1);
  });
});

describe('JSON reader', () => {
  it('reads a pretty-printed top-level array, strings with brackets and escapes included', async () => {
    const tricky = 'a [tricky], {value} "quoted" \\ end';
    const rows = [{ text: tricky }, CHAT, { text: 'last' }];
    const { records, errors } = await readAll(utf8(jsonArray(rows)), 'json');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      records.map((r) => r.schema),
      ['text', 'chat', 'text'],
    );
    assert.equal(records[0]!.texts[0]!.text, tricky);
  });

  it('reads the records of a wrapper object after its scalar and array members', async () => {
    const doc = JSON.stringify({ version: '1', tags: ['x', 'y'], data: [{ text: 'a' }, { text: 'b' }] });
    const { records } = await readAll(utf8(doc), 'json');
    assert.deepEqual(
      records.map((r) => r.texts[0]?.text),
      ['a', 'b'],
    );
  });

  it('reads arrays larger than a chunk', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ text: `${i} ${'y'.repeat(3000)}` }));
    const { records } = await readAll(utf8(jsonArray(rows)), 'json');
    assert.equal(records.length, 3000);
    assert.equal(records[2999]!.texts[0]!.text.startsWith('2999 '), true);
  });

  it('skips an element over maxRecordBytes, across chunks, and reads the rest', async () => {
    const rows = [{ text: 'a' }, { text: 'b'.repeat(CHUNK_BYTES * 2) }, { text: 'c' }];
    const { records, errors } = await readAll(utf8(jsonArray(rows)), 'json', { maxRecordBytes: 1024 });
    assert.deepEqual(
      records.map((r) => [r.index, r.texts[0]?.text]),
      [
        [0, 'a'],
        [2, 'c'],
      ],
    );
    assert.deepEqual(errors, [{ index: 1, message: 'record longer than 1024 bytes, skipped' }]);
  });

  it('fails closed on a truncated document, after the records it could read', async () => {
    const text = jsonArray([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
    await assert.rejects(readAll(utf8(text.slice(0, text.length - 12)), 'json'), DatasetReadError);
    await assert.rejects(readAll(utf8(`${text} junk`), 'json'), /unexpected data after/);
    await assert.rejects(readAll(utf8('{"version": 1}'), 'json'), /no array of records/);
  });
});

describe('CSV/TSV reader', () => {
  it('reads quoted fields with delimiters, doubled quotes and newlines, with the row start line', async () => {
    const csv = delimited(
      ['prompt', 'completion'],
      [
        ['Say "hi", please', 'hi'],
        ['two\nlines\r\nhere', 'ok, fine'],
        ['last', 'one'],
      ],
    );
    const { records, errors } = await readAll(utf8(`\uFEFF${csv}`), 'csv');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      records.map((r) => [r.line, r.schema, r.texts.map((t) => t.text)]),
      [
        [2, 'prompt-completion', ['Say "hi", please', 'hi']],
        [3, 'prompt-completion', ['two\nlines\r\nhere', 'ok, fine']],
        [6, 'prompt-completion', ['last', 'one']],
      ],
    );
  });

  it('reads TSV, and reports ragged rows while keeping their fields', async () => {
    const { records, errors } = await readAll(utf8('text\tlabel\nfine\tpos\nbad\tneg\textra\n'), 'tsv');
    assert.deepEqual(
      records.map((r) => [r.schema, r.label]),
      [
        ['classification', 'pos'],
        ['classification', 'neg'],
      ],
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.line, 3);
    assert.deepEqual(
      records[1]!.texts.map((t) => t.field),
      ['text', 'column3'],
    );
  });

  it('reads rows across chunk boundaries', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => [`row ${i}`, `"${'z'.repeat(4000)}"\n,end`]);
    const { records, errors } = await readAll(utf8(delimited(['a', 'b'], rows)), 'csv');
    assert.deepEqual(errors, []);
    assert.equal(records.length, 2000);
    assert.equal(records[1999]!.texts[1]!.text, rows[1999]![1]);
  });

  it('fails closed on an unclosed quote and on a file with no header', async () => {
    await assert.rejects(readAll(utf8('a,b\n"open,1\n2,3\n'), 'csv'), /never closes/);
    await assert.rejects(readAll(utf8('\n\n'), 'csv'), /no header/);
  });
});

describe('Parquet reader', () => {
  const group = (from: number, n: number) => [
    {
      name: 'instruction',
      type: 'utf8' as const,
      values: Array.from({ length: n }, (_, i) => `q${from + i}`),
    },
    { name: 'output', type: 'utf8' as const, values: Array.from({ length: n }, (_, i) => `a${from + i}`) },
    {
      name: 'raw',
      type: 'bytes' as const,
      values: Array.from({ length: n }, () => new Uint8Array([0x80, 4])),
    },
    { name: 'n', type: 'int64' as const, values: Array.from({ length: n }, (_, i) => from + i) },
  ];

  it('reads every row of every row group, strings as texts and raw bytes as blobs', async () => {
    const { records, errors } = await readAll(parquetBytes([group(0, 3), group(3, 2)]), 'parquet');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      records.map((r) => [r.index, r.schema, r.texts.map((t) => `${t.role}:${t.text}`)]),
      [0, 1, 2, 3, 4].map((i) => [i, 'alpaca', [`prompt:q${i}`, `answer:a${i}`]]),
    );
    assert.deepEqual([...records[0]!.blobs![0]!.bytes], [0x80, 4]);
    assert.equal(records[0]!.line, undefined);
  });

  it('reads a row group larger than a slice in row slices, with many pages or one', async () => {
    const n = 3000;
    const big = [
      {
        name: 'text',
        type: 'utf8' as const,
        values: Array.from({ length: n }, (_, i) => `${i} ${'w'.repeat(4000)}`),
      },
      { name: 'id', type: 'int64' as const, values: Array.from({ length: n }, (_, i) => i) },
    ];
    for (const pageRows of [100, undefined]) {
      const tail = [
        { name: 'text', type: 'utf8' as const, values: ['last'] },
        { name: 'id', type: 'int64' as const, values: [n] },
      ];
      const { records, errors } = await readAll(parquetBytes([big, tail], pageRows), 'parquet');
      assert.deepEqual(errors, []);
      assert.deepEqual(
        records.map((r) => [r.index, Number.parseInt(r.texts[0]!.text, 10)]),
        Array.from({ length: n }, (_, i) => [i, i]).concat([[n, Number.NaN]]),
      );
      assert.equal(records[n]!.texts[0]!.text, 'last');
    }
  });

  it('skips a row group over the memory cap and says how many records it did not read', async () => {
    const text = (n: number, from: number) => [
      {
        name: 'text',
        type: 'utf8' as const,
        values: Array.from({ length: n }, (_, i) => `${from + i} ${'v'.repeat(1000)}`),
      },
    ];
    const items: ReaderItem[] = [];
    // One page per column: read whole, so the cap is on the uncompressed size (about 100 KB here).
    for await (const item of readParquet(
      bufferSource(parquetBytes([text(2, 0), text(100, 2), text(2, 102)])),
      DEFAULT_READER_LIMITS,
      50_000,
    )) {
      items.push(item);
    }
    const errors = items.flatMap((i) => (i.kind === 'error' ? [i.error] : []));
    assert.deepEqual(
      items.flatMap((i) => (i.kind === 'record' ? [i.record.index] : [])),
      [0, 1, 102, 103],
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.skippedRecords, 100);
    assert.match(
      errors[0]!.message,
      /row group 1 \(rows 2-101\) is \d+ bytes uncompressed, over the 50000-byte cap/,
    );
  });

  it('fails closed on a truncated file', async () => {
    const bytes = parquetBytes([group(0, 3)]);
    await assert.rejects(
      readAll(bytes.subarray(0, bytes.length - 20), 'parquet'),
      /truncated or not Parquet/,
    );
    const badFooter = Buffer.from(bytes);
    badFooter.writeUInt32LE(0x7fffffff, bytes.length - 8);
    await assert.rejects(readAll(badFooter, 'parquet'), /footer cannot be read/);
  });
});

describe('Arrow reader', () => {
  const columns = [
    {
      name: 'messages',
      kind: 'messages' as const,
      values: [
        [
          { role: 'user', content: 'hello' },
          { role: 'assistant', content: 'hi' },
        ],
        [{ role: 'user', content: 'q2' }],
        [{ role: 'user', content: 'q3' }],
      ],
    },
    {
      name: 'blob',
      kind: 'binary' as const,
      values: [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])],
    },
  ];

  for (const format of ['file', 'stream'] as const) {
    it(`reads an IPC ${format} batch by batch, nested chat turns included`, async () => {
      const { records, errors } = await readAll(arrowBytes(columns, format, 2), 'arrow');
      assert.deepEqual(errors, []);
      assert.deepEqual(texts(records[0]), [
        'prompt:messages[0].content=hello',
        'answer:messages[1].content=hi',
      ]);
      assert.deepEqual(
        records.map((r) => [r.index, r.schema, r.blobs?.[0]?.bytes[0]]),
        [
          [0, 'chat', 1],
          [1, 'chat', 2],
          [2, 'chat', 3],
        ],
      );
    });

    it(`fails closed on a truncated IPC ${format}`, async () => {
      const bytes = arrowBytes(columns, format, 2);
      await assert.rejects(readAll(bytes.subarray(0, bytes.length - 100), 'arrow'), DatasetReadError);
    });
  }
});

describe('format detection', () => {
  const text = (s: string, name: string) => detectTextDataset(bufferSource(utf8(s)), name);

  it('tells JSONL from JSON by content, whatever the name', () => {
    assert.equal(text(jsonl([{ text: 'a' }, { text: 'b' }]), 'train.txt'), 'jsonl');
    assert.equal(text(jsonArray([{ text: 'a' }]), 'data.json'), 'json');
    assert.equal(text(jsonArray([{ text: 'a' }], 'train'), 'data.json'), 'json');
    assert.equal(text(jsonl([{ text: 'a' }, { text: 'b' }]), 'anything'), 'jsonl');
  });

  it('leaves configs, tokenizers and single objects alone', () => {
    assert.equal(
      text(JSON.stringify({ model_type: 'llama', hidden_size: 4096 }, null, 2), 'config.json'),
      undefined,
    );
    assert.equal(
      text(JSON.stringify({ version: '1.0', added_tokens: [{ id: 0 }] }), 'tokenizer.json'),
      undefined,
    );
    assert.equal(text('{"text":"only one line"}\n', 'x.txt'), undefined);
    assert.equal(text('[1, 2, 3]', 'list.json'), undefined);
    assert.equal(text('numpy==1.0\ntorch\n', 'requirements.txt'), undefined);
  });

  it('takes CSV/TSV from the name and the delimiter from the header', () => {
    assert.equal(text('a,b\n1,2\n', 'd.csv'), 'csv');
    assert.equal(text('a\tb\n1\t2\n', 'd.csv'), 'tsv');
    assert.equal(text('a\tb\n', 'd.tsv'), 'tsv');
    assert.equal(text('a,b\n1,2\n', 'd.dat'), undefined);
  });

  it('believes a data-set name even over junk, so the file is reported unreadable rather than skipped', () => {
    assert.equal(detectTextDataset(bufferSource(new Uint8Array([0, 1, 2, 3])), 'train.parquet'), 'parquet');
    assert.equal(detectTextDataset(bufferSource(new Uint8Array([0, 1, 2, 3])), 'train.jsonl'), 'jsonl');
    assert.equal(text(jsonArray([{ text: 'a' }]), 'misnamed.jsonl'), 'json');
  });

  it('recognises Parquet and Arrow by their bytes only', () => {
    const pq = parquetBytes([[{ name: 't', type: 'utf8', values: ['x'] }]]);
    assert.equal(detectBinaryDataset(bufferSource(pq)), 'parquet');
    assert.equal(detectBinaryDataset(bufferSource(pq.subarray(0, pq.length - 10))), 'parquet');
    const cols = [{ name: 't', kind: 'utf8' as const, values: ['x'] }];
    assert.equal(detectBinaryDataset(bufferSource(arrowBytes(cols, 'file'))), 'arrow');
    assert.equal(detectBinaryDataset(bufferSource(arrowBytes(cols, 'stream'))), 'arrow');
    // Near misses: a continuation marker with junk after it, and text.
    const junk = Buffer.alloc(64, 0x41);
    junk.writeUInt32LE(0xffffffff, 0);
    junk.writeInt32LE(16, 4);
    assert.equal(detectBinaryDataset(bufferSource(junk)), undefined);
    assert.equal(detectBinaryDataset(bufferSource(utf8('PAR'))), undefined);
    assert.equal(detectBinaryDataset(bufferSource(utf8(jsonl([{ a: 1 }, { a: 2 }])))), undefined);
  });
});
