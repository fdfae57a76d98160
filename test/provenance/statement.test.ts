/**
 * The statement writer (Python's json.dumps as protobuf's MessageToJson calls it) and reader
 * (manifestFromStatement: the v1.0 predicate in its reference and spec spellings, the v0.2.0 predicate,
 * and everything malformed).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import { pythonFloat, pythonJson, pythonString } from '../../src/provenance/oms/canonical-json.ts';
import { rootDigestOf } from '../../src/provenance/oms/manifest.ts';
import {
  buildStatement,
  LEGACY_MODEL_NAME,
  manifestFromStatement,
  PREDICATE_TYPE,
  statementBytes,
} from '../../src/provenance/oms/statement.ts';
import type { ModelManifest, ResourceDescriptor } from '../../src/provenance/oms/types.ts';

const D1 = 'aa'.repeat(32);
const D2 = 'bb'.repeat(32);

function manifest(overrides: Partial<ModelManifest> = {}): ModelManifest {
  const resources: ResourceDescriptor[] = overrides.resources ?? [
    { name: 'b/x:0:8', algorithm: 'sha256-sharded-8', digest: D1 },
    { name: 'b/x:8:9', algorithm: 'sha256-sharded-8', digest: D2 },
  ];
  return {
    modelName: 'my-model',
    resources,
    serialization: {
      method: 'shards',
      hash_type: 'sha256',
      allow_symlinks: false,
      ignore_paths: [],
      shard_size: 8,
    },
    rootDigest: rootDigestOf(resources),
    ...overrides,
  };
}

/** A v1.0 statement object for `m`, spelled as the spec does (integer shard size). */
function statementOf(m: ModelManifest): Record<string, unknown> {
  return JSON.parse(JSON.stringify(buildStatement(m)));
}

function malformed(input: unknown, message: RegExp, code = 'MALFORMED'): void {
  assert.throws(
    () => manifestFromStatement(input),
    (err: unknown) => err instanceof ParapetError && err.code === code && message.test(err.message),
  );
}

