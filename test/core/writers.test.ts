import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Sarif from 'sarif';
import type { ScanResult } from '../../src/core/result.ts';
import type { RuleMeta } from '../../src/core/rule.ts';
import { isOutputFormat, toJsonSafe, WRITERS, type WriterOptions } from '../../src/core/writers/index.ts';
import { printable, wrap } from '../../src/core/writers/table.ts';
import { sarifValidator } from '../fixtures/sarif-schema.ts';

// ajv-formats is CommonJS with `exports.default`; under NodeNext a default import is the whole module.
const CWD = '/work/proj';
const OPTS: WriterOptions = { toolVersion: '0.1.0', cwd: CWD, failOn: 'high' };

const RULES: RuleMeta[] = [
  {
    id: 'pickle/dangerous-global',
    title: 'Pickle imports a dangerous callable',
    severity: 'critical',
    tags: ['OWASP-LLM05', 'AML.T0010', 'CWE-502'],
    references: ['https://docs.python.org/3/library/pickle.html'],
    fix: 'Do not load this file with pickle; convert the weights to safetensors from a trusted copy.',
  },
  {
    id: 'pickle/unknown-import',
    title: 'Pickle imports a callable outside the allow-list',
    severity: 'medium',
    tags: ['CWE-502', 'CWE-502'],
    references: [],
    fix: 'Review the import; if it is benign, add it to the allow-list.',
  },
  {
    id: 'model/oversized-header',
    title: 'Header larger than the format allows',
    severity: 'low',
    tags: [],
    references: [],
    fix: 'Re-export the model with a standard tool.',
  },
  {
    id: 'model/unused-rule',
    title: 'Never fires here',
    severity: 'info',
    tags: [],
    references: [],
    fix: 'N/A',
  },
];

function sampleResult(): ScanResult {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const hostile = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error('trap');
      },
    },
  );
  return {
    findings: [
      {
        ruleId: 'model/oversized-header',
        severity: 'low',
        message: 'safetensors header claims 9 GB',
        location: { path: 'weights/model.safetensors', offset: 0 },
      },
      {
        ruleId: 'pickle/dangerous-global',
        severity: 'critical',
        message: 'GLOBAL os.system is called by REDUCE',
        location: { path: 'models/evil model#1.pt', member: 'archive/data.pkl', offset: 1234 },
        evidence: {
          module: 'os',
          name: 'system',
          size: 2n ** 70n,
          bytes: new Uint8Array([0xde, 0xad, 0x01]),
        },
      },
      {
        ruleId: 'pickle/unknown-import',
        severity: 'medium',
        message: 'imports torch._utils._rebuild_weird, which is not allow-listed '.repeat(4).trim(),
        location: { path: `${CWD}/nested/dir/model.bin`, member: 'x\u001b[31m\nFAKE', line: 3 },
        evidence: { cyclic, nan: Number.NaN, missing: undefined, map: new Map([['k', 1n]]), hostile },
      },
      {
        ruleId: 'pickle/dangerous-global',
        severity: 'high',
        message: 'GLOBAL builtins.exec (raised to high by policy)',
        location: { path: '/elsewhere/ünïcode.pkl', offset: 7 },
      },
      {
        ruleId: 'plugin/not-registered',
        severity: 'info',
        message: 'a rule the writer was not told about',
        location: { path: 'notes.pkl', line: 1 },
      },
    ],
    scanned: [
      'weights/model.safetensors',
      'models/evil model#1.pt',
      `${CWD}/nested/dir/model.bin`,
      'notes.pkl',
    ],
    skipped: [
      { path: 'README.md', why: 'not a model format' },
      { path: 'data/train.csv', why: 'not a model format' },
    ],
    errors: [{ path: 'models/broken.pt', error: 'MALFORMED: zip central directory truncated' }],
  };
}

const emptyResult = (): ScanResult => ({ findings: [], scanned: [], skipped: [], errors: [] });
const errorsOnly = (): ScanResult => ({
  findings: [],
  scanned: ['a.pt'],
  skipped: [],
  errors: [
    { path: 'a.pt', error: 'LIMIT: pickle memo exceeds 1000000 entries' },
    { path: 'a.pt', error: 'LIMIT: pickle memo exceeds 1000000 entries' },
  ],
});

const validate = sarifValidator();

function assertValidSarif(text: string): Sarif.Log {
  const log = JSON.parse(text) as Sarif.Log;
  const valid = validate(log);
  assert.equal(valid, true, JSON.stringify(validate.errors, null, 2));
  return log;
}

test('sarif validates against the 2.1.0 schema: findings, empty, errors only', () => {
  for (const r of [sampleResult(), emptyResult(), errorsOnly()])
    assertValidSarif(WRITERS.sarif(r, RULES, OPTS));
});

