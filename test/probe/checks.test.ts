import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, type ProbeEvidence } from '../../src/probe/checks.ts';
import { vulnerabilitiesFor } from '../../src/probe/cves.ts';
import { fingerprint, type Observations } from '../../src/probe/fingerprints.ts';
import { type Exchange, isMutatingPath, PROBE_ORIGIN } from '../../src/probe/http.ts';
import { makeTarget } from '../../src/probe/targets.ts';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Exchange => ({
  status,
  headers,
  body: JSON.stringify(body),
});
const text = (status: number, body: string, headers: Record<string, string> = {}): Exchange => ({
  status,
  headers,
  body,
});

function run(o: Observations, host = '127.0.0.1', invalidPosts: Record<string, Exchange> = {}) {
  const target = makeTarget('http', host, 11434, true);
  const fp = fingerprint(o);
  const e: ProbeEvidence = { target, observations: o, fingerprint: fp, invalidPosts };
  return { fp, findings: evaluate(e) };
}
const ids = (fs: { ruleId: string }[]): string[] => [...new Set(fs.map((f) => f.ruleId))].sort();

describe('version -> CVE', () => {
  it('matches Ollama below 0.1.34 to CVE-2024-37032, not at or above it', () => {
    assert.ok(vulnerabilitiesFor('ollama', '0.1.33').some((v) => v.id === 'CVE-2024-37032'));
    assert.ok(!vulnerabilitiesFor('ollama', '0.1.34').some((v) => v.id === 'CVE-2024-37032'));
    assert.ok(vulnerabilitiesFor('ollama', '0.1.34-rc1').some((v) => v.id === 'CVE-2024-37032'));
    assert.ok(vulnerabilitiesFor('ollama', '0.17.0').some((v) => v.id === 'CVE-2026-7482'));
    assert.deepEqual(vulnerabilitiesFor('ollama', '0.17.1'), []);
  });
  it('honours ranges with an introduced version and exact compromised releases', () => {
    assert.ok(vulnerabilitiesFor('vllm', '0.10.2').some((v) => v.id === 'CVE-2025-62164'));
    assert.ok(!vulnerabilitiesFor('vllm', '0.10.1').some((v) => v.id === 'CVE-2025-62164'));
    assert.ok(vulnerabilitiesFor('litellm', '1.82.7').some((v) => v.severity === 'critical'));
    // 1.82.9 is clean of the compromise but inside CVE-2026-42208's range (1.81.16 to before 1.83.7).
    assert.deepEqual(
      vulnerabilitiesFor('litellm', '1.82.9').map((v) => v.id),
      ['CVE-2026-42208'],
    );
    assert.deepEqual(vulnerabilitiesFor('litellm', '1.83.7'), []);
    assert.deepEqual(vulnerabilitiesFor('ollama', 'not-a-version'), []);
    assert.deepEqual(vulnerabilitiesFor('parapet', '0.0.1'), []);
  });
});

