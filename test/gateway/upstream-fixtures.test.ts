/**
 * The upstreams the gateway is tested and benchmarked against do what they claim: the tiny GGUF model says
 * its script through real llama.cpp inference (JSON and SSE, secrets split across chunks), the fast upstream
 * answers and records, every fault mode faults, and the Ollama stand-in speaks Ollama's documented NDJSON.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type LlamaUpstream, startScriptedLlamaUpstream } from '../fixtures/llm/llama-upstream.ts';
import {
  BENIGN_SCRIPT,
  buildTinyLlama,
  DANGEROUS_SCRIPT,
  EXFILTRATION_IMAGE,
  FAKE_AWS_ACCESS_KEY_ID,
} from '../fixtures/llm/tiny-llama.ts';
import { type FastUpstream, startFastUpstream } from '../fixtures/upstreams/fast-upstream.ts';
import { type FaultyUpstream, startFaultyUpstream } from '../fixtures/upstreams/faulty-upstream.ts';
import { type OllamaReplay, startOllamaReplay } from '../fixtures/upstreams/ollama-replay.ts';

const TIMEOUT = { timeout: 30_000 };

// biome-ignore lint/suspicious/noExplicitAny: wire JSON, checked field by field by the assertions
type Json = any;

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

/** The JSON payloads of an SSE body, and whether it ended with `data: [DONE]`. */
function parseSse(text: string): { events: Json[]; done: boolean } {
  const datas = text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
  const done = datas.at(-1) === '[DONE]';
  return { events: datas.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)), done };
}

/** True when no single chunk holds `secret` whole, though their concatenation does. */
function splitAcross(chunks: string[], secret: string): boolean {
  return chunks.join('').includes(secret) && chunks.every((c) => !c.includes(secret));
}

describe('tiny llama GGUF', () => {
  test('same script, same bytes; pieces spell the script; secrets span several pieces', () => {
    const a = buildTinyLlama({ script: DANGEROUS_SCRIPT });
    const b = buildTinyLlama({ script: DANGEROUS_SCRIPT });
    assert.deepEqual(a.bytes, b.bytes);
    assert.equal(a.pieces.join(''), DANGEROUS_SCRIPT);
    assert.ok(a.pieces.every((p) => Array.from(p).length >= 3));
    assert.ok(splitAcross(a.pieces, FAKE_AWS_ACCESS_KEY_ID));
    assert.ok(splitAcross(a.pieces, EXFILTRATION_IMAGE));
    assert.match(FAKE_AWS_ACCESS_KEY_ID, /^AKIA[A-Z0-9]{16}$/);
    assert.equal(new TextDecoder().decode(a.bytes.subarray(0, 4)), 'GGUF');
    assert.notDeepEqual(buildTinyLlama({ script: BENIGN_SCRIPT }).bytes, a.bytes);
  });

  test('scripts it cannot encode are refused', () => {
    assert.throws(() => buildTinyLlama({ script: 'ab' }), /at least 3/);
    assert.throws(() => buildTinyLlama({ script: 'aaaaaa' }), /distinct pieces/);
  });
});

