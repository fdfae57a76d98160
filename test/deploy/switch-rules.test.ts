/**
 * The per-server switch rules (llama-server write endpoints, LocalAI hardening, vLLM request templates,
 * LiteLLM fail-open) and text-generation-webui's CMD_FLAGS.txt, with their near misses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, hits } from './audit.ts';

const lines = (...l: string[]) => `${l.join('\n')}\n`;

test('llama-server-write-endpoints: --props and LLAMA_ARG_ENDPOINT_PROPS; an API key lowers it; loopback is quiet', async () => {
  const id = 'deploy/llama-server-write-endpoints';
  const run = (flags: string, env = '') =>
    lines('#!/bin/sh', `${env}llama-server -m /m/q4.gguf --host 0.0.0.0 ${flags}`);
  assert.deepEqual(
    hits(await audit('s.sh', run('--props')), id).map((f) => [f.location.line, f.severity]),
    [[2, 'high']],
  );
  assert.deepEqual(
    hits(await audit('s.sh', run('--props --api-key-file /k')), id).map((f) => f.severity),
    ['medium'],
  );
  assert.deepEqual(
    hits(await audit('s.sh', run('', 'LLAMA_ARG_ENDPOINT_PROPS=1 ')), id).map((f) => f.evidence?.setting),
    ['LLAMA_ARG_ENDPOINT_PROPS=1'],
  );
  assert.deepEqual(hits(await audit('s.sh', run('', 'LLAMA_ARG_ENDPOINT_PROPS=0 ')), id), []);
  assert.deepEqual(hits(await audit('s.sh', run('--no-slots --metrics')), id), []);
  // --slot-save-path given to a different program is not llama-server's.
  assert.deepEqual(
    hits(await audit('s.sh', lines('#!/bin/sh', 'other-tool --slot-save-path /x --host 0.0.0.0')), id),
    [],
  );
});

test('localai-hardening-off: exposed medium, .env low, default values and other servers quiet', async () => {
  const id = 'deploy/localai-hardening-off';
  assert.deepEqual(
    hits(await audit('.env', lines('LOCALAI_DISABLE_PREDOWNLOAD_SCAN=true')), id).map((f) => [
      f.location.line,
      f.severity,
    ]),
    [[1, 'low']],
  );
  assert.deepEqual(hits(await audit('.env', lines('LOCALAI_DISABLE_PREDOWNLOAD_SCAN=false')), id), []);
  const compose = (image: string) =>
    lines(
      'services:',
      '  x:',
      `    image: ${image}`,
      '    ports: ["8080:8080"]',
      '    environment:',
      '      LOCALAI_DISABLE_PREDOWNLOAD_SCAN: "true"',
    );
  assert.deepEqual(
    hits(await audit('compose.yaml', compose('localai/localai:v2.24.2')), id).map((f) => f.severity),
    ['medium'],
  );
  // Another server's environment with the same name means nothing to it.
  assert.deepEqual(hits(await audit('compose.yaml', compose('ollama/ollama:0.17.1')), id), []);
});

test('vllm-request-chat-template: loopback is low; the flag set to false and other servers are quiet', async () => {
  const id = 'deploy/vllm-request-chat-template';
  assert.deepEqual(
    hits(await audit('s.sh', lines('vllm serve m --host 127.0.0.1 --trust-request-chat-template')), id).map(
      (f) => f.severity,
    ),
    ['low'],
  );
  assert.deepEqual(
    hits(await audit('s.sh', lines('vllm serve m --trust-request-chat-template=false')), id),
    [],
  );
  assert.deepEqual(
    hits(await audit('s.sh', lines('llama-server -m m --trust-request-chat-template')), id),
    [],
  );
});

test('litellm-db-fail-open: string "True" counts; absent or false is quiet', async () => {
  const id = 'deploy/litellm-db-fail-open';
  const config = (value: string) =>
    lines(
      'model_list: []',
      'general_settings:',
      '  master_key: os.environ/K',
      `  allow_requests_on_db_unavailable: ${value}`,
    );
  assert.equal(hits(await audit('config.yaml', config('"True"')), id).length, 1);
  assert.equal(hits(await audit('config.yaml', config('False')), id).length, 0);
  assert.equal(
    hits(
      await audit('config.yaml', lines('model_list: []', 'general_settings:', '  master_key: os.environ/K')),
      id,
    ).length,
    0,
  );
});

test('CMD_FLAGS.txt: the flags of text-generation-webui, comments ignored, lines kept', async () => {
  const shipped = lines('# Only used by the one-click installer.', '# Example:', '# --listen --api');
  assert.equal((await audit('CMD_FLAGS.txt', shipped)).analysed, false, 'only comments: nothing to judge');
  const a = await audit(
    'user_data/CMD_FLAGS.txt',
    lines('# Only used by the one-click installer.', '--listen --api', '--share --trust-remote-code'),
  );
  assert.deepEqual(a.result.errors, []);
  assert.deepEqual(a.result.findings.map((f) => `${f.ruleId}:${f.location.line}`).sort(), [
    'deploy/exposed-without-auth:2',
    'deploy/public-tunnel:3',
    'deploy/trust-remote-code:3',
  ]);
  const guarded = await audit('CMD_FLAGS.txt', lines('--listen --gradio-auth-path /etc/tgw/auth.txt'));
  assert.deepEqual(guarded.result.findings, []);
  // Not the flags file: another .txt is not read.
  assert.equal((await audit('FLAGS.txt', lines('--listen'))).analysed, false);
});

test('vllm-api-key-partial: a keyed vLLM published beyond its host; no key is the other rule; loopback is quiet', async () => {
  const id = 'deploy/vllm-api-key-partial';
  const run = (flags: string) => lines('#!/bin/sh', `vllm serve Qwen/Qwen2.5-7B-Instruct ${flags}`);
  assert.deepEqual(
    hits(await audit('s.sh', run('--host 0.0.0.0 --api-key "$KEY"')), id).map((f) => f.location.line),
    [2],
  );
  const keyless = await audit('s.sh', run('--host 0.0.0.0'));
  assert.deepEqual(hits(keyless, id), []);
  assert.equal(hits(keyless, 'deploy/exposed-without-auth').length, 1);
  assert.deepEqual(hits(await audit('s.sh', run('--host 127.0.0.1 --api-key "$KEY"')), id), []);
});

test('ollama-request-logging: on for Ollama or a bare .env; another server with the name is quiet', async () => {
  const id = 'deploy/ollama-request-logging';
  assert.equal(hits(await audit('.env', lines('OLLAMA_DEBUG_LOG_REQUESTS=true')), id).length, 1);
  assert.equal(hits(await audit('.env', lines('OLLAMA_DEBUG_LOG_REQUESTS=false')), id).length, 0);
  const compose = (image: string) =>
    lines(
      'services:',
      '  s:',
      `    image: ${image}`,
      '    environment:',
      '      - OLLAMA_DEBUG_LOG_REQUESTS=1',
    );
  assert.deepEqual(
    hits(await audit('compose.yaml', compose('ollama/ollama:0.17.1')), id).map((f) => f.location.line),
    [5],
  );
  assert.deepEqual(hits(await audit('compose.yaml', compose('vllm/vllm-openai:v0.14.0')), id), []);
});

test('open-webui-user-tools: exposed high, loopback medium, False or another server quiet', async () => {
  const id = 'deploy/open-webui-user-tools';
  const compose = (image: string, port: string, value: string) =>
    lines(
      'services:',
      '  ui:',
      `    image: ${image}`,
      `    ports: ["${port}"]`,
      '    environment:',
      `      USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS: "${value}"`,
    );
  const ui = 'ghcr.io/open-webui/open-webui:v0.9.2';
  assert.deepEqual(
    hits(await audit('compose.yaml', compose(ui, '3000:8080', 'True')), id).map((f) => [
      f.location.line,
      f.severity,
    ]),
    [[6, 'high']],
  );
  assert.deepEqual(
    hits(await audit('compose.yaml', compose(ui, '127.0.0.1:3000:8080', 'true')), id).map((f) => f.severity),
    ['medium'],
  );
  assert.deepEqual(hits(await audit('compose.yaml', compose(ui, '3000:8080', 'False')), id), []);
  assert.deepEqual(
    hits(await audit('compose.yaml', compose('ollama/ollama:0.17.1', '3000:8080', 'True')), id),
    [],
  );
});
