import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifest } from '../../../src/deps/manifests/index.ts';
import type { Dependency, Manifest } from '../../../src/deps/types.ts';
import {
  PDM_LOCK,
  PIPFILE_LOCK,
  POETRY_LOCK_1_1,
  POETRY_LOCK_2_0,
  POETRY_LOCK_2_1,
  UV_LOCK,
} from '../../fixtures/deps/manifests/python-locks.ts';
import { sha } from '../../fixtures/deps/manifests/requirements.ts';

function one(manifest: Manifest, name: string): Dependency {
  const found = manifest.dependencies.filter((d) => d.name === name);
  assert.equal(found.length, 1, `expected one ${name}, got ${found.length}`);
  return found[0]!;
}

/** [name, version, direct, dev, line] for every dependency, in order. */
function summary(manifest: Manifest): [string, string | undefined, boolean, boolean, number | undefined][] {
  return manifest.dependencies.map((d) => [d.name, d.version, d.direct, d.dev ?? false, d.line]);
}

// ---- poetry.lock ----

test('poetry.lock 2.0 (Poetry 1.8): versions, hashes, [[package]] lines, names normalised', () => {
  const m = parseManifest('poetry-lock', 'poetry.lock', POETRY_LOCK_2_0);
  assert.deepEqual(m.problems, []);
  assert.deepEqual([m.locked, m.requireHashes], [true, true]);
  assert.deepEqual(summary(m), [
    ['certifi', '2024.8.30', false, false, 3],
    ['gradio', '5.7.1', true, false, 14],
    ['private-sdk', '2.3.0', true, false, 35],
    ['requests', '2.32.3', false, false, 50],
    ['torch', '2.5.1', true, false, 71],
  ]);
  assert.equal(one(m, 'torch').rawName, 'Torch');
  assert.deepEqual(one(m, 'certifi').hashes, [
    `sha256:${sha('certifi-2024.8.30-py3-none-any.whl')}`,
    `sha256:${sha('certifi-2024.8.30.tar.gz')}`,
  ]);
});

test('poetry.lock: direct is inferred from the graph (what no other package requires)', () => {
  const m = parseManifest('poetry-lock', 'poetry.lock', POETRY_LOCK_2_0);
  assert.equal(one(m, 'requests').direct, false, 'gradio requires requests');
  assert.equal(one(m, 'certifi').direct, false, 'requests requires certifi');
  assert.equal(one(m, 'gradio').direct, true);
});

test('poetry.lock: git and legacy-index sources', () => {
  const m = parseManifest('poetry-lock', 'poetry.lock', POETRY_LOCK_2_0);
  const gradio = one(m, 'gradio');
  assert.deepEqual(
    [gradio.source, gradio.url, gradio.hashes],
    ['vcs', 'https://github.com/gradio-app/gradio.git', []],
  );
  const sdk = one(m, 'private-sdk');
  assert.deepEqual([sdk.source, sdk.index], ['registry', 'https://pypi.acme.internal/simple']);
  assert.equal(one(m, 'requests').index, undefined, 'PyPI packages carry no per-package index');
});

test('poetry.lock 2.1 (Poetry 2): groups decide dev; markers kept', () => {
  const m = parseManifest('poetry-lock', 'poetry.lock', POETRY_LOCK_2_1);
  assert.deepEqual(m.problems, []);
  assert.deepEqual(summary(m), [
    ['colorama', '0.4.6', false, true, 3],
    ['packaging', '24.2', false, false, 15],
    ['pytest', '8.3.4', true, true, 26],
    ['transformers', '4.46.3', true, false, 41],
  ]);
  assert.equal(one(m, 'colorama').markers, 'sys_platform == "win32"');
});

test('poetry.lock 1.1: category decides dev; hashes come from [metadata.files]', () => {
  const m = parseManifest('poetry-lock', 'poetry.lock', POETRY_LOCK_1_1);
  assert.deepEqual(m.problems, []);
  assert.deepEqual(summary(m), [
    ['pyyaml', '5.3.1', true, false, 1],
    ['flake8', '3.8.4', true, true, 9],
  ]);
  assert.equal(one(m, 'pyyaml').hashes.length, 2);
});

