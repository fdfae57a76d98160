import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unhashedDependency } from '../../../src/scan/rules/deps/unhashed-dependency.ts';
import { ctx, dep, manifest, subject } from './build.ts';

const HASH = 'sha256:2b3e4c8c0f1f6a1a0e5d0a3f4e2b6d7c8e9f0a1b2c3d4e5f60718293a4b5c6d7';

describe('deps/unhashed-dependency', () => {
  it('reports the entries without a hash in a requirements file where others have one', () => {
    const m = manifest([
      dep('torch', { version: '2.5.1', hashes: [HASH], line: 1 }),
      dep('numpy', { version: '2.1.0', line: 3 }),
    ]);
    const [f, ...rest] = unhashedDependency.check(subject(m), ctx());
    assert.equal(rest.length, 0);
    assert.equal(f!.severity, 'low');
    assert.deepEqual(f!.location, { path: 'requirements.txt', line: 3 });
    assert.match(f!.message, /1 of 2 entries carry no hash \(numpy\); pip runs in hash-checking mode/);
    assert.deepEqual(f!.evidence, {
      count: 1,
      entries: 2,
      requireHashes: false,
      unhashed: [{ package: 'numpy', version: '2.1.0', line: 3 }],
    });
  });

  it('reports --require-hashes with an entry lacking one, and a lock registry package without a hash', () => {
    const req = manifest([dep('numpy', { version: '2.1.0', line: 2 })], { requireHashes: true });
    assert.equal(unhashedDependency.check(subject(req), ctx()).length, 1);
    const lock = manifest(
      [
        dep('torch', { version: '2.5.1', hashes: [HASH], line: 5 }),
        dep('triton', { version: '3.1.0', line: 40 }),
      ],
      { kind: 'uv-lock', locked: true, requireHashes: true },
    );
    const [f] = unhashedDependency.check(subject(lock), ctx('uv.lock'));
    assert.equal(f!.location.line, 40);
    assert.match(f!.message, /installed unverified/);
  });

  it('counts URL entries but never VCS or path entries', () => {
    const m = manifest([
      dep('torch', { version: '2.5.1', hashes: [HASH] }),
      dep('wheel-from-url', { source: 'url', url: 'https://example.test/x.whl', line: 2 }),
      dep('acme', { source: 'vcs', url: 'git+https://example.test/acme' }),
      dep('local', { source: 'path', url: './local' }),
    ]);
    const [f] = unhashedDependency.check(subject(m), ctx());
    assert.deepEqual(f!.evidence?.unhashed, [{ package: 'wheel-from-url', line: 2 }]);
  });

  it('is silent when no entry has a hash and none is required, or when all have one', () => {
    assert.deepEqual(
      unhashedDependency.check(subject(manifest([dep('numpy', { version: '2.1.0' })])), ctx()),
      [],
    );
    const all = manifest([dep('numpy', { version: '2.1.0', hashes: [HASH] })], { requireHashes: true });
    assert.deepEqual(unhashedDependency.check(subject(all), ctx()), []);
  });
});
