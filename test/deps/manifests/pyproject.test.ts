import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifest } from '../../../src/deps/manifests/index.ts';
import type { Dependency, Manifest } from '../../../src/deps/types.ts';
import {
  BROKEN_PYPROJECT,
  PDM_PYPROJECT,
  POETRY_PYPROJECT,
  POETRY2_PYPROJECT,
  UV_PYPROJECT,
} from '../../fixtures/deps/manifests/pyproject.ts';

function all(manifest: Manifest, name: string): Dependency[] {
  return manifest.dependencies.filter((d) => d.name === name);
}

function one(manifest: Manifest, name: string): Dependency {
  const found = all(manifest, name);
  assert.equal(found.length, 1, `expected one ${name}, got ${found.length}`);
  return found[0]!;
}

test('PEP 621 dependencies: pins, specifiers, extras, markers, URL requirements, with their lines', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', UV_PYPROJECT);
  assert.deepEqual(m.problems, []);
  assert.equal(m.locked, false);
  assert.deepEqual(one(m, 'langchain-core'), {
    ecosystem: 'PyPI',
    name: 'langchain-core',
    rawName: 'langchain-core',
    source: 'registry',
    hashes: [],
    direct: true,
    version: '0.3.21',
    line: 9,
  });
  const transformers = one(m, 'transformers');
  assert.deepEqual(
    [transformers.specifier, transformers.extras, transformers.line],
    ['>=4.46,<5', ['torch'], 11],
  );
  assert.equal(one(m, 'llama-cpp-python').markers, "sys_platform != 'win32'");
  const peft = one(m, 'peft');
  assert.deepEqual(
    [peft.source, peft.url, peft.line],
    ['vcs', 'git+https://github.com/huggingface/peft.git@v0.13.2', 14],
  );
});

test('optional dependencies are dev only when the extra is dev-like; PEP 735 groups are dev', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', UV_PYPROJECT);
  const vllm = one(m, 'vllm');
  assert.equal(vllm.dev, undefined, 'an extra named gpu is a runtime extra');
  assert.equal(vllm.line, 18);
  assert.equal(one(m, 'pytest').dev, true);
  assert.equal(one(m, 'pytest-asyncio').line, 19);
  assert.deepEqual([one(m, 'ruff').dev, one(m, 'ruff').line], [true, 23]);
  assert.deepEqual([one(m, 'mypy').dev, one(m, 'mypy').version, one(m, 'mypy').line], [true, '1.13.0', 26]);
  assert.equal(one(m, 'fastapi').dev, undefined);
  assert.equal(
    m.dependencies.some((d) => d.name === 'hatchling'),
    false,
    'build requirements are not project dependencies',
  );
});

test('uv sources redirect the named dependency; uv indexes get roles', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', UV_PYPROJECT);
  const torch = one(m, 'torch');
  assert.deepEqual([torch.source, torch.index, torch.specifier], ['registry', 'pytorch-cu124', '>=2.5']);
  const embeddings = one(m, 'internal-embeddings');
  assert.deepEqual([embeddings.source, embeddings.url], ['vcs', 'https://github.com/acme/embeddings@v2.1.0']);
  assert.deepEqual(m.indexes, [
    { url: 'https://download.pytorch.org/whl/cu124', role: 'explicit', name: 'pytorch-cu124', line: 34 },
    { url: 'https://pypi.acme.internal/simple', role: 'extra', name: 'acme', line: 39 },
  ]);
});

test('Poetry: constraint strings, exact bare versions, tables, arrays of constraints, skipping python', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', POETRY_PYPROJECT);
  assert.deepEqual(m.problems, []);
  assert.equal(
    m.dependencies.some((d) => d.name === 'python'),
    false,
  );
  assert.deepEqual(
    [one(m, 'openai').specifier, one(m, 'openai').version, one(m, 'openai').line],
    ['^1.56', undefined, 10],
  );
  assert.equal(one(m, 'tiktoken').version, '0.8.0', 'a bare Poetry version is an exact pin');
  const langchain = one(m, 'langchain');
  assert.deepEqual([langchain.specifier, langchain.extras], ['>=0.3,<0.4', ['openai']]);
  const torch = all(m, 'torch');
  assert.deepEqual(
    torch.map((t) => [t.version, t.index, t.markers, t.line]),
    [
      ['2.5.1', undefined, "sys_platform == 'darwin'", 13],
      ['2.5.1+cu124', 'pytorch', "sys_platform == 'linux'", 13],
    ],
  );
  assert.equal(one(m, 'private-sdk').index, 'acme');
  const utils = one(m, 'my-utils');
  assert.deepEqual([utils.source, utils.url, utils.rawName], ['path', '../my-utils', 'my-utils']);
  const gradio = one(m, 'gradio');
  assert.deepEqual([gradio.source, gradio.url], ['vcs', 'https://github.com/gradio-app/gradio.git@v5.7.1']);
  const zoo = one(m, 'model-zoo');
  assert.deepEqual([zoo.source, zoo.version], ['url', '1.0.0']);
});

