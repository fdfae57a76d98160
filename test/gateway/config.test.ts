// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${env:NAME} references
/**
 * Gateway config: a full file read exactly, the defaults, every kind of mistake reported with its dotted
 * key AND the right line, unknown-key suggestions, `${env:NAME}` secrets, relative paths resolved against
 * the config file's folder, and YAML hazards (alias bombs, duplicate keys). Real files in a temp dir.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  GatewayConfigError,
  loadGatewayConfig,
  parseGatewayConfig,
  resolveGatewayConfig,
} from '../../src/gateway/config.ts';
import type { GatewayConfig } from '../../src/gateway/config-types.ts';

const TMP = mkdtempSync(join(tmpdir(), 'parapet-config-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

const NO_ENV = {};
/** The smallest valid config: one upstream. */
const MINIMAL = 'upstreams:\n  - name: local\n    url: http://127.0.0.1:11434\n';

function parse(text: string, env: Record<string, string> = NO_ENV): GatewayConfig {
  return parseGatewayConfig(text, 'parapet.yaml', { env, baseDir: TMP });
}

/** Asserts that `text` fails with exactly this key and line, and a message matching `message`. */
function assertConfigError(
  text: string,
  key: string,
  line: number | undefined,
  message: RegExp,
  env: Record<string, string> = NO_ENV,
): GatewayConfigError {
  let caught: unknown;
  try {
    parse(text, env);
  } catch (err) {
    caught = err;
  }
  assert.ok(
    caught instanceof GatewayConfigError,
    `expected a GatewayConfigError for:\n${text}\ngot ${caught}`,
  );
  assert.equal(caught.key, key, caught.message);
  assert.equal(caught.line, line, caught.message);
  assert.match(caught.message, message);
  const place = line === undefined ? 'parapet.yaml: ' : `parapet.yaml:${line}: `;
  assert.ok(caught.message.startsWith(`${place}${key === '' ? '' : `${key}: `}`), caught.message);
  return caught;
}

