/**
 * Real-world-style deployment files for every server issue 8 lists, in the shapes the projects' own docs and
 * example repositories write them (compose files, Kubernetes Deployment + Service, Dockerfiles, systemd units
 * and drop-ins, .env files, launch scripts, app code). Each server has an `exposed` set, with the findings it
 * must produce (rule, file, line), and a `hardened` set — the same files with the documented fixes — that
 * must stay quiet. The shapes were checked against the sources named in each case's `shapes`.
 */

/** `${NAME}`: a compose/shell reference (built so it is not mistaken for a JS template). */
const ref = (name: string): string => `$${'{'}${name}}`;
const file = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** A finding the exposed set must produce. */
export interface ExpectedFinding {
  rule: string;
  file: string;
  line: number;
}

export interface ServerCase {
  server: string;
  /** Where the file shapes come from. */
  shapes: string;
  exposed: Record<string, string>;
  expected: ExpectedFinding[];
  hardened: Record<string, string>;
}

const at = (rule: string, file: string, line: number): ExpectedFinding => ({
  rule: `deploy/${rule}`,
  file,
  line,
});

/** Ollama's compose service (as in Open WebUI's and Ollama's docs), published as given. */
const ollamaCompose = (port: string, env: string[], user: string[] = []) =>
  file(
    'services:',
    '  ollama:',
    '    image: ollama/ollama:0.17.1',
    '    container_name: ollama',
    '    volumes:',
    '      - ollama:/root/.ollama',
    '    ports:',
    `      - "${port}"`,
    ...env,
    ...user,
    '    deploy:',
    '      resources:',
    '        reservations:',
    '          devices:',
    '            - driver: nvidia',
    '              count: all',
    '              capabilities: [gpu]',
    'volumes:',
    '  ollama: {}',
  );

/** vLLM's Kubernetes deployment page: a Deployment running `vllm serve` and a Service in front of it. */
const vllmK8s = (args: string, serviceType: string, extraEnv: string[], securityContext: string[]) =>
  file(
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: mistral-7b',
    '  namespace: default',
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels:',
    '      app: mistral-7b',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: mistral-7b',
    '    spec:',
    ...securityContext,
    '      containers:',
    '      - name: mistral-7b',
    '        image: vllm/vllm-openai:v0.14.0',
    '        command: ["/bin/sh", "-c"]',
    `        args: ["${args}"]`,
    '        env:',
    '        - name: HUGGING_FACE_HUB_TOKEN',
    '          valueFrom:',
    '            secretKeyRef:',
    '              name: hf-token-secret',
    '              key: token',
    ...extraEnv,
    '        ports:',
    '        - containerPort: 8000',
    '        resources:',
    '          limits:',
    '            nvidia.com/gpu: "1"',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: mistral-7b',
    'spec:',
    `  type: ${serviceType}`,
    '  selector:',
    '    app: mistral-7b',
    '  ports:',
    '  - name: http-mistral-7b',
    '    port: 80',
    '    protocol: TCP',
    '    targetPort: 8000',
  );

/** Open WebUI's compose (its README's docker-compose.yaml) with the given environment. */
const openWebuiCompose = (env: string[], user: string[] = []) =>
  file(
    'services:',
    '  open-webui:',
    '    image: ghcr.io/open-webui/open-webui:v0.9.2',
    '    container_name: open-webui',
    '    volumes:',
    '      - open-webui:/app/backend/data',
    '    ports:',
    '      - "3000:8080"',
    '    environment:',
    "      - 'OLLAMA_BASE_URL=http://ollama:11434'",
    ...env,
    ...user,
    '    restart: unless-stopped',
    'volumes:',
    '  open-webui: {}',
  );

/** LiteLLM's docker-compose.yml (proxy deployment docs) with the master key given as `masterKey`. */
const litellmCompose = (image: string, masterKey: string, ports: string) =>
  file(
    'services:',
    '  litellm:',
    `    image: ${image}`,
    '    volumes:',
    '      - ./config.yaml:/app/config.yaml',
    '    command:',
    '      - "--config=/app/config.yaml"',
    '    ports:',
    `      - "${ports}"`,
    '    environment:',
    `      LITELLM_MASTER_KEY: ${masterKey}`,
    `      DATABASE_URL: "postgresql://llmproxy:${ref('POSTGRES_PASSWORD')}@db:5432/litellm"`,
    '    depends_on:',
    '      - db',
    '  db:',
    '    image: postgres:16',
    '    environment:',
    '      POSTGRES_DB: litellm',
    '      POSTGRES_USER: llmproxy',
    `      POSTGRES_PASSWORD: ${ref('POSTGRES_PASSWORD')}`,
  );

