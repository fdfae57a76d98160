import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createNpmTyposquatIndex, createTyposquatIndex } from '../../../src/deps/typosquat/index.ts';
import { createTyposquatRule, typosquat } from '../../../src/scan/rules/deps/typosquat.ts';
import { ctx, dep, manifest, nameList, subject } from './build.ts';

describe('deps/typosquat', () => {
  it('reports a look-alike of a popular package at its line, with evidence', () => {
    const findings = typosquat.check(
      subject(
        manifest([
          dep('numpy', { version: '1.26.4', line: 1 }),
          dep('reqeusts', { version: '2.31.0', line: 2 }),
        ]),
      ),
      ctx(),
    );
    assert.equal(findings.length, 1);
    const [f] = findings;
    assert.equal(f!.ruleId, 'deps/typosquat');
    assert.equal(f!.severity, 'high');
    assert.deepEqual(f!.location, { path: 'requirements.txt', line: 2 });
    assert.deepEqual(f!.evidence, {
      ecosystem: 'PyPI',
      package: 'reqeusts',
      resembles: 'requests',
      trick: 'transposition',
      detail: 'adjacent "ue" swapped to "eu"',
      version: '2.31.0',
    });
    assert.match(f!.message, /reqeusts resembles the popular package requests/);
  });

  it('locates an entry from a -r include in that file', () => {
    const findings = typosquat.check(
      subject(manifest([dep('transfomers', { line: 7, file: 'requirements/base.txt' })])),
      ctx(),
    );
    assert.deepEqual(findings[0]!.location, { path: 'requirements/base.txt', line: 7 });
  });

  it('reports the import-name-as-package mistake one level lower', () => {
    const [f] = typosquat.check(subject(manifest([dep('dateutil', { line: 3 })])), ctx());
    assert.equal(f!.severity, 'medium');
    assert.equal(f!.evidence?.trick, 'py-affix');
    assert.equal(f!.evidence?.resembles, 'python-dateutil');
  });

  it('reports a name once even when a lock file lists it several times', () => {
    const m = manifest(
      [
        dep('langchian', { version: '0.1.0', line: 10 }),
        dep('langchian', { version: '0.1.0', line: 40, markers: 'os_name == "nt"' }),
      ],
      { kind: 'uv-lock', path: 'uv.lock', locked: true },
    );
    const findings = typosquat.check(subject(m), ctx('uv.lock'));
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.location.line, 10);
  });

  it('does not check URL, VCS or path dependencies by name', () => {
    const m = manifest([
      dep('reqeusts', { source: 'url', url: 'https://example.test/reqeusts-1.0.tar.gz' }),
      dep('reqeusts', {
        source: 'vcs',
        url: 'git+https://example.test/reqeusts@0123456789abcdef0123456789abcdef01234567',
      }),
      dep('reqeusts', { source: 'path', url: './reqeusts' }),
    ]);
    assert.deepEqual(typosquat.check(subject(m), ctx()), []);
  });

  it('checks npm names against the npm list', () => {
    const m = manifest(
      [
        dep('opneai', { ecosystem: 'npm', name: 'opneai', rawName: 'opneai', version: '4.0.0', line: 12 }),
        dep('@langchian/core', {
          ecosystem: 'npm',
          name: '@langchian/core',
          rawName: '@langchian/core',
          line: 30,
        }),
        dep('openai', { ecosystem: 'npm', name: 'openai', rawName: 'openai', line: 40 }),
      ],
      { kind: 'package-lock', path: 'package-lock.json', locked: true },
    );
    const findings = typosquat.check(subject(m), ctx('package-lock.json'));
    assert.deepEqual(
      findings.map((f) => [f.evidence?.package, f.evidence?.resembles, f.evidence?.trick]),
      [
        ['opneai', 'openai', 'transposition'],
        ['@langchian/core', '@langchain/core', 'scope'],
      ],
    );
  });

  it('uses injected indexes', () => {
    const rule = createTyposquatRule({
      PyPI: () => createTyposquatIndex(['internal-toolkit']),
      npm: () => createNpmTyposquatIndex([]),
    });
    const findings = rule.check(subject(manifest([dep('internal-tolokit'), dep('reqeusts')])), ctx());
    assert.deepEqual(
      findings.map((f) => f.evidence?.resembles),
      ['internal-toolkit'],
    );
  });

  it('gives zero findings on the package set of a real ML application lock file', () => {
    const names = nameList(
      readFileSync(new URL('../../fixtures/deps/rules/ml-app-lock-names.txt', import.meta.url), 'utf8'),
    );
    const m = manifest(
      names.map((n, i) =>
        dep(n, { version: '1.0.0', line: i * 12 + 1, direct: false, hashes: ['sha256:00'] }),
      ),
      { kind: 'uv-lock', path: 'uv.lock', locked: true },
    );
    assert.deepEqual(typosquat.check(subject(m), ctx('uv.lock')), []);
  });
});
