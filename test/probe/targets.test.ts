import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParapetError } from '../../src/core/errors.ts';
import {
  DEFAULT_PORTS,
  expandCidr,
  isLoopbackHost,
  parseTarget,
  parseTargetList,
  planTargets,
} from '../../src/probe/targets.ts';

const bases = (spec: string, ports?: number[]): string[] => [...parseTarget(spec, ports)].map((t) => t.base);

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof ParapetError && err.code === 'USAGE' && pattern.test(err.message),
  );
}

describe('probe targets', () => {
  it('takes URLs, keeping a path prefix and the scheme', () => {
    assert.deepEqual(bases('http://10.0.0.5:11434'), ['http://10.0.0.5:11434']);
    assert.deepEqual(bases('https://llm.internal/ollama/'), ['https://llm.internal:443/ollama']);
    assert.deepEqual(bases('http://[::1]:8000'), ['http://[::1]:8000']);
  });

  it('takes host:port as one explicit target', () => {
    const [t] = [...parseTarget('gpu-box.lan:8000')];
    assert.equal(t?.base, 'http://gpu-box.lan:8000');
    assert.equal(t?.explicit, true);
  });

  it('expands a bare host to the default LLM ports, each once', () => {
    const got = bases('gpu-box');
    assert.equal(got.length, DEFAULT_PORTS.length);
    assert.ok(got.includes('http://gpu-box:11434') && got.includes('http://gpu-box:8265'));
    assert.equal(new Set(DEFAULT_PORTS).size, DEFAULT_PORTS.length);
  });

  it('expands 127.0.0.0/30 to its four addresses', () => {
    assert.deepEqual([...expandCidr('127.0.0.0/30')], ['127.0.0.0', '127.0.0.1', '127.0.0.2', '127.0.0.3']);
    assert.deepEqual(
      bases('127.0.0.0/30:11434'),
      [0, 1, 2, 3].map((i) => `http://127.0.0.${i}:11434`),
    );
    // Written from the middle, it is still the block it lies in.
    assert.deepEqual([...expandCidr('10.1.2.7/31')], ['10.1.2.6', '10.1.2.7']);
    assert.deepEqual([...expandCidr('10.1.2.7/32')], ['10.1.2.7']);
  });

  it('caps a range at a /16 with a clear error', () => {
    assert.equal(planTargets(['10.0.0.0/16:80']).count, 65536);
    usageError(() => planTargets(['10.0.0.0/15']), /at most a \/16/);
  });

  it('refuses what does not parse, never dropping it silently', () => {
    usageError(() => planTargets(['10.0.0.0/33']), /prefix/);
    usageError(() => planTargets(['300.1.1.1/24']), /octet/);
    usageError(() => planTargets(['host:99999']), /outside 1-65535/);
    usageError(() => planTargets(['host:abc']), /not a number/);
    usageError(() => planTargets(['ftp://host']), /only http and https/);
    usageError(() => planTargets(['bad host!']), /not a host name/);
    usageError(() => planTargets(['fe80::/64']), /IPv4 CIDR/);
    usageError(() => planTargets(['http://user:pw@host']), /credentials/);
    usageError(() => planTargets([]), /no probe target/);
  });

  it('reads a target file with comments and blank lines', () => {
    assert.deepEqual(parseTargetList('# lab\n127.0.0.1:11434  # ollama\n\n  http://x:1\r\n'), [
      '127.0.0.1:11434',
      'http://x:1',
    ]);
  });

  it('de-duplicates targets named twice and counts lazily', () => {
    const plan = planTargets(['127.0.0.1:8000', 'http://127.0.0.1:8000', '127.0.0.0/30:8000']);
    assert.deepEqual([...plan.targets()].map((t) => t.base).length, 4);
  });

  it('knows loopback from the rest', () => {
    for (const h of ['127.0.0.1', '127.9.9.9', 'localhost', '::1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['10.0.0.1', '128.0.0.1', 'example.com', '::2']) assert.ok(!isLoopbackHost(h), h);
  });
});
