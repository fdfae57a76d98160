/**
 * Which product answers on a port, from the read-only GETs the probe sends to every target (PROBE_PATHS).
 * Each product is recognised by what its own documentation says its endpoints return; a fingerprint is a
 * pure function of the responses, so it is tested without a network.
 */
import { type Exchange, isFailure, jsonOf, ok, statusOf } from './http.ts';

/** Every read-only path the probe requests, in order. `/` first: a refused connection ends the target. */
export const PROBE_PATHS = [
  '/',
  '/api/version',
  '/api/tags',
  '/api/ps',
  '/version',
  '/v1/models',
  '/health',
  '/props',
  '/slots',
  '/info',
  '/api/config',
  '/health/liveliness',
  '/health/readiness',
  '/config',
  '/api',
  '/api/kernels',
  '/healthz',
  '/readyz',
  '/metrics',
  '/v1/internal/model/info',
] as const;

export type ProbePath = (typeof PROBE_PATHS)[number];
export type Observations = Partial<Record<ProbePath, Exchange>>;

export type Product =
  | 'parapet'
  | 'ollama'
  | 'vllm'
  | 'llama.cpp'
  | 'tgi'
  | 'localai'
  | 'text-generation-webui'
  | 'open-webui'
  | 'litellm'
  | 'gradio'
  | 'jupyter'
  | 'ray'
  | 'openai-compatible'
  | 'unknown';

