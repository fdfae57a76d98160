/**
 * The gateway metrics through their exposition text: the expected series after calls, no key-id label,
 * bounded label values, bad numbers ignored rather than thrown, and two instances that do not share state.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGatewayMetrics, type RequestMetrics } from '../../src/gateway/metrics.ts';

function request(extra: Partial<RequestMetrics> = {}): RequestMetrics {
  return {
    route: '/v1/chat/completions',
    status: 200,
    model: 'llama3:8b',
    keyId: 'k_3f9a1c2b',
    inputAction: 'allow',
    outputAction: 'allow',
    ruleIds: [],
    latencyMs: 120,
    upstreamMs: 119.4,
    promptTokens: 30,
    completionTokens: 12,
    stream: false,
    ...extra,
  };
}

/** The value of one sample line, e.g. `name{a="b"} 3`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

test('requests, tokens, durations and added latency appear after requestFinished', async () => {
  const m = createGatewayMetrics();
  m.requestFinished(request());
  m.requestFinished(request({ stream: true, completionTokens: 8 }));
  const text = await m.render();
  assert.match(m.contentType, /^text\/plain/);
  assert.equal(
    sample(
      text,
      'parapet_gateway_requests_total{route="/v1/chat/completions",status="200",model="llama3:8b"}',
    ),
    2,
  );
  assert.equal(sample(text, 'parapet_gateway_tokens_total{direction="prompt",model="llama3:8b"}'), 60);
  assert.equal(sample(text, 'parapet_gateway_tokens_total{direction="completion",model="llama3:8b"}'), 20);
  assert.equal(
    sample(text, 'parapet_gateway_request_duration_seconds_count{route="/v1/chat/completions"}'),
    2,
  );
  assert.equal(
    sample(text, 'parapet_gateway_request_duration_seconds_bucket{le="0.25",route="/v1/chat/completions"}'),
    2,
  );
  assert.equal(
    sample(text, 'parapet_gateway_request_duration_seconds_bucket{le="0.1",route="/v1/chat/completions"}'),
    0,
  );
  // 120 - 119.4 = 0.6 ms of gateway time: in the 0.75 ms bucket, not the 0.5 ms one.
  assert.equal(sample(text, 'parapet_gateway_added_latency_seconds_bucket{le="0.00075"}'), 2);
  assert.equal(sample(text, 'parapet_gateway_added_latency_seconds_bucket{le="0.0005"}'), 0);
  assert.match(text, /parapet_gateway_request_duration_seconds_bucket\{le="60",/);
  assert.match(text, /parapet_gateway_request_duration_seconds_bucket\{le="0.001",/);
  assert.doesNotMatch(text, /k_3f9a1c2b|key/i);
});

test('blocked requests count per side and rule', async () => {
  const m = createGatewayMetrics();
  m.requestFinished(
    request({
      status: 400,
      inputAction: 'block',
      outputAction: 'skipped',
      ruleIds: ['guard/instruction-override', 'guard/role-spoofing'],
      upstreamMs: undefined,
      completionTokens: undefined,
    }),
  );
  m.requestFinished(request({ outputAction: 'block', ruleIds: ['guard/secrets'] }));
  m.requestFinished(request({ outputAction: 'redact', ruleIds: ['guard/pii'] }));
  const text = await m.render();
  const blocked = 'parapet_gateway_blocked_total';
  assert.equal(sample(text, `${blocked}{direction="input",rule="guard/instruction-override"}`), 1);
  assert.equal(sample(text, `${blocked}{direction="input",rule="guard/role-spoofing"}`), 1);
  assert.equal(sample(text, `${blocked}{direction="output",rule="guard/secrets"}`), 1);
  assert.doesNotMatch(text, /rule="guard\/pii"/);
  assert.equal(
    sample(
      text,
      'parapet_gateway_requests_total{route="/v1/chat/completions",status="400",model="llama3:8b"}',
    ),
    1,
  );
  // A request that never reached the upstream has no added-latency sample.
  assert.equal(sample(text, 'parapet_gateway_added_latency_seconds_count'), 2);
});

test('upstream errors and the in-flight gauge', async () => {
  const m = createGatewayMetrics();
  m.upstreamError('local', 'timeout');
  m.upstreamError('local', 'timeout');
  m.upstreamError('gpu-box', 'connect');
  m.inFlight(1);
  m.inFlight(1);
  m.inFlight(-1);
  const text = await m.render();
  assert.equal(sample(text, 'parapet_gateway_upstream_errors_total{upstream="local",kind="timeout"}'), 2);
  assert.equal(sample(text, 'parapet_gateway_upstream_errors_total{upstream="gpu-box",kind="connect"}'), 1);
  assert.equal(sample(text, 'parapet_gateway_in_flight_requests'), 1);
});

test('model names past the first 100 collapse to other; routes without a model say none', async () => {
  const m = createGatewayMetrics();
  for (let i = 0; i < 150; i++) m.requestFinished(request({ model: `model-${i}` }));
  m.requestFinished(request({ model: 'model-0' }));
  m.requestFinished(request({ route: '/v1/models', model: undefined, promptTokens: undefined }));
  const text = await m.render();
  const requests = text.split('\n').filter((l) => l.startsWith('parapet_gateway_requests_total{'));
  assert.equal(requests.length, 102); // 100 names, other, none
  assert.equal(
    sample(text, 'parapet_gateway_requests_total{route="/v1/chat/completions",status="200",model="other"}'),
    50,
  );
  assert.equal(
    sample(text, 'parapet_gateway_requests_total{route="/v1/chat/completions",status="200",model="model-0"}'),
    2,
  );
  assert.equal(
    sample(text, 'parapet_gateway_requests_total{route="/v1/models",status="200",model="none"}'),
    1,
  );
});

test('nonsense numbers are ignored, never thrown', async () => {
  const m = createGatewayMetrics();
  assert.doesNotThrow(() =>
    m.requestFinished(
      request({
        status: Number.NaN,
        latencyMs: Number.NaN,
        upstreamMs: Number.POSITIVE_INFINITY,
        promptTokens: -5,
        completionTokens: Number.NaN,
      }),
    ),
  );
  const text = await m.render();
  assert.equal(
    sample(
      text,
      'parapet_gateway_requests_total{route="/v1/chat/completions",status="other",model="llama3:8b"}',
    ),
    1,
  );
  assert.doesNotMatch(text, /parapet_gateway_tokens_total\{/);
  assert.equal(sample(text, 'parapet_gateway_added_latency_seconds_count'), 0);
});

test('two instances in one process are independent', async () => {
  const a = createGatewayMetrics();
  const b = createGatewayMetrics();
  a.requestFinished(request());
  a.inFlight(1);
  const textA = await a.render();
  const textB = await b.render();
  assert.equal(
    sample(
      textA,
      'parapet_gateway_requests_total{route="/v1/chat/completions",status="200",model="llama3:8b"}',
    ),
    1,
  );
  assert.doesNotMatch(textB, /parapet_gateway_requests_total\{/);
  assert.equal(sample(textB, 'parapet_gateway_in_flight_requests'), 0);
  assert.notEqual(a.registry, b.registry);
});