test('a full config is read exactly, with paths resolved against the base folder', () => {
  writeFileSync(join(TMP, 'cert.pem'), 'cert');
  writeFileSync(join(TMP, 'key.pem'), 'key');
  writeFileSync(join(TMP, 'output-policy.yaml'), 'preset: strict\nallow:\n  domains: [example.com]\n');
  const text = `# Parapet gateway
listen:
  host: 0.0.0.0
  port: 9000
  tls:
    cert: cert.pem
    key: ${join(TMP, 'key.pem')}
cors:
  origins: [https://app.example.com, "http://localhost:3000/"]
keys:
  store: state/keys.db
upstreams:
  - name: ollama
    url: http://127.0.0.1:11434/
    kind: ollama
    models: ["llama3*", "qwen2.5:7b"]
    timeouts: { connectMs: 1000, headersMs: 2000, idleMs: 3000, totalMs: 4000 }
    retries: 0
    maxResponseBytes: 1000000
  - name: vllm
    url: https://vllm.internal:8000/base
    apiKey: \${env:VLLM_KEY}
limits:
  requestsPerMinute: 0
  tokensPerMinute: 5000
  maxBodyBytes: 2048
  maxMessages: 10
  maxTokens: 100
redis: redis://127.0.0.1:6390/2
guard:
  input:
    enabled: true
    preset: strict
    policy:
      detectors:
        guard/secret: { action: block }
  output:
    policy: output-policy.yaml
  tools:
    allow: [get_weather]
    denyArguments: ["rm\\\\s+-rf", "(?i)nope"]
  spotlight:
    roles: [tool]
    mode: delimit
  systemPrompt: You are a helpful assistant.
audit:
  enabled: false
  path: /var/tmp/audit.db
  logText: true
  batchSize: 10
  flushIntervalMs: 50
metrics:
  enabled: false
`;
  // `(?i)` is not JavaScript: that pattern is the one that must fail; drop it for the valid case.
  const valid = text.replace(', "(?i)nope"', ', "nope"');
  const config = parse(valid, { VLLM_KEY: 'sk-test-123' });
  const expected: GatewayConfig = {
    source: 'parapet.yaml',
    listen: {
      host: '0.0.0.0',
      port: 9000,
      tls: { cert: join(TMP, 'cert.pem'), key: join(TMP, 'key.pem') },
    },
    cors: { origins: ['https://app.example.com', 'http://localhost:3000'] },
    keys: { store: join(TMP, 'state/keys.db') },
    upstreams: [
      {
        name: 'ollama',
        url: 'http://127.0.0.1:11434',
        kind: 'ollama',
        models: ['llama3*', 'qwen2.5:7b'],
        timeouts: { connectMs: 1000, headersMs: 2000, idleMs: 3000, totalMs: 4000 },
        retries: 0,
        maxResponseBytes: 1000000,
      },
      {
        name: 'vllm',
        url: 'https://vllm.internal:8000/base',
        kind: 'openai',
        models: ['*'],
        apiKey: 'sk-test-123',
        timeouts: { connectMs: 5000, headersMs: 60000, idleMs: 60000, totalMs: 600000 },
        retries: 1,
        maxResponseBytes: 16 * 1024 * 1024,
      },
    ],
    limits: {
      requestsPerMinute: 0,
      tokensPerMinute: 5000,
      maxBodyBytes: 2048,
      maxMessages: 10,
      maxTokens: 100,
    },
    redis: 'redis://127.0.0.1:6390/2',
    guard: {
      input: {
        enabled: true,
        preset: 'strict',
        policy: { preset: 'strict', detectors: { 'guard/secret': { action: 'block' } } },
      },
      output: {
        enabled: true,
        preset: 'strict',
        policy: { preset: 'strict', allow: { domains: ['example.com'] } },
      },
      tools: { allow: ['get_weather'], denyArguments: ['rm\\s+-rf', 'nope'] },
      spotlight: { roles: ['tool'], mode: 'delimit' },
      systemPrompt: 'You are a helpful assistant.',
    },
    audit: { enabled: false, path: '/var/tmp/audit.db', logText: true, batchSize: 10, flushIntervalMs: 50 },
    metrics: { enabled: false },
  };
  assert.deepEqual(config, expected);
  // The same file with the non-JavaScript regex names the pattern's index and line.
  assertConfigError(text, 'guard.tools.denyArguments[1]', 41, /not a valid regular expression/, {
    VLLM_KEY: 'x',
  });
});

test('a minimal config gets every default', () => {
  const config = parse(MINIMAL);
  const expected: GatewayConfig = {
    source: 'parapet.yaml',
    listen: { host: '127.0.0.1', port: 8787 },
    cors: { origins: [] },
    keys: { store: join(TMP, 'parapet-keys.db') },
    upstreams: [
      {
        name: 'local',
        url: 'http://127.0.0.1:11434',
        kind: 'openai',
        models: ['*'],
        timeouts: { connectMs: 5000, headersMs: 60000, idleMs: 60000, totalMs: 600000 },
        retries: 1,
        maxResponseBytes: 16 * 1024 * 1024,
      },
    ],
    limits: {
      requestsPerMinute: 60,
      tokensPerMinute: 100000,
      maxBodyBytes: 1024 * 1024,
      maxMessages: 256,
      maxTokens: 8192,
    },
    guard: {
      input: { enabled: true, preset: 'balanced' },
      output: { enabled: true, preset: 'balanced' },
      tools: { allow: [], denyArguments: [] },
      spotlight: { roles: [], mode: 'datamark' },
    },
    audit: {
      enabled: true,
      path: join(TMP, 'parapet-audit.db'),
      logText: false,
      batchSize: 100,
      flushIntervalMs: 200,
    },
    metrics: { enabled: true },
  };
  assert.deepEqual(config, expected);
  // A key written with nothing after it counts as absent; ':memory:' stays as it is.
  const sparse = parse(`${MINIMAL}cors:\nlimits:\nkeys:\n  store: ":memory:"\n`);
  assert.deepEqual(sparse.cors, { origins: [] });
  assert.equal(sparse.limits.maxTokens, 8192);
  assert.equal(sparse.keys.store, ':memory:');
});