describe('Python-style JSON', () => {
  test('floats print as Python repr()', () => {
    const cases: [number, string][] = [
      [8, '8.0'],
      [1_000_000_000, '1000000000.0'],
      [123.456, '123.456'],
      [0.0001, '0.0001'],
      [0.000015, '1.5e-05'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [2 ** 53, '9007199254740992.0'],
      [0, '0.0'],
      [-0, '-0.0'],
      [-2.5, '-2.5'],
    ];
    for (const [value, text] of cases) assert.equal(pythonFloat(value), text, String(value));
    assert.throws(() => pythonFloat(Number.NaN), RangeError);
    assert.throws(() => pythonFloat(Number.POSITIVE_INFINITY), RangeError);
  });

  test('strings are escaped as with ensure_ascii=True', () => {
    assert.equal(pythonString('plain/path.bin'), '"plain/path.bin"');
    assert.equal(pythonString('q"b\\'), '"q\\"b\\\\"');
    assert.equal(pythonString('\n\r\t\b\f\u0001\u001f'), '"\\n\\r\\t\\b\\f\\u0001\\u001f"');
    assert.equal(pythonString('del\u007f'), '"del\\u007f"');
    assert.equal(pythonString('é中'), '"\\u00e9\\u4e2d"');
    assert.equal(pythonString('😀'), '"\\ud83d\\ude00"');
  });

  test('indentation and empty containers as json.dumps(indent=2)', () => {
    assert.equal(
      pythonJson({ a: [], b: {}, c: [1, true, null], d: { e: 'f' } }),
      [
        '{',
        '  "a": [],',
        '  "b": {},',
        '  "c": [',
        '    1.0,',
        '    true,',
        '    null',
        '  ],',
        '  "d": {',
        '    "e": "f"',
        '  }',
        '}',
      ].join('\n'),
    );
  });
});

describe('buildStatement / statementBytes', () => {
  test('keys in the reference order; ignore_paths after shard_size, left out when empty', () => {
    const m = manifest();
    const text = new TextDecoder().decode(statementBytes(m));
    assert.ok(
      text.startsWith(
        '{\n  "_type": "https://in-toto.io/Statement/v1",\n  "subject": [\n    {\n      "name": "my-model"',
      ),
    );
    assert.match(
      text,
      /"method": "shards",\n {6}"hash_type": "sha256",\n {6}"allow_symlinks": false,\n {6}"shard_size": 8.0\n/,
    );
    assert.match(text, /"algorithm": "sha256-sharded-8",\n {8}"digest": "a{64}",\n {8}"name": "b\/x:0:8"/);
    assert.ok(!text.includes('ignore_paths'));
    assert.ok(!text.endsWith('\n'));

    const withIgnores = manifest({
      serialization: {
        method: 'files',
        hash_type: 'blake2b',
        allow_symlinks: true,
        ignore_paths: ['.git', 'model.sig'],
      },
    });
    const s = buildStatement(withIgnores);
    assert.deepEqual(Object.keys(s), ['_type', 'subject', 'predicateType', 'predicate']);
    const serialization = (s.predicate as { serialization: Record<string, unknown> }).serialization;
    assert.deepEqual(Object.keys(serialization), ['method', 'hash_type', 'allow_symlinks', 'ignore_paths']);
    assert.equal(s.predicateType, PREDICATE_TYPE);
  });

  test('round trip: bytes → manifestFromStatement → the same manifest', () => {
    const m = manifest({
      serialization: {
        method: 'shards',
        hash_type: 'sha256',
        allow_symlinks: true,
        ignore_paths: ['.git', 'x y'],
        shard_size: 8,
      },
    });
    assert.deepEqual(manifestFromStatement(statementBytes(m)), m);
    assert.deepEqual(manifestFromStatement(new TextDecoder().decode(statementBytes(m))), m);
  });
});

describe('manifestFromStatement: what the reference verifier accepts', () => {
  test('a golden payload (shard_size written as 8.0)', () => {
    const golden = readFileSync(
      new URL('../data/oms/payloads/sample_model_file_small_shards', import.meta.url),
    );
    const m = manifestFromStatement(golden);
    assert.equal(m.modelName, 'file_model');
    assert.equal(m.serialization.shard_size, 8);
    assert.deepEqual(
      m.resources.map((r) => r.name),
      ['.:0:8', '.:8:16', '.:16:22'],
    );
  });

  test('spec spellings: integer shard size, plain shard algorithm, code-point order, upper-case hex', () => {
    const resources: ResourceDescriptor[] = [
      { name: 'f:16:24', algorithm: 'sha256', digest: D2 },
      { name: 'f:8:16', algorithm: 'sha256', digest: D1 },
    ];
    const statement = statementOf(manifest({ resources }));
    (statement.predicate as { resources: ResourceDescriptor[] }).resources[0]!.digest = D2.toUpperCase();
    const m = manifestFromStatement(statement);
    assert.deepEqual(
      m.resources.map((r) => [r.name, r.algorithm, r.digest]),
      [
        ['f:16:24', 'sha256', D2],
        ['f:8:16', 'sha256', D1],
      ],
    );
  });

  test('a file name with colons is still a shard name by its last two fields', () => {
    const resources = [{ name: 'a:b:c:0:8', algorithm: 'sha256-sharded-8', digest: D1 }];
    assert.equal(manifestFromStatement(statementOf(manifest({ resources }))).resources[0]?.name, 'a:b:c:0:8');
  });

  test('hash_type "blake2" (the reference API spelling) reads as blake2b; unknown fields are ignored', () => {
    const statement = statementOf(manifest());
    const predicate = statement.predicate as Record<string, Record<string, unknown>>;
    predicate.serialization!.hash_type = 'blake2';
    predicate.extra = { future: true };
    (predicate.resources as unknown as Record<string, unknown>[])[0]!.annotations = { x: 1 };
    assert.equal(manifestFromStatement(statement).serialization.hash_type, 'blake2b');
  });

  test('the v0.2.0 predicate Digests/v0.1: one subject per file, SHA-256, file serialization', () => {
    const bundle = JSON.parse(
      readFileSync(
        new URL(
          '../data/oms/vectors/model-transparency/scripts/tests/v0.2.0-certificate/model.sig',
          import.meta.url,
        ),
        'utf8',
      ),
    );
    const m = manifestFromStatement(Buffer.from(bundle.dsseEnvelope.payload, 'base64'));
    assert.equal(m.modelName, LEGACY_MODEL_NAME);
    assert.deepEqual(m.serialization, {
      method: 'files',
      hash_type: 'sha256',
      allow_symlinks: false,
      ignore_paths: [],
    });
    assert.deepEqual(
      m.resources.map((r) => r.name),
      ['signme-1', 'signme-2'],
    );
    assert.deepEqual(m.rootDigest, rootDigestOf(m.resources));
  });
});

describe('manifestFromStatement: malformed input', () => {
  const good = () => statementOf(manifest());
  // biome-ignore lint/suspicious/noExplicitAny: each case reaches into the statement JSON to break one field
  const edit = (f: (s: Record<string, any>) => void) => {
    const s = good();
    f(s);
    return s;
  };

  test('not a statement', () => {
    malformed('not json', /not JSON/);
    malformed(new Uint8Array([0xff, 0xfe]), /not JSON/);
    malformed(null, /the statement is null, not an object/);
    malformed([good()], /not an object/);
    malformed(
      edit((s) => (s._type = 'https://in-toto.io/Statement/v0.1')),
      /_type/,
    );
    malformed(
      edit((s) => (s.predicateType = 'https://slsa.dev/provenance/v1')),
      /unsupported predicateType/,
    );
    malformed(
      edit((s) => delete s.predicateType),
      /unsupported predicateType missing/,
    );
  });

  test('subjects', () => {
    malformed(
      edit((s) => s.subject.push(s.subject[0])),
      /exactly one subject, found 2/,
    );
    malformed(
      edit((s) => (s.subject = [])),
      /exactly one subject, found 0/,
    );
    malformed(
      edit((s) => (s.subject = 'x')),
      /subject is "x", not an array/,
    );
    malformed(
      edit((s) => (s.subject[0].name = 3)),
      /subject\[0\]\.name is number 3/,
    );
    malformed(
      edit((s) => (s.subject[0].digest = { sha512: D1 })),
      /digest\.sha256 is missing/,
    );
    malformed(
      edit((s) => (s.subject[0].digest.sha256 = 'xyz')),
      /not a hex digest/,
    );
  });

  test('serialization', () => {
    malformed(
      edit((s) => delete s.predicate.serialization),
      /predicate\.serialization is missing/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.method = 'tensors')),
      /unknown serialization method "tensors"/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.hash_type = 'md5')),
      /unsupported hash_type "md5"/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.allow_symlinks = 'false')),
      /allow_symlinks is "false", not a boolean/,
    );
    malformed(
      edit((s) => delete s.predicate.serialization.allow_symlinks),
      /allow_symlinks is missing/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.shard_size = 8.5)),
      /shard_size is number 8.5/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.shard_size = 0)),
      /shard_size/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.shard_size = '8')),
      /shard_size/,
    );
    malformed(
      edit((s) => delete s.predicate.serialization.shard_size),
      /shard_size is missing/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.ignore_paths = '.git')),
      /ignore_paths is "\.git", not an array/,
    );
    malformed(
      edit((s) => (s.predicate.serialization.ignore_paths = [''])),
      /ignore_paths\[0\] is empty/,
    );
    malformed(
      edit(
        (s) => (s.predicate.serialization.ignore_paths = Array.from({ length: 10_001 }, (_, i) => `p${i}`)),
      ),
      /more than 10000 ignore paths/,
      'LIMIT',
    );
  });

  test('resources', () => {
    malformed(
      edit((s) => (s.predicate.resources = {})),
      /predicate\.resources is an object, not an array/,
    );
    malformed(
      edit((s) => (s.predicate.resources[0] = 'x')),
      /resources\[0\] is "x", not an object/,
    );
    malformed(
      edit((s) => (s.predicate.resources[0].name = '')),
      /resources\[0\]\.name is empty/,
    );
    malformed(
      edit((s) => (s.predicate.resources[0].name = 'b/x')),
      /not a shard name/,
    );
    malformed(
      edit((s) => (s.predicate.resources[0].algorithm = null)),
      /algorithm is null/,
    );
    malformed(
      edit((s) => (s.predicate.resources[0].digest = 'abc')),
      /resources\[0\]\.digest is not a hex digest/,
    );
    malformed(
      edit((s) => (s.predicate.resources[1].name = s.predicate.resources[0].name)),
      /listed twice/,
    );
  });

  test('a subject digest that does not match the resources (the reference: "Manifest is inconsistent")', () => {
    malformed(
      edit((s) => (s.predicate.resources[0].digest = D2)),
      /manifest is inconsistent/,
    );
    malformed(
      edit((s) => s.predicate.resources.reverse()),
      /manifest is inconsistent/,
    );
  });

  test('legacy statements are checked too', () => {
    const legacy = {
      _type: 'https://in-toto.io/Statement/v1',
      predicateType: 'https://model_signing/Digests/v0.1',
      subject: [{ name: 'a', digest: { sha256: D1 } }, { name: 'b' }],
    };
    malformed(legacy, /subject\[1\]\.digest is missing/);
    malformed({ ...legacy, subject: [legacy.subject[0], legacy.subject[0]] }, /listed twice/);
  });
});
