import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IncludeReader, parseManifest } from '../../../src/deps/manifests/index.ts';
import type { Dependency, Manifest } from '../../../src/deps/types.ts';
import {
  CONDA_ENVIRONMENT,
  integrityHex,
  PACKAGE_LOCK_V1,
  PACKAGE_LOCK_V3,
} from '../../fixtures/deps/manifests/npm-locks.ts';

function at(manifest: Manifest, line: number): Dependency {
  const found = manifest.dependencies.find((d) => d.line === line);
  assert.ok(found, `no dependency on line ${line}`);
  return found;
}

// ---- package-lock.json v3 ----

test('package-lock v3: every installed package with its line; the project and workspaces are not dependencies', () => {
  const m = parseManifest('package-lock', 'package-lock.json', PACKAGE_LOCK_V3);
  assert.deepEqual(m.problems, []);
  assert.deepEqual([m.locked, m.requireHashes], [true, true]);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.version, d.direct, d.dev ?? false, d.line]),
    [
      ['@langchain/core', '0.3.19', true, false, 35],
      ['internal-ui', '2.1.0', true, false, 47],
      ['legacy-client', '1.0.0', true, false, 52],
      ['local-lib', '0.1.0', true, false, 57],
      ['lodash', '4.17.21', true, false, 61],
      ['my-fork', '1.2.0', true, false, 67],
      ['openai', '4.73.0', true, false, 72],
      ['@types/node', '18.19.67', false, false, 84],
      ['typescript', '5.7.2', true, true, 90],
      ['zod', '3.23.8', false, false, 104],
      ['zod', '3.23.8', true, false, 110],
    ],
  );
  assert.equal(
    m.dependencies.some((d) => d.name === 'chat-ui' || d.name === '@chat-ui/widgets'),
    false,
  );
});

test('package-lock v3: sources from resolved (registry, private registry, tarball URL, git, file link)', () => {
  const m = parseManifest('package-lock', 'package-lock.json', PACKAGE_LOCK_V3);
  const openai = at(m, 72);
  assert.deepEqual([openai.source, openai.index, openai.url], ['registry', undefined, undefined]);
  assert.deepEqual(openai.hashes, [integrityHex('openai@4.73.0')]);
  const internal = at(m, 47);
  assert.deepEqual(
    [internal.source, internal.index],
    ['registry', 'https://npm.acme.internal/repository/npm-private/'],
  );
  const legacy = at(m, 52);
  assert.deepEqual([legacy.source, legacy.url], ['url', 'https://example.com/dist/legacy-client-1.0.0.tgz']);
  const fork = at(m, 67);
  assert.deepEqual([fork.source, fork.hashes], ['vcs', []]);
  assert.match(fork.url!, /^git\+ssh:\/\/git@github\.com\/acme\/my-fork\.git#0123/);
  const local = at(m, 57);
  assert.deepEqual([local.source, local.url], ['path', '../local-lib']);
  assert.equal(at(m, 35).name, '@langchain/core', 'scoped names are kept whole');
});

test('package-lock v3: an alias install reports the real package name; names are not normalised', () => {
  const m = parseManifest('package-lock', 'package-lock.json', PACKAGE_LOCK_V3);
  const alias = at(m, 110);
  assert.deepEqual([alias.name, alias.rawName, alias.direct], ['zod', 'zod', true]);
  const mixed = parseManifest(
    'package-lock',
    'package-lock.json',
    '{"lockfileVersion":3,"packages":{"":{"dependencies":{"JSONStream":"1"}},"node_modules/JSONStream":{"version":"1.3.5"}}}',
  );
  assert.equal(mixed.dependencies[0]!.name, 'JSONStream');
  assert.equal(mixed.dependencies[0]!.line, 1, 'single-line JSON still gets line 1');
});

// ---- package-lock.json v1 ----

test('package-lock v1: the nested tree, requires-based direct, dev flags, git and alias versions', () => {
  const m = parseManifest('package-lock', 'package-lock.json', PACKAGE_LOCK_V1);
  assert.deepEqual(m.problems, []);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.version, d.source, d.direct, d.dev ?? false, d.line]),
    [
      ['axios', '0.21.1', 'registry', true, false, 7],
      ['follow-redirects', '1.14.8', 'registry', false, false, 15],
      ['jest-cli', '26.6.3', 'registry', true, true, 20],
      ['my-fork', undefined, 'vcs', true, false, 37],
      ['zod', '3.23.8', 'registry', true, false, 41],
      ['chalk', '4.1.0', 'registry', false, true, 29],
    ],
  );
  assert.equal(m.dependencies[3]!.url, 'github:acme/my-fork#0123456789abcdef0123456789abcdef01234567');
});

