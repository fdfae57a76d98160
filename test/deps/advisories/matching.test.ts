/**
 * OSV range matching with PEP 440 ordering (and SemVer for npm): pre-releases, post and dev releases, epochs,
 * local labels, last_affected, limit, explicit versions[], unorderable versions, unsorted events, several
 * ranges, withdrawn and GIT-only records. Records go through compileRecord, as the index builder uses it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRecord } from '../../../src/deps/advisories/compile.ts';
import { type AffectedEntry, matchEntry } from '../../../src/deps/advisories/match.ts';
import type { Ecosystem } from '../../../src/deps/types.ts';
import { ghsaRecord, malRecord } from '../../fixtures/deps/advisories/osv-records.ts';

type Json = Record<string, unknown>;

function compileOne(record: Json): AffectedEntry {
  const result = compileRecord(record);
  assert.equal(result.kind, 'ok', JSON.stringify(result));
  if (result.kind !== 'ok') throw new Error('unreachable');
  assert.equal(result.entries.length, 1);
  return result.entries[0]!.entry;
}

/** An entry from raw affected[] fields (ranges / versions), for shapes ghsaRecord does not write. */
function entryOf(affected: Json, ecosystem: Ecosystem = 'PyPI'): AffectedEntry {
  return compileOne({ id: 'TEST-1', affected: [{ package: { ecosystem, name: 'pkg' }, ...affected }] });
}

const range = (...events: Json[]) => ({ ranges: [{ type: 'ECOSYSTEM', events }] });
const affects = (e: AffectedEntry, v: string, eco: Ecosystem = 'PyPI') => matchEntry(e, eco, v).affected;

test('introduced 0 / fixed: pre-releases and dev releases of the fixed version are affected', () => {
  const e = entryOf(range({ introduced: '0' }, { fixed: '2.6.0' }));
  assert.equal(affects(e, '2.5.1'), true);
  assert.equal(affects(e, '0.1'), true);
  assert.equal(affects(e, '2.6.0rc1'), true, 'rc of the fix sorts before it');
  assert.equal(affects(e, '2.6.0a0'), true);
  assert.equal(affects(e, '2.6.0.dev20241112'), true);
  assert.equal(affects(e, '2.6.0'), false);
  assert.equal(affects(e, '2.6.0.0'), false, '2.6.0.0 == 2.6.0');
  assert.equal(affects(e, '2.6.1'), false);
  assert.deepEqual(matchEntry(e, 'PyPI', '2.5.1').fixed, ['2.6.0']);
});

test('local version labels sort after their public version', () => {
  const e = entryOf(range({ introduced: '0' }, { fixed: '2.6.0' }));
  assert.equal(affects(e, '2.6.0+cu124'), false, '2.6.0+cu124 is not < 2.6.0');
  assert.equal(affects(e, '2.5.1+cu121'), true);
  assert.equal(affects(e, '2.5.1+rocm6.2'), true);
});

test('post releases: after their release, before the next', () => {
  const fixedPost = entryOf(range({ introduced: '0' }, { fixed: '1.0.post1' }));
  assert.equal(affects(fixedPost, '1.0'), true);
  assert.equal(affects(fixedPost, '1.0.post1'), false);
  const fixedRelease = entryOf(range({ introduced: '0' }, { fixed: '1.0' }));
  assert.equal(affects(fixedRelease, '0.9.post3'), true);
  assert.equal(affects(fixedRelease, '1.0.post1'), false);
});

test('introduced: a dev release of the introducing version is before it', () => {
  const e = entryOf(range({ introduced: '2.0' }, { fixed: '2.1' }));
  assert.equal(affects(e, '2.0.dev1'), false);
  assert.equal(affects(e, '2.0rc1'), false);
  assert.equal(affects(e, '2.0'), true);
  assert.equal(affects(e, '2.0.post1'), true);
  assert.equal(affects(e, '1.9'), false);
});

test('epochs outrank release numbers', () => {
  const plain = entryOf(range({ introduced: '0' }, { fixed: '2.0' }));
  assert.equal(affects(plain, '1!1.0'), false, '1!1.0 > 2.0');
  const epoch = entryOf(range({ introduced: '1!0' }, { fixed: '1!2.0' }));
  assert.equal(affects(epoch, '1!1.0'), true);
  assert.equal(affects(epoch, '3.0'), false, 'epoch 0 is below 1!0');
  assert.equal(affects(epoch, '1!2.0'), false);
});

test('last_affected includes itself and nothing after it', () => {
  const e = entryOf(range({ introduced: '0' }, { last_affected: '1.11.0' }));
  assert.equal(affects(e, '1.11.0'), true);
  assert.equal(affects(e, '1.10.99'), true);
  assert.equal(affects(e, '1.11.0.post1'), false);
  assert.equal(affects(e, '1.11.1'), false);
  assert.deepEqual(matchEntry(e, 'PyPI', '1.0').fixed, [], 'last_affected names no fix');
});