test('sarif: rules, results, locations and notifications', () => {
  const log = assertValidSarif(WRITERS.sarif(sampleResult(), RULES, OPTS));
  assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  const run = log.runs[0]!;
  const rules = run.tool.driver.rules!;
  assert.deepEqual(
    rules.map((r) => r.id),
    [
      'model/oversized-header',
      'model/unused-rule',
      'pickle/dangerous-global',
      'pickle/unknown-import',
      'plugin/not-registered',
    ],
  );
  const dg = rules.find((r) => r.id === 'pickle/dangerous-global')!;
  assert.equal(dg.name, 'DangerousGlobal');
  assert.equal(
    dg.helpUri,
    'https://github.com/parapet-dev/parapet/blob/main/docs/rules/pickle/dangerous-global.md',
  );
  assert.equal(dg.properties?.['security-severity'], '9.5');
  assert.equal(dg.defaultConfiguration?.level, 'error');

  const results = run.results!;
  assert.equal(results.length, 5);
  for (const r of results) assert.equal(rules[r.ruleIndex!]!.id, r.ruleId);
  assert.deepEqual(
    results.map((r) => r.level),
    ['error', 'error', 'warning', 'note', 'note'],
  );

  const [crit, high, med] = results;
  const critLoc = crit!.locations![0]!;
  assert.equal(critLoc.physicalLocation?.artifactLocation?.uri, 'models/evil%20model%231.pt');
  assert.equal(critLoc.physicalLocation?.artifactLocation?.uriBaseId, '%SRCROOT%');
  assert.equal(critLoc.physicalLocation?.region, undefined, 'member offsets are not file offsets');
  assert.equal(critLoc.logicalLocations?.[0]?.name, 'archive/data.pkl');
  assert.match(crit!.message.text!, /in archive\/data\.pkl at byte 1234/);
  assert.deepEqual(crit!.properties?.evidence, {
    module: 'os',
    name: 'system',
    size: (2n ** 70n).toString(),
    bytes: 'dead01',
  });
  assert.equal(high!.locations![0]!.physicalLocation?.region?.byteOffset, 7);
  assert.equal(
    high!.locations![0]!.physicalLocation?.artifactLocation?.uri,
    'file:///elsewhere/%C3%BCn%C3%AFcode.pkl',
  );
  assert.equal(med!.locations![0]!.physicalLocation?.artifactLocation?.uri, 'nested/dir/model.bin');
  assert.equal((med!.properties!.evidence as Record<string, unknown>).nan, 'NaN');

  const prints = results.map((r) => r.partialFingerprints?.['parapetFinding/v1']);
  assert.equal(new Set(prints).size, 5);
  for (const p of prints) assert.match(p ?? '', /^[0-9a-f]{64}$/);

  const inv = run.invocations![0]!;
  assert.equal(inv.executionSuccessful, false);
  assert.deepEqual(
    inv.toolExecutionNotifications!.map((n) => n.level),
    ['error', 'note', 'note'],
  );
  assert.equal(
    inv.toolExecutionNotifications![0]!.locations![0]!.physicalLocation?.artifactLocation?.uri,
    'models/broken.pt',
  );
});

test('sarif: clean scan succeeds; output is deterministic regardless of input order', () => {
  const clean = assertValidSarif(WRITERS.sarif(emptyResult(), RULES, OPTS));
  assert.equal(clean.runs[0]!.invocations![0]!.executionSuccessful, true);
  assert.deepEqual(clean.runs[0]!.results, []);

  const a = sampleResult();
  const b = sampleResult();
  b.findings.reverse();
  b.skipped.reverse();
  assert.equal(WRITERS.sarif(a, RULES, OPTS), WRITERS.sarif(b, RULES, OPTS));
  assert.equal(WRITERS.json(a, RULES, OPTS), WRITERS.json(b, RULES, OPTS));
  assert.equal(WRITERS.table(a, RULES, OPTS), WRITERS.table(b, RULES, OPTS));
});

test('json: parses, round-trips counts and verdict, keeps odd evidence', () => {
  const doc = JSON.parse(WRITERS.json(sampleResult(), RULES, OPTS));
  assert.deepEqual(doc.tool, { name: 'parapet', version: '0.1.0' });
  assert.deepEqual(doc.summary, {
    scanned: 4,
    findings: { critical: 1, high: 1, medium: 1, low: 1, info: 1 },
    errors: 1,
    skipped: 2,
    failOn: 'high',
    verdict: 'findings',
  });
  assert.equal(doc.findings.length, 5);
  assert.deepEqual(
    doc.findings.map((f: { severity: string }) => f.severity),
    ['critical', 'high', 'medium', 'low', 'info'],
  );
  assert.equal(doc.findings[0].evidence.size, '1180591620717411303424');
  assert.equal(doc.findings[0].evidence.bytes, 'dead01');
  const odd = doc.findings[2].evidence;
  assert.deepEqual(odd.cyclic, { name: 'loop', self: '[Circular]' });
  assert.equal('missing' in odd, false);
  assert.deepEqual(odd.map, [['k', '1']]);
  assert.equal(odd.hostile, '[Unreadable]');
  assert.deepEqual(doc.errors, [
    { path: 'models/broken.pt', error: 'MALFORMED: zip central directory truncated' },
  ]);
  assert.equal(doc.skipped.length, 2);
  assert.equal(doc.scanned.length, 4);

  const incomplete = JSON.parse(WRITERS.json(errorsOnly(), RULES, OPTS));
  assert.equal(incomplete.summary.verdict, 'incomplete');
  assert.equal(JSON.parse(WRITERS.json(emptyResult(), RULES, OPTS)).summary.verdict, 'clean');
});

