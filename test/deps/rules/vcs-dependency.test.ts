import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readVcsReference, vcsDependency } from '../../../src/scan/rules/deps/vcs-dependency.ts';
import { ctx, dep, manifest, subject } from './build.ts';

const COMMIT = 'a3f1c2d4e5b6978812345678901234567890abcd';
const vcs = (u: string, line = 1) => dep('peft', { source: 'vcs', url: u, line });

describe('readVcsReference', () => {
  it('reads pip, uv and npm reference forms', () => {
    assert.deepEqual(readVcsReference(`git+https://github.com/huggingface/peft@${COMMIT}#egg=peft`), {
      vcs: 'git',
      ref: COMMIT,
      pin: 'commit',
      plaintext: false,
    });
    assert.equal(readVcsReference('git+https://github.com/huggingface/peft@v0.13.2').pin, 'tag');
    assert.equal(readVcsReference('git+https://github.com/huggingface/peft@main').pin, 'branch');
    assert.equal(readVcsReference('git+https://github.com/huggingface/peft').pin, 'none');
    assert.equal(
      readVcsReference('git+ssh://git@github.com/huggingface/peft.git@1a2b3c4').pin,
      'short-commit',
    );
    assert.equal(
      readVcsReference(`git+https://github.com/huggingface/peft?rev=main#${COMMIT}`).pin,
      'commit',
    );
    assert.equal(readVcsReference('git+https://github.com/huggingface/peft?branch=dev').pin, 'branch');
    assert.equal(readVcsReference('git+ssh://git@github.com/org/repo.git#semver:^1.2.0').pin, 'tag');
    assert.equal(readVcsReference('hg+https://hg.example.test/repo@feature-x').pin, 'branch');
    assert.equal(readVcsReference('svn+https://svn.example.test/repo/trunk@2019').pin, 'revision');
    assert.equal(readVcsReference('git://github.com/org/repo').plaintext, true);
    assert.equal(readVcsReference('git+http://github.com/org/repo').plaintext, true);
  });
});

describe('deps/vcs-dependency', () => {
  it('rates by what the reference pins: commit low, tag medium, branch or none high', () => {
    const findings = vcsDependency.check(
      subject(
        manifest([
          vcs(`git+https://github.com/huggingface/peft@${COMMIT}`, 1),
          vcs('git+https://github.com/huggingface/peft@v0.13.2', 2),
          vcs('git+https://github.com/huggingface/peft@main', 3),
          vcs('git+https://github.com/huggingface/peft', 4),
        ]),
      ),
      ctx(),
    );
    assert.deepEqual(
      findings.map((f) => [f.location.line, f.severity, f.evidence?.pin]),
      [
        [1, 'low', 'commit'],
        [2, 'medium', 'tag'],
        [3, 'high', 'branch'],
        [4, 'high', 'none'],
      ],
    );
    assert.match(findings[2]!.message, /peft is installed from a git repository following a branch/);
  });

  it('rates a plaintext transport high even at a commit, and locates include entries', () => {
    const [f] = vcsDependency.check(
      subject(
        manifest([
          dep('peft', {
            source: 'vcs',
            url: `git://github.com/huggingface/peft@${COMMIT}`,
            line: 9,
            file: 'extra.txt',
          }),
        ]),
      ),
      ctx(),
    );
    assert.equal(f!.severity, 'high');
    assert.deepEqual(f!.location, { path: 'extra.txt', line: 9 });
  });

  it('is silent for registry, URL and path dependencies', () => {
    const m = manifest([
      dep('torch', { version: '2.5.1' }),
      dep('x', { source: 'url', url: 'https://example.test/x.whl' }),
      dep('local', { source: 'path', url: './local' }),
    ]);
    assert.deepEqual(vcsDependency.check(subject(m), ctx()), []);
  });
});