test('package-lock: invalid JSON, unknown lockfileVersion, wrong shapes', () => {
  const bad = parseManifest('package-lock', 'package-lock.json', '{"lockfileVersion": 3, "packages": {');
  assert.deepEqual(bad.dependencies, []);
  assert.match(bad.problems[0]!.message, /^not valid JSON/);
  const v9 = parseManifest('package-lock', 'package-lock.json', '{"lockfileVersion": 9, "packages": {}}');
  assert.match(v9.problems[0]!.message, /unknown lockfileVersion 9/);
  const shapes = parseManifest(
    'package-lock',
    'package-lock.json',
    '{"lockfileVersion": 3, "packages": {"node_modules/a": 5, "node_modules/": {}}}',
  );
  assert.deepEqual(shapes.dependencies, []);
  assert.equal(shapes.problems.length, 2);
});

test('npm-shrinkwrap.json is read the same way', () => {
  const m = parseManifest('package-lock', 'npm-shrinkwrap.json', PACKAGE_LOCK_V3);
  assert.equal(m.dependencies.length, 11);
});

// ---- conda environment.yml ----

const reader: IncludeReader = (from, ref) =>
  from === 'env/environment.yml' && ref === 'requirements-extra.txt'
    ? { path: 'env/requirements-extra.txt', text: 'accelerate==1.1.1\n' }
    : undefined;

test('conda environment: only the pip: list is reported, with its lines, options and includes', () => {
  const m = parseManifest('conda-environment', 'env/environment.yml', CONDA_ENVIRONMENT, {
    readInclude: reader,
  });
  assert.deepEqual(m.problems, []);
  assert.equal(m.locked, false);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.version ?? d.specifier, d.source, d.line, d.file]),
    [
      ['transformers', '4.46.3', 'registry', 15, undefined],
      ['vllm', '>=0.6.4', 'registry', 16, undefined],
      ['accelerate', '1.1.1', 'registry', 1, 'env/requirements-extra.txt'],
      ['acme-adapters', undefined, 'vcs', 18, undefined],
    ],
  );
  assert.equal(
    m.dependencies.some((d) => d.name === 'numpy' || d.name === 'pytorch' || d.name === 'python'),
    false,
    'conda packages are not PyPI packages',
  );
  assert.deepEqual(m.indexes, [{ url: 'https://pypi.acme.internal/simple', role: 'extra', line: 14 }]);
});

test('conda environment without pip: is empty and clean; broken YAML and shapes are problems', () => {
  const plain = parseManifest('conda-environment', 'environment.yml', 'name: x\ndependencies:\n  - numpy\n');
  assert.deepEqual([plain.dependencies, plain.problems], [[], []]);
  const bad = parseManifest('conda-environment', 'environment.yml', 'name: x\ndependencies: [\n  - a\n');
  assert.equal(bad.problems.length, 1);
  assert.match(bad.problems[0]!.message, /^not valid YAML/);
  const shapes = parseManifest(
    'conda-environment',
    'environment.yml',
    'dependencies:\n  - pip: numpy\n  - pip:\n    - {a: 1}\n',
  );
  assert.equal(shapes.problems.length, 2);
  assert.deepEqual(
    shapes.problems.map((p) => p.line),
    [2, 4],
  );
  assert.equal(parseManifest('conda-environment', 'environment.yml', '- a\n- b\n').problems.length, 1);
  assert.equal(parseManifest('conda-environment', 'environment.yml', '').problems.length, 0);
});