describe('probe checks on recorded answers', () => {
  const ollama = (version: string): Observations => ({
    '/': text(200, 'Ollama is running'),
    '/api/version': json(200, { version }),
    '/api/tags': json(200, { models: [{ name: 'llama3.2:latest' }] }),
  });

  it('an open, old Ollama: listing, inferred generation and admin routes (critical), CVE', () => {
    const { fp, findings } = run(ollama('0.1.33'));
    assert.equal(fp.product, 'ollama');
    assert.deepEqual(ids(findings), [
      'probe/open-management-endpoint',
      'probe/server-identified',
      'probe/unauthenticated-generation',
      'probe/unauthenticated-model-listing',
      'probe/vulnerable-version',
    ]);
    assert.equal(findings.find((f) => f.ruleId === 'probe/open-management-endpoint')?.severity, 'critical');
  });

  it('an Ollama behind an auth proxy (401 on /api/tags): identified only', () => {
    const o = { ...ollama('0.17.1'), '/api/tags': json(401, { error: 'unauthorized' }) };
    assert.deepEqual(ids(run(o).findings), ['probe/server-identified']);
  });

  it('CORS: a reflected origin with credentials is high, without medium, none when not reflected', () => {
    const base = ollama('0.17.1');
    const reflect = (credentials: boolean): Observations => ({
      ...base,
      '/': text(200, 'Ollama is running', {
        'access-control-allow-origin': PROBE_ORIGIN,
        ...(credentials ? { 'access-control-allow-credentials': 'true' } : {}),
      }),
    });
    const cors = (o: Observations) => run(o).findings.find((f) => f.ruleId === 'probe/cors-any-origin');
    assert.equal(cors(reflect(true))?.severity, 'high');
    assert.equal(cors(reflect(false))?.severity, 'medium');
    assert.equal(
      cors({ ...base, '/': text(200, 'Ollama is running', { 'access-control-allow-origin': '*' }) })
        ?.severity,
      'medium',
    );
    assert.equal(
      cors({
        ...base,
        '/': text(200, 'Ollama is running', { 'access-control-allow-origin': 'https://app.example' }),
      }),
      undefined,
    );
    assert.equal(cors(base), undefined);
  });

  it('plain HTTP only off loopback', () => {
    assert.ok(run(ollama('0.17.1'), '10.0.0.5').findings.some((f) => f.ruleId === 'probe/plain-http'));
    assert.ok(!run(ollama('0.17.1'), '127.0.0.1').findings.some((f) => f.ruleId === 'probe/plain-http'));
  });

  it('an invalid body answered 422 is open generation; 401 is not', () => {
    const o: Observations = {
      '/': text(200, 'x'),
      '/info': json(200, { model_id: 'm', model_dtype: 'f16', version: '2.4.0' }),
    };
    assert.ok(
      run(o, '127.0.0.1', { '/generate': text(422, 'missing field `inputs`') }).findings.some(
        (f) => f.ruleId === 'probe/unauthenticated-generation',
      ),
    );
    assert.ok(
      !run(o, '127.0.0.1', { '/generate': text(401, 'Unauthorized') }).findings.some(
        (f) => f.ruleId === 'probe/unauthenticated-generation',
      ),
    );
    assert.ok(
      !run(o, '127.0.0.1', { '/generate': text(500, 'boom') }).findings.some(
        (f) => f.ruleId === 'probe/unauthenticated-generation',
      ),
    );
  });

  it('Open WebUI accounts: no login and onboarding are critical, open sign-up high, closed none', () => {
    const owu = (features: Record<string, unknown>, onboarding = false): Observations => ({
      '/': text(200, '<html>'),
      '/api/config': json(200, { status: true, name: 'Open WebUI', version: '0.9.1', features, onboarding }),
    });
    const signup = (o: Observations) =>
      run(o).findings.find((f) => f.ruleId === 'probe/open-signup')?.severity;
    assert.equal(signup(owu({ auth: false, enable_signup: false })), 'critical');
    assert.equal(signup(owu({ auth: true, enable_signup: true }, true)), 'critical');
    assert.equal(signup(owu({ auth: true, enable_signup: true })), 'high');
    assert.equal(signup(owu({ auth: true, enable_signup: false })), undefined);
  });

  it('metrics only when Prometheus text answers', () => {
    const o = (body: string): Observations => ({ '/': text(200, 'x'), '/metrics': text(200, body) });
    assert.ok(
      run(o('# HELP vllm:x y\n# TYPE vllm:x gauge\nvllm:x 0\n')).findings.some(
        (f) => f.ruleId === 'probe/metrics-exposed',
      ),
    );
    assert.ok(!run(o('<html>not metrics</html>')).findings.some((f) => f.ruleId === 'probe/metrics-exposed'));
  });

  it('an unknown server answering nothing of note gives no findings', () => {
    assert.deepEqual(
      run({ '/': text(200, '<html>hello</html>'), '/v1/models': text(200, '<html>spa</html>') }).findings,
      [],
    );
  });

  it('refuses mutating routes at the client', () => {
    for (const p of [
      '/api/pull',
      '/api/delete',
      '/api/create',
      '/api/push',
      '/api/copy',
      '/api/blobs/sha256:x',
      '/v1/load_lora_adapter',
      '/slots/0',
    ])
      assert.ok(isMutatingPath(p), p);
    for (const p of ['/api/tags', '/api/version', '/slots', '/v1/models', '/api/ps'])
      assert.ok(!isMutatingPath(p), p);
  });
});
