/**
 * What each probe finding is: id, severity, tags, references and fix, in the shared RuleMeta shape so the
 * scan writers (table, JSON, SARIF) render probe results unchanged. Pages: docs/rules/probe/<name>.md.
 */
import type { RuleMeta } from '../core/rule.ts';

export const SERVER_IDENTIFIED: RuleMeta = {
  id: 'probe/server-identified',
  title: 'An LLM-stack server answers on this address',
  severity: 'info',
  tags: ['OWASP-LLM10', 'AML.T0007'],
  references: [
    'https://docs.ollama.com/api/introduction',
    'https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html',
  ],
  fix: 'Nothing by itself: it says what answered, with its version, so the other findings can be read against it. If the server should not be reachable from where the probe ran, bind it to 127.0.0.1 or a private network.',
};

export const UNAUTHENTICATED_MODEL_LISTING: RuleMeta = {
  id: 'probe/unauthenticated-model-listing',
  title: 'The server lists its models to anyone, without a key',
  severity: 'high',
  tags: ['OWASP-LLM10', 'AML.T0040', 'CWE-306'],
  references: [
    'https://docs.ollama.com/api/tags',
    'https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html',
    'https://docs.ollama.com/faq',
  ],
  fix: "Turn on the server's own authentication (vLLM --api-key, llama.cpp --api-key-file, TGI API_KEY, LocalAI LOCALAI_API_KEY, LiteLLM master_key) or put an authenticating gateway such as `parapet gateway` in front, and bind the server itself to 127.0.0.1.",
};

export const UNAUTHENTICATED_GENERATION: RuleMeta = {
  id: 'probe/unauthenticated-generation',
  title: 'A generation endpoint accepts requests without a key',
  severity: 'high',
  tags: ['OWASP-LLM10', 'AML.T0040', 'CWE-306', 'CWE-770'],
  references: [
    'https://docs.vllm.ai/en/stable/usage/security/',
    'https://huggingface.co/docs/text-generation-inference/reference/launcher',
    'https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md',
  ],
  fix: "Require a key on every inference route (vLLM's --api-key only guards /v1, /v2 and /inference: front /invocations too), or put an authenticating gateway in front and keep the server off public interfaces.",
};

export const OPEN_MANAGEMENT_ENDPOINT: RuleMeta = {
  id: 'probe/open-management-endpoint',
  title: 'Management or code-execution endpoints are reachable without a key',
  severity: 'high',
  tags: ['OWASP-LLM03', 'OWASP-LLM10', 'AML.T0010', 'CWE-306'],
  references: [
    'https://docs.ollama.com/api/pull',
    'https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md',
    'https://jupyter-server.readthedocs.io/en/latest/operators/security.html',
    'https://docs.ray.io/en/latest/ray-security/index.html',
  ],
  fix: 'Block the management routes before they reach the server: an authenticating proxy that lets clients reach only the inference routes (Ollama: /api/chat, /api/generate, /api/embed, /v1/*); llama.cpp --no-slots; Jupyter token or password; Ray dashboard on loopback only.',
};

export const CORS_ANY_ORIGIN: RuleMeta = {
  id: 'probe/cors-any-origin',
  title: 'CORS lets any web page read the API from a browser',
  severity: 'medium',
  tags: ['OWASP-LLM10', 'CWE-942'],
  references: [
    'https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS',
    'https://docs.ollama.com/faq',
    'https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md',
  ],
  fix: 'List the exact origins that may call the server (OLLAMA_ORIGINS, vLLM --allowed-origins, llama.cpp --cors-origins, TGI --cors-allow-origin, Open WebUI CORS_ALLOW_ORIGIN) and never allow credentials with a wildcard or reflected origin.',
};

export const PLAIN_HTTP: RuleMeta = {
  id: 'probe/plain-http',
  title: 'The server speaks plain HTTP on a non-loopback address',
  severity: 'medium',
  tags: ['CWE-319'],
  references: ['https://owasp.org/www-project-top-ten/2017/A3_2017-Sensitive_Data_Exposure'],
  fix: "Terminate TLS in front of the server (a reverse proxy, or `parapet gateway` with listen.tls), or use the server's own TLS flags (llama.cpp --ssl-cert-file, vLLM --ssl-certfile), and bind the plain listener to 127.0.0.1.",
};

export const METRICS_EXPOSED: RuleMeta = {
  id: 'probe/metrics-exposed',
  title: 'Prometheus /metrics answers without a key',
  severity: 'low',
  tags: ['CWE-200'],
  references: [
    'https://docs.vllm.ai/en/latest/usage/metrics.html',
    'https://prometheus.io/docs/instrumenting/exposition_formats/',
  ],
  fix: 'Serve /metrics only to the monitoring network (a proxy rule, or a separate listener), or disable it where the server allows (LocalAI LOCALAI_DISABLE_METRICS_ENDPOINT, llama.cpp without --metrics).',
};

export const VULNERABLE_VERSION: RuleMeta = {
  id: 'probe/vulnerable-version',
  title: 'The server announces a version with a known vulnerability',
  severity: 'high',
  tags: ['OWASP-LLM03', 'CWE-1395'],
  references: ['https://nvd.nist.gov/', 'https://osv.dev/'],
  fix: 'Upgrade to the fixed release named in the finding, and until then keep the server off any network others can reach.',
};

export const OPEN_SIGNUP: RuleMeta = {
  id: 'probe/open-signup',
  title: 'Anyone who reaches the web UI can get an account, or needs none',
  severity: 'high',
  tags: ['OWASP-LLM10', 'CWE-306', 'CWE-287'],
  references: [
    'https://docs.openwebui.com/getting-started/env-configuration',
    'https://docs.openwebui.com/getting-started/quick-start',
  ],
  fix: 'Create the admin account first, then set ENABLE_SIGNUP=false (or DEFAULT_USER_ROLE=pending so new accounts wait for approval); never run WEBUI_AUTH=False on an instance others can reach; keep the UI behind SSO or a VPN.',
};

/** Every probe finding's metadata, for the writers and the docs test. */
export const PROBE_RULE_METAS: readonly RuleMeta[] = [
  SERVER_IDENTIFIED,
  UNAUTHENTICATED_MODEL_LISTING,
  UNAUTHENTICATED_GENERATION,
  OPEN_MANAGEMENT_ENDPOINT,
  CORS_ANY_ORIGIN,
  PLAIN_HTTP,
  METRICS_EXPOSED,
  VULNERABLE_VERSION,
  OPEN_SIGNUP,
];
