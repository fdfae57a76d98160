/**
 * The gateway's configuration after validation: every default filled in, every path resolved against the
 * config file's folder. `config.ts` turns `parapet.yaml` into this; `createGateway` takes it directly.
 */
import type { GuardPolicy, PresetName } from '../guard/policy-types.ts';
import type { KeyLimits } from './contracts.ts';

/** Which API an upstream speaks. `openai`: /v1/*. `ollama`: /api/* (it also serves /v1/* for chat). */
export type UpstreamKind = 'openai' | 'ollama';

export interface UpstreamConfig {
  name: string;
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:11434`. */
  url: string;
  kind: UpstreamKind;
  /** Model-name globs routed here (`*` matches any run of characters); the first matching upstream wins. */
  models: string[];
  /** Sent upstream as `Authorization: Bearer ...` when set (the client's own key never is). */
  apiKey?: string;
  timeouts: {
    /** TCP connect. */
    connectMs: number;
    /** From sending the request to the response headers. */
    headersMs: number;
    /** Longest silence between two body chunks. */
    idleMs: number;
    /** Whole request, headers to last byte. */
    totalMs: number;
  };
  /** Extra attempts on connection errors or 502/503/504 before any byte reached the client. */
  retries: number;
  /** Largest upstream response body accepted (non-streaming), in bytes. */
  maxResponseBytes: number;
}

/** Per-key defaults for requests and tokens per minute (0 means no limit) and per-request caps. */
export interface LimitsConfig extends Required<KeyLimits> {
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Most messages in one chat request. */
  maxMessages: number;
  /** Cap on `max_tokens` / `max_completion_tokens` / Ollama `num_predict`; larger values are refused. */
  maxTokens: number;
}

export interface GuardSideConfig {
  enabled: boolean;
  /** A preset, or a full policy (as in `parapet guard --policy`). */
  preset?: PresetName;
  policy?: GuardPolicy;
}

export interface ToolPolicyConfig {
  /** Function names the model may call; empty means any. */
  allow: string[];
  /** Regular expressions (source text); a tool call whose JSON arguments match one is blocked. */
  denyArguments: string[];
}

export interface SpotlightConfig {
  /** Which message roles hold untrusted content to spotlight (e.g. `tool`); empty means off. */
  roles: string[];
  mode: 'delimit' | 'datamark' | 'base64';
}

export interface GatewayConfig {
  /** The config file this came from, for error messages and reload; undefined when built in code. */
  source?: string;
  listen: {
    host: string;
    port: number;
    tls?: { cert: string; key: string };
  };
  /** Allowed browser origins; empty means CORS is off (no CORS headers at all). */
  cors: { origins: string[] };
  keys: {
    /** SQLite file holding the hashed keys (created on first use). */
    store: string;
  };
  upstreams: UpstreamConfig[];
  limits: LimitsConfig;
  /** `redis://host:port/db`: share rate limits across gateway instances. Unset: in-process limits. */
  redis?: string;
  guard: {
    input: GuardSideConfig;
    output: GuardSideConfig;
    tools: ToolPolicyConfig;
    spotlight: SpotlightConfig;
    /** System prompt given to output detectors (leak detection) when the request carries none. */
    systemPrompt?: string;
  };
  audit: {
    enabled: boolean;
    /** SQLite file for audit records. */
    path: string;
    /** Store prompt and completion text (redacted of secrets and PII). Off by default. */
    logText: boolean;
    batchSize: number;
    flushIntervalMs: number;
  };
  metrics: { enabled: boolean };
}
