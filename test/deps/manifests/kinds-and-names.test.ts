import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MANIFEST_FILE_PATTERNS, manifestKindOf } from '../../../src/deps/manifests/index.ts';
import { redactUrl } from '../../../src/deps/manifests/locations.ts';
import { parseRequirement } from '../../../src/deps/manifests/pep508.ts';
import { normalizePypiName } from '../../../src/deps/pep503.ts';

test('manifestKindOf recognises each format by name, in any directory', () => {
  const cases: [string, string][] = [
    ['pyproject.toml', 'pyproject'],
    ['a/b/poetry.lock', 'poetry-lock'],
    ['uv.lock', 'uv-lock'],
    ['Pipfile.lock', 'pipfile-lock'],
    ['pdm.lock', 'pdm-lock'],
    ['environment.yml', 'conda-environment'],
    ['conda/environment.yaml', 'conda-environment'],
    ['web/package-lock.json', 'package-lock'],
    ['npm-shrinkwrap.json', 'package-lock'],
    ['requirements.txt', 'requirements'],
    ['requirements-dev.txt', 'requirements'],
    ['dev-requirements.txt', 'requirements'],
    ['requirements_test.txt', 'requirements'],
    ['requirements.in', 'requirements'],
    ['constraints.txt', 'requirements'],
    ['constraints-py311.txt', 'requirements'],
    ['requirements/base.txt', 'requirements'],
    ['C:\\proj\\requirements\\gpu.txt', 'requirements'],
    ['REQUIREMENTS.TXT', 'requirements'],
  ];
  for (const [name, kind] of cases) assert.equal(manifestKindOf(name), kind, name);
});

test('manifestKindOf near misses: similar names that are not dependency files', () => {
  for (const name of [
    'pyproject.toml.bak',
    'package.json',
    'Pipfile',
    'poetry.toml',
    'uv.toml',
    'README.txt',
    'requirements.md',
    'MANIFEST.in',
    'docs/requirements/notes.md',
    'environment.yml.example',
    'lock',
    '',
  ]) {
    assert.equal(manifestKindOf(name), undefined, name);
  }
});

test('the exported pattern list covers every kind, for the docs', () => {
  const kinds = new Set(MANIFEST_FILE_PATTERNS.map((p) => p.kind));
  for (const kind of [
    'requirements',
    'pyproject',
    'poetry-lock',
    'uv-lock',
    'pipfile-lock',
    'pdm-lock',
    'conda-environment',
    'package-lock',
  ]) {
    assert.ok(kinds.has(kind as never), kind);
  }
});

test('PEP 503 normalisation', () => {
  assert.equal(normalizePypiName('Typing_Extensions'), 'typing-extensions');
  assert.equal(normalizePypiName('zope.interface'), 'zope-interface');
  assert.equal(normalizePypiName('a-_.-b'), 'a-b');
  assert.equal(normalizePypiName('LLaMA_cpp.Python'), 'llama-cpp-python');
  assert.equal(normalizePypiName('torch'), 'torch');
});

test('PEP 508 parsing: the grammar forms and the errors', () => {
  assert.deepEqual(
    parseRequirement('requests [security,socks] (>=2.8.1, ==2.8.*) ; python_version < "2.7"'),
    {
      rawName: 'requests',
      name: 'requests',
      extras: ['security', 'socks'],
      specifier: '>=2.8.1,==2.8.*',
      markers: 'python_version < "2.7"',
    },
  );
  assert.deepEqual(parseRequirement('name@http://foo.com'), {
    rawName: 'name',
    name: 'name',
    extras: [],
    url: 'http://foo.com',
  });
  assert.deepEqual(
    parseRequirement('pip @ https://github.com/pypa/pip/archive/1.3.1.zip ; python_version >= "3.8"'),
    {
      rawName: 'pip',
      name: 'pip',
      extras: [],
      url: 'https://github.com/pypa/pip/archive/1.3.1.zip',
      markers: 'python_version >= "3.8"',
    },
  );
  assert.equal((parseRequirement('torch===2.5.1+cu124') as { version: string }).version, '2.5.1+cu124');
  assert.equal((parseRequirement('torch == 2.5.1') as { version: string }).version, '2.5.1');
  assert.equal((parseRequirement('torch~=2.5') as { specifier: string }).specifier, '~=2.5');
  for (const bad of [
    '',
    '-foo',
    'foo[bar',
    'foo >=',
    'foo bar',
    'foo ==1 ;',
    'foo @',
    'foo (>=1',
    'foo[b@d]',
  ]) {
    assert.ok('error' in parseRequirement(bad), bad);
  }
});

test('URL credentials are redacted; ssh users and env-var references are not secrets', () => {
  assert.equal(redactUrl('https://user:s3cret@host.example/simple'), 'https://***@host.example/simple');
  assert.equal(redactUrl('https://ghp_token@github.com/o/r.git'), 'https://***@github.com/o/r.git');
  assert.equal(
    redactUrl('git+https://x:y@github.com/o/r.git@v1#egg=r'),
    'git+https://***@github.com/o/r.git@v1#egg=r',
  );
  assert.equal(redactUrl('git+ssh://git@github.com/o/r.git'), 'git+ssh://git@github.com/o/r.git');
  assert.equal(redactUrl('https://host.example/simple'), 'https://host.example/simple');
  assert.equal(
    redactUrl('https://host.example/path@v1'),
    'https://host.example/path@v1',
    'an @ in the path is not user-info',
  );
  assert.equal(redactUrl('./local/path'), './local/path');
});