test('poetry.lock without [metadata] is reported (not a file Poetry wrote) but still read', () => {
  const m = parseManifest('poetry-lock', 'poetry.lock', '[[package]]\nname = "x"\nversion = "1.0"\n');
  assert.equal(m.dependencies.length, 1);
  assert.match(m.problems[0]!.message, /lock-version/);
});

// ---- uv.lock ----

test('uv.lock: the editable root is not a dependency; its lists mark direct and dev', () => {
  const m = parseManifest('uv-lock', 'uv.lock', UV_LOCK);
  assert.deepEqual(m.problems, []);
  assert.deepEqual([m.locked, m.requireHashes], [true, true]);
  assert.equal(
    m.dependencies.some((d) => d.name === 'rag-service'),
    false,
  );
  assert.deepEqual(summary(m), [
    ['certifi', '2024.8.30', false, false, 9],
    ['internal-embeddings', '2.1.0', true, false, 18],
    ['pytest', '8.3.4', true, true, 26],
    ['iniconfig', '2.0.0', false, true, 39],
    ['requests', '2.32.3', false, false, 77],
    ['torch', '2.5.1+cu124', true, false, 88],
    ['vllm', '0.6.4.post1', true, false, 96],
  ]);
});

test('uv.lock: sources (git, a non-PyPI registry) and sdist + wheel hashes', () => {
  const m = parseManifest('uv-lock', 'uv.lock', UV_LOCK);
  const emb = one(m, 'internal-embeddings');
  assert.equal(emb.source, 'vcs');
  assert.equal(
    emb.url,
    'https://github.com/acme/embeddings?tag=v2.1.0#3d2c1b0a996f5e1e8a4c3b2d1f0e9d8c7b6a5f4e',
  );
  const torch = one(m, 'torch');
  assert.deepEqual([torch.source, torch.index], ['registry', 'https://download.pytorch.org/whl/cu124']);
  assert.deepEqual(one(m, 'certifi').hashes, [
    `sha256:${sha('certifi-2024.8.30.tar.gz')}`,
    `sha256:${sha('certifi-2024.8.30-py3-none-any.whl')}`,
  ]);
});

test('uv.lock without a project package falls back to the graph for direct', () => {
  const lock = `version = 1
requires-python = ">=3.12"

[[package]]
name = "a"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]

[[package]]
name = "b"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
`;
  const m = parseManifest('uv-lock', 'uv.lock', lock);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.direct]),
    [
      ['a', true],
      ['b', false],
    ],
  );
});

test('uv.lock workspaces: members listed in [manifest] are projects, other editables are path deps', () => {
  const lock = `version = 1
requires-python = ">=3.12"

[manifest]
members = ["app", "core"]

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "core" }, { name = "vendored" }]

[[package]]
name = "core"
version = "0.1.0"
source = { editable = "packages/core" }
dependencies = [{ name = "idna" }]

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "vendored"
version = "1.0"
source = { directory = "../vendored" }
`;
  const m = parseManifest('uv-lock', 'uv.lock', lock);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.source, d.direct, d.url]),
    [
      ['idna', 'registry', true, undefined],
      ['vendored', 'path', true, '../vendored'],
    ],
  );
});

test('uv.lock with an unknown version is reported; invalid TOML gives a problem with its line', () => {
  const v2 = parseManifest('uv-lock', 'uv.lock', 'version = 2\n');
  assert.match(v2.problems[0]!.message, /version 2/);
  const bad = parseManifest('uv-lock', 'uv.lock', 'version = 1\n\n[[package]]\nname = "x\n');
  assert.deepEqual(bad.dependencies, []);
  assert.equal(bad.problems.length, 1);
  assert.equal(bad.problems[0]!.line, 4);
});

// ---- Pipfile.lock ----

