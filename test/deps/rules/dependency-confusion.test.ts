import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencyConfusion } from '../../../src/scan/rules/deps/dependency-confusion.ts';
import { ctx, dep, index, manifest, subject } from './build.ts';

const PYTORCH = 'https://download.pytorch.org/whl/cu121';

describe('deps/dependency-confusion', () => {
  it('reports --extra-index-url beside PyPI once, at the index line, private-looking names first', () => {
    const m = manifest(
      [
        dep('torch', { version: '2.5.1', line: 2 }),
        dep('acme-feature-store', { version: '1.4.0', line: 3 }),
        dep('numpy', { specifier: '>=1.26', line: 4 }),
      ],
      { indexes: [index(PYTORCH, 'extra', { line: 1 })] },
    );
    const findings = dependencyConfusion.check(subject(m), ctx());
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.equal(f!.severity, 'high');
    assert.deepEqual(f!.location, { path: 'requirements.txt', line: 1 });
    assert.match(
      f!.message,
      /3 packages may come from https:\/\/download\.pytorch\.org\/whl\/cu121 or from PyPI/,
    );
    assert.match(f!.message, /likely private: acme-feature-store/);
    assert.deepEqual(f!.evidence, {
      primaryIndex: 'PyPI',
      indexes: [{ url: PYTORCH, role: 'extra', line: 1 }],
      exposedCount: 3,
      exposed: ['acme-feature-store', 'torch', 'numpy'],
      unlistedCount: 1,
      unlisted: ['acme-feature-store'],
    });
  });

  it('reports a private primary with PyPI as the extra index (pip ranks them equally)', () => {
    const m = manifest([dep('acme-utils', { line: 3 })], {
      indexes: [
        index('https://pypi.acme.internal/simple', 'primary', { line: 1 }),
        index('https://pypi.org/simple', 'extra', { line: 2 }),
      ],
    });
    const [f] = dependencyConfusion.check(subject(m), ctx());
    assert.equal(f!.evidence?.primaryIndex, 'https://pypi.acme.internal/simple');
    assert.equal(f!.location.line, 2);
  });

  it('locates an index declared in an included file there', () => {
    const m = manifest([dep('torch', { line: 1 })], {
      indexes: [index(PYTORCH, 'extra', { line: 5, file: 'requirements/gpu.txt' })],
    });
    assert.deepEqual(dependencyConfusion.check(subject(m), ctx())[0]!.location, {
      path: 'requirements/gpu.txt',
      line: 5,
    });
  });

  it('rates --find-links alone and a uv lock one level lower', () => {
    const links = manifest([dep('torch')], { indexes: [index('./wheels', 'find-links', { line: 1 })] });
    assert.equal(dependencyConfusion.check(subject(links), ctx())[0]!.severity, 'medium');
    const uv = manifest([dep('torch', { version: '2.5.1' })], {
      kind: 'uv-lock',
      locked: true,
      indexes: [index(PYTORCH, 'extra')],
    });
    assert.equal(dependencyConfusion.check(subject(uv), ctx('uv.lock'))[0]!.severity, 'medium');
  });

  it('is silent with one index, explicit indexes, or every package pinned to an index or hashed', () => {
    const single = manifest([dep('acme-utils')], {
      indexes: [index('https://pypi.acme.internal/simple', 'primary')],
    });
    assert.deepEqual(dependencyConfusion.check(subject(single), ctx()), []);
    const explicit = manifest([dep('torch', { index: 'pytorch' }), dep('numpy')], {
      kind: 'pyproject',
      indexes: [index(PYTORCH, 'explicit', { name: 'pytorch' })],
    });
    assert.deepEqual(dependencyConfusion.check(subject(explicit), ctx('pyproject.toml')), []);
    const covered = manifest(
      [dep('torch', { index: 'pytorch' }), dep('numpy', { version: '2.1.0', hashes: ['sha256:ab'] })],
      { indexes: [index(PYTORCH, 'extra')] },
    );
    assert.deepEqual(dependencyConfusion.check(subject(covered), ctx()), []);
  });

  it('ignores npm, URL, VCS and path dependencies', () => {
    const m = manifest(
      [
        dep('openai', { ecosystem: 'npm' }),
        dep('torch', { source: 'url', url: 'https://example.test/torch.whl' }),
        dep('acme', { source: 'vcs', url: 'git+https://example.test/acme' }),
        dep('local', { source: 'path', url: './local' }),
      ],
      { indexes: [index(PYTORCH, 'extra')] },
    );
    assert.deepEqual(dependencyConfusion.check(subject(m), ctx()), []);
  });

  it('caps the evidence lists on a large lock and keeps the exact count', () => {
    const deps = Array.from({ length: 400 }, (_, i) => dep(`acme-internal-${i}`, { version: '1.0.0' }));
    const m = manifest(deps, { indexes: [index(PYTORCH, 'extra')] });
    const [f] = dependencyConfusion.check(subject(m), ctx());
    assert.equal(f!.evidence?.exposedCount, 400);
    assert.equal((f!.evidence!.exposed as string[]).length, 25);
  });
});
