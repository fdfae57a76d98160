/**
 * The signed sample models of the reference implementation (model-transparency scripts/tests, v0.2.0 to
 * v1.1.0), re-hashed and compared with the manifest inside each bundle. The DSSE payload is decoded here
 * by hand (base64 → JSON) so this test depends on nothing but the hashing and statement code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { diffManifests } from '../../src/provenance/oms/diff.ts';
import { hashModel } from '../../src/provenance/oms/hash.ts';
import {
  LEGACY_MODEL_NAME,
  manifestFromStatement,
  statementBytes,
} from '../../src/provenance/oms/statement.ts';

const VECTORS = fileURLToPath(
  new URL('../data/oms/vectors/model-transparency/scripts/tests/', import.meta.url),
);

/** Vectors whose payload keys happen to be in the goldens' order: their bytes must match ours exactly. */
const SAME_KEY_ORDER = new Set([
  'v0.3.1-certificate',
  'v0.3.1-sigstore',
  'v1.0.0-certificate',
  'v1.0.0-sigstore',
  'v1.0.1-certificate',
  'v1.0.1-elliptic-key',
  'v1.0.1-sigstore',
]);

/** The single-file vectors: the key method signed `signme-1` alone before v1.0.1. */
const SINGLE_FILE = new Set(['v0.3.1-elliptic-key', 'v1.0.0-elliptic-key']);

function payloadOf(dir: string): Buffer {
  const bundle = JSON.parse(readFileSync(join(dir, 'model.sig'), 'utf8'));
  return Buffer.from(bundle.dsseEnvelope.payload, 'base64');
}

const names = readdirSync(VECTORS).filter((n) => /^v\d/.test(n) && statSync(join(VECTORS, n)).isDirectory());

describe('signed sample models re-hash to their bundles', () => {
  test('all thirteen vectors are present', () => {
    assert.equal(names.length, 13);
  });

  for (const name of names.sort()) {
    test(name, async () => {
      const dir = join(VECTORS, name);
      const payload = payloadOf(dir);
      const expected = manifestFromStatement(JSON.parse(payload.toString('utf8')));
      const model = SINGLE_FILE.has(name) ? join(dir, 'signme-1') : dir;
      // v1.0.1 did not record its ignore paths: its verify script passes --ignore-paths ignore-me.
      const extra = name.startsWith('v1.0.1') ? ['ignore-me'] : [];
      const actual = await hashModel(model, {
        hashAlgorithm: expected.serialization.hash_type,
        allowSymlinks: expected.serialization.allow_symlinks,
        ignorePaths: [...expected.serialization.ignore_paths, ...extra],
        signaturePath: join(dir, 'model.sig'),
      });

      assert.deepEqual(diffManifests(expected, actual), { changed: [], added: [], removed: [] });
      if (expected.modelName === LEGACY_MODEL_NAME) {
        // v0.2.0: one subject per file, no root digest to compare.
        assert.deepEqual(new Set(actual.resources.map((r) => r.name)), new Set(['signme-1', 'signme-2']));
        return;
      }
      assert.deepEqual(actual.resources, expected.resources);
      assert.equal(actual.rootDigest.digest, expected.rootDigest.digest);
      assert.equal(actual.modelName, expected.modelName);
      if (name.startsWith('v1.1.0')) {
        assert.deepEqual(
          [...actual.serialization.ignore_paths].sort(),
          [...expected.serialization.ignore_paths].sort(),
        );
      }
      if (SAME_KEY_ORDER.has(name)) {
        // Pre-v1.1 payloads carry no ignore_paths: compare with ours written the same way.
        const pre11 = { ...actual, serialization: { ...actual.serialization, ignore_paths: [] } };
        assert.equal(Buffer.from(statementBytes(pre11)).toString('utf8'), payload.toString('utf8'));
      }
    });
  }
});