test('Pipfile.lock: default and develop, == versions, hashes, markers, extras, per-package index', () => {
  const m = parseManifest('pipfile-lock', 'Pipfile.lock', PIPFILE_LOCK);
  assert.deepEqual(m.problems, []);
  assert.deepEqual([m.locked, m.requireHashes], [true, true]);
  assert.deepEqual(summary(m), [
    ['certifi', '2024.8.30', true, false, 24],
    ['internal-tools', undefined, true, false, 33],
    ['private-sdk', '2.3.0', true, false, 37],
    ['requests', '2.32.3', true, false, 44],
    ['pytest', '8.3.4', true, true, 57],
  ]);
  const requests = one(m, 'requests');
  assert.deepEqual(
    [requests.rawName, requests.extras, requests.markers, requests.index],
    ['Requests', ['socks'], "python_version >= '3.8'", 'pypi'],
  );
  assert.equal(one(m, 'private-sdk').index, 'acme');
  const tools = one(m, 'internal-tools');
  assert.deepEqual(
    [tools.source, tools.url],
    ['vcs', 'https://github.com/acme/internal-tools.git@9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6'],
  );
});

test('Pipfile.lock sources: the first is primary, the others explicit', () => {
  const m = parseManifest('pipfile-lock', 'Pipfile.lock', PIPFILE_LOCK);
  assert.deepEqual(m.indexes, [
    { url: 'https://pypi.org/simple', role: 'primary', name: 'pypi', line: 13 },
    { url: 'https://pypi.acme.internal/simple', role: 'explicit', name: 'acme', line: 18 },
  ]);
});

test('Pipfile.lock: invalid JSON and wrong shapes are problems', () => {
  const bad = parseManifest('pipfile-lock', 'Pipfile.lock', '{"default": {');
  assert.deepEqual(bad.dependencies, []);
  assert.match(bad.problems[0]!.message, /^not valid JSON/);
  const shapes = parseManifest(
    'pipfile-lock',
    'Pipfile.lock',
    '{"_meta": {}, "default": [], "develop": {"x": 1}}',
  );
  assert.deepEqual(shapes.dependencies, []);
  assert.equal(shapes.problems.length, 2);
  assert.equal(parseManifest('pipfile-lock', 'Pipfile.lock', '[]').problems.length, 1);
});

// ---- pdm.lock ----

test('pdm.lock: extras twins merged, groups decide dev, graph decides direct, git packages', () => {
  const m = parseManifest('pdm-lock', 'pdm.lock', PDM_LOCK);
  assert.deepEqual(m.problems, []);
  assert.deepEqual([m.locked, m.requireHashes], [true, true]);
  assert.deepEqual(summary(m), [
    ['django', '5.1.4', true, false, 13],
    ['argon2-cffi', '23.1.0', false, false, 44],
    ['asgiref', '3.8.1', false, false, 54],
    ['sqlparse', '0.5.2', false, false, 64],
    ['pytest-plugin', '0.1.0', true, true, 74],
  ]);
  const django = one(m, 'django');
  assert.deepEqual(django.extras, ['argon2']);
  assert.equal(django.hashes.length, 2, 'the same file hash is not counted twice');
  const plugin = one(m, 'pytest-plugin');
  assert.deepEqual(
    [plugin.source, plugin.url],
    ['vcs', 'https://github.com/acme/pytest-plugin.git@0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d'],
  );
});

test('pdm.lock without metadata is reported', () => {
  const m = parseManifest('pdm-lock', 'pdm.lock', '[[package]]\nname = "x"\nversion = "1"\n');
  assert.equal(m.dependencies.length, 1);
  assert.match(m.problems[0]!.message, /lock_version/);
});

test('a lock whose package list is not a list, or whose entries have no name', () => {
  for (const kind of ['poetry-lock', 'uv-lock', 'pdm-lock'] as const) {
    const notArray = parseManifest(
      kind,
      'x.lock',
      'version = 1\npackage = "nope"\n[metadata]\nlock-version = "2.0"\nlock_version = "4.5.0"\n',
    );
    assert.ok(
      notArray.problems.some((p) => /not an array/.test(p.message)),
      `${kind}: ${JSON.stringify(notArray.problems)}`,
    );
    const nameless = parseManifest(kind, 'x.lock', 'version = 1\n[[package]]\nversion = "1.0"\n');
    assert.ok(
      nameless.problems.some((p) => /without a name/.test(p.message) && p.line === 2),
      `${kind}: ${JSON.stringify(nameless.problems)}`,
    );
  }
});
