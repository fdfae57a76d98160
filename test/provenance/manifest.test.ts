/**
 * Resource names, order and the root digest, against the reference implementation's rules (PurePosixPath
 * component order, numeric shard offsets, SHA-256 over raw digests).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import {
  compareCodePoints,
  comparePaths,
  fileOfResource,
  parseShardName,
  resourceAlgorithm,
  rootDigestOf,
  shardName,
  sortResources,
} from '../../src/provenance/oms/manifest.ts';

describe('order', () => {
  test('code points, not UTF-16 units: U+FF01 sorts before U+1F600 as in Python', () => {
    assert.ok(compareCodePoints('\u{ff01}', '\u{1f600}') < 0);
    // JavaScript's own comparison disagrees (0xD83D < 0xFF01): the reason for compareCodePoints.
    assert.ok('\u{1f600}' < '\u{ff01}');
    assert.ok(compareCodePoints('a', 'ab') < 0);
    assert.equal(compareCodePoints('x', 'x'), 0);
  });

  test('paths by components: a prefix first, and a/b before a-b and a.b (code points would put / last)', () => {
    const names = ['a.b', 'a/b', 'a', 'a/b/c', 'a-b', 'B', 'b'];
    assert.deepEqual([...names].sort(comparePaths), ['B', 'a', 'a/b', 'a/b/c', 'a-b', 'a.b', 'b']);
  });

  test('shards by file, then numeric start and end', () => {
    const resources = ['f:16:24', 'e/x:0:8', 'f:8:16', 'f:0:8', 'f.bin:0:1', 'f/g:0:1'].map((name) => ({
      name,
    }));
    assert.deepEqual(
      sortResources(resources, true).map((r) => r.name),
      ['e/x:0:8', 'f:0:8', 'f:8:16', 'f:16:24', 'f/g:0:1', 'f.bin:0:1'],
    );
  });
});

describe('names', () => {
  test('shard names split at the last two colons', () => {
    assert.equal(shardName('a/b', 0, 8), 'a/b:0:8');
    assert.deepEqual(parseShardName('a:b:c:16:24'), { file: 'a:b:c', start: 16, end: 24 });
    assert.deepEqual(parseShardName('.:0:22'), { file: '.', start: 0, end: 22 });
    assert.equal(parseShardName('plain'), undefined);
    assert.equal(parseShardName('f:1:x'), undefined);
    assert.equal(parseShardName('f:-1:2'), undefined);
    assert.equal(parseShardName('f:99999999999999999:1'), undefined);
    assert.equal(fileOfResource('d/f:0:8', true), 'd/f');
    assert.equal(fileOfResource('d/f:0:8', false), 'd/f:0:8');
  });

  test('algorithm names as the reference writes them', () => {
    assert.equal(resourceAlgorithm('sha256'), 'sha256');
    assert.equal(resourceAlgorithm('sha256', 1_000_000_000), 'sha256-sharded-1000000000');
    assert.equal(resourceAlgorithm('blake2b', 8), 'blake2b-sharded-8');
  });
});

describe('root digest', () => {
  test('SHA-256 over the raw digest bytes in order', () => {
    const a = 'ab'.repeat(32);
    const b = 'CD'.repeat(64);
    const expected = createHash('sha256')
      .update(Buffer.from(a + b, 'hex'))
      .digest('hex');
    assert.deepEqual(
      rootDigestOf([
        { name: 'x', algorithm: 'sha256', digest: a },
        { name: 'y', algorithm: 'blake2b', digest: b },
      ]),
      { algorithm: 'sha256', digest: expected },
    );
    assert.equal(rootDigestOf([]).digest, createHash('sha256').digest('hex'));
  });

  test('a digest that is not hex is MALFORMED', () => {
    for (const digest of ['xyz', 'abc', 'ab cd']) {
      assert.throws(
        () => rootDigestOf([{ name: 'x', algorithm: 'sha256', digest }]),
        (err: unknown) => err instanceof ParapetError && err.code === 'MALFORMED',
      );
    }
  });
});