test('several ranges and backport branches; unsorted events are sorted first', () => {
  // One range with a backport, events written out of order as some databases do.
  const e = entryOf(
    range({ fixed: '1.3.2' }, { introduced: '1.3.0' }, { fixed: '1.2.5' }, { introduced: '0' }),
  );
  assert.equal(affects(e, '1.2.4'), true);
  assert.equal(affects(e, '1.2.5'), false);
  assert.equal(affects(e, '1.2.9'), false, 'between the fix and the next introduced');
  assert.equal(affects(e, '1.3.0'), true);
  assert.equal(affects(e, '1.3.2'), false);
  assert.deepEqual(matchEntry(e, 'PyPI', '1.2.0').fixed, ['1.2.5', '1.3.2']);
  assert.deepEqual(matchEntry(e, 'PyPI', '1.3.1').fixed, ['1.3.2']);
  // The same as two ranges.
  const two = entryOf({
    ranges: [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.5' }] },
      { type: 'ECOSYSTEM', events: [{ introduced: '1.3.0' }, { fixed: '1.3.2' }] },
    ],
  });
  for (const v of ['1.2.4', '1.2.5', '1.2.9', '1.3.0', '1.3.2'])
    assert.equal(affects(two, v), affects(e, v), `two ranges vs one at ${v}`);
});

test('limit: versions at or above every limit are outside the range', () => {
  const e = entryOf(range({ introduced: '0' }, { limit: '3.0' }));
  assert.equal(affects(e, '2.9'), true);
  assert.equal(affects(e, '3.0'), false);
});

test('explicit versions[] hits count, compared by PEP 440 equality or exact string', () => {
  const e = entryOf({ versions: ['1.0', '2.1.0', 'custom-build-7'] });
  assert.equal(affects(e, '1.0'), true);
  assert.equal(affects(e, '1.0.0'), true, '1.0.0 == 1.0 in PEP 440');
  assert.equal(affects(e, '2.1.0'), true);
  assert.equal(affects(e, '2.1.1'), false);
  assert.equal(affects(e, '2.1.0rc1'), false, 'versions[] is exact, not a range');
  assert.equal(affects(e, 'custom-build-7'), true, 'an unorderable version still matches its exact string');
  assert.equal(affects(e, 'custom-build-8'), false);
});

test('unorderable query versions never match by range, only by exact versions[] string', () => {
  const e = entryOf({ ...range({ introduced: '0' }, { fixed: '2.0' }), versions: ['1.0', 'nightly-2024'] });
  assert.equal(affects(e, 'not a version'), false);
  assert.equal(affects(e, 'nightly-2023'), false);
  assert.equal(affects(e, 'nightly-2024'), true);
  assert.equal(affects(e, '1.5'), true);
});

test('versions[] already covered by the ranges are pruned from the index entry', () => {
  const e = entryOf({
    ...range({ introduced: '0' }, { fixed: '2.0' }),
    versions: ['1.0', '1.5', '3.0', 'weird'],
  });
  assert.deepEqual(e.versions, ['3.0', 'weird'], 'only what the ranges do not cover is kept');
  assert.equal(affects(e, '3.0'), true, 'a listed version outside the range still counts');
});

test('a range with an unorderable event is dropped, not the record; versions[] still match', () => {
  // PYSEC-2025-222 ships an empty event object `{}`; others carry commit hashes in ECOSYSTEM ranges.
  for (const bad of [{}, { fixed: 'a5450f11c95847cf51a17207af9a3ca5ab569b2c' }]) {
    const result = compileRecord({
      id: 'PYSEC-2025-222',
      affected: [
        {
          package: { ecosystem: 'PyPI', name: 'vllm' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, bad] }],
          versions: ['0.6.0', '0.9.2'],
        },
      ],
    });
    assert.equal(result.kind, 'ok');
    if (result.kind !== 'ok') continue;
    assert.equal(result.rangesDropped, 1);
    const e = result.entries[0]!.entry;
    assert.equal(affects(e, '0.6.0'), true);
    assert.equal(affects(e, '0.9.2'), true);
    assert.equal(affects(e, '0.9.3'), false, 'no range left to extend past the list');
  }
});

test('introduced 0 alone affects every version, even unorderable ones', () => {
  const e = compileOne(malRecord({ id: 'MAL-2022-7426', pkg: 'torchtriton' }));
  assert.equal(e.all, true);
  assert.equal(e.malicious, true);
  assert.equal(e.severity, 'critical');
  assert.equal(affects(e, '2.0.0'), true);
  assert.equal(affects(e, 'anything'), true);
});