export interface Fingerprint {
  product: Product;
  version?: string;
  /** The responses that gave it away, e.g. `GET / -> "Ollama is running"`. */
  evidence: string[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 100 ? v : undefined);

/** `owned_by` of the entries of an OpenAI-style model list, if the body is one. */
export function modelList(x: Exchange | undefined): { ids: string[]; owners: string[] } | undefined {
  const body = obj(jsonOf(ok(x)));
  if (!body || !Array.isArray(body.data)) return undefined;
  const entries = body.data.map(obj).filter((e): e is Json => e !== undefined);
  return {
    ids: entries.map((e) => str(e.id)).filter((s): s is string => s !== undefined),
    owners: entries.map((e) => str(e.owned_by)).filter((s): s is string => s !== undefined),
  };
}

/** The model names of an Ollama `/api/tags` body, if it is one. */
export function ollamaModels(x: Exchange | undefined): string[] | undefined {
  const body = obj(jsonOf(ok(x)));
  if (!body || !Array.isArray(body.models)) return undefined;
  return body.models.map((m) => str(obj(m)?.name)).filter((s): s is string => s !== undefined);
}

/** True when the body is the OpenAI-format 401 the Parapet gateway sends for a missing key. */
function isParapetKeyError(x: Exchange | undefined): boolean {
  if (statusOf(x) !== 401) return false;
  const error = obj(obj(jsonOf(x))?.error);
  return error?.code === 'invalid_api_key' && /Authorization: Bearer/.test(String(error.message));
}

function textOf(x: Exchange | undefined): string {
  return x === undefined || isFailure(x) ? '' : x.body;
}

type Detector = (o: Observations) => Fingerprint | undefined;

// Order matters: specific signatures first, the generic OpenAI-compatible fallback last.
const DETECTORS: Detector[] = [
  // Parapet gateway: /healthz {"status":"ok"} with no key, and its own 401 on the API.
  (o) => {
    const health = obj(jsonOf(ok(o['/healthz'])));
    if (health?.status !== 'ok' && health?.status !== 'unavailable') return undefined;
    if (!isParapetKeyError(o['/v1/models'])) return undefined;
    return {
      product: 'parapet',
      evidence: ['GET /healthz -> {"status":...}', 'GET /v1/models -> 401 invalid_api_key'],
    };
  },
  // Ollama: docs.ollama.com, GET / "Ollama is running" and GET /api/version {"version":"x.y.z"}.
  (o) => {
    const root = /Ollama is running/.test(textOf(ok(o['/'])));
    const version = str(obj(jsonOf(ok(o['/api/version'])))?.version);
    if (!root && !(version && ollamaModels(o['/api/tags']))) return undefined;
    return {
      product: 'ollama',
      ...(version ? { version } : {}),
      evidence: [
        ...(root ? ['GET / -> "Ollama is running"'] : []),
        ...(version ? [`GET /api/version -> ${version}`] : []),
      ],
    };
  },
  // Ray dashboard: GET /api/version {"ray_version": ...}.
  (o) => {
    const v = str(obj(jsonOf(ok(o['/api/version'])))?.ray_version);
    return v ? { product: 'ray', version: v, evidence: [`GET /api/version -> ray_version ${v}`] } : undefined;
  },
  // vLLM: /v1/models owned_by "vllm", /version, /metrics with vllm: names.
  (o) => {
    const owned = modelList(o['/v1/models'])?.owners.includes('vllm') ?? false;
    const metrics = /^vllm:/m.test(textOf(ok(o['/metrics'])));
    if (!owned && !metrics) return undefined;
    const version = str(obj(jsonOf(ok(o['/version'])))?.version);
    return {
      product: 'vllm',
      ...(version ? { version } : {}),
      evidence: [
        ...(owned ? ['GET /v1/models -> owned_by "vllm"'] : []),
        ...(metrics ? ['GET /metrics -> vllm: metrics'] : []),
        ...(version ? [`GET /version -> ${version}`] : []),
      ],
    };
  },
  // llama.cpp server: /v1/models owned_by "llamacpp", /props with total_slots / default_generation_settings.
  (o) => {
    const owned = modelList(o['/v1/models'])?.owners.includes('llamacpp') ?? false;
    const props = obj(jsonOf(ok(o['/props'])));
    const hasProps =
      props !== undefined && ('total_slots' in props || 'default_generation_settings' in props);
    if (!owned && !hasProps) return undefined;
    const build = str(props?.build_info);
    return {
      product: 'llama.cpp',
      ...(build ? { version: build } : {}),
      evidence: [
        ...(owned ? ['GET /v1/models -> owned_by "llamacpp"'] : []),
        ...(hasProps ? ['GET /props -> total_slots/default_generation_settings'] : []),
      ],
    };
  },
  // TGI: GET /info {model_id, model_dtype, version, ...}.
  (o) => {
    const info = obj(jsonOf(ok(o['/info'])));
    if (!info || typeof info.model_id !== 'string' || !('max_total_tokens' in info || 'model_dtype' in info))
      return undefined;
    const version = str(info.version);
    return {
      product: 'tgi',
      ...(version ? { version } : {}),
      evidence: [`GET /info -> model_id ${String(info.model_id).slice(0, 80)}`],
    };
  },
  // LiteLLM proxy: GET /health/liveliness "I'm alive!"; version from /health/readiness litellm_version.
  (o) => {
    if (!/I'm alive/.test(textOf(ok(o['/health/liveliness'])))) return undefined;
    const version = str(obj(jsonOf(ok(o['/health/readiness'])))?.litellm_version);
    return {
      product: 'litellm',
      ...(version ? { version } : {}),
      evidence: [
        'GET /health/liveliness -> "I\'m alive!"',
        ...(version ? [`litellm_version ${version}`] : []),
      ],
    };
  },
  // Open WebUI: GET /api/config {name: "Open WebUI", version, features: {...}}.
  (o) => {
    const config = obj(jsonOf(ok(o['/api/config'])));
    if (!config || !/open webui/i.test(String(config.name)) || !obj(config.features)) return undefined;
    const version = str(config.version);
    return {
      product: 'open-webui',
      ...(version ? { version } : {}),
      evidence: [`GET /api/config -> name "${String(config.name).slice(0, 40)}"`],
    };
  },
  // text-generation-webui API: /v1/internal/model/info {model_name, lora_names}; its UI title.
  (o) => {
    const info = obj(jsonOf(ok(o['/v1/internal/model/info'])));
    const api = info !== undefined && 'model_name' in info && 'lora_names' in info;
    const ui = /Text generation web UI/i.test(textOf(ok(o['/'])));
    if (!api && !ui) return undefined;
    return {
      product: 'text-generation-webui',
      evidence: [
        ...(api ? ['GET /v1/internal/model/info -> model_name, lora_names'] : []),
        ...(ui ? ['GET / -> "Text generation web UI"'] : []),
      ],
    };
  },
  // Gradio: GET /config {version, mode, components}.
  (o) => {
    const config = obj(jsonOf(ok(o['/config'])));
    if (!config || !Array.isArray(config.components) || typeof config.mode !== 'string') return undefined;
    const version = str(config.version);
    return {
      product: 'gradio',
      ...(version ? { version } : {}),
      evidence: ['GET /config -> components, mode'],
    };
  },
  // Jupyter Server: GET /api {"version": "x.y.z"} (nothing else), /api/kernels 200 or 403.
  (o) => {
    const api = obj(jsonOf(ok(o['/api'])));
    const version = str(api?.version);
    if (!api || !version || Object.keys(api).length !== 1) return undefined;
    const kernels = statusOf(o['/api/kernels']);
    if (kernels !== 200 && kernels !== 401 && kernels !== 403) return undefined;
    return { product: 'jupyter', version, evidence: [`GET /api -> {"version":"${version}"}`] };
  },
  // LocalAI: /readyz and /healthz both 200, an OpenAI model list, and "LocalAI" on its web UI.
  (o) => {
    if (!ok(o['/readyz']) || !ok(o['/healthz'])) return undefined;
    if (!/LocalAI/.test(textOf(ok(o['/']))) && !modelList(o['/v1/models'])) return undefined;
    return { product: 'localai', evidence: ['GET /readyz and /healthz -> 200'] };
  },
  // Anything else answering an OpenAI model list, or asking for a key on it.
  (o) => {
    if (modelList(o['/v1/models']))
      return { product: 'openai-compatible', evidence: ['GET /v1/models -> list'] };
    return undefined;
  },
];

export function fingerprint(o: Observations): Fingerprint {
  for (const detect of DETECTORS) {
    const found = detect(o);
    if (found) return found;
  }
  return { product: 'unknown', evidence: [] };
}
