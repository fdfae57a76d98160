/** deploy/root-container: written and implied root, per file kind, with the near misses that stay quiet. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, hits } from './audit.ts';

const ID = 'deploy/root-container';
const lines = (...l: string[]) => `${l.join('\n')}\n`;
const rootHits = async (name: string, text: string) => hits(await audit(name, text), ID);

test('Dockerfile: no USER over a root base is low, at the FROM line; USER app or a non-root base is quiet', async () => {
  const vllm = (...extra: string[]) =>
    lines(
      'FROM python:3.12-slim',
      'RUN pip install vllm==0.14.0',
      ...extra,
      'CMD ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]',
    );
  const implied = await rootHits('Dockerfile', vllm());
  assert.deepEqual(
    implied.map((f) => [f.location.line, f.severity, f.evidence?.explicit]),
    [[1, 'low', false]],
  );
  assert.deepEqual(await rootHits('Dockerfile', vllm('RUN useradd -m app', 'USER app')), []);
  const written = await rootHits('Dockerfile', vllm('USER app', 'USER root'));
  assert.deepEqual(
    written.map((f) => [f.location.line, f.evidence?.explicit]),
    [[4, true]],
  );
  // Jupyter Docker Stacks run as jovyan; a base chosen by ARG cannot be told.
  assert.deepEqual(
    await rootHits(
      'Dockerfile',
      lines('FROM quay.io/jupyter/base-notebook:2024-12-09', 'CMD ["start-notebook.py"]'),
    ),
    [],
  );
  assert.deepEqual(
    await rootHits('Dockerfile', lines('ARG BASE=python:3.12', 'FROM $BASE', 'CMD ["vllm", "serve", "m"]')),
    [],
  );
  // Not an LLM server: not this rule's concern.
  assert.deepEqual(
    await rootHits('Dockerfile', lines('FROM python:3.12-slim', 'CMD ["python", "job.py"]')),
    [],
  );
});

test('compose: user: root is written root; an unknown image without user: is not presumed root', async () => {
  const svc = (image: string, ...extra: string[]) =>
    lines('services:', '  llm:', `    image: ${image}`, ...extra, '    ports: ["127.0.0.1:8000:8000"]');
  const written = await rootHits(
    'compose.yaml',
    svc('ghcr.io/huggingface/text-generation-inference:3.3.5', '    user: root'),
  );
  assert.deepEqual(
    written.map((f) => [f.location.line, f.severity, f.evidence?.explicit]),
    [[4, 'low', true]],
  );
  assert.deepEqual(
    await rootHits('compose.yaml', svc('ghcr.io/huggingface/text-generation-inference:3.3.5')),
    [],
  );
  assert.deepEqual(
    await rootHits('compose.yaml', svc('vllm/vllm-openai:v0.14.0', '    user: "1000:1000"')),
    [],
  );
  assert.deepEqual(
    (await rootHits('compose.yaml', svc('vllm/vllm-openai:v0.14.0'))).map((f) => f.severity),
    ['low'],
  );
  assert.deepEqual(await rootHits('compose.yaml', svc('ghcr.io/berriai/litellm-non_root:main-v1.81.3')), []);
});

test('Kubernetes: runAsUser 0 at the container wins over the pod; runAsNonRoot on the pod is quiet', async () => {
  const pod = (podContext: string[], containerContext: string[]) =>
    lines(
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: ollama',
      'spec:',
      ...podContext,
      '  containers:',
      '  - name: ollama',
      '    image: ollama/ollama:0.17.1',
      ...containerContext,
    );
  assert.deepEqual(await rootHits('pod.yaml', pod(['  securityContext:', '    runAsNonRoot: true'], [])), []);
  assert.deepEqual(await rootHits('pod.yaml', pod(['  securityContext:', '    runAsUser: 1000'], [])), []);
  const override = await rootHits(
    'pod.yaml',
    pod(['  securityContext:', '    runAsUser: 1000'], ['    securityContext:', '      runAsUser: 0']),
  );
  assert.deepEqual(
    override.map((f) => [f.location.line, f.evidence?.setting]),
    [[12, 'runAsUser: 0']],
  );
  // No securityContext at all: the image's default, root for ollama/ollama.
  assert.deepEqual(
    (await rootHits('pod.yaml', pod([], []))).map((f) => f.location.line),
    [8],
  );
});

test('docker run: --user 0 is root, --user 1000 is not; host processes are never containers', async () => {
  const run = (user: string) =>
    lines('#!/bin/sh', `docker run -d ${user} -p 11434:11434 ollama/ollama:0.17.1`);
  assert.deepEqual(
    (await rootHits('run.sh', run('--user 0'))).map((f) => [f.location.line, f.severity]),
    [[2, 'medium']],
  );
  assert.deepEqual(await rootHits('run.sh', run('--user 1000:1000')), []);
  assert.deepEqual(await rootHits('run.sh', lines('#!/bin/sh', 'sudo ollama serve')), []);
  assert.deepEqual(
    await rootHits('ollama.service', lines('[Service]', 'User=root', 'ExecStart=/usr/bin/ollama serve')),
    [],
  );
});