test('each kind of mistake names the key and its line', () => {
  const up = (extra: string) => `${MINIMAL}${extra}`;
  const cases: Array<[string, string, number | undefined, RegExp]> = [
    // Missing or empty upstreams: the key, at the parent (the document) or at the value.
    ['listen:\n  port: 1\n', 'upstreams', 1, /at least one upstream is required/],
    ['', 'upstreams', undefined, /at least one upstream is required/],
    ['upstreams: []\n', 'upstreams', 1, /at least one upstream is required/],
    ['upstreams: local\n', 'upstreams', 1, /must be a list of upstreams/],
    ['- a\n- b\n', '', 1, /must be a mapping with listen, cors/],
    // A missing key points at its parent.
    ['upstreams:\n  - name: a\n  - name: b\n    kind: ollama\n', 'upstreams[0].url', 2, /is required/],
    ['upstreams:\n  - url: http://x\n', 'upstreams[0].name', 2, /is required/],
    // Wrong values point at the value.
    [
      'upstreams:\n  - name: a\n    url: http://x\n    timeouts:\n      connectMs: 5\n      idleMs: -1\n',
      'upstreams[0].timeouts.idleMs',
      6,
      /must be a positive integer, got -1/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://x\n    timeouts:\n      idleMs: 1.5\n',
      'upstreams[0].timeouts.idleMs',
      5,
      /positive integer/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://x\n    timeouts:\n      idleMs: "100"\n',
      'upstreams[0].timeouts.idleMs',
      5,
      /positive integer, got "100"/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://u:p@x\n',
      'upstreams[0].url',
      3,
      /must not contain credentials/,
    ],
    [
      'upstreams:\n  - name: a\n    url: ftp://x\n',
      'upstreams[0].url',
      3,
      /http:\/\/ or https:\/\/ URL, got a ftp:/,
    ],
    ['upstreams:\n  - name: a\n    url: not a url\n', 'upstreams[0].url', 3, /http:\/\/ or https:\/\//],
    ['upstreams:\n  - name: a\n    url: http://x/?q=1\n', 'upstreams[0].url', 3, /query or fragment/],
    ['upstreams:\n  - name: a b\n    url: http://x\n', 'upstreams[0].name', 2, /letters, digits/],
    [
      'upstreams:\n  - name: a\n    url: http://x\n  - name: a\n    url: http://y\n',
      'upstreams[1].name',
      4,
      /duplicate upstream name "a"/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://x\n    kind: vllm\n',
      'upstreams[0].kind',
      4,
      /one of openai, ollama/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://x\n    models: []\n',
      'upstreams[0].models',
      4,
      /at least one/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://x\n    models: [""]\n',
      'upstreams[0].models[0]',
      4,
      /non-empty/,
    ],
    [
      'upstreams:\n  - name: a\n    url: http://x\n    retries: 50\n',
      'upstreams[0].retries',
      4,
      /from 0 to 10/,
    ],
    [up('listen:\n  host: 127.0.0.1\n  port: 70000\n'), 'listen.port', 6, /port number from 0 to 65535/],
    [up('listen:\n  host: http://0.0.0.0\n'), 'listen.host', 5, /host name or IP address/],
    [up('listen:\n  tls:\n    cert: nope.pem\n'), 'listen.tls.cert', 6, /file not found: .*nope\.pem/],
    [
      up('cors:\n  origins:\n    - https://a.example\n    - https://b.example/app\n'),
      'cors.origins[1]',
      7,
      /origin like/,
    ],
    [
      up('limits:\n  requestsPerMinute: -1\n'),
      'limits.requestsPerMinute',
      5,
      /non-negative integer \(0 = unlimited\)/,
    ],
    [up('limits:\n  maxBodyBytes: 0\n'), 'limits.maxBodyBytes', 5, /positive integer/],
    [up('redis: http://127.0.0.1:6379\n'), 'redis', 4, /redis:\/\/ or rediss:\/\/ URL/],
    [
      up('guard:\n  input:\n    preset: strcit\n'),
      'guard.input.preset',
      6,
      /one of strict, balanced, permissive, got "strcit" \(did you mean "strict"\?\)/,
    ],
    [
      up('guard:\n  output:\n    enabled: yes\n'),
      'guard.output.enabled',
      6,
      /true or false, got "yes" \(write true or false, unquoted\)/,
    ],
    [
      up('guard:\n  tools:\n    denyArguments:\n      - ok\n      - "(unclosed"\n'),
      'guard.tools.denyArguments[1]',
      8,
      /not a valid regular expression/,
    ],
    [
      up('guard:\n  spotlight:\n    roles: [user, tools]\n'),
      'guard.spotlight.roles[1]',
      6,
      /did you mean "tool"/,
    ],
    [
      up('guard:\n  spotlight:\n    mode: markdown\n'),
      'guard.spotlight.mode',
      6,
      /one of delimit, datamark, base64/,
    ],
    [
      up('guard:\n  input:\n    policy:\n      detectors:\n        guard/secret:\n          threshold: 5\n'),
      'guard.input.policy.detectors["guard/secret"].threshold',
      9,
      /number from 0 to 1/,
    ],
    [
      up('guard:\n  input:\n    policy:\n      detectors:\n        guard/secrett: {}\n'),
      'guard.input.policy.detectors["guard/secrett"]',
      8,
      /did you mean "guard\/secret"/,
    ],
    [
      up('guard:\n  input:\n    policy: missing-policy.yaml\n'),
      'guard.input.policy',
      6,
      /no such policy file/,
    ],
    [
      up('guard:\n  input:\n    preset: strict\n    policy:\n      preset: permissive\n'),
      'guard.input.preset',
      6,
      /is strict but the policy says preset permissive/,
    ],
    [up('audit:\n  batchSize: many\n'), 'audit.batchSize', 5, /positive integer, got "many"/],
    [up('metrics:\n  enabled: 1\n'), 'metrics.enabled', 5, /true or false, got 1/],
    [up('metrics: true\n'), 'metrics', 4, /must be a mapping with enabled, got true/],
  ];
  for (const [text, key, line, message] of cases) assertConfigError(text, key, line, message);
});

test('unknown keys are errors at the key, with a suggestion when one is close', () => {
  assertConfigError(
    `${MINIMAL}limts:\n  maxTokens: 5\n`,
    'limts',
    4,
    /unknown key \(did you mean "limits"\?\)/,
  );
  assertConfigError(
    'upstreams:\n  - name: a\n    url: http://x\n    timeout:\n      idleMs: 5\n',
    'upstreams[0].timeout',
    4,
    /did you mean "timeouts"/,
  );
  assertConfigError(
    `${MINIMAL}guard:\n  input:\n    enable: false\n`,
    'guard.input.enable',
    6,
    /did you mean "enabled"/,
  );
  assertConfigError(
    `${MINIMAL}listen:\n  bind: 0.0.0.0\n`,
    'listen.bind',
    5,
    /unknown key \(expected one of host, port, tls\)/,
  );
  // snake_case is not accepted: keys are exactly the camelCase field names.
  assertConfigError(`${MINIMAL}limits:\n  max_tokens: 5\n`, 'limits.max_tokens', 5, /unknown key/);
  assertConfigError(`${MINIMAL}source: x.yaml\n`, 'source', 4, /unknown key/);
});

test('${env:NAME} takes secrets from the given environment, and an unset one names its key', () => {
  const text =
    'upstreams:\n  - name: a\n    url: http://x\n    apiKey: ${env:UPSTREAM_KEY}\n' +
    'redis: redis://:${env:REDIS_PASSWORD}@127.0.0.1:6390/0\n';
  const config = parse(text, { UPSTREAM_KEY: 'sk-abc', REDIS_PASSWORD: 'p4ss' });
  assert.equal(config.upstreams[0]?.apiKey, 'sk-abc');
  assert.equal(config.redis, 'redis://:p4ss@127.0.0.1:6390/0');
  const err = assertConfigError(
    text,
    'upstreams[0].apiKey',
    4,
    /environment variable UPSTREAM_KEY is not set/,
    {
      REDIS_PASSWORD: 'p',
    },
  );
  assert.equal(err.code, 'USAGE');
  assertConfigError(text, 'redis', 5, /REDIS_PASSWORD is not set/, { UPSTREAM_KEY: 'k' });
  assertConfigError(
    'upstreams:\n  - name: a\n    url: http://x\n    apiKey: ${env:bad-name}\n',
    'upstreams[0].apiKey',
    4,
    /bad environment reference/,
  );
  // The value of a variable is not interpolated again, and process.env is not read when env is given.
  process.env.PARAPET_TEST_SHOULD_NOT_BE_READ = 'leak';
  try {
    assertConfigError(
      'upstreams:\n  - name: a\n    url: http://x\n    apiKey: ${env:PARAPET_TEST_SHOULD_NOT_BE_READ}\n',
      'upstreams[0].apiKey',
      4,
      /not set/,
    );
  } finally {
    delete process.env.PARAPET_TEST_SHOULD_NOT_BE_READ;
  }
  const nested = parse('upstreams:\n  - name: a\n    url: http://x\n    apiKey: ${env:A}\n', {
    A: '${env:B}',
  });
  assert.equal(nested.upstreams[0]?.apiKey, '${env:B}');
  // A bad redis URL is reported without echoing it (it may hold a password).
  const hidden = assertConfigError(`${MINIMAL}redis: http://:\${env:PW}@host\n`, 'redis', 4, /redis:\/\//, {
    PW: 'topsecret',
  });
  assert.doesNotMatch(hidden.message, /topsecret/);
});