test('Poetry groups: dev is dev, an optional runtime group (gpu) is not', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', POETRY_PYPROJECT);
  assert.deepEqual([one(m, 'pytest').dev, one(m, 'pytest').line], [true, 23]);
  assert.equal(one(m, 'black').version, '24.10.0');
  assert.equal(one(m, 'bitsandbytes').dev, undefined);
  assert.equal(one(m, 'openai').dev, undefined);
});

test('Poetry sources: priority maps to role', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', POETRY_PYPROJECT);
  assert.deepEqual(m.indexes, [
    { url: 'https://download.pytorch.org/whl/cu124', role: 'explicit', name: 'pytorch', line: 29 },
    { url: 'https://pypi.acme.internal/simple/', role: 'extra', name: 'acme', line: 34 },
  ]);
});

test('Poetry 2: [project] declares, [tool.poetry.dependencies] only adds the source', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', POETRY2_PYPROJECT);
  assert.deepEqual(m.problems, []);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.specifier, d.index, d.line]),
    [
      ['requests', '>=2.32,<3.0', undefined, 6],
      ['private-sdk', '>=2.0', 'acme', 7],
    ],
  );
  assert.deepEqual(m.indexes, [
    { url: 'https://pypi.acme.internal/simple/', role: 'primary', name: 'acme', line: 13 },
  ]);
});

test('PDM: dev-dependencies groups are dev; sources are extra indexes or find-links', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', PDM_PYPROJECT);
  assert.deepEqual(m.problems, []);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.dev ?? false, d.line]),
    [
      ['httpx', false, 4],
      ['pytest', true, 8],
      ['ruff', true, 9],
    ],
  );
  assert.deepEqual(
    m.indexes.map((i) => [i.name, i.role, i.line]),
    [
      ['private', 'extra', 11],
      ['wheels', 'find-links', 16],
    ],
  );
});

test('invalid TOML: no dependencies and a problem with the line', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', BROKEN_PYPROJECT);
  assert.deepEqual(m.dependencies, []);
  assert.equal(m.problems.length, 1);
  assert.match(m.problems[0]!.message, /^not valid TOML/);
  assert.equal(m.problems[0]!.line, 3);
});

test('a bad requirement string in an otherwise valid file is a problem on its line', () => {
  const m = parseManifest(
    'pyproject',
    'pyproject.toml',
    '[project]\ndependencies = [\n  "ok==1.0",\n  "bad name here",\n]\n',
  );
  assert.deepEqual(
    m.dependencies.map((d) => d.name),
    ['ok'],
  );
  assert.equal(m.problems.length, 1);
  assert.equal(m.problems[0]!.line, 4);
});

test('wrong shapes are problems, not crashes', () => {
  const m = parseManifest(
    'pyproject',
    'pyproject.toml',
    '[project]\ndependencies = "requests"\n\n[tool.poetry]\ndependencies = ["x"]\n\n[[tool.uv.index]]\nname = "no-url"\n',
  );
  assert.deepEqual(m.dependencies, []);
  assert.equal(m.problems.length, 3);
});

test('a pyproject with no dependencies at all is empty and clean', () => {
  const m = parseManifest('pyproject', 'pyproject.toml', '[tool.ruff]\nline-length = 100\n');
  assert.deepEqual([m.dependencies, m.indexes, m.problems], [[], [], []]);
});

test('uv: workspace and url sources, index-url / extra-index-url / find-links, legacy dev-dependencies', () => {
  const text = `[project]
name = "app"
dependencies = ["core", "lib>=1"]

[tool.uv.sources]
core = { workspace = true }
lib = { url = "https://example.com/dist/lib-1.0.tar.gz" }

[tool.uv]
index-url = "https://mirror.example/simple"
extra-index-url = ["https://extra.example/simple"]
find-links = ["./wheels"]
dev-dependencies = ["pytest>=8"]
`;
  const m = parseManifest('pyproject', 'pyproject.toml', text);
  assert.deepEqual(m.problems, []);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.source, d.url, d.dev ?? false, d.line]),
    [
      ['core', 'path', undefined, false, 3],
      ['lib', 'url', 'https://example.com/dist/lib-1.0.tar.gz', false, 3],
      ['pytest', 'registry', undefined, true, 13],
    ],
  );
  assert.deepEqual(
    m.indexes.map((i) => [i.url, i.role, i.line]),
    [
      ['https://mirror.example/simple', 'primary', 10],
      ['https://extra.example/simple', 'extra', 11],
      ['./wheels', 'find-links', 12],
    ],
  );
});

test('Poetry 2: a git source given in [tool.poetry.dependencies] redirects the [project] entry', () => {
  const text = `[project]
name = "agent"
dependencies = ["mylib"]

[tool.poetry.dependencies]
mylib = { git = "https://github.com/acme/mylib.git", branch = "main" }
`;
  const m = parseManifest('pyproject', 'pyproject.toml', text);
  assert.deepEqual(
    m.dependencies.map((d) => [d.name, d.source, d.url, d.line]),
    [['mylib', 'vcs', 'https://github.com/acme/mylib.git@main', 3]],
  );
});
