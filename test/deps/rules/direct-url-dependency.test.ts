import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { directUrlDependency } from '../../../src/scan/rules/deps/direct-url-dependency.ts';
import { ctx, dep, manifest, subject } from './build.ts';

const url = (u: string, line = 1) => dep('flash-attn', { source: 'url', url: u, line });

describe('deps/direct-url-dependency', () => {
  it('reports an https direct reference as medium, at its line', () => {
    const [f] = directUrlDependency.check(
      subject(
        manifest([
          url(
            'https://github.com/Dao-AILab/flash-attention/releases/download/v2.7.0/flash_attn-2.7.0-cp311-linux_x86_64.whl',
            4,
          ),
        ]),
      ),
      ctx(),
    );
    assert.equal(f!.severity, 'medium');
    assert.equal(f!.location.line, 4);
    assert.equal(f!.evidence?.hashed, false);
    assert.match(f!.message, /flash-attn is downloaded from https:\/\/github\.com/);
  });

  it('rates plain http high, and a hash in the fragment or as --hash low', () => {
    const severities = directUrlDependency
      .check(
        subject(
          manifest([
            url('http://mirror.example.test/flash_attn-2.7.0.tar.gz'),
            url(
              'https://example.test/flash_attn-2.7.0.tar.gz#sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
            ),
            dep('flash-attn', { source: 'url', url: 'https://example.test/x.whl', hashes: ['sha256:9f86'] }),
          ]),
        ),
        ctx(),
      )
      .map((f) => f.severity);
    assert.deepEqual(severities, ['high', 'low', 'low']);
  });

  it('reports an off-registry npm tarball and locates include entries in their file', () => {
    const [f] = directUrlDependency.check(
      subject(
        manifest([
          dep('left-pad', {
            ecosystem: 'npm',
            name: 'left-pad',
            source: 'url',
            url: 'https://tarballs.example.test/left-pad-1.3.0.tgz',
            line: 20,
            file: 'sub/requirements.txt',
          }),
        ]),
      ),
      ctx(),
    );
    assert.deepEqual(f!.location, { path: 'sub/requirements.txt', line: 20 });
  });

  it('is silent for registry, VCS and path dependencies', () => {
    const m = manifest([
      dep('torch', { version: '2.5.1' }),
      dep('acme', { source: 'vcs', url: 'git+https://example.test/acme' }),
      dep('local', { source: 'path', url: 'file:///opt/local' }),
    ]);
    assert.deepEqual(directUrlDependency.check(subject(m), ctx()), []);
  });
});
