/**
 * The deploy/* rules through the deploy-config handler: each rule's contract fixtures (positive at its
 * default severity, near-miss negative silent, no scan errors), its documentation page, further positive and
 * near-miss cases per rule, and bad input (invalid YAML, oversized, binary, deeply nested) as structured errors.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEPLOY_RULES } from '../../src/scan/rules/deploy/index.ts';
import { DEPLOY_FIXTURES } from '../fixtures/deploy/contract.ts';
import { PAGE_SECTIONS } from '../fixtures/finding-pages.ts';
import { audit, hits } from './audit.ts';

const ROOT = new URL('../../', import.meta.url);
const lines = (...l: string[]) => `${l.join('\n')}\n`;

for (const rule of DEPLOY_RULES) {
  const { id, severity } = rule.meta;
  test(`${id}: positive fixture fires at ${severity}, near miss does not`, async () => {
    const f = DEPLOY_FIXTURES[id];
    assert.ok(f?.name, `no fixture for ${id}`);
    const pos = await audit(f.name, await f.positive());
    const neg = await audit(f.name, await f.negative());
    assert.ok(pos.analysed && neg.analysed);
    assert.deepEqual([pos.result.errors, neg.result.errors], [[], []]);
    assert.ok(
      hits(pos, id).some((x) => x.severity === severity && (x.location.line ?? 0) > 0),
      JSON.stringify(pos.result.findings),
    );
    assert.deepEqual(hits(neg, id), []);
  });

  test(`${id}: source file and documentation page`, () => {
    assert.ok(readFileSync(new URL(`src/scan/rules/${id}.ts`, ROOT), 'utf8').includes(`id: '${id}'`));
    const page = new URL(`docs/rules/${id}.md`, ROOT);
    assert.ok(existsSync(page), `docs/rules/${id}.md is missing`);
    const text = readFileSync(page, 'utf8');
    assert.ok(text.startsWith(`# ${id} — ${rule.meta.title}`), 'title line');
    for (const s of PAGE_SECTIONS) assert.ok(text.includes(`\n${s}\n`), `${id} page lacks ${s}`);
    assert.ok(text.includes(`**${severity}**`));
    for (const tag of rule.meta.tags) assert.ok(text.includes(tag), `${id} page lacks tag ${tag}`);
    for (const ref of rule.meta.references) assert.ok(text.includes(ref), `${id} page lacks ${ref}`);
    const example = text.slice(text.indexOf('\n## Example\n'), text.indexOf('\n## False positives\n'));
    assert.ok(example.includes(id));
  });
}

test('exposed-without-auth: per-server auth and bind settings decide', async () => {
  const vllm = (command: string, ports = '"8000:8000"') =>
    lines(
      'services:',
      '  vllm:',
      '    image: vllm/vllm-openai:v0.14.0',
      `    command: ${command}`,
      `    ports: [${ports}]`,
    );
  const id = 'deploy/exposed-without-auth';
  assert.equal(hits(await audit('compose.yml', vllm('--model x')), id).length, 1);
  assert.equal(hits(await audit('compose.yml', vllm('--model x')), id)[0]!.location.line, 5);
  assert.equal(hits(await audit('compose.yml', vllm('--model x --api-key $$KEY')), id).length, 0);
  assert.equal(
    hits(await audit('compose.yml', vllm('--model x --host 127.0.0.1')), id).length,
    0,
    'loopback inside the container',
  );
  assert.equal(hits(await audit('compose.yml', vllm('--model x', '"127.0.0.1:8000:8000"')), id).length, 0);
  // llama-server on the host: default 127.0.0.1 is fine, --host 0.0.0.0 without a key is not.
  const llama = (flags: string) => lines('#!/bin/sh', `llama-server -m /models/q4.gguf ${flags}`);
  assert.equal(hits(await audit('run.sh', llama('--port 8080')), id).length, 0);
  assert.equal(hits(await audit('run.sh', llama('--host 0.0.0.0 --port 8080')), id).length, 1);
  assert.equal(
    hits(await audit('run.sh', llama('--host 0.0.0.0 --api-key-file /etc/llama/keys')), id).length,
    0,
  );
  // The Ollama unit of the FAQ: OLLAMA_HOST=0.0.0.0 on the host.
  const unit = (host: string) =>
    lines('[Service]', `Environment="OLLAMA_HOST=${host}"`, 'ExecStart=/usr/local/bin/ollama serve');
  assert.equal(hits(await audit('ollama.service', unit('0.0.0.0')), id)[0]?.location.line, 2);
  assert.equal(hits(await audit('ollama.service', unit('127.0.0.1:11434')), id).length, 0);
  // LiteLLM: a master key in the environment, or a --config that may hold one, is not "no auth".
  const litellm = (extra: string[]) =>
    lines(
      'services:',
      '  litellm:',
      '    image: ghcr.io/berriai/litellm:main-v1.83.0',
      '    ports: ["4000:4000"]',
      ...extra,
    );
  assert.equal(hits(await audit('compose.yml', litellm([])), id).length, 1);
  assert.equal(
    hits(
      await audit('compose.yml', litellm(['    environment:', '      - LITELLM_MASTER_KEY=$${MASTER_KEY}'])),
      id,
    ).length,
    0,
  );
  assert.equal(
    hits(await audit('compose.yml', litellm(['    command: ["--config", "/app/config.yaml"]'])), id).length,
    0,
  );
  // Kubernetes: ClusterIP keeps it inside; LoadBalancer publishes it (finding at the Service's type line).
  const k8s = (type: string) =>
    lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: ollama}',
      'spec:',
      '  template:',
      '    metadata: {labels: {app: ollama}}',
      '    spec:',
      '      containers: [{name: ollama, image: "ollama/ollama:0.17.1"}]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: ollama}',
      'spec:',
      `  type: ${type}`,
      '  selector: {app: ollama}',
    );
  assert.equal(hits(await audit('ollama.yaml', k8s('ClusterIP')), id).length, 0);
  assert.equal(hits(await audit('ollama.yaml', k8s('LoadBalancer')), id)[0]?.location.line, 14);
  assert.equal(hits(await audit('ollama.yaml', k8s('NodePort')), id).length, 1);
  // A key from a Secret (valueFrom or envFrom) or an env_file may configure auth: not reported as "no auth".
  const vllmK8s = (env: string) =>
    lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: vllm}',
      'spec:',
      '  template:',
      '    metadata: {labels: {app: vllm}}',
      '    spec:',
      '      containers:',
      '        - name: vllm',
      '          image: vllm/vllm-openai:v0.14.0',
      `          ${env}`,
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: vllm}',
      'spec: {type: LoadBalancer, selector: {app: vllm}}',
    );
  assert.equal(
    hits(await audit('vllm.yaml', vllmK8s('env: [{name: LOG_LEVEL, value: info}]')), id).length,
    1,
  );
  assert.equal(
    hits(
      await audit(
        'vllm.yaml',
        vllmK8s('env: [{name: VLLM_API_KEY, valueFrom: {secretKeyRef: {name: vllm, key: key}}}]'),
      ),
      id,
    ).length,
    0,
  );
  assert.equal(
    hits(await audit('vllm.yaml', vllmK8s('envFrom: [{secretRef: {name: vllm-env}}]')), id).length,
    0,
  );
  assert.equal(
    hits(
      await audit('compose.yml', vllm('--model x').replace('    ports', '    env_file: .env\n    ports')),
      id,
    ).length,
    0,
  );
  // Ollama has no key to put in an env file: still reported.
  assert.equal(
    hits(
      await audit(
        'compose.yml',
        lines(
          'services:',
          '  o:',
          '    image: ollama/ollama:0.17.1',
          '    env_file: .env',
          '    ports: ["11434:11434"]',
        ),
      ),
      id,
    ).length,
    1,
  );
});

test('auth-disabled: Jupyter with an empty token on every interface; a token or password is fine', async () => {
  const id = 'deploy/auth-disabled';
  const jupyter = (flags: string) => lines('#!/bin/bash', `jupyter lab --ip=0.0.0.0 --no-browser ${flags}`);
  const h = hits(await audit('start.sh', jupyter("--ServerApp.token='' --allow-root")), id);
  assert.equal(h.length, 1);
  assert.equal(h[0]!.severity, 'critical');
  assert.equal(hits(await audit('start.sh', jupyter('')), id).length, 0);
  assert.equal(
    hits(await audit('start.sh', jupyter("--ServerApp.token='' --ServerApp.password='argon2:abc'")), id)
      .length,
    0,
  );
  // Not reachable from other hosts: still reported, one level lower.
  const local = hits(await audit('start.sh', lines("jupyter lab --NotebookApp.token=''")), id);
  assert.equal(local[0]?.severity, 'high');
});

test('open-webui-open-signup: admin role is high; sign-up off or not exposed is silent', async () => {
  const id = 'deploy/open-webui-open-signup';
  const owui = (env: string[], port = '3000:8080') =>
    lines(
      'services:',
      '  ui:',
      '    image: ghcr.io/open-webui/open-webui:v0.9.0',
      `    ports: ["${port}"]`,
      '    environment:',
      ...env.map((e) => `      - ${e}`),
    );
  assert.equal(hits(await audit('compose.yml', owui(['DEFAULT_USER_ROLE=admin'])), id)[0]?.severity, 'high');
  assert.equal(
    hits(await audit('compose.yml', owui(['DEFAULT_USER_ROLE=user', 'ENABLE_SIGNUP=False'])), id).length,
    0,
  );
  assert.equal(
    hits(await audit('compose.yml', owui(['DEFAULT_USER_ROLE=user'], '127.0.0.1:3000:8080')), id).length,
    0,
  );
});

test('inline-secret: literal keys by name and by shape, redacted; references and placeholders are not', async () => {
  const id = 'deploy/inline-secret';
  const env = (entries: string[]) =>
    lines(
      'services:',
      '  app:',
      '    image: ghcr.io/open-webui/open-webui:v0.9.0',
      '    environment:',
      ...entries.map((e) => `      ${e}`),
    );
  const found = hits(
    await audit(
      'compose.yml',
      env([
        'OPENAI_API_KEY: sk-proj-abcdefghijklmnopqrstuvwxyz012345',
        'WEBUI_SECRET_KEY: "t0p-s3cret-value"',
        'SOME_VAR: hf_abcdefghijklmnopqrstuvwxyz0123456789',
      ]),
    ),
    id,
  );
  assert.equal(found.length, 3);
  for (const f of found) {
    assert.ok(!JSON.stringify(f).includes('abcdefghijklmnop'), 'the secret value leaked into the finding');
    assert.ok(!JSON.stringify(f).includes('s3cret'), 'the secret value leaked into the finding');
  }
  assert.deepEqual(
    found.map((f) => f.location.line),
    [5, 6, 7],
  );
  const none = hits(
    await audit(
      'compose.yml',
      env([
        'OPENAI_API_KEY: $${OPENAI_API_KEY}',
        'HF_TOKEN: "<your-hf-token>"',
        'ANTHROPIC_API_KEY: your_key_here',
        'MODEL_NAME: llama3',
        'LOG_LEVEL: debug',
      ]),
    ),
    id,
  );
  assert.deepEqual(none, []);
  // In a .env file: reported at medium (it is meant to hold secrets, but is often committed).
  assert.equal(
    hits(await audit('.env', 'HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123456789\n'), id)[0]?.severity,
    'medium',
  );
  // In a Kubernetes ConfigMap (mounted with envFrom), by its line.
  const cm = lines(
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: litellm-env}',
    'data:',
    '  LITELLM_MASTER_KEY: sk-1234',
    '  LITELLM_LOG: INFO',
  );
  const cmHits = hits(await audit('configmap.yaml', cm), id);
  assert.deepEqual(
    cmHits.map((f) => [f.location.line, f.severity]),
    [[5, 'high']],
  );
  assert.match(cmHits[0]!.message, /^ConfigMap\/litellm-env sets LITELLM_MASTER_KEY/);
  // On the command line.
  assert.equal(hits(await audit('run.sh', 'vllm serve m --api-key sk-1234\n'), id).length, 1);
  assert.equal(hits(await audit('run.sh', 'vllm serve m --api-key "$VLLM_KEY"\n'), id).length, 0);
});

test('trust-remote-code: TGI env form, the --no- form, and commit pinning in the evidence', async () => {
  const id = 'deploy/trust-remote-code';
  const tgi = (v: string) =>
    lines(
      'services:',
      '  tgi:',
      '    image: ghcr.io/huggingface/text-generation-inference:3.3.4',
      '    environment:',
      '      MODEL_ID: tiiuae/falcon-7b',
      `      TRUST_REMOTE_CODE: "${v}"`,
    );
  assert.equal(hits(await audit('compose.yml', tgi('true')), id)[0]?.location.line, 6);
  assert.equal(hits(await audit('compose.yml', tgi('false')), id).length, 0);
  const pinned = hits(
    await audit('run.sh', `vllm serve org/model --trust-remote-code --revision ${'a'.repeat(40)}\n`),
    id,
  );
  assert.equal(pinned[0]?.evidence?.pinnedToCommit, true);
});

test('privileged-container: each of privileged, host network, docker.sock once; none for a plain service', async () => {
  const id = 'deploy/privileged-container';
  const all = await audit(
    'compose.yml',
    lines(
      'services:',
      '  s:',
      '    image: x:1',
      '    privileged: true',
      '    network_mode: host',
      '    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]',
    ),
  );
  assert.deepEqual(
    hits(all, id).map((f) => f.evidence?.kind),
    ['privileged', 'host-network', 'docker-socket'],
  );
  assert.deepEqual(
    hits(
      await audit(
        'compose.yml',
        lines('services:', '  s:', '    image: x:1', '    privileged: false', '    network_mode: bridge'),
      ),
      id,
    ),
    [],
  );
});

test('public-tunnel: --share only for Gradio apps and Python scripts; tunnel sidecars', async () => {
  const id = 'deploy/public-tunnel';
  assert.equal(hits(await audit('run.sh', 'rsync --share src dst\n'), id).length, 0);
  assert.equal(hits(await audit('run.sh', 'text-generation-launcher --model-id x --ngrok\n'), id).length, 1);
  const sidecar = lines(
    'services:',
    '  tunnel:',
    '    image: cloudflare/cloudflared:2025.6.0',
    '    command: tunnel --no-autoupdate run',
  );
  assert.equal(hits(await audit('compose.yml', sidecar), id).length, 1);
  assert.equal(
    hits(
      await audit(
        'compose.yml',
        lines('services:', '  ui:', '    image: x:1', '    environment: [GRADIO_SHARE=True]'),
      ),
      id,
    ).length,
    1,
  );
  assert.equal(
    hits(
      await audit(
        'compose.yml',
        lines('services:', '  ui:', '    image: x:1', '    environment: [GRADIO_SHARE=False]'),
      ),
      id,
    ).length,
    0,
  );
});

test('ollama-open-origins: scheme wildcards count, exposure raises it; exact origins do not', async () => {
  const id = 'deploy/ollama-open-origins';
  const compose = (origins: string, port: string) =>
    lines(
      'services:',
      '  ollama:',
      '    image: ollama/ollama:0.17.1',
      `    ports: ["${port}"]`,
      `    environment: [OLLAMA_ORIGINS=${origins}]`,
    );
  assert.equal(
    hits(await audit('compose.yml', compose('http://*,https://*', '127.0.0.1:11434:11434')), id)[0]?.severity,
    'medium',
  );
  assert.equal(hits(await audit('compose.yml', compose('*', '11434:11434')), id)[0]?.severity, 'high');
  assert.equal(
    hits(await audit('compose.yml', compose('https://app.example.com,app://*', '11434:11434')), id).length,
    0,
  );
});

test('vllm-dev-mode is critical when the server is exposed; runtime LoRA "false" is silent', async () => {
  const dev = lines(
    '#!/bin/sh',
    'export VLLM_SERVER_DEV_MODE=1',
    'vllm serve Qwen/Qwen2.5-7B-Instruct --api-key "$K"',
  );
  assert.equal(hits(await audit('serve.sh', dev), 'deploy/vllm-dev-mode')[0]?.severity, 'critical');
  assert.equal(
    hits(await audit('serve.sh', dev), 'deploy/vllm-dev-mode').length,
    1,
    'one finding per setting',
  );
  assert.equal(
    hits(await audit('.env', 'VLLM_ALLOW_RUNTIME_LORA_UPDATING=false\n'), 'deploy/vllm-runtime-lora').length,
    0,
  );
  assert.equal(
    hits(await audit('.env', 'VLLM_ALLOW_RUNTIME_LORA_UPDATING=True\n'), 'deploy/vllm-runtime-lora').length,
    1,
  );
});

test('images: LiteLLM in the SQL-injection range is critical, not the PyPI compromise; fixed releases are quiet', async () => {
  const image = (ref: string) => lines('services:', '  s:', `    image: ${ref}`);
  const litellm = hits(
    await audit('compose.yml', image('ghcr.io/berriai/litellm:main-v1.82.7')),
    'deploy/vulnerable-server-image',
  );
  assert.equal(litellm[0]?.severity, 'critical');
  // The official image of 1.82.7 was not the compromised PyPI artifact: only CVE-2026-42208 applies.
  assert.deepEqual(
    ((litellm[0]?.evidence?.advisories ?? []) as { id: string }[]).map((a) => a.id),
    ['CVE-2026-42208'],
  );
  assert.equal(
    hits(
      await audit('compose.yml', image('ghcr.io/berriai/litellm:main-v1.83.7')),
      'deploy/vulnerable-server-image',
    ).length,
    0,
  );
  assert.equal(
    hits(await audit('compose.yml', image('vllm/vllm-openai:v0.11.0')), 'deploy/vulnerable-server-image')
      .length,
    1,
  );
  assert.equal(hits(await audit('compose.yml', image('ollama/ollama')), 'deploy/unpinned-image').length, 1);
  assert.equal(
    hits(await audit('compose.yml', image(`ollama/ollama@sha256:${'0'.repeat(64)}`)), 'deploy/unpinned-image')
      .length,
    0,
  );
  assert.equal(
    hits(
      await audit('compose.yml', image('ghcr.io/ggml-org/llama.cpp:server-b6000')),
      'deploy/unpinned-image',
    ).length,
    0,
  );
  assert.equal(
    hits(await audit('compose.yml', image('redis:latest')), 'deploy/unpinned-image').length,
    0,
    'not an LLM server',
  );
});

test('llama-server-agent-tools: MCP servers and --agent count, exposure makes it critical, --tools none does not', async () => {
  const id = 'deploy/llama-server-agent-tools';
  const run = (flags: string) => `llama-server -m m.gguf ${flags}\n`;
  assert.equal(
    hits(await audit('a.sh', run('--host 0.0.0.0 --api-key-file k --mcp-servers-config mcp.json')), id)[0]
      ?.severity,
    'critical',
  );
  assert.equal(hits(await audit('a.sh', run('--agent')), id)[0]?.severity, 'high');
  assert.equal(hits(await audit('a.sh', run('--tools none')), id).length, 0);
  assert.equal(hits(await audit('a.sh', run('--tool-call-parser x --jinja')), id).length, 0);
});

test('llama-rpc-exposed: rpc-server default host is loopback', async () => {
  assert.equal(hits(await audit('w.sh', 'rpc-server -p 50052\n'), 'deploy/llama-rpc-exposed').length, 0);
  assert.equal(
    hits(await audit('w.sh', 'rpc-server --host 192.168.1.20 -p 50052\n'), 'deploy/llama-rpc-exposed').length,
    1,
  );
});

test('invalid YAML is a structured error with its line, and what parsed is still audited', async () => {
  const a = await audit(
    'docker-compose.yml',
    lines(
      'services:',
      '  ollama:',
      '    image: ollama/ollama',
      '    ports: ["11434:11434"',
      '  bad: [unclosed',
    ),
  );
  assert.ok(a.analysed);
  assert.ok(a.result.errors.length > 0);
  assert.match(a.result.errors[0]!.error, /^compose file line \d+: /);
  assert.equal(a.result.errors[0]!.path, 'docker-compose.yml');
});

test('a 10 MB YAML is refused by size, quickly, as a structured error', async () => {
  const big = `apiVersion: v1\nkind: ConfigMap\ndata:\n${'  k: v\n'.repeat((10 * 1024 * 1024) / 7)}`;
  const started = performance.now();
  const a = await audit('huge.yaml', big);
  assert.ok(performance.now() - started < 2000);
  assert.ok(a.analysed);
  assert.match(a.result.errors[0]!.error, /over the \d+-byte cap/);
  // A big YAML that is no deployment file is simply not one.
  const other = await audit('dataset.yaml', `rows:\n${'  - x\n'.repeat((5 * 1024 * 1024) / 6)}`);
  assert.equal(other.analysed, false);
});

test('deep nesting, alias bombs and binary junk never crash or hang', async () => {
  const deep = `apiVersion: v1\nkind: Pod\nspec: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`;
  const d = await audit('pod.yaml', deep);
  assert.ok(d.analysed);
  const bomb = lines(
    'services:',
    '  a: &a {image: x, environment: [A=1, A=1, A=1, A=1, A=1, A=1, A=1, A=1]}',
    '  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    '  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    '  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    '  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
  );
  const started = performance.now();
  const b = await audit('compose.yaml', bomb);
  assert.ok(performance.now() - started < 2000);
  assert.ok(b.analysed);
  const junk = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff);
  const j = await audit('Dockerfile', junk);
  assert.ok(j.analysed);
  assert.match(j.result.errors[0]!.error, /binary/);
});
