/**
 * The two non-launch file kinds of the deploy handler: LiteLLM proxy configs (told by content) and Gradio
 * apps' Python (told by `import gradio`), with their rules' positive cases and near misses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, hits } from './audit.ts';

const lines = (...l: string[]) => `${l.join('\n')}\n`;

test('LiteLLM config: recognised by its sections under any YAML name; other YAML is left alone', async () => {
  const config = lines(
    'model_list:',
    '  - model_name: local',
    '    litellm_params:',
    '      model: ollama/llama3',
    '      api_base: http://ollama:11434',
    'router_settings:',
    '  routing_strategy: simple-shuffle',
  );
  for (const name of ['config.yaml', 'proxy_server_config.yml', 'litellm.yaml']) {
    const a = await audit(name, config);
    assert.ok(a.analysed, name);
    assert.deepEqual(
      hits(a, 'deploy/litellm-no-master-key').map((f) => f.location.line),
      [1],
    );
  }
  // model_list alone (a different tool's schema) is not a LiteLLM proxy config.
  assert.equal((await audit('config.yaml', lines('model_list:', '  - a'))).analysed, false);
  // Invalid YAML under the LiteLLM shape: a structured error, never a crash.
  const broken = await audit(
    'config.yaml',
    lines('model_list:', '  - [unclosed', 'general_settings:', '  a: b'),
  );
  assert.ok(broken.analysed);
  assert.match(broken.result.errors[0]?.error ?? '', /^litellm-config file line \d+:/);
});

test('litellm-inline-key: literal provider keys and master keys; references and placeholders are quiet', async () => {
  const config = (masterKey: string, apiKey: string) =>
    lines(
      'model_list:',
      '  - model_name: gpt-4o',
      '    litellm_params:',
      '      model: openai/gpt-4o',
      `      api_key: ${apiKey}`,
      'general_settings:',
      `  master_key: ${masterKey}`,
    );
  const id = 'deploy/litellm-inline-key';
  const both = hits(
    await audit('config.yaml', config('sk-Jq8vR2mX7pL4nT9w', 'sk-proj-4f7Hc1Lq9ZrT2xVb8NwK')),
    id,
  );
  assert.deepEqual(
    both.map((f) => [f.location.line, f.evidence?.setting]),
    [
      [7, 'general_settings.master_key'],
      [5, 'litellm_params.api_key'],
    ],
  );
  // Values never appear in full.
  assert.ok(both.every((f) => !f.message.includes('sk-proj-4f7Hc1Lq9ZrT2xVb8NwK')));
  assert.equal(
    hits(await audit('config.yaml', config('os.environ/LITELLM_MASTER_KEY', 'os.environ/OPENAI_API_KEY')), id)
      .length,
    0,
  );
  assert.equal(
    hits(await audit('config.yaml', config('os.environ/LITELLM_MASTER_KEY', 'fake-key')), id).length,
    0,
  );
  assert.equal(
    hits(await audit('config.yaml', config('os.environ/LITELLM_MASTER_KEY', 'none')), id).length,
    0,
  );
  // The master key is there: no "no master key" finding either way.
  assert.equal(
    hits(await audit('config.yaml', config('sk-1234', 'none')), 'deploy/litellm-no-master-key').length,
    0,
  );
});

test('gradio-app-exposed: multi-line calls, chained queue(), comments, variables and **kwargs', async () => {
  const app = (...body: string[]) => lines('import os', 'import gradio as gr', 'demo = gr.Blocks()', ...body);
  const id = 'deploy/gradio-app-exposed';
  const multi = hits(
    await audit(
      'app.py',
      app(
        'demo.queue(max_size=20).launch(',
        '    server_name="0.0.0.0",  # reachable from the LAN, launch(auth=...) later',
        '    server_port=8080,',
        ')',
      ),
    ),
    id,
  );
  assert.deepEqual(
    multi.map((f) => [f.location.line, f.severity]),
    [[4, 'high']],
  );
  assert.match(multi[0]!.message, /port \(8080\)/);
  // auth= given (not None): the LAN bind is fine; a share link still reaches the internet, at medium.
  assert.deepEqual(
    hits(await audit('app.py', app('demo.launch(server_name="0.0.0.0", auth=[("u", os.environ["P"])])')), id),
    [],
  );
  assert.deepEqual(
    hits(await audit('app.py', app('demo.launch(share=True, auth=check_login)')), id).map((f) => f.severity),
    ['medium'],
  );
  assert.equal(
    hits(await audit('app.py', app('demo.launch(server_name="0.0.0.0", auth=None)')), id).length,
    1,
  );
  // Values the file does not hold are not judged.
  assert.deepEqual(hits(await audit('app.py', app('demo.launch(share=args.share)')), id), []);
  assert.deepEqual(hits(await audit('app.py', app('demo.launch(**launch_kwargs)')), id), []);
  assert.deepEqual(hits(await audit('app.py', app('demo.launch(server_name="127.0.0.1")')), id), []);
  // In a comment or a string it is not a call; without `import gradio` it is not a Gradio app.
  assert.deepEqual(
    hits(await audit('app.py', app('# demo.launch(share=True)', 'x = "demo.launch(share=True)"')), id),
    [],
  );
  assert.deepEqual(hits(await audit('app.py', lines('server.launch(share=True)  # gradio-like')), id), []);
});

test('Python sources: binary, huge and unbalanced input never crash and are left to the python handler', async () => {
  const junk = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
  assert.equal((await audit('app.py', junk)).analysed, false);
  const unbalanced = lines('import gradio as gr', `gr.Blocks().launch(share=True, x=${'('.repeat(20_000)}`);
  const a = await audit('app.py', unbalanced);
  assert.deepEqual(a.result.errors, []);
  assert.equal(hits(a, 'deploy/gradio-app-exposed').length, 1);
  assert.equal((await audit('app.py', `import gradio\n${'#'.repeat(5 * 1024 * 1024)}\n`)).analysed, false);
});