test('loadGatewayConfig resolves relative paths against the config file folder', () => {
  const dir = join(TMP, 'deploy', 'conf');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tls.crt'), 'c');
  writeFileSync(join(dir, 'tls.key'), 'k');
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'in.yaml'), 'preset: permissive\n');
  const path = join(dir, 'parapet.yaml');
  writeFileSync(
    path,
    `${MINIMAL}listen:\n  tls:\n    cert: tls.crt\n    key: ./tls.key\n` +
      'keys:\n  store: ../keys.db\naudit:\n  path: /abs/audit.db\nguard:\n  input:\n    policy: policies/in.yaml\n',
  );
  const config = loadGatewayConfig(path, { env: {} });
  assert.equal(config.source, path);
  assert.deepEqual(config.listen.tls, { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') });
  assert.equal(config.keys.store, join(TMP, 'deploy', 'keys.db'));
  assert.equal(config.audit.path, '/abs/audit.db');
  assert.deepEqual(config.guard.input, {
    enabled: true,
    preset: 'permissive',
    policy: { preset: 'permissive' },
  });

  // Defaults sit next to the config too.
  const bare = join(dir, 'bare.yaml');
  writeFileSync(bare, MINIMAL);
  const defaults = loadGatewayConfig(bare, { env: {} });
  assert.equal(defaults.keys.store, join(dir, 'parapet-keys.db'));
  assert.equal(defaults.audit.path, join(dir, 'parapet-audit.db'));

  // Errors from a file carry the path as given, and the line.
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, `${MINIMAL}listen:\n  tls:\n    cert: tls.crt\n`);
  assert.throws(
    () => loadGatewayConfig(broken, { env: {} }),
    (err: unknown) =>
      err instanceof GatewayConfigError &&
      err.key === 'listen.tls.key' &&
      err.line === 5 &&
      err.message === `${broken}:5: listen.tls.key: is required (TLS needs both cert and key files)`,
  );
  assert.throws(
    () => loadGatewayConfig(join(dir, 'absent.yaml')),
    (err: unknown) =>
      err instanceof GatewayConfigError &&
      err.code === 'NOT_FOUND' &&
      /no such config file/.test(err.message),
  );
});