test('toJsonSafe never throws', () => {
  const shared = { x: 1 };
  const throwing = Object.defineProperty({}, 'boom', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
  const out = toJsonSafe({ a: shared, b: shared, throwing, f: () => 1, s: Symbol('q'), inf: -Infinity });
  assert.deepEqual(out, {
    a: { x: 1 },
    b: { x: 1 },
    throwing: { boom: '[Unreadable]' },
    f: '[Function f]',
    s: 'Symbol(q)',
    inf: '-Infinity',
  });
  let deep: unknown = 'bottom';
  for (let i = 0; i < 10_000; i++) deep = [deep];
  assert.doesNotThrow(() => JSON.stringify(toJsonSafe(deep)));
});

test('table: every finding, fix hints once, sections and summary, no ANSI without color', () => {
  const text = WRITERS.table(sampleResult(), RULES, { ...OPTS, color: false, columns: 200 });
  assert.doesNotMatch(text, /\u001b\[/);
  for (const id of ['pickle/dangerous-global', 'pickle/unknown-import', 'model/oversized-header']) {
    assert.ok(text.includes(id), id);
    assert.ok(text.includes(`docs: docs/rules/${id}.md`), id);
  }
  assert.ok(text.includes('models/evil model#1.pt!archive/data.pkl@1234'));
  assert.ok(text.includes('GLOBAL os.system is called by REDUCE'));
  assert.ok(text.includes('GLOBAL builtins.exec (raised to high by policy)'));
  assert.equal(text.split('fix: Do not load this file with pickle').length - 1, 1);
  assert.ok(text.includes('could not be analysed — the scan is incomplete'));
  assert.ok(text.includes('README.md — not a model format'));
  assert.ok(text.includes('x\\x1b[31m\\x0aFAKE'), 'control characters in member names are escaped');
  assert.ok(
    text.includes('scanned 4 files: 1 critical, 1 high, 1 medium, 1 low, 1 info; 1 incomplete; 2 skipped'),
  );
  assert.ok(text.indexOf('critical') < text.indexOf('medium'));
  const colored = WRITERS.table(sampleResult(), RULES, { ...OPTS, color: true });
  assert.match(colored, /\u001b\[31m/);
});

// The LOCATION column's text joined across wrapped rows, without spaces; or the stacked layout's text.
function locationColumn(table: string): string {
  const lines = table.split('\n').map((l) => [...l]);
  const header = lines[0]!.join('');
  if (!header.startsWith('SEVERITY')) return table.replace(/\s+/g, '');
  const [from, to] = [header.indexOf('LOCATION'), header.indexOf('MESSAGE')];
  return lines.map((l) => l.slice(from, to).join('').replace(/\s+/g, '')).join('');
}

test('table: empty and narrow output', () => {
  const empty = WRITERS.table(emptyResult(), RULES, OPTS);
  assert.match(empty, /^No findings in 0 scanned files\./);
  assert.ok(
    empty.includes('scanned 0 files: 0 critical, 0 high, 0 medium, 0 low, 0 info; 0 incomplete; 0 skipped'),
  );
  assert.ok(empty.includes('verdict: clean'));

  // Findings (table or stacked blocks) fit the terminal; locations wrap instead of being elided.
  for (const columns of [120, 80, 50]) {
    const text = WRITERS.table(sampleResult(), RULES, { ...OPTS, columns });
    const table = text.slice(0, text.indexOf('How to fix:'));
    for (const line of table.split('\n')) assert.ok([...line].length <= columns, `${columns}: ${line}`);
    assert.ok(locationColumn(table).includes('models/evilmodel#1.pt!archive/data.pkl@1234'), `${columns}`);
  }
  assert.match(WRITERS.table(sampleResult(), RULES, { ...OPTS, columns: 50 }), /^critical {2}pickle\//);

  const many = emptyResult();
  for (let i = 0; i < 12; i++)
    many.skipped.push({ path: `f${i}.txt`, why: i < 9 ? 'not a model' : 'excluded' });
  const grouped = WRITERS.table(many, RULES, OPTS);
  assert.ok(grouped.includes('Skipped 12 files: 9 not a model, 3 excluded'));
  assert.ok(!grouped.includes('f0.txt'));

  assert.deepEqual(wrap('aaa bbb ccccccccc', 4), ['aaa', 'bbb', 'cccc', 'cccc', 'c']);
  assert.equal(printable('ok\u202eevil'), 'ok\\u{202e}evil');
});

test('WRITERS map and format names', () => {
  assert.deepEqual(Object.keys(WRITERS), ['table', 'json', 'sarif']);
  assert.ok(isOutputFormat('sarif'));
  assert.ok(!isOutputFormat('toString'));
  for (const w of Object.values(WRITERS)) assert.ok(w(emptyResult(), [], OPTS).endsWith('\n'));
});
