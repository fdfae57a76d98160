/**
 * Token estimation for rate limits: every request shape the gateway proxies (OpenAI chat, completions,
 * embeddings; Ollama chat, generate, embed) gets the documented heuristic, requested completion budgets
 * and reported usage are read from both APIs, and junk input never throws.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  estimatePromptTokens,
  requestedMaxTokens,
  TOKENS_PER_IMAGE,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_REPLY,
  usageFromResponse,
} from '../../src/gateway/tokens.ts';

/** The documented rule for ASCII chat: characters / 4, plus per-message and reply overheads. */
function chatTokens(texts: string[], extraChars = 0): number {
  const chars = texts.reduce((sum, text) => sum + text.length, 0) + extraChars;
  return Math.ceil((chars + 4 * (TOKENS_PER_REPLY + TOKENS_PER_MESSAGE * texts.length)) / 4);
}

describe('estimatePromptTokens', () => {
  test('OpenAI chat: string content, text parts, images, names and tool calls', () => {
    const system = 'You are a helpful assistant.';
    const user = 'What is the capital of France?';
    assert.equal(
      estimatePromptTokens({
        model: 'llama3',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
      }),
      chatTokens([system, user]),
    );
    const parts = estimatePromptTokens({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe this picture.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    });
    assert.equal(parts, chatTokens(['Describe this picture.']) + TOKENS_PER_IMAGE);
    const named = estimatePromptTokens({ messages: [{ role: 'user', name: 'alice', content: 'hi' }] });
    assert.equal(named, chatTokens(['hi'], 'alice'.length));
    const withCall = estimatePromptTokens({
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
        },
      ],
    });
    assert.ok(withCall > chatTokens(['']), 'tool calls are counted');
  });

  test('OpenAI tool definitions count by the text of their JSON', () => {
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city, in degrees Celsius.',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const without = estimatePromptTokens({ messages });
    const withTools = estimatePromptTokens({ messages, tools });
    // At least the description's own characters / 4 more; well under the whole JSON text (quotes, braces).
    assert.ok(
      withTools - without >= Math.floor('Current weather for a city, in degrees Celsius.'.length / 4),
    );
    assert.ok(withTools - without <= Math.ceil(JSON.stringify(tools).length / 4));
  });

  test('completions: prompt as a string, strings, token ids or arrays of token ids', () => {
    assert.equal(estimatePromptTokens({ prompt: 'a'.repeat(40) }), 10);
    assert.equal(estimatePromptTokens({ prompt: ['a'.repeat(8), 'b'.repeat(8)] }), 4);
    assert.equal(estimatePromptTokens({ prompt: [1, 2, 3, 4, 5] }), 5);
    assert.equal(
      estimatePromptTokens({
        prompt: [
          [1, 2, 3],
          [4, 5],
        ],
      }),
      5,
    );
    assert.equal(estimatePromptTokens({ prompt: 'a', suffix: 'b'.repeat(7) }), 2);
  });

  test('embeddings: input as a string or an array', () => {
    assert.equal(estimatePromptTokens({ model: 'nomic', input: 'x'.repeat(100) }), 25);
    assert.equal(estimatePromptTokens({ input: ['x'.repeat(10), 'y'.repeat(10)] }), 5);
    assert.equal(estimatePromptTokens({ input: [101, 102] }), 2);
  });

  test('Ollama: chat messages with images, generate with prompt, system and images, embeddings', () => {
    assert.equal(
      estimatePromptTokens({
        model: 'llava',
        messages: [{ role: 'user', content: 'What is in this image?', images: ['iVBORw0KGgo='] }],
        options: { num_predict: 64 },
      }),
      chatTokens(['What is in this image?']) + TOKENS_PER_IMAGE,
    );
    assert.equal(
      estimatePromptTokens({
        model: 'llama3',
        prompt: 'p'.repeat(20),
        system: 's'.repeat(20),
        images: ['x'],
      }),
      10 + TOKENS_PER_IMAGE,
    );
    assert.equal(estimatePromptTokens({ model: 'nomic', prompt: 'z'.repeat(12) }), 3);
  });

  test('non-ASCII text counts a token per UTF-16 unit, so CJK prompts are not undercounted', () => {
    assert.equal(estimatePromptTokens({ prompt: '你好世界' }), 4);
    assert.equal(estimatePromptTokens({ prompt: 'abcd你好' }), 3);
  });

  test('deterministic', () => {
    const body = { messages: [{ role: 'user', content: 'same every time' }] };
    assert.equal(estimatePromptTokens(body), estimatePromptTokens(structuredClone(body)));
  });

  test('junk input never throws and counts as little as it carries', () => {
    const junk: unknown[] = [
      undefined,
      null,
      42,
      'a string body',
      [],
      [{ role: 'user', content: 'x' }],
      {},
      { messages: 'not an array' },
      { messages: [null, 7, 'str', { content: 42 }, { content: [null, 3, { type: 'text', text: 5 }] }] },
      { prompt: { nested: true } },
      { prompt: [null, {}, true] },
      { input: 12 },
      { tools: 'nope' },
      { options: null },
    ];
    for (const body of junk) {
      const tokens = estimatePromptTokens(body);
      assert.ok(Number.isInteger(tokens) && tokens >= 0, JSON.stringify(body));
    }
    assert.equal(estimatePromptTokens(null), 0);
    assert.equal(estimatePromptTokens([{ role: 'user', content: 'x' }]), 0);
  });

  test('deep nesting and cycles in tool definitions are bounded', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 100_000; i += 1) deep = { d: deep };
    assert.ok(estimatePromptTokens({ tools: [deep] }) > 0);
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    assert.ok(estimatePromptTokens({ tools: [cycle] }) > 0);
  });

  test('huge bodies: bounded work, and never an estimate below a token per 4 characters', () => {
    const big = 'a'.repeat(5_000_000) + '你'.repeat(1_000_000);
    assert.ok(estimatePromptTokens({ prompt: big }) >= big.length / 4);
    const many = Array.from({ length: 300_000 }, () => ({ role: 'user', content: 'hello' }));
    const tokens = estimatePromptTokens({ messages: many });
    assert.ok(tokens > 0 && Number.isFinite(tokens));
  });
});

