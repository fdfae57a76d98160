import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unpinnedDependency } from '../../../src/scan/rules/deps/unpinned-dependency.ts';
import { ctx, dep, manifest, subject } from './build.ts';

describe('deps/unpinned-dependency', () => {
  it('reports the unpinned direct dependencies of a requirements file once, at the first', () => {
    const m = manifest([
      dep('torch', { version: '2.5.1', line: 1 }),
      dep('transformers', { specifier: '>=4.40,<5', line: 2 }),
      dep('numpy', { line: 3 }),
    ]);
    const findings = unpinnedDependency.check(subject(m), ctx());
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.equal(f!.severity, 'low');
    assert.deepEqual(f!.location, { path: 'requirements.txt', line: 2 });
    assert.equal(f!.message, '2 of 3 direct dependencies have no exact version: transformers, numpy');
    assert.deepEqual(f!.evidence, {
      count: 2,
      directDependencies: 3,
      unpinned: [
        { package: 'transformers', specifier: '>=4.40,<5', line: 2 },
        { package: 'numpy', specifier: '', line: 3 },
      ],
    });
  });

  it('gives each -r include its own finding in its own file', () => {
    const m = manifest([dep('torch', { line: 4 }), dep('pytest', { line: 2, file: 'requirements-dev.txt' })]);
    const findings = unpinnedDependency.check(subject(m), ctx());
    assert.deepEqual(
      findings.map((f) => f.location),
      [
        { path: 'requirements.txt', line: 4 },
        { path: 'requirements-dev.txt', line: 2 },
      ],
    );
  });

  it('is silent on a fully pinned file, lock files, pyproject ranges, and non-registry entries', () => {
    assert.deepEqual(
      unpinnedDependency.check(subject(manifest([dep('torch', { version: '2.5.1' })])), ctx()),
      [],
    );
    const lock = manifest([dep('torch', { specifier: '>=2' })], { kind: 'poetry-lock', locked: true });
    assert.deepEqual(unpinnedDependency.check(subject(lock), ctx('poetry.lock')), []);
    const pyproject = manifest([dep('torch', { specifier: '>=2' })], { kind: 'pyproject' });
    assert.deepEqual(unpinnedDependency.check(subject(pyproject), ctx('pyproject.toml')), []);
    const other = manifest([
      dep('acme', { source: 'vcs', url: 'git+https://example.test/acme' }),
      dep('local', { source: 'path', url: './local' }),
      dep('six', { direct: false }),
    ]);
    assert.deepEqual(unpinnedDependency.check(subject(other), ctx()), []);
  });

  it('caps the evidence on a 300-line file and keeps the count', () => {
    const m = manifest(
      Array.from({ length: 300 }, (_, i) => dep(`pkg-${i}`, { specifier: '>=1', line: i + 1 })),
    );
    const [f] = unpinnedDependency.check(subject(m), ctx());
    assert.equal(f!.evidence?.count, 300);
    assert.equal((f!.evidence!.unpinned as unknown[]).length, 50);
    assert.match(
      f!.message,
      /^300 of 300 direct dependencies have no exact version: pkg-0, .* and 295 more$/,
    );
  });
});