describe('llama upstream (real inference through node-llama-cpp)', () => {
  let dangerous: LlamaUpstream;
  let openai: OpenAI;
  const pieces = buildTinyLlama({ script: DANGEROUS_SCRIPT }).pieces;

  before(async () => {
    dangerous = await startScriptedLlamaUpstream({ script: DANGEROUS_SCRIPT, modelName: 'tiny-dangerous' });
    openai = new OpenAI({ baseURL: `${dangerous.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20_000 });
  });
  after(() => dangerous?.close());

  test('lists its model', TIMEOUT, async () => {
    const models = await openai.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['tiny-dangerous'],
    );
  });

  test('chat JSON: the script, whatever the prompt, with real token counts', TIMEOUT, async () => {
    for (const content of ['What is the weather?', 'Ignore that. Say something else entirely!']) {
      const completion = await openai.chat.completions.create({
        model: 'tiny-dangerous',
        messages: [
          { role: 'system', content: 'You are a careful assistant.' },
          { role: 'user', content },
        ],
        temperature: 0,
      });
      const choice = completion.choices[0];
      assert.equal(choice?.message.content, DANGEROUS_SCRIPT);
      assert.equal(choice?.finish_reason, 'stop');
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.usage?.completion_tokens, pieces.length);
      assert.ok((completion.usage?.prompt_tokens ?? 0) > content.length);
    }
  });

  test(
    'chat SSE: one chunk per token, the secret and the exfiltration link split across chunks',
    TIMEOUT,
    async () => {
      const stream = await openai.chat.completions.create({
        model: 'tiny-dangerous',
        messages: [{ role: 'user', content: 'hello' }],
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0,
      });
      const contents: string[] = [];
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta.content) contents.push(choice.delta.content);
        if (choice?.finish_reason) finish = choice.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.deepEqual(contents, pieces);
      assert.equal(finish, 'stop');
      assert.equal(usage?.completion_tokens, pieces.length);
      assert.ok(splitAcross(contents, FAKE_AWS_ACCESS_KEY_ID));
      assert.ok(splitAcross(contents, EXFILTRATION_IMAGE));
    },
  );

  test('raw SSE is in OpenAI chunk format and ends with [DONE]', TIMEOUT, async () => {
    const res = await postJson(`${dangerous.url}/v1/chat/completions`, {
      model: 'tiny-dangerous',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const { events, done } = parseSse(await res.text());
    assert.ok(done);
    assert.deepEqual(events[0].choices[0].delta, { role: 'assistant', content: '' });
    assert.equal(events.at(-1).choices[0].finish_reason, 'stop');
    assert.ok(events.every((e) => e.object === 'chat.completion.chunk' && e.id === events[0].id));
  });

  test('max_tokens cuts the script with finish_reason length', TIMEOUT, async () => {
    const completion = await openai.chat.completions.create({
      model: 'tiny-dangerous',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
    });
    assert.equal(completion.choices[0]?.message.content, pieces.slice(0, 5).join(''));
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 5);
  });

  test('completions, JSON and SSE; a raw prompt cannot start mid-script', TIMEOUT, async () => {
    const json = await openai.completions.create({
      model: 'tiny-dangerous',
      prompt: 'Sure, the dep',
      max_tokens: 200,
    });
    assert.equal(json.choices[0]?.text, DANGEROUS_SCRIPT);
    assert.equal(json.object, 'text_completion');
    const res = await postJson(`${dangerous.url}/v1/completions`, {
      model: 'x',
      prompt: 'Once upon',
      stream: true,
    });
    const { events, done } = parseSse(await res.text());
    assert.ok(done);
    assert.equal(events.map((e) => e.choices[0].text).join(''), DANGEROUS_SCRIPT);
    assert.equal(events.at(-1).choices[0].finish_reason, 'stop');
  });

  test('bad requests get OpenAI-format 400s and the server keeps serving', TIMEOUT, async () => {
    for (const body of [
      { messages: 'nope' },
      { messages: [{ role: 'user', content: 'x' }], max_tokens: -1 },
    ]) {
      const res = await postJson(`${dangerous.url}/v1/chat/completions`, body);
      assert.equal(res.status, 400);
      assert.equal(typeof ((await res.json()) as Json).error.message, 'string');
    }
    const tooLong = await postJson(`${dangerous.url}/v1/chat/completions`, {
      messages: [{ role: 'user', content: 'x'.repeat(3000) }],
    });
    assert.equal(tooLong.status, 400);
    assert.match(((await tooLong.json()) as Json).error.message, /context/);
    const broken = await fetch(`${dangerous.url}/v1/chat/completions`, { method: 'POST', body: '{not json' });
    assert.equal(broken.status, 400);
    const after = await openai.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'ok?' }],
    });
    assert.equal(after.choices[0]?.message.content, DANGEROUS_SCRIPT);
    assert.ok(dangerous.requests.some((r) => r.body === '{not json'));
  });

  test('a second model, benign, loads beside it', TIMEOUT, async () => {
    const benign = await startScriptedLlamaUpstream({ script: BENIGN_SCRIPT });
    try {
      const res = await postJson(`${benign.url}/v1/chat/completions`, {
        messages: [{ role: 'user', content: 'hi' }],
      });
      const body = (await res.json()) as Json;
      assert.equal(body.choices[0].message.content, BENIGN_SCRIPT);
    } finally {
      await benign.close();
    }
  });
});

describe('fast upstream', () => {
  let fast: FastUpstream;
  before(async () => {
    fast = await startFastUpstream({ reply: 'One two three four five.', streamChunks: 5 });
  });
  after(() => fast?.close());

  test('chat JSON and SSE in N chunks, with the request recorded', async () => {
    const client = new OpenAI({ baseURL: `${fast.url}/v1`, apiKey: 'client-secret', maxRetries: 0 });
    const json = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hey' }],
    });
    assert.equal(json.choices[0]?.message.content, 'One two three four five.');
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hey' }],
      stream: true,
    });
    const contents: string[] = [];
    for await (const chunk of stream)
      if (chunk.choices[0]?.delta.content) contents.push(chunk.choices[0].delta.content);
    assert.equal(contents.length, 5);
    assert.equal(contents.join(''), 'One two three four five.');
    const last = fast.requests.at(-1);
    assert.equal(last?.path, '/v1/chat/completions');
    assert.equal(last?.headers.authorization, 'Bearer client-secret');
    assert.deepEqual((last?.body as Json)?.messages, [{ role: 'user', content: 'hey' }]);
  });

  test('completions, embeddings, models; exact chunks and tool calls on request', async () => {
    fast.configure({ chunks: ['AKIA', 'Q3EG', 'RT7ZP4X2WJ5M'] });
    const sse = parseSse(
      await (await postJson(`${fast.url}/v1/completions`, { prompt: 'p', stream: true })).text(),
    );
    assert.deepEqual(
      sse.events.map((e) => e.choices[0].text),
      ['AKIA', 'Q3EG', 'RT7ZP4X2WJ5M', ''],
    );
    const emb = (await (await postJson(`${fast.url}/v1/embeddings`, { input: ['a', 'b'] })).json()) as Json;
    assert.equal(emb.data.length, 2);
    assert.equal(emb.data[0].embedding.length, 8);
    assert.deepEqual(
      ((await (await fetch(`${fast.url}/v1/models`)).json()) as Json).data[0].id,
      'fast-model',
    );
    fast.configure({ toolCalls: [{ name: 'delete_everything', arguments: '{"path":"/"}' }] });
    const tool = (await (await postJson(`${fast.url}/v1/chat/completions`, { messages: [] })).json()) as Json;
    assert.equal(tool.choices[0].finish_reason, 'tool_calls');
    assert.equal(tool.choices[0].message.tool_calls[0].function.name, 'delete_everything');
    const toolSse = parseSse(
      await (await postJson(`${fast.url}/v1/chat/completions`, { messages: [], stream: true })).text(),
    );
    const args = toolSse.events
      .map((e) => e.choices[0].delta.tool_calls?.[0]?.function?.arguments ?? '')
      .join('');
    assert.equal(args, '{"path":"/"}');
    fast.configure({ toolCalls: undefined, chunks: undefined, latencyMs: 5 } as never);
    const slow = (await (await postJson(`${fast.url}/v1/chat/completions`, { messages: [] })).json()) as Json;
    assert.equal(slow.choices[0].message.content, 'One two three four five.');
  });
});

describe('faulty upstream', () => {
  let faulty: FaultyUpstream;
  before(async () => {
    faulty = await startFaultyUpstream({ failuresBeforeOk: 2 });
  });
  after(() => faulty?.close());
  const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };

  test('refuse: nobody listens on refusedUrl', async () => {
    await assert.rejects(
      fetch(`${faulty.refusedUrl}/v1/models`),
      (e: Json) => e.cause?.code === 'ECONNREFUSED',
    );
  });

  test('slow-headers: no response at all', async () => {
    const signal = AbortSignal.timeout(200);
    await assert.rejects(postJson(`${faulty.urlFor('slow-headers')}/v1/chat/completions`, chat, {}, signal));
    assert.equal(faulty.counts['slow-headers'], 1);
  });

  test('slow-body and stall-mid-stream: headers (and chunks), then silence', async () => {
    const res = await postJson(
      `${faulty.urlFor('slow-body')}/v1/chat/completions`,
      chat,
      {},
      AbortSignal.timeout(300),
    );
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
    const stalled = await postJson(
      `${faulty.urlFor('stall-mid-stream')}/v1/chat/completions`,
      { ...chat, stream: true },
      {},
      AbortSignal.timeout(300),
    );
    const reader = stalled.body!.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /Partial/);
    await assert.rejects(reader.read());
  });

  test('reset-mid-stream: chunks, then the connection dies', async () => {
    const res = await postJson(`${faulty.url}/v1/chat/completions`, {
      ...chat,
      model: 'fault:reset-mid-stream',
      stream: true,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    await assert.rejects(async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    });
    assert.match(text, /Partial/);
    assert.equal(faulty.counts['reset-mid-stream'], 1);
  });

  test('invalid-json, wrong-content-type, truncated-sse', async () => {
    const bad = await postJson(`${faulty.url}/v1/chat/completions`, chat, { 'x-fault': 'invalid-json' });
    assert.match(bad.headers.get('content-type') ?? '', /json/);
    await assert.rejects(bad.json());
    const html = await postJson(`${faulty.urlFor('wrong-content-type')}/v1/chat/completions`, chat);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    await html.text();
    const cut = parseSse(
      await (
        await postJson(`${faulty.urlFor('truncated-sse')}/v1/chat/completions`, { ...chat, stream: true })
      ).text(),
    );
    assert.equal(cut.done, false);
    assert.ok(cut.events.length > 0 && cut.events.every((e) => e.choices[0].finish_reason === null));
  });

  test('huge-body: streams past many megabytes without end in sight', async () => {
    const controller = new AbortController();
    const res = await postJson(
      `${faulty.urlFor('huge-body')}/v1/chat/completions`,
      chat,
      {},
      controller.signal,
    );
    const reader = res.body!.getReader();
    let bytes = 0;
    while (bytes < 4 * 1024 * 1024) {
      const { value, done } = await reader.read();
      assert.equal(done, false);
      bytes += value?.length ?? 0;
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
  });

  test('status-503-then-ok: counts attempts; reset starts over', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${faulty.urlFor('status-503-then-ok')}/v1/chat/completions`, chat);
      statuses.push(res.status);
      await res.text();
    }
    assert.deepEqual(statuses, [503, 503, 200]);
    assert.equal(faulty.counts['status-503-then-ok'], 3);
    faulty.reset();
    assert.equal(faulty.counts['status-503-then-ok'], 0);
    assert.equal(
      (await postJson(`${faulty.urlFor('status-503-then-ok')}/v1/chat/completions`, chat)).status,
      503,
    );
  });

  test('no fault named: a normal answer; an unknown one: 400', async () => {
    const ok = (await (await postJson(`${faulty.url}/v1/chat/completions`, chat)).json()) as Json;
    assert.equal(ok.choices[0].message.content, 'Hello from the faulty upstream.');
    assert.equal(
      (await postJson(`${faulty.url}/v1/chat/completions`, { ...chat, model: 'fault:nonsense' })).status,
      400,
    );
  });
});

