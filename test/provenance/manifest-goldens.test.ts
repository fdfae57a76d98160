/**
 * The reference implementation's serialization goldens (model-transparency tests/_serialization/testdata):
 * one `name:digest` line per resource for each fixture model, under the `files` method and under the
 * `shards` method with 1 GB and 8-byte shards — reproduced byte for byte, in the manifest's own order.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hashModel } from '../../src/provenance/oms/hash.ts';
import { buildFixtureModel, FIXTURE_MODELS, tempDir } from './hash-fixtures.ts';

const GOLDENS = new URL('../data/oms/serialization/', import.meta.url);
const VARIANTS = [
  { golden: (f: string) => `file/TestSerializer/${f}`, shardSize: undefined },
  { golden: (f: string) => `file_shard/TestSerializer/${f}`, shardSize: 1_000_000_000 },
  { golden: (f: string) => `file_shard/TestSerializer/${f}_small_shards`, shardSize: 8 },
] as const;

const temp = tempDir('oms-serialization');
after(temp.cleanup);

describe('serialization goldens, byte for byte', () => {
  for (const fixture of FIXTURE_MODELS)
    for (const { golden, shardSize } of VARIANTS) {
      const name = golden(fixture);
      test(name, async () => {
        const parent = join(temp.dir, name.replaceAll('/', '_'));
        mkdirSync(parent);
        const model = buildFixtureModel(fixture, parent);
        const manifest = await hashModel(model, {
          allowSymlinks: true,
          ignoreGitPaths: false,
          ...(shardSize === undefined ? {} : { shardSize }),
        });
        const lines = manifest.resources.map((r) => `${r.name}:${r.digest}\n`).join('');
        assert.equal(lines, readFileSync(new URL(name, GOLDENS), 'utf8'));
      });
    }
});