/** LiteLLM's config.yaml (proxy "Config.yaml" docs) with the given general_settings lines. */
const litellmConfig = (apiKey: string, general: string[]) =>
  file(
    'model_list:',
    '  - model_name: gpt-4o',
    '    litellm_params:',
    '      model: openai/gpt-4o',
    `      api_key: ${apiKey}`,
    '  - model_name: llama3',
    '    litellm_params:',
    '      model: ollama/llama3',
    '      api_base: http://ollama:11434',
    'litellm_settings:',
    '  drop_params: true',
    ...general,
  );

/** A Gradio app as Hugging Face Spaces and Gradio's guides write it. */
const gradioApp = (launch: string) =>
  file(
    'import os',
    '',
    'import gradio as gr',
    'from transformers import pipeline',
    '',
    'pipe = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct")',
    '',
    '',
    'def respond(message, history):',
    '    return pipe(message, max_new_tokens=128)[0]["generated_text"]',
    '',
    '',
    'demo = gr.ChatInterface(respond, title="Chat")',
    '',
    'if __name__ == "__main__":',
    `    demo.launch(${launch})`,
  );

export const SERVER_CASES: readonly ServerCase[] = [
  {
    server: 'Ollama',
    shapes:
      'docs.ollama.com/faq (systemctl edit ollama.service → [Service] Environment="OLLAMA_HOST=0.0.0.0:11434"; OLLAMA_ORIGINS), docs.ollama.com/docker and Open WebUI README compose',
    exposed: {
      'docker-compose.yml': ollamaCompose('11434:11434', [
        '    environment:',
        '      - OLLAMA_ORIGINS=*',
        '      - OLLAMA_KEEP_ALIVE=24h',
      ]),
      'ollama.service.d/override.conf': file('[Service]', 'Environment="OLLAMA_HOST=0.0.0.0:11434"'),
    },
    expected: [
      at('exposed-without-auth', 'docker-compose.yml', 8),
      at('ollama-open-origins', 'docker-compose.yml', 10),
      at('root-container', 'docker-compose.yml', 3),
      at('exposed-without-auth', 'ollama.service.d/override.conf', 2),
    ],
    hardened: {
      'docker-compose.yml': ollamaCompose(
        '127.0.0.1:11434:11434',
        [
          '    environment:',
          '      - OLLAMA_ORIGINS=https://chat.example.org',
          '      - OLLAMA_KEEP_ALIVE=24h',
        ],
        ['    user: "1000:1000"'],
      ),
      'ollama.service.d/override.conf': file('[Service]', 'Environment="OLLAMA_HOST=127.0.0.1:11434"'),
    },
  },
  {
    server: 'vLLM',
    shapes:
      'docs.vllm.ai deployment/k8s (Deployment with command ["/bin/sh","-c"], args ["vllm serve ..."], HF token from a Secret, Service in front); docs.vllm.ai cli/serve (--api-key, VLLM_API_KEY, --trust-remote-code)',
    exposed: {
      'k8s/vllm.yaml': vllmK8s(
        'vllm serve mistralai/Mistral-7B-Instruct-v0.3 --trust-remote-code --enable-chunked-prefill --max-model-len 8192',
        'LoadBalancer',
        [],
        [],
      ),
    },
    expected: [
      at('exposed-without-auth', 'k8s/vllm.yaml', 38),
      at('trust-remote-code', 'k8s/vllm.yaml', 20),
      at('root-container', 'k8s/vllm.yaml', 18),
    ],
    hardened: {
      'k8s/vllm.yaml': vllmK8s(
        'vllm serve mistralai/Mistral-7B-Instruct-v0.3 --revision 0d4b76e1efeab5c7e2bb4a3a1a7dc7fcb0e5c3c4 --enable-chunked-prefill --max-model-len 8192',
        'ClusterIP',
        [
          '        - name: VLLM_API_KEY',
          '          valueFrom:',
          '            secretKeyRef:',
          '              name: vllm-api-key',
          '              key: key',
        ],
        ['      securityContext:', '        runAsNonRoot: true', '        runAsUser: 1000'],
      ),
    },
  },
  {
    server: 'llama.cpp server',
    shapes:
      'llama.cpp tools/server/README.md (llama-server -m model.gguf --host/--port, --api-key-file, docker run ghcr.io/ggml-org/llama.cpp:server -m /models/... --host 0.0.0.0 --port 8080)',
    exposed: {
      'scripts/serve.sh': file(
        '#!/usr/bin/env bash',
        'set -euo pipefail',
        'MODEL=/srv/models/qwen2.5-7b-instruct-q4_k_m.gguf',
        'llama-server -m "$MODEL" \\',
        '  --host 0.0.0.0 --port 8080 \\',
        '  -c 8192 -ngl 99 --slot-save-path /srv/slots',
      ),
      'scripts/docker-serve.sh': file(
        '#!/bin/sh',
        'docker run -d --name llama -p 8080:8080 -v /srv/models:/models \\',
        '  ghcr.io/ggml-org/llama.cpp:server-b6000 \\',
        '  -m /models/qwen2.5-7b-instruct-q4_k_m.gguf --port 8080 --host 0.0.0.0 -n 512',
      ),
    },
    expected: [
      at('exposed-without-auth', 'scripts/serve.sh', 5),
      at('llama-server-write-endpoints', 'scripts/serve.sh', 6),
      at('exposed-without-auth', 'scripts/docker-serve.sh', 2),
    ],
    hardened: {
      'scripts/serve.sh': file(
        '#!/usr/bin/env bash',
        'set -euo pipefail',
        'MODEL=/srv/models/qwen2.5-7b-instruct-q4_k_m.gguf',
        'llama-server -m "$MODEL" \\',
        '  --host 127.0.0.1 --port 8080 \\',
        '  -c 8192 -ngl 99',
      ),
      'scripts/docker-serve.sh': file(
        '#!/bin/sh',
        'docker run -d --name llama --user 1000:1000 -p 127.0.0.1:8080:8080 -v /srv/models:/models \\',
        '  ghcr.io/ggml-org/llama.cpp:server-b6000 \\',
        '  -m /models/qwen2.5-7b-instruct-q4_k_m.gguf --port 8080 --host 0.0.0.0 --api-key-file /models/keys -n 512',
      ),
    },
  },
  {
    server: 'TGI',
    shapes:
      'huggingface.co/docs/text-generation-inference quicktour (model=...; volume=$PWD/data; docker run --gpus all --shm-size 1g -p 8080:80 -v $volume:/data ghcr.io/huggingface/text-generation-inference:<ver> --model-id $model) and reference/launcher (--api-key, --hostname)',
    exposed: {
      'start-tgi.sh': file(
        '#!/bin/bash',
        'model=HuggingFaceH4/zephyr-7b-beta',
        'volume=$PWD/data # share a volume with the Docker container to avoid downloading weights every run',
        '',
        'docker run --gpus all --shm-size 1g -p 8080:80 -v $volume:/data \\',
        '    ghcr.io/huggingface/text-generation-inference:3.3.5 \\',
        '    --model-id $model --trust-remote-code',
      ),
    },
    expected: [at('exposed-without-auth', 'start-tgi.sh', 5), at('trust-remote-code', 'start-tgi.sh', 7)],
    hardened: {
      'start-tgi.sh': file(
        '#!/bin/bash',
        'model=HuggingFaceH4/zephyr-7b-beta',
        'volume=$PWD/data # share a volume with the Docker container to avoid downloading weights every run',
        '',
        'docker run --gpus all --shm-size 1g -p 127.0.0.1:8080:80 -v $volume:/data \\',
        '    ghcr.io/huggingface/text-generation-inference:3.3.5 \\',
        '    --model-id $model --revision b70e0c9a2d9e14bd1e812d3c398e5f313e93b473',
      ),
    },
  },
  {
    server: 'LocalAI',
    shapes:
      'mudler/LocalAI docker-compose.yaml (api service, ports 8080:8080, MODELS_PATH=/models, volumes) and localai.io advanced/installer docs (LOCALAI_API_KEY / API_KEY)',
    exposed: {
      'docker-compose.yaml': file(
        'services:',
        '  api:',
        '    image: localai/localai:v2.24.2-aio-cpu',
        '    ports:',
        '      - 8080:8080',
        '    environment:',
        '      - MODELS_PATH=/models',
        '      - DEBUG=true',
        '    volumes:',
        '      - ./models:/models:cached',
      ),
    },
    expected: [at('exposed-without-auth', 'docker-compose.yaml', 5)],
    hardened: {
      'docker-compose.yaml': file(
        'services:',
        '  api:',
        '    image: localai/localai:v2.24.2-aio-cpu',
        '    ports:',
        '      - 127.0.0.1:8080:8080',
        '    environment:',
        '      - MODELS_PATH=/models',
        `      - LOCALAI_API_KEY=${ref('LOCALAI_API_KEY')}`,
        '    volumes:',
        '      - ./models:/models:cached',
      ),
    },
  },
  {
    server: 'text-generation-webui',
    shapes:
      'oobabooga/text-generation-webui README (python server.py --listen --listen-host --share --api --gradio-auth --trust-remote-code; start_linux.sh reads user_data/CMD_FLAGS.txt, shipped as "# Only used by the one-click installer." and a commented "# --listen --api")',
    exposed: {
      'run-webui.sh': file(
        '#!/usr/bin/env bash',
        'cd /opt/text-generation-webui',
        'source venv/bin/activate',
        'python server.py --listen --api --model Qwen2.5-7B-Instruct --trust-remote-code',
      ),
      'user_data/CMD_FLAGS.txt': file('# Only used by the one-click installer.', '--listen --share'),
    },
    expected: [
      at('exposed-without-auth', 'run-webui.sh', 4),
      at('trust-remote-code', 'run-webui.sh', 4),
      at('exposed-without-auth', 'user_data/CMD_FLAGS.txt', 2),
      at('public-tunnel', 'user_data/CMD_FLAGS.txt', 2),
    ],
    hardened: {
      'run-webui.sh': file(
        '#!/usr/bin/env bash',
        'cd /opt/text-generation-webui',
        'source venv/bin/activate',
        'python server.py --listen --gradio-auth-path /etc/tgw/auth.txt --api --api-key "$TGW_API_KEY" --model Qwen2.5-7B-Instruct',
      ),
      'user_data/CMD_FLAGS.txt': file(
        '# Only used by the one-click installer.',
        '--gradio-auth-path /etc/tgw/auth.txt',
      ),
    },
  },
  {
    server: 'Open WebUI',
    shapes:
      'docs.openwebui.com getting-started/env-configuration (WEBUI_AUTH, ENABLE_SIGNUP, DEFAULT_USER_ROLE) and the README docker-compose.yaml',
    exposed: {
      'compose.yaml': openWebuiCompose([
        "      - 'WEBUI_AUTH=False'",
        "      - 'ENABLE_SIGNUP=true'",
        "      - 'DEFAULT_USER_ROLE=user'",
      ]),
    },
    expected: [
      at('auth-disabled', 'compose.yaml', 11),
      at('open-webui-open-signup', 'compose.yaml', 13),
      at('root-container', 'compose.yaml', 3),
    ],
    hardened: {
      'compose.yaml': openWebuiCompose(
        [
          "      - 'ENABLE_SIGNUP=false'",
          "      - 'DEFAULT_USER_ROLE=pending'",
          `      - 'WEBUI_SECRET_KEY=${ref('WEBUI_SECRET_KEY')}'`,
        ],
        ['    user: "1000:1000"'],
      ),
    },
  },
  {
    server: 'LiteLLM',
    shapes:
      'docs.litellm.ai proxy/deploy (docker-compose with ghcr.io/berriai/litellm, --config=/app/config.yaml, LITELLM_MASTER_KEY, DATABASE_URL) and proxy/configs (model_list, litellm_settings, general_settings.master_key, os.environ/...)',
    exposed: {
      'docker-compose.yml': litellmCompose('ghcr.io/berriai/litellm:main-v1.81.3', '"sk-1234"', '4000:4000'),
      'config.yaml': litellmConfig('sk-proj-Jr8Xq2mN4vT7wK9pL3sB6dF1hG5zC0aE', []),
    },
    expected: [
      at('inline-secret', 'docker-compose.yml', 11),
      at('root-container', 'docker-compose.yml', 3),
      at('litellm-inline-key', 'config.yaml', 5),
      at('litellm-no-master-key', 'config.yaml', 1),
    ],
    hardened: {
      'docker-compose.yml': litellmCompose(
        'ghcr.io/berriai/litellm-non_root:main-v1.81.3',
        ref('LITELLM_MASTER_KEY'),
        '127.0.0.1:4000:4000',
      ),
      'config.yaml': litellmConfig('os.environ/OPENAI_API_KEY', [
        'general_settings:',
        '  master_key: os.environ/LITELLM_MASTER_KEY',
      ]),
    },
  },
  {
    server: 'Gradio',
    shapes:
      'gradio.app guides (sharing-your-app: share=True, server_name="0.0.0.0", auth=...; environment-variables: GRADIO_SERVER_NAME, GRADIO_SHARE) and Hugging Face Docker Spaces (ENV GRADIO_SERVER_NAME="0.0.0.0")',
    exposed: {
      'app.py': gradioApp('server_name="0.0.0.0", share=True'),
      'compose.yaml': file(
        'services:',
        '  chat:',
        '    build: .',
        '    command: python app.py',
        '    environment:',
        '      GRADIO_SERVER_NAME: "0.0.0.0"',
        '      GRADIO_SHARE: "True"',
        '    ports:',
        '      - "7860:7860"',
      ),
    },
    expected: [
      at('public-tunnel', 'compose.yaml', 7),
      // share=True and server_name="0.0.0.0", both without auth=: two findings on the launch line.
      at('gradio-app-exposed', 'app.py', 16),
      at('gradio-app-exposed', 'app.py', 16),
    ],
    hardened: {
      'app.py': gradioApp('server_name="0.0.0.0", auth=(os.environ["APP_USER"], os.environ["APP_PASSWORD"])'),
      'compose.yaml': file(
        'services:',
        '  chat:',
        '    build: .',
        '    command: python app.py',
        '    environment:',
        '      GRADIO_SERVER_NAME: "0.0.0.0"',
        '    ports:',
        '      - "127.0.0.1:7860:7860"',
      ),
    },
  },
  {
    server: 'Jupyter',
    shapes:
      'jupyter-docker-stacks docs (quay.io/jupyter/*-notebook images, start-notebook.py --IdentityProvider.token=..., ports 8888:8888) and jupyter-server security docs (token/password)',
    exposed: {
      'docker-compose.yml': file(
        'services:',
        '  notebook:',
        '    image: quay.io/jupyter/pytorch-notebook:cuda12-2024-12-09',
        '    ports:',
        '      - "8888:8888"',
        "    command: start-notebook.py --IdentityProvider.token='' --ServerApp.allow_origin='*'",
        '    volumes:',
        '      - ./work:/home/jovyan/work',
      ),
    },
    expected: [at('auth-disabled', 'docker-compose.yml', 6)],
    hardened: {
      'docker-compose.yml': file(
        'services:',
        '  notebook:',
        '    image: quay.io/jupyter/pytorch-notebook:cuda12-2024-12-09',
        '    ports:',
        '      - "127.0.0.1:8888:8888"',
        '    command: start-notebook.py',
        '    volumes:',
        '      - ./work:/home/jovyan/work',
      ),
    },
  },
  {
    server: 'Ray',
    shapes:
      'docs.ray.io cluster/vms getting-started (ray start --head --port=6379 --dashboard-host) and the Ray security page (dashboard and Jobs API have no authentication; bind 127.0.0.1)',
    exposed: {
      'start-head.sh': file(
        '#!/bin/bash',
        'ray start --head --port=6379 --dashboard-host=0.0.0.0 --num-gpus=1',
      ),
    },
    expected: [at('exposed-without-auth', 'start-head.sh', 2)],
    hardened: {
      'start-head.sh': file(
        '#!/bin/bash',
        'ray start --head --port=6379 --dashboard-host=127.0.0.1 --num-gpus=1',
      ),
    },
  },
  {
    server: 'MLflow',
    shapes:
      'mlflow.org docs tracking/server (mlflow server --host 0.0.0.0 --port 5000 --backend-store-uri ...) and auth docs (--app-name basic-auth)',
    exposed: {
      'mlflow.service': file(
        '[Unit]',
        'Description=MLflow tracking server',
        'After=network.target',
        '',
        '[Service]',
        'User=mlflow',
        'WorkingDirectory=/srv/mlflow',
        'ExecStart=/srv/mlflow/venv/bin/mlflow server --backend-store-uri sqlite:///mlflow.db --default-artifact-root /srv/mlflow/artifacts --host 0.0.0.0 --port 5000',
        'Restart=always',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
      ),
    },
    expected: [at('exposed-without-auth', 'mlflow.service', 8)],
    hardened: {
      'mlflow.service': file(
        '[Unit]',
        'Description=MLflow tracking server',
        'After=network.target',
        '',
        '[Service]',
        'User=mlflow',
        'WorkingDirectory=/srv/mlflow',
        'ExecStart=/srv/mlflow/venv/bin/mlflow server --backend-store-uri sqlite:///mlflow.db --default-artifact-root /srv/mlflow/artifacts --host 0.0.0.0 --port 5000 --app-name basic-auth',
        'Restart=always',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
      ),
    },
  },
];