test('YAML hazards: alias bombs, duplicate keys, syntax errors and odd tags are refused', () => {
  const bomb =
    `${MINIMAL}guard:\n  tools:\n    allow: &a [x, x, x, x, x, x, x, x, x, x]\n` +
    'x1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n' +
    'x2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
    'x3: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n' +
    'x4: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n';
  assert.throws(
    () => parse(bomb),
    (err: unknown) =>
      err instanceof GatewayConfigError && err.code === 'LIMIT' && /alias bomb/.test(err.message),
  );
  // A few aliases are fine: shared timeouts.
  const shared = parse(
    'upstreams:\n  - name: a\n    url: http://x\n    timeouts: &t { idleMs: 7 }\n  - name: b\n    url: http://y\n    timeouts: *t\n',
  );
  assert.equal(shared.upstreams[1]?.timeouts.idleMs, 7);
  assertConfigError(
    `${MINIMAL}listen:\n  port: 1\n  host: x\n  port: 2\n`,
    'listen.port',
    7,
    /duplicate key/,
  );
  assertConfigError(`${MINIMAL}listen: [\n`, '', 5, /YAML syntax error/);
  assertConfigError(`${MINIMAL}listen:\n  port: !custom 5\n`, '', 5, /YAML problem: Unresolved tag/);
  assertConfigError(`${MINIMAL}listen:\n  port: !!binary aGVsbG8=\n`, 'listen.port', 5, /port number/);
  // Merge keys are not YAML 1.2: `<<` is just an unknown key.
  assertConfigError(`${MINIMAL}listen:\n  <<: {port: 1}\n`, 'listen["<<"]', 5, /unknown key/);
  assert.throws(
    () => parse(`${MINIMAL}#${'x'.repeat(1024 * 1024)}\n`),
    (err: unknown) => err instanceof GatewayConfigError && err.code === 'LIMIT',
  );
});