describe('requestedMaxTokens', () => {
  test('max_tokens, max_completion_tokens (the larger wins), Ollama num_predict', () => {
    assert.equal(requestedMaxTokens({ max_tokens: 256 }), 256);
    assert.equal(requestedMaxTokens({ max_completion_tokens: 512 }), 512);
    assert.equal(requestedMaxTokens({ max_tokens: 100, max_completion_tokens: 300 }), 300);
    assert.equal(requestedMaxTokens({ options: { num_predict: 128 } }), 128);
    assert.equal(requestedMaxTokens({ max_tokens: 0 }), 0);
    assert.equal(requestedMaxTokens({ max_tokens: 10.2 }), 11);
  });

  test("Ollama's negative num_predict (no limit, fill the context) is Infinity, so a cap refuses it", () => {
    assert.equal(requestedMaxTokens({ options: { num_predict: -1 } }), Number.POSITIVE_INFINITY);
    assert.equal(requestedMaxTokens({ options: { num_predict: -2 } }), Number.POSITIVE_INFINITY);
  });

  test('unset or junk: undefined', () => {
    for (const body of [
      undefined,
      null,
      'x',
      {},
      { max_tokens: '100' },
      { max_tokens: null },
      { max_tokens: -5 },
      { max_tokens: Number.NaN },
      { options: 'x' },
      { options: { num_predict: '5' } },
    ]) {
      assert.equal(requestedMaxTokens(body), undefined, JSON.stringify(body));
    }
  });
});

describe('usageFromResponse', () => {
  test('OpenAI usage (chat, completions, embeddings)', () => {
    assert.deepEqual(
      usageFromResponse({ usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } }),
      { promptTokens: 12, completionTokens: 30 },
    );
    assert.deepEqual(usageFromResponse({ object: 'list', usage: { prompt_tokens: 8, total_tokens: 8 } }), {
      promptTokens: 8,
    });
  });

  test('Ollama prompt_eval_count and eval_count', () => {
    assert.deepEqual(usageFromResponse({ done: true, prompt_eval_count: 26, eval_count: 298 }), {
      promptTokens: 26,
      completionTokens: 298,
    });
  });

  test('missing or junk usage gives nothing', () => {
    for (const body of [
      undefined,
      null,
      'x',
      [],
      {},
      { usage: null },
      { usage: { prompt_tokens: '5', completion_tokens: -1 } },
      { prompt_eval_count: Number.POSITIVE_INFINITY, eval_count: 'many' },
    ]) {
      assert.deepEqual(usageFromResponse(body), {}, JSON.stringify(body));
    }
  });
});
