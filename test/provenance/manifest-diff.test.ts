/**
 * diffManifests on real models: a changed byte, a new file, a deleted file, a renamed file, shards rolled
 * up to their file, and the spelling differences between the reference and the spec that must not count.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { diffManifests } from '../../src/provenance/oms/diff.ts';
import { hashModel } from '../../src/provenance/oms/hash.ts';
import { rootDigestOf } from '../../src/provenance/oms/manifest.ts';
import type { ModelManifest } from '../../src/provenance/oms/types.ts';
import { tempDir } from './hash-fixtures.ts';

const temp = tempDir('oms-diff');
after(temp.cleanup);
let n = 0;

function model(files: Record<string, string>): string {
  const root = join(temp.dir, `m${n++}`);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

const NONE = { changed: [], added: [], removed: [] };
const FILES = { 'config.json': '{}', 'w/a.bin': 'a'.repeat(40), 'w/b.bin': 'b'.repeat(40), z: 'z' };

describe('diffManifests', () => {
  for (const shardSize of [undefined, 8]) {
    const label = shardSize === undefined ? 'files' : '8-byte shards';
    const opts = shardSize === undefined ? {} : { shardSize };

    test(`${label}: an untouched model has no differences`, async () => {
      const root = model(FILES);
      assert.deepEqual(diffManifests(await hashModel(root, opts), await hashModel(root, opts)), NONE);
    });

    test(`${label}: one changed byte names the file once`, async () => {
      const root = model(FILES);
      const signed = await hashModel(root, opts);
      writeFileSync(join(root, 'w/a.bin'), `${'a'.repeat(20)}X${'a'.repeat(19)}`);
      assert.deepEqual(diffManifests(signed, await hashModel(root, opts)), { ...NONE, changed: ['w/a.bin'] });
    });

    test(`${label}: a grown file, an added file and a removed file`, async () => {
      const root = model(FILES);
      const signed = await hashModel(root, opts);
      appendFileSync(join(root, 'z'), 'more');
      writeFileSync(join(root, 'w/c.bin'), 'new');
      rmSync(join(root, 'config.json'));
      assert.deepEqual(diffManifests(signed, await hashModel(root, opts)), {
        changed: ['z'],
        added: ['w/c.bin'],
        removed: ['config.json'],
      });
    });

    test(`${label}: a renamed file is one removal and one addition`, async () => {
      const root = model(FILES);
      const signed = await hashModel(root, opts);
      renameSync(join(root, 'w/b.bin'), join(root, 'w/b2.bin'));
      assert.deepEqual(diffManifests(signed, await hashModel(root, opts)), {
        ...NONE,
        added: ['w/b2.bin'],
        removed: ['w/b.bin'],
      });
    });
  }

  test('lists come in path-component order', async () => {
    const root = model({ 'a.b': '1', 'a/b': '2', B: '3' });
    const signed = await hashModel(root);
    for (const f of ['a.b', 'a/b', 'B']) writeFileSync(join(root, f), 'changed');
    assert.deepEqual(diffManifests(signed, await hashModel(root)).changed, ['B', 'a/b', 'a.b']);
  });

  test('an emptied sharded file disappears from the manifest: reported as removed', async () => {
    const root = model(FILES);
    const signed = await hashModel(root, { shardSize: 8 });
    writeFileSync(join(root, 'z'), '');
    assert.deepEqual(diffManifests(signed, await hashModel(root, { shardSize: 8 })), {
      ...NONE,
      removed: ['z'],
    });
  });

  test('spec spellings are not differences: plain shard algorithm, base-name single file, case, order', async () => {
    const root = model({ 'model.gguf': 'G'.repeat(20) });
    const file = join(root, 'model.gguf');
    const ours = await hashModel(file, { shardSize: 8 });
    const resources = ours.resources
      .map((r) => ({
        name: r.name.replace(/^\./, 'model.gguf'),
        algorithm: 'sha256',
        digest: r.digest.toUpperCase(),
      }))
      .reverse();
    const spec: ModelManifest = { ...ours, resources, rootDigest: rootDigestOf(resources) };
    assert.deepEqual(diffManifests(spec, ours), NONE);
    assert.deepEqual(diffManifests(ours, spec), NONE);

    writeFileSync(file, 'H'.repeat(20));
    assert.deepEqual(diffManifests(spec, await hashModel(file, { shardSize: 8 })), {
      ...NONE,
      changed: ['.'],
    });
  });

  test('a different algorithm with the same digest text is a change', () => {
    const resources = [{ name: 'f', algorithm: 'sha256', digest: 'ab' }];
    const base: ModelManifest = {
      modelName: 'm',
      resources,
      serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: [] },
      rootDigest: rootDigestOf(resources),
    };
    const other = { ...base, resources: [{ name: 'f', algorithm: 'blake2b', digest: 'ab' }] };
    assert.deepEqual(diffManifests(base, other), { ...NONE, changed: ['f'] });
  });
});