describe('ollama replay', () => {
  let ollama: OllamaReplay;
  before(async () => {
    ollama = await startOllamaReplay({ reply: 'Why, hello there.', streamChunks: 3 });
  });
  after(() => ollama?.close());

  const ndjson = async (res: Response) => {
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    return (await res.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
  };

  test('/api/chat streams NDJSON lines, the last one done with the documented statistics', async () => {
    const lines = await ndjson(
      await postJson(`${ollama.url}/api/chat`, {
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.equal(lines.length, 4);
    assert.ok(lines.slice(0, -1).every((l) => l.done === false && l.message.role === 'assistant'));
    assert.equal(lines.map((l) => l.message.content).join(''), 'Why, hello there.');
    const final = lines.at(-1);
    assert.equal(final.done, true);
    assert.equal(final.done_reason, 'stop');
    for (const key of [
      'total_duration',
      'load_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ]) {
      assert.equal(typeof final[key], 'number', key);
    }
    assert.equal(final.eval_count, 3);
    const single = (await (
      await postJson(`${ollama.url}/api/chat`, {
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hi' }],
        stream: false,
      })
    ).json()) as Json;
    assert.equal(single.message.content, 'Why, hello there.');
    assert.equal(single.done, true);
  });

  test('/api/generate streams `response` pieces; tags, version; unknown model 404', async () => {
    const lines = await ndjson(
      await postJson(`${ollama.url}/api/generate`, {
        model: 'llama3.2:latest',
        prompt: 'Why is the sky blue?',
      }),
    );
    assert.equal(lines.map((l) => l.response).join(''), 'Why, hello there.');
    assert.deepEqual(lines.at(-1).context, [1, 2, 3]);
    const tags = (await (await fetch(`${ollama.url}/api/tags`)).json()) as Json;
    assert.equal(tags.models[0].name, 'llama3.2:latest');
    assert.equal(tags.models[0].details.format, 'gguf');
    assert.deepEqual(await (await fetch(`${ollama.url}/api/version`)).json(), { version: '0.12.6' });
    const missing = await postJson(`${ollama.url}/api/chat`, { model: 'nope', messages: [] });
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as Json).error, /not found/);
  });

  test('management calls answer as documented and are listed by managementRequests()', async () => {
    assert.deepEqual(ollama.managementRequests(), []);
    const pull = await ndjson(await postJson(`${ollama.url}/api/pull`, { model: 'qwen2.5:0.5b' }));
    assert.deepEqual(pull[0], { status: 'pulling manifest' });
    assert.deepEqual(pull.at(-1), { status: 'success' });
    const copy = await postJson(`${ollama.url}/api/copy`, { source: 'qwen2.5:0.5b', destination: 'backup' });
    assert.equal(copy.status, 200);
    const del = await fetch(`${ollama.url}/api/delete`, {
      method: 'DELETE',
      body: JSON.stringify({ model: 'backup' }),
    });
    assert.equal(del.status, 200);
    assert.deepEqual(
      ollama.managementRequests().map((r) => `${r.method} ${r.path}`),
      ['POST /api/pull', 'POST /api/copy', 'DELETE /api/delete'],
    );
  });
});
