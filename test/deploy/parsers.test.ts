/** The deployment parsers: every format into the launch model, with the lines findings will point at. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortPort } from '../../src/deploy/compose.ts';
import { exposureOf } from '../../src/deploy/exposure.ts';
import { deployKindOf, parseDeployFile } from '../../src/deploy/index.ts';
import { authOf, bindOf } from '../../src/deploy/servers.ts';
import { splitCommands } from '../../src/deploy/shell-words.ts';
import type { DeployConfig, Launch } from '../../src/deploy/types.ts';

const lines = (...l: string[]) => `${l.join('\n')}\n`;
function parse(name: string, text: string): DeployConfig {
  const c = parseDeployFile(name, text);
  assert.ok(c, `${name} was not read as a deployment file`);
  return c;
}
const only = (c: DeployConfig): Launch => {
  assert.equal(c.launches.length, 1, JSON.stringify(c.launches.map((l) => l.name)));
  return c.launches[0]!;
};

test('file names decide the format', () => {
  assert.equal(deployKindOf('docker-compose.yml'), 'compose');
  assert.equal(deployKindOf('docker-compose.gpu.yaml'), 'compose');
  assert.equal(deployKindOf('compose.yaml'), 'compose');
  assert.equal(deployKindOf('deployment.yaml'), 'k8s');
  assert.equal(deployKindOf('Dockerfile'), 'dockerfile');
  assert.equal(deployKindOf('Dockerfile.cuda'), 'dockerfile');
  assert.equal(deployKindOf('server.Dockerfile'), 'dockerfile');
  assert.equal(deployKindOf('.env'), 'dotenv');
  assert.equal(deployKindOf('.env.production'), 'dotenv');
  assert.equal(deployKindOf('prod.env'), 'dotenv');
  assert.equal(deployKindOf('ollama.service'), 'systemd');
  assert.equal(deployKindOf('serve.sh'), 'shell');
  // Near misses: not deployment files.
  assert.equal(deployKindOf('.envrc'), undefined);
  assert.equal(deployKindOf('config.json'), undefined);
  assert.equal(deployKindOf('Dockerfile-notes.md'), undefined);
});

test('compose: services, image, string and list commands, env list and map, lines', () => {
  const c = parse(
    'docker-compose.yml',
    lines(
      'services:', // 1
      '  vllm:', // 2
      '    image: vllm/vllm-openai:v0.14.0', // 3
      '    command: --model "Qwen/Qwen2.5 7B" --host 0.0.0.0', // 4
      '    environment:', // 5
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose environment reference, not a template
      '      - VLLM_API_KEY=${VLLM_API_KEY}', // 6
      '      - PASSTHROUGH', // 7
      '    env_file: [.env, {path: ./extra.env}]', // 8
      '  ollama:', // 9
      '    image: ollama/ollama', // 10
      '    entrypoint: ["/bin/sh", "-c"]', // 11
      '    command:', // 12
      '      - OLLAMA_HOST=127.0.0.1 ollama serve', // 13
      '    environment:', // 14
      '      OLLAMA_KEEP_ALIVE: 24h', // 15
      '      WEBUI_AUTH: False', // 16
    ),
  );
  assert.deepEqual(c.errors, []);
  const [vllm, ollama] = c.launches;
  assert.equal(vllm!.name, 'vllm');
  assert.equal(vllm!.line, 2);
  assert.equal(vllm!.server, 'vllm');
  assert.deepEqual(vllm!.image, { ref: 'vllm/vllm-openai:v0.14.0', line: 3 });
  assert.deepEqual(vllm!.argv, ['--model', 'Qwen/Qwen2.5 7B', '--host', '0.0.0.0']);
  assert.deepEqual(vllm!.argLines, [4, 4, 4, 4]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose environment reference, not a template
  assert.deepEqual(vllm!.env.get('VLLM_API_KEY'), { value: '${VLLM_API_KEY}', line: 6 });
  assert.equal(vllm!.env.has('PASSTHROUGH'), false);
  assert.deepEqual(vllm!.envFiles, ['.env', './extra.env']);
  assert.equal(authOf(vllm!), 'on');
  // `sh -c "<script>"` is unwrapped to the server command, its assignment becoming environment.
  assert.equal(ollama!.server, 'ollama');
  assert.deepEqual(ollama!.argv, ['ollama', 'serve']);
  assert.deepEqual(ollama!.env.get('OLLAMA_HOST'), { value: '127.0.0.1', line: 13 });
  assert.deepEqual(ollama!.env.get('OLLAMA_KEEP_ALIVE'), { value: '24h', line: 15 });
  assert.equal(ollama!.env.get('WEBUI_AUTH')?.value, 'false');
  assert.equal(bindOf(ollama!).scope, 'loopback');
});

test('compose ports: short syntax with and without host IP, ranges, protocols, IPv6, long syntax', () => {
  assert.deepEqual(shortPort('11434:11434', 3), {
    via: 'ports',
    containerPort: '11434',
    hostPort: '11434',
    line: 3,
    text: '11434:11434',
  });
  assert.equal(shortPort('127.0.0.1:8000:8000', 1)?.hostIp, '127.0.0.1');
  assert.equal(shortPort('8000', 1)?.hostIp, undefined);
  assert.equal(shortPort('8000', 1)?.hostPort, undefined);
  assert.equal(shortPort('[::1]:8080:80/tcp', 1)?.hostIp, '::1');
  assert.equal(shortPort('[::1]:8080:80/tcp', 1)?.containerPort, '80');
  assert.equal(shortPort('0.0.0.0:9000-9010:9000-9010/udp', 1)?.hostIp, '0.0.0.0');
  // `${VAR-default}` resolves to its default; a bare `${VAR}` host IP cannot be known statically.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a template
  assert.equal(shortPort('${OLLAMA_PORT-11434}:11434', 1)?.hostPort, '11434');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a template
  assert.equal(shortPort('${BIND_IP}:11434:11434', 1)?.hostIp, '?');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a template
  assert.equal(shortPort('${BIND_IP:-127.0.0.1}:11434:11434', 1)?.hostIp, '127.0.0.1');

  const c = parse(
    'compose.yaml',
    lines(
      'services:',
      '  ollama:',
      '    image: ollama/ollama:0.17.1',
      '    ports:',
      '      - target: 11434', // 5
      '        published: "11434"',
      '        host_ip: 127.0.0.1',
      '      - target: 11435', // 8
      '        published: 11435',
    ),
  );
  const l = only(c);
  assert.equal(l.ports.length, 2);
  assert.deepEqual(
    l.ports.map((p) => [p.hostIp, p.hostPort, p.containerPort, p.line]),
    [
      ['127.0.0.1', '11434', '11434', 5],
      [undefined, '11435', '11435', 8],
    ],
  );
  assert.equal(exposureOf(l)?.line, 8);
});

test('compose: privileged, host network, docker.sock (short and long volume), root user', () => {
  const l = only(
    parse(
      'docker-compose.yml',
      lines(
        'services:',
        '  agent:',
        '    image: example/agent:1.0',
        '    privileged: true', // 4
        '    network_mode: host', // 5
        '    user: "0:0"', // 6
        '    volumes:',
        '      - /var/run/docker.sock:/var/run/docker.sock:ro', // 8
      ),
    ),
  );
  assert.equal(l.privileged?.line, 4);
  assert.equal(l.hostNetwork?.line, 5);
  assert.equal(l.runsAsRoot?.line, 6);
  assert.equal(l.dockerSock?.line, 8);
  const long = only(
    parse(
      'compose.yml',
      lines(
        'services:',
        '  a:',
        '    image: x',
        '    volumes:',
        '      - type: bind',
        '        source: /run/docker.sock',
        '        target: /var/run/docker.sock',
      ),
    ),
  );
  assert.equal(long.dockerSock?.line, 5);
});

test('k8s: multi-document Helm output, pod templates, env, securityContext, Service and Ingress linking', () => {
  const c = parse(
    'rendered.yaml',
    lines(
      '---', // 1
      '# Source: ollama/templates/deployment.yaml', // 2
      'apiVersion: apps/v1', // 3
      'kind: Deployment', // 4
      'metadata: {name: ollama}', // 5
      'spec:', // 6
      '  template:', // 7
      '    metadata:', // 8
      '      labels: {app.kubernetes.io/name: ollama}', // 9
      '    spec:', // 10
      '      hostNetwork: true', // 11
      '      volumes:', // 12
      '        - name: sock', // 13
      '          hostPath: {path: /var/run/docker.sock}', // 14
      '      containers:', // 15
      '        - name: ollama', // 16
      '          image: ollama/ollama:0.17.1', // 17
      '          env:', // 18
      '            - name: OLLAMA_ORIGINS', // 19
      '              value: "*"', // 20
      '            - name: HF_TOKEN', // 21
      '              valueFrom: {secretKeyRef: {name: hf, key: token}}', // 22
      '          securityContext: {privileged: true}', // 23
      '          volumeMounts: [{name: sock, mountPath: /var/run/docker.sock}]', // 24
      '---', // 25
      'apiVersion: v1', // 26
      'kind: Service', // 27
      'metadata: {name: ollama}', // 28
      'spec:', // 29
      '  type: LoadBalancer', // 30
      '  selector: {app.kubernetes.io/name: ollama}', // 31
      '  ports: [{port: 11434}]', // 32
      '---',
      'apiVersion: batch/v1',
      'kind: CronJob',
      'metadata: {name: warm}',
      'spec:',
      '  jobTemplate:',
      '    spec:',
      '      template:',
      '        spec:',
      '          containers:',
      '            - name: pull',
      '              image: curlimages/curl:8.8.0',
      '              command: ["curl", "-X", "POST", "http://ollama:11434/api/pull"]',
    ),
  );
  assert.deepEqual(c.errors, []);
  assert.equal(c.launches.length, 2);
  const [ollama, pull] = c.launches;
  assert.equal(ollama!.name, 'Deployment/ollama/ollama');
  assert.equal(ollama!.line, 16);
  assert.equal(ollama!.server, 'ollama');
  assert.deepEqual(ollama!.env.get('OLLAMA_ORIGINS'), { value: '*', line: 19 });
  assert.equal(
    ollama!.env.get('HF_TOKEN')?.value,
    '$(valueFrom)',
    'a secretKeyRef is set, but not a literal',
  );
  assert.equal(ollama!.hostNetwork?.line, 11);
  assert.equal(ollama!.privileged?.line, 23);
  assert.equal(ollama!.dockerSock?.line, 13);
  assert.deepEqual(
    ollama!.ports.map((p) => [p.via, p.line]),
    [['load-balancer', 30]],
  );
  assert.equal(pull!.name, 'CronJob/warm/pull');
  assert.deepEqual(pull!.argv, ['curl', '-X', 'POST', 'http://ollama:11434/api/pull']);
  assert.equal(pull!.ports.length, 0, 'the Service does not select the CronJob');
});

test('k8s: envFrom a ConfigMap of the same file brings its variables; other refs stay unknown', () => {
  const c = parse(
    'ollama.yaml',
    lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: ollama-env}',
      'data:',
      '  OLLAMA_HOST: "0.0.0.0:11434"', // 5
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: ollama}',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: ollama',
      '          image: ollama/ollama:0.17.1',
      '          envFrom: [{configMapRef: {name: ollama-env}}, {secretRef: {name: tokens}}]',
    ),
  );
  const ollama = c.launches.find((l) => l.server === 'ollama')!;
  assert.deepEqual(ollama.env.get('OLLAMA_HOST'), { value: '0.0.0.0:11434', line: 5 });
  assert.deepEqual(ollama.envFiles, ['secret:tokens']);
});

test('k8s: an Ingress publishes its backend unless it carries auth annotations; ClusterIP does not', () => {
  const manifest = (annotations: string) =>
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
      '          args: ["--model", "Qwen/Qwen2.5-7B-Instruct"]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: vllm}',
      'spec: {selector: {app: vllm}, ports: [{port: 8000}]}',
      '---',
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress', // 19
      'metadata:',
      '  name: vllm',
      `  annotations: ${annotations}`,
      'spec:',
      '  rules:',
      '    - host: llm.example.com',
      '      http:',
      '        paths:',
      '          - path: /',
      '            pathType: Prefix',
      '            backend: {service: {name: vllm, port: {number: 8000}}}',
    );
  const open = only(parse('k8s.yaml', manifest('{kubernetes.io/ingress.class: nginx}')));
  assert.deepEqual(
    open.ports.map((p) => [p.via, p.line]),
    [['ingress', 18]],
  );
  const authed = only(
    parse(
      'k8s.yaml',
      manifest('{nginx.ingress.kubernetes.io/auth-url: "https://auth.example.com/oauth2/auth"}'),
    ),
  );
  assert.deepEqual(authed.ports, []);
});

test('a YAML file that is not a manifest, and an unrendered Helm template, are not deployment files', () => {
  assert.equal(
    parseDeployFile('values.yaml', 'replicaCount: 1\nimage:\n  repository: ollama/ollama\n'),
    undefined,
  );
  assert.equal(
    parseDeployFile(
      'deployment.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "x.fullname" . }}\n  labels:\n    {{- include "x.labels" . | nindent 4 }}\n',
    ),
    undefined,
  );
});

test('Dockerfile: last stage, ENV forms, exec and shell CMD/ENTRYPOINT, USER, continuations', () => {
  const exec = only(
    parse(
      'Dockerfile',
      lines(
        'FROM python:3.12 AS build', // 1
        'ENV IGNORED=1',
        'FROM vllm/vllm-openai:v0.14.0', // 3
        'ENV HF_HOME=/models \\', // 4
        '    VLLM_API_KEY="k e y"',
        'ENV LEGACY value with spaces', // 6
        'USER 1000', // 7
        'ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]', // 8
        'CMD ["--model", "Qwen/Qwen2.5-7B-Instruct", \\', // 9
        '     "--trust-remote-code"]',
      ),
    ),
  );
  assert.deepEqual(exec.image, { ref: 'vllm/vllm-openai:v0.14.0', line: 3 });
  assert.equal(exec.env.has('IGNORED'), false, 'ENV of an earlier stage does not reach the final image');
  assert.deepEqual(exec.env.get('HF_HOME'), { value: '/models', line: 4 });
  assert.equal(exec.env.get('VLLM_API_KEY')?.value, 'k e y');
  assert.equal(exec.env.get('LEGACY')?.value, 'value with spaces');
  assert.equal(exec.server, 'vllm');
  assert.deepEqual(exec.argv, [
    'python3',
    '-m',
    'vllm.entrypoints.openai.api_server',
    '--model',
    'Qwen/Qwen2.5-7B-Instruct',
    '--trust-remote-code',
  ]);
  assert.deepEqual(exec.argLines.slice(3), [9, 9, 9]);
  assert.equal(exec.runsAsRoot, undefined);

  const shell = only(
    parse('Dockerfile.server', lines('FROM ubuntu:24.04', 'CMD OLLAMA_HOST=0.0.0.0 ollama serve')),
  );
  assert.equal(shell.server, 'ollama');
  assert.deepEqual(shell.argv, ['ollama', 'serve']);
  assert.equal(shell.env.get('OLLAMA_HOST')?.value, '0.0.0.0');
  assert.equal(shell.runsAsRoot?.text, 'no USER instruction');
  // A Dockerfile publishes nothing: EXPOSE is documentation.
  assert.equal(exposureOf(shell), undefined);
});

test('systemd: ExecStart with prefixes and continuations, quoted Environment= lines, EnvironmentFile=', () => {
  const l = only(
    parse(
      'ollama.service',
      lines(
        '[Unit]',
        'Description=Ollama Service',
        '[Service]', // 3
        'Environment="OLLAMA_HOST=0.0.0.0:11434" "OLLAMA_MODELS=/srv/models"', // 4
        'Environment=OLLAMA_KEEP_ALIVE=-1', // 5
        'EnvironmentFile=-/etc/ollama/env',
        'ExecStart=-/usr/bin/ollama \\', // 7
        '  serve',
        'User=ollama',
        '[Install]',
        'Environment=NOT_SERVICE=1',
      ),
    ),
  );
  assert.equal(l.server, 'ollama');
  assert.equal(l.line, 7);
  assert.deepEqual(l.argv, ['/usr/bin/ollama', 'serve']);
  assert.deepEqual(l.env.get('OLLAMA_HOST'), { value: '0.0.0.0:11434', line: 4 });
  assert.deepEqual(l.env.get('OLLAMA_MODELS'), { value: '/srv/models', line: 4 });
  assert.deepEqual(l.env.get('OLLAMA_KEEP_ALIVE'), { value: '-1', line: 5 });
  assert.equal(l.env.has('NOT_SERVICE'), false);
  assert.deepEqual(l.envFiles, ['/etc/ollama/env']);
  assert.equal(bindOf(l).scope, 'all');
  assert.equal(exposureOf(l)?.line, 4);
  // A .conf with no [Service] section is not a unit.
  assert.equal(parseDeployFile('nginx.conf', 'server { listen 80; }\n'), undefined);
});

test('.env: export, quotes, escapes, inline comments, multi-line values', () => {
  const l = only(
    parse(
      '.env',
      lines(
        '# comment',
        'export HF_TOKEN=hf_abc # trailing comment', // 2
        "SINGLE='a # not a comment'", // 3
        'DOUBLE="line1\\nline2 \\"q\\""', // 4
        'MULTI="first', // 5
        'second"',
        'EMPTY=', // 7
        'not an assignment',
        'URL=http://host:11434/#frag', // 9
      ),
    ),
  );
  assert.deepEqual(l.env.get('HF_TOKEN'), { value: 'hf_abc', line: 2 });
  assert.equal(l.env.get('SINGLE')?.value, 'a # not a comment');
  assert.equal(l.env.get('DOUBLE')?.value, 'line1\nline2 "q"');
  assert.deepEqual(l.env.get('MULTI'), { value: 'first\nsecond', line: 5 });
  assert.equal(l.env.get('EMPTY')?.value, '');
  assert.equal(l.env.get('URL')?.value, 'http://host:11434/#frag');
  assert.equal(l.env.size, 6);
});

test('shell: continuations, &&, exports, inline assignments, docker run options', () => {
  const c = parse(
    'deploy.sh',
    lines(
      '#!/usr/bin/env bash', // 1
      'set -euo pipefail',
      'export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', // 3
      'cd /srv && VLLM_SERVER_DEV_MODE=1 vllm serve Qwen/Qwen2.5-7B-Instruct \\', // 4
      '  --host 0.0.0.0 \\', // 5
      '  --port 8000 &', // 6
      'docker run -d --gpus=all -v ollama:/root/.ollama -p 11434:11434 \\', // 7
      '  -e OLLAMA_ORIGINS="*" --privileged --name ollama ollama/ollama:0.17.1', // 8
      'echo done',
    ),
  );
  const [exported, vllm, docker] = c.launches;
  assert.equal(c.launches.length, 3);
  assert.equal(exported!.env.get('HF_TOKEN')?.line, 3);
  assert.equal(vllm!.server, 'vllm');
  assert.equal(vllm!.containerized, false);
  assert.deepEqual(vllm!.argv.slice(0, 3), ['vllm', 'serve', 'Qwen/Qwen2.5-7B-Instruct']);
  assert.deepEqual(vllm!.argLines, [4, 4, 4, 5, 5, 6, 6]);
  assert.equal(vllm!.env.get('VLLM_SERVER_DEV_MODE')?.line, 4);
  assert.equal(vllm!.env.get('HF_TOKEN')?.line, 3, 'exported variables reach later commands');
  assert.equal(exposureOf(vllm!)?.line, 5);
  assert.equal(docker!.server, 'ollama');
  assert.equal(docker!.containerized, true);
  assert.deepEqual(docker!.image, { ref: 'ollama/ollama:0.17.1', line: 8 });
  assert.deepEqual(
    docker!.ports.map((p) => [p.hostPort, p.line]),
    [['11434', 7]],
  );
  assert.deepEqual(docker!.env.get('OLLAMA_ORIGINS'), { value: '*', line: 8 });
  assert.equal(docker!.privileged?.line, 8);
  assert.equal(docker!.name, 'ollama');
});

test('shell words: quotes, escapes and comments never split or join words wrongly', () => {
  const cmds = splitCommands('a "b c" \'d e\' f\\ g # comment\nh|i;j&&k');
  assert.deepEqual(
    cmds.map((c) => c.map((w) => w.text)),
    [['a', 'b c', 'd e', 'f g'], ['h'], ['i'], ['j'], ['k']],
  );
  assert.deepEqual(
    splitCommands("x --token ''")[0]!.map((w) => w.text),
    ['x', '--token', ''],
  );
});

test('server detection from images and commands, with near misses', () => {
  const server = (name: string, text: string) => parse(name, text).launches.map((l) => l.server);
  const compose = (image: string, command = '') =>
    lines('services:', '  s:', `    image: ${image}`, ...(command === '' ? [] : [`    command: ${command}`]));
  assert.deepEqual(server('compose.yml', compose('ghcr.io/ggml-org/llama.cpp:server-cuda')), ['llama.cpp']);
  assert.deepEqual(server('compose.yml', compose('ghcr.io/ggml-org/llama.cpp:full-cuda')), [undefined]);
  assert.deepEqual(server('compose.yml', compose('ghcr.io/huggingface/text-generation-inference:3.3.4')), [
    'tgi',
  ]);
  assert.deepEqual(server('compose.yml', compose('ghcr.io/berriai/litellm:main-stable')), ['litellm']);
  assert.deepEqual(server('compose.yml', compose('localai/localai:latest-aio-cpu')), ['localai']);
  assert.deepEqual(server('compose.yml', compose('quay.io/jupyter/scipy-notebook:2025-06-02')), ['jupyter']);
  assert.deepEqual(
    server('compose.yml', compose('python:3.12', 'python -m vllm.entrypoints.openai.api_server --model x')),
    ['vllm'],
  );
  assert.deepEqual(server('compose.yml', compose('python:3.12', 'text-generation-launcher --model-id x')), [
    'tgi',
  ]);
  assert.deepEqual(server('compose.yml', compose('python:3.12', 'jupyter lab --ip=0.0.0.0')), ['jupyter']);
  assert.deepEqual(server('compose.yml', compose('python:3.12', 'ollama pull llama3')), [undefined]);
  assert.deepEqual(server('compose.yml', compose('ollama-proxy/ollama:1')), [undefined]);
  assert.deepEqual(server('compose.yml', compose('python:3.12', 'vllm bench serve')), [undefined]);
});

test('k8s: a rendered bundle of 1,000 Deployments and Services links each pair, in bounded time', () => {
  const pair = (i: number) =>
    lines(
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      `metadata: {name: m${i}}`,
      'spec:',
      '  template:',
      `    metadata: {labels: {app: m${i}, tier: llm}}`,
      `    spec: {containers: [{name: c, image: "ollama/ollama:0.17.1"}]}`,
      '---',
      'apiVersion: v1',
      'kind: Service',
      `metadata: {name: m${i}}`,
      `spec: {type: NodePort, selector: {tier: llm, app: m${i}}}`,
    );
  const text = Array.from({ length: 1000 }, (_, i) => pair(i)).join('');
  const started = performance.now();
  const c = parse('bundle.yaml', text);
  assert.ok(performance.now() - started < 5000);
  assert.equal(c.launches.length, 1000);
  assert.ok(c.launches.every((l) => l.ports.length === 1 && l.ports[0]!.via === 'node-port'));
});
