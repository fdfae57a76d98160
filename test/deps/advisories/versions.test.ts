/**
 * Parapet's cached PEP 440 sort key against @renovatebot/pep440's own `compare`, over every version string in
 * the pypa advisory database snapshot (real-world spellings: 0.9.9.9.2, 2.9b11, 1.0.0-alpha2, 3.0.1b300...),
 * plus hand-picked edge cases; and the SemVer comparator against the SemVer 2.0 precedence example.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { compare as pep440Compare, valid } from '@renovatebot/pep440';
import { compareVersions, isValidVersion } from '../../../src/deps/advisories/versions.ts';

const TARBALL = new URL(
  '../../../data/advisories/sources/pypa-advisory-database-vulns-3ccb6125.tgz',
  import.meta.url,
);

function snapshotVersions(): string[] {
  const text = gunzipSync(readFileSync(TARBALL)).toString('latin1');
  const found = new Set<string>();
  for (const m of text.matchAll(/^ {2}- ['"]?([0-9][^'"\s]*)['"]?$/gm)) found.add(m[1] ?? '');
  return [...found].filter((v) => valid(v) !== null);
}

test('the PEP 440 sort key orders like @renovatebot/pep440 compare on every snapshot version', () => {
  const extra = [
    '1.0.dev1',
    '1.0a1',
    '1.0a1.post1.dev1',
    '1.0.post1',
    '1!0.1',
    '2.6.0+cu124',
    '2.6.0+cu124.1',
    '2.6.0+abc',
  ];
  const versions = [...snapshotVersions(), ...extra];
  assert.ok(versions.length > 5000, `found ${versions.length} versions`);
  // Every version against a fixed stride of others: about thirty thousand pairs, all orders covered.
  let pairs = 0;
  for (let i = 0; i < versions.length; i++) {
    for (let j = i % 7; j < versions.length; j += 797) {
      const a = versions[i]!;
      const b = versions[j]!;
      assert.equal(compareVersions('PyPI', a, b), Math.sign(pep440Compare(a, b)), `${a} vs ${b}`);
      pairs++;
    }
  }
  assert.ok(pairs > 25_000, `${pairs} pairs`);
});

test('PEP 440 edge cases', () => {
  const order = [
    '1.0.dev0',
    '1.0a0',
    '1.0a1',
    '1.0b2',
    '1.0rc1',
    '1.0',
    '1.0+local',
    '1.0.post1.dev0',
    '1.0.post1',
    '1.1',
  ];
  for (let i = 1; i < order.length; i++)
    assert.equal(compareVersions('PyPI', order[i - 1]!, order[i]!), -1, `${order[i - 1]} < ${order[i]}`);
  assert.equal(compareVersions('PyPI', '1.0', '1.0.0.0'), 0);
  assert.equal(compareVersions('PyPI', 'v1.0', '1.0'), 0, 'a leading v is allowed');
  assert.equal(compareVersions('PyPI', '1!0.1', '999'), 1);
  assert.equal(isValidVersion('PyPI', 'not-a-version'), false);
  assert.equal(isValidVersion('PyPI', '1'.repeat(300)), false, 'absurdly long strings are refused');
  assert.throws(() => compareVersions('PyPI', 'nope', '1.0'), TypeError);
});

test('SemVer 2.0 precedence', () => {
  // The example chain from semver.org section 11.
  const chain = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
  ];
  for (let i = 1; i < chain.length; i++)
    assert.equal(compareVersions('npm', chain[i - 1]!, chain[i]!), -1, `${chain[i - 1]} < ${chain[i]}`);
  assert.equal(compareVersions('npm', '2.0.0', '10.0.0'), -1);
  assert.equal(compareVersions('npm', '1.0.0+a', '1.0.0+b'), 0);
  assert.equal(
    compareVersions('npm', '99999999999999999999.0.0', '99999999999999999998.0.0'),
    1,
    'beyond 2^53',
  );
  assert.equal(isValidVersion('npm', '1.0'), false);
  assert.equal(isValidVersion('npm', '01.0.0'), false, 'leading zeros are invalid');
  assert.equal(isValidVersion('npm', 'v1.2.3'), true);
});
