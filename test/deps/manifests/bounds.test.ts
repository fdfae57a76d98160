/**
 * Adversarial and oversized input: every parse must finish (no catastrophic backtracking, no stack
 * overflow, no quadratic path copying) and say what it could not read. The per-test timeout only turns a
 * hang into a failure; nothing here asserts how fast anything is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MANIFEST_BYTES, MAX_PROBLEMS, parseManifest } from '../../../src/deps/manifests/index.ts';
import { bigRequirements, bigUvLock } from '../../fixtures/deps/manifests/big-lock.ts';

const MB = 1 << 20;
const HANG_GUARD = { timeout: 120_000 };

test('files over the size cap are a problem and are not parsed', HANG_GUARD, () => {
  for (const kind of ['requirements', 'uv-lock', 'package-lock'] as const) {
    const m = parseManifest(kind, 'big', 'a'.repeat(MAX_MANIFEST_BYTES + 1));
    assert.deepEqual(m.dependencies, []);
    assert.equal(m.problems.length, 1);
    assert.match(m.problems[0]!.message, /16 MiB/);
  }
  const multibyte = parseManifest('uv-lock', 'big', 'é'.repeat(MAX_MANIFEST_BYTES / 2 + 1));
  assert.match(multibyte.problems[0]!.message, /16 MiB/, 'the cap counts UTF-8 bytes, not characters');
});

test('1 MB single-line requirements: each pathological shape finishes with a result', HANG_GUARD, () => {
  const shapes: [string, number, number][] = [
    ['a'.repeat(MB), 1, 0],
    [`${'a'.repeat(MB)}==`, 0, 1],
    ['#'.repeat(MB), 0, 0],
    [`a${'['.repeat(MB)}`, 0, 1],
    [`foo @ https://${'x'.repeat(MB)}`, 1, 0],
    [`a${' -'.repeat(MB / 2)}`, 1, 1],
    ['\\'.repeat(MB), 0, 0],
    [`-r ${'"\''.repeat(MB / 2)}`, 0, 1],
    [`a${' #'.repeat(MB / 2)}`, 1, 0],
    [`a${'>=1,'.repeat(MB / 4)}`, 0, 1],
    [`a${'@'.repeat(MB)}`, 1, 0],
    [`${'/'.repeat(MB)}[`, 1, 0],
    [`a==1${' --hash=sha256:ab'.repeat(MB / 20)}`, 1, 0],
  ];
  for (const [text, deps, problems] of shapes) {
    const m = parseManifest('requirements', 'requirements.txt', text, { readInclude: () => undefined });
    assert.deepEqual(
      [m.dependencies.length, m.problems.length],
      [deps, problems],
      JSON.stringify(text.slice(0, 30)),
    );
    for (const p of m.problems) assert.ok(p.message.length < 400, 'messages quote long input cut short');
  }
});

test('a 100,000-line requirements file parses every line', HANG_GUARD, () => {
  const text = Array.from({ length: 100_000 }, (_, i) => `pkg${i}==1.${i}`).join('\n');
  const m = parseManifest('requirements', 'requirements.txt', text);
  assert.equal(m.dependencies.length, 100_000);
  assert.equal(m.dependencies[99_999]!.line, 100_000);
});

test(
  '100,000 continuation lines join into one entry; 100,000 bad lines give capped problems',
  HANG_GUARD,
  () => {
    const joined = parseManifest(
      'requirements',
      'requirements.txt',
      `torch==2.5.1 \\\n${'  --hash=sha256:ab \\\n'.repeat(100_000)}`,
    );
    assert.equal(joined.dependencies.length, 1);
    assert.equal(joined.dependencies[0]!.hashes.length, 100_000);
    const bad = parseManifest('requirements', 'requirements.txt', 'bad line here\n'.repeat(100_000));
    assert.equal(bad.problems.length, MAX_PROBLEMS + 1);
    assert.equal(bad.problems[MAX_PROBLEMS]!.message, `${100_000 - MAX_PROBLEMS} more problems not listed`);
  },
);

test('deeply nested TOML, JSON and YAML are problems or bounded, never a stack overflow', HANG_GUARD, () => {
  const toml = parseManifest(
    'pyproject',
    'pyproject.toml',
    `a = ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
  );
  assert.match(toml.problems[0]!.message, /not valid TOML/);
  const depth = 200_000;
  const json = parseManifest(
    'package-lock',
    'package-lock.json',
    `{"lockfileVersion":3,"packages":{"":{"x":${'['.repeat(depth)}${']'.repeat(depth)}},"node_modules/a":{"version":"1.0.0"}}}`,
  );
  assert.deepEqual(
    json.dependencies.map((d) => d.name),
    ['a'],
  );
  const tree = parseManifest(
    'package-lock',
    'package-lock.json',
    `{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0"${',"dependencies":{"a":{"version":"1.0.0"'.repeat(50_000)}${'}}'.repeat(50_000)}}}}`,
  );
  assert.equal(tree.dependencies.length, 100);
  assert.match(tree.problems[0]!.message, /deeper than 100/);
  const yaml = parseManifest(
    'conda-environment',
    'environment.yml',
    `dependencies:\n  - pip:\n    - ${'['.repeat(100_000)}`,
  );
  assert.equal(yaml.dependencies.length, 0);
  assert.equal(yaml.problems.length, 1);
});

test('a header with 100,000 dotted keys and 100,000 tables', HANG_GUARD, () => {
  const long = parseManifest('pyproject', 'pyproject.toml', `[${Array(100_000).fill('a').join('.')}]\n`);
  assert.deepEqual([long.dependencies, long.problems], [[], []]);
  const many = parseManifest(
    'pyproject',
    'pyproject.toml',
    Array.from({ length: 100_000 }, (_, i) => `[t${i}]\nx = 1`).join('\n'),
  );
  assert.deepEqual([many.dependencies, many.problems], [[], []]);
});

test('the 5,000-package generated uv.lock and requirements parse completely', HANG_GUARD, () => {
  const uv = parseManifest('uv-lock', 'uv.lock', bigUvLock(5000));
  assert.deepEqual(uv.problems, []);
  assert.equal(uv.dependencies.length, 5000);
  assert.ok(
    uv.dependencies.every((d) => d.version !== undefined && d.hashes.length > 0 && d.line !== undefined),
  );
  const torch = uv.dependencies.find((d) => d.name === 'torch')!;
  assert.deepEqual([torch.version, torch.direct, torch.hashes.length], ['2.5.1', true, 7]);
  assert.equal(uv.dependencies.filter((d) => d.direct).length, 146);
  const req = parseManifest('requirements', 'requirements.txt', bigRequirements(5000));
  assert.deepEqual(req.problems, []);
  assert.equal(req.dependencies.length, 5000);
  assert.equal(req.requireHashes, true);
  assert.ok(req.dependencies.every((d) => d.version !== undefined && d.hashes.length > 0));
});
