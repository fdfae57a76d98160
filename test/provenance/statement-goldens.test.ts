/**
 * The reference implementation's golden payloads (model-transparency tests/_signing/testdata/signing/
 * TestPayload), reproduced byte for byte: each fixture model rebuilt as upstream's conftest.py builds it,
 * hashed with the golden's serialization, written with statementBytes. Then read back with
 * manifestFromStatement.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hashModel } from '../../src/provenance/oms/hash.ts';
import { manifestFromStatement, statementBytes } from '../../src/provenance/oms/statement.ts';
import { buildFixtureModel, FIXTURE_MODELS, tempDir } from './hash-fixtures.ts';

const GOLDENS = new URL('../data/oms/payloads/', import.meta.url);
const VARIANTS = [
  { suffix: '', shardSize: undefined },
  { suffix: '_shard', shardSize: 1_000_000_000 },
  { suffix: '_small_shards', shardSize: 8 },
] as const;

const temp = tempDir('oms-goldens');
after(temp.cleanup);
let counter = 0;

describe('golden payloads, byte for byte', () => {
  for (const fixture of FIXTURE_MODELS)
    for (const { suffix, shardSize } of VARIANTS) {
      const golden = `${fixture}${suffix}`;
      // Every other case on the worker pool, so both hashing paths meet the goldens.
      const workers = counter++ % 2 === 0 ? 0 : 2;
      test(`${golden} (${workers === 0 ? 'calling thread' : 'worker pool'})`, async () => {
        const parent = join(temp.dir, golden);
        mkdirSync(parent);
        const model = buildFixtureModel(fixture, parent);
        const manifest = await hashModel(model, {
          allowSymlinks: true,
          ignoreGitPaths: false,
          workers,
          ...(shardSize === undefined ? {} : { shardSize }),
        });
        const expected = readFileSync(new URL(golden, GOLDENS));
        const actual = Buffer.concat([statementBytes(manifest), Buffer.from('\n')]);
        assert.equal(actual.toString('utf8'), expected.toString('utf8'));
        assert.ok(actual.equals(expected));

        const back = manifestFromStatement(expected);
        assert.deepEqual(back, manifest);
      });
    }
});