test('resolveGatewayConfig applies the same checks and defaults to a config built in code', () => {
  const config = resolveGatewayConfig(
    {
      upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/', apiKey: '${env:K}' }],
      keys: { store: 'k.db' },
      guard: { output: { policy: { preset: 'strict' } } },
    },
    '/srv/parapet',
    { env: { K: 'secret' } },
  );
  assert.equal(config.source, undefined);
  assert.equal(config.keys.store, '/srv/parapet/k.db');
  assert.equal(config.audit.path, '/srv/parapet/parapet-audit.db');
  assert.equal(config.upstreams[0]?.url, 'http://127.0.0.1:9');
  assert.equal(config.upstreams[0]?.apiKey, 'secret');
  assert.deepEqual(config.guard.output, { enabled: true, preset: 'strict', policy: { preset: 'strict' } });
  assert.throws(
    () => resolveGatewayConfig({ upstreams: [{ name: 'up', url: 'http://x', retries: -1 }] }),
    (err: unknown) =>
      err instanceof GatewayConfigError &&
      err.key === 'upstreams[0].retries' &&
      err.line === undefined &&
      err.message === 'upstreams[0].retries: must be an integer from 0 to 10, got -1',
  );
  assert.throws(
    () => resolveGatewayConfig({}),
    /^Error: upstreams: at least one upstream|upstreams: at least one/,
  );
});
