/**
 * Upstream faults against the real faulty upstream: each gives the client a clear OpenAI-format error (or
 * a stream ended by an error event the openai client raises) within bounded time, and is audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import {
  FAULT_MODES,
  type FaultMode,
  type FaultyUpstream,
  startFaultyUpstream,
} from '../fixtures/upstreams/faulty-upstream.ts';
import { chat, eventually, type Harness, startHarness } from './app-harness.ts';

const TIMEOUTS = { connectMs: 500, headersMs: 600, idleMs: 600, totalMs: 4000 };

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIError, `expected APIError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

/** Reads a stream to its end; returns the text and the error that ended it, if any. */
async function drain(
  stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>,
): Promise<{ text: string; error?: unknown }> {
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  } catch (error) {
    return { text, error };
  }
  return { text };
}

describe('gateway upstream faults', () => {
  let faulty: FaultyUpstream;
  let h: Harness;

  before(async () => {
    faulty = await startFaultyUpstream({ hugeBytes: 4 * 1024 * 1024, failuresBeforeOk: 2 });
    const upstreams = FAULT_MODES.map((mode) => ({
      name: mode as string,
      url: faulty.urlFor(mode),
      kind: 'openai' as const,
      models: [`m-${mode}`],
      timeouts: TIMEOUTS,
      retries: 2,
      maxResponseBytes: 1024 * 1024,
    }));
    upstreams.push({ ...upstreams[0]!, name: 'refused', url: faulty.refusedUrl, models: ['m-refused'] });
    h = await startHarness({ config: { upstreams } });
  });
  after(async () => {
    await h?.close();
    await faulty?.close();
  });

  const ask = (model: string) => h.client('user').chat.completions.create(chat(model, 'hello'));
  const askStream = (model: string) =>
    h.client('user').chat.completions.create({ ...chat(model, 'hello'), stream: true });
  const audited = (code: RegExp | string) =>
    eventually(() => {
      const hit = h
        .audit()
        .find((r) => (typeof code === 'string' ? r.error?.includes(code) : code.test(r.error ?? '')));
      assert.ok(hit, `no audit record matching ${code}`);
      return hit;
    });

  it('upstream down: 502 upstream_unavailable after the retries', async () => {
    const err = await apiError(ask('m-refused'));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_unavailable');
    const rec = await audited('upstream refused is unavailable');
    assert.equal(rec.status, 502);
    assert.equal(rec.upstream, 'refused');
  });

  it('no response headers in time: 504 upstream_timeout', async () => {
    const err = await apiError(ask('m-slow-headers'));
    assert.equal(err.status, 504);
    assert.equal(err.code, 'upstream_timeout');
    await audited('upstream slow-headers sent no response headers');
  });

  it('a body that never comes: 504 upstream_timeout', async () => {
    const err = await apiError(ask('m-slow-body'));
    assert.equal(err.status, 504);
    assert.equal(err.code, 'upstream_timeout');
  });

  it('invalid JSON: 502 upstream_invalid_response', async () => {
    const err = await apiError(ask('m-invalid-json'));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_invalid_response');
    await audited('upstream invalid-json answered 200 with a body that is not JSON');
  });

  it('an enormous body: 502 upstream_response_too_large without reading it all', async () => {
    const err = await apiError(ask('m-huge-body'));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_response_too_large');
  });

  it('wrong content type: 502 for JSON and for streams', async () => {
    assert.equal((await apiError(ask('m-wrong-content-type'))).code, 'upstream_invalid_response');
    const streamed = await apiError(askStream('m-wrong-content-type'));
    assert.equal(streamed.status, 502);
    assert.equal(streamed.code, 'upstream_invalid_response');
  });

  it('503 then ok: retried before any byte reached the client', async () => {
    faulty.reset();
    const res = await ask('m-status-503-then-ok');
    assert.ok(res.choices[0]?.message.content, 'expected: res.choices[0]?.message.content');
    assert.equal(faulty.counts['status-503-then-ok'], 3);
  });

  for (const [mode, code] of [
    ['reset-mid-stream', 'upstream_stream_error'],
    ['stall-mid-stream', 'upstream_timeout'],
    ['truncated-sse', 'upstream_stream_error'],
    ['huge-sse-event', 'upstream_invalid_response'],
  ] as [FaultMode, string][]) {
    it(`${mode}: the stream ends with an error event the client raises`, async () => {
      const stream = await askStream(`m-${mode}`);
      const { error } = await drain(stream);
      assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
      assert.equal(error.code, code);
      const rec = await eventually(() => {
        const r = h.audit().find((x) => x.upstream === mode && x.stream);
        assert.ok(r?.error, `no audit record with an error for ${mode}`);
        return r;
      });
      assert.equal(rec.status, 200);
    });
  }

  it('a client that goes away mid-stream aborts the upstream request and is audited', async () => {
    const controller = new AbortController();
    const stream = await h
      .client('user')
      .chat.completions.create(
        { ...chat('m-stall-mid-stream', 'bye'), stream: true },
        { signal: controller.signal },
      );
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await iterator.next().catch(() => {});
    const rec = await eventually(() => {
      const r = h.audit().find((x) => x.status === 499);
      assert.ok(r, 'no 499 record');
      return r;
    });
    assert.match(rec.error ?? '', /client closed/);
  });
});