test('withdrawn records are left out; GIT-only and foreign-ecosystem records are unusable', () => {
  assert.deepEqual(compileRecord({ id: 'PYSEC-2023-73', withdrawn: '2023-06-06T10:37:00Z', affected: [] }), {
    kind: 'withdrawn',
    id: 'PYSEC-2023-73',
  });
  const git = compileRecord({
    id: 'PYSEC-1',
    affected: [
      {
        package: { ecosystem: 'PyPI', name: 'x' },
        ranges: [
          {
            type: 'GIT',
            repo: 'https://example.invalid/x',
            events: [{ introduced: '0' }, { fixed: 'abc123' }],
          },
        ],
      },
    ],
  });
  assert.equal(git.kind, 'unusable');
  const go = compileRecord({
    id: 'GO-2024-1',
    affected: [{ package: { ecosystem: 'Go', name: 'github.com/ollama/ollama' }, versions: ['0.1.0'] }],
  });
  assert.equal(go.kind, 'unusable');
  if (go.kind === 'unusable') assert.match(go.reason, /no PyPI or npm package/);
});

test('records that are not OSV are rejected with a reason, never thrown', () => {
  const cases: [unknown, RegExp][] = [
    [null, /not an object/],
    [[], /not an object/],
    [{ affected: [] }, /id/],
    [{ id: '../../etc/passwd', affected: [] }, /id/],
    [{ id: 'X-1', affected: 'torch' }, /"affected" is not a list/],
    [{ id: 'X-1', affected: [{}] }, /no "package"/],
    [{ id: 'X-1', affected: [{ package: { ecosystem: 'PyPI' } }] }, /name/],
    [
      {
        id: 'X-1',
        affected: [{ package: { ecosystem: 'PyPI', name: 'a' }, ranges: [{ type: 'ECOSYSTEM' }] }],
      },
      /events/,
    ],
    [{ id: 'X-1', affected: [{ package: { ecosystem: 'PyPI', name: 'a' }, versions: 'all' }] }, /versions/],
  ];
  for (const [raw, reason] of cases) {
    const result = compileRecord(raw);
    assert.equal(result.kind, 'rejected', JSON.stringify(raw));
    if (result.kind === 'rejected') assert.match(result.reason, reason);
  }
});

test('names are normalised per PEP 503 for PyPI, kept as written for npm', () => {
  const py = compileRecord(
    ghsaRecord({ id: 'GHSA-1', pkg: 'Llama_CPP.Python', events: [{ introduced: '0' }] }),
  );
  assert.equal(py.kind === 'ok' && py.entries[0]?.name, 'llama-cpp-python');
  const npm = compileRecord(
    ghsaRecord({ id: 'GHSA-2', pkg: '@LangChain/Core', ecosystem: 'npm', events: [{ introduced: '0' }] }),
  );
  assert.equal(npm.kind === 'ok' && npm.entries[0]?.name, '@LangChain/Core');
});

test('npm SEMVER ranges use SemVer precedence', () => {
  const e = compileOne(
    ghsaRecord({
      id: 'GHSA-3',
      pkg: 'lodash',
      ecosystem: 'npm',
      events: [{ introduced: '0' }, { fixed: '4.17.21' }],
    }),
  );
  assert.equal(affects(e, '4.17.20', 'npm'), true);
  assert.equal(affects(e, '4.17.21-beta.1', 'npm'), true, 'a pre-release sorts before its release');
  assert.equal(affects(e, '4.17.21', 'npm'), false);
  assert.equal(affects(e, '4.17.21+build.5', 'npm'), false, 'build metadata is ignored');
  assert.equal(affects(e, '10.0.0', 'npm'), false, 'numeric, not string, order');
  assert.equal(affects(e, 'latest', 'npm'), false);
  const pre = compileOne(
    ghsaRecord({
      id: 'GHSA-4',
      pkg: 'x',
      ecosystem: 'npm',
      events: [{ introduced: '1.0.0-alpha.2' }, { fixed: '1.0.0-beta' }],
    }),
  );
  assert.equal(affects(pre, '1.0.0-alpha.1', 'npm'), false);
  assert.equal(affects(pre, '1.0.0-alpha.10', 'npm'), true, 'numeric identifiers compare numerically');
  assert.equal(affects(pre, '1.0.0-alpha.beta', 'npm'), true, 'alphanumeric after numeric');
  assert.equal(affects(pre, '1.0.0-beta', 'npm'), false);
});

test('a PyPI SEMVER range is ignored rather than ordered with the wrong rules', () => {
  const result = compileRecord({
    id: 'X-2',
    affected: [
      {
        package: { ecosystem: 'PyPI', name: 'a' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
      },
    ],
  });
  assert.equal(result.kind, 'unusable');
});
