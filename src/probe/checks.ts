/**
 * From what a target answered to findings. Pure: observations in, findings out, so every check is tested
 * on recorded responses as well as against live servers. Nothing here sends a request.
 */
import type { Finding } from '../core/finding.ts';
import { maxSeverity, type Severity } from '../core/severity.ts';
import { vulnerabilitiesFor } from './cves.ts';
import {
  CORS_ANY_ORIGIN,
  METRICS_EXPOSED,
  OPEN_MANAGEMENT_ENDPOINT,
  OPEN_SIGNUP,
  PLAIN_HTTP,
  SERVER_IDENTIFIED,
  UNAUTHENTICATED_GENERATION,
  UNAUTHENTICATED_MODEL_LISTING,
  VULNERABLE_VERSION,
} from './findings.ts';
import type { Fingerprint, Observations, Product } from './fingerprints.ts';
import { modelList, ollamaModels } from './fingerprints.ts';
import { type Exchange, isFailure, ok, PROBE_ORIGIN, statusOf } from './http.ts';
import { isLoopbackHost, type ProbeTarget } from './targets.ts';

/** Where each product takes generation requests; POSTed `{}` to tell a key check (401/403) from validation. */
export const GENERATION_PATHS: Partial<Record<Product, string[]>> = {
  vllm: ['/v1/chat/completions', '/invocations'],
  'llama.cpp': ['/v1/chat/completions'],
  tgi: ['/generate'],
  localai: ['/v1/chat/completions'],
  'text-generation-webui': ['/v1/chat/completions'],
  litellm: ['/v1/chat/completions'],
  parapet: ['/v1/chat/completions'],
  'openai-compatible': ['/v1/chat/completions'],
  // Ollama: never POSTed. Its API has no authentication at all, so an open /api/tags already proves that
  // /api/generate is open; one request fewer to a server that may be someone else's.
};

export interface ProbeEvidence {
  target: ProbeTarget;
  observations: Observations;
  fingerprint: Fingerprint;
  /** POST `{}` answers, by path. */
  invalidPosts: Record<string, Exchange>;
  /** The single generation --allow-generate made, if any. */
  generated?: { path: string; exchange: Exchange };
}

/** 400 or 422: the server parsed and validated the body, so no key was asked for first. */
function validatedWithoutKey(x: Exchange | undefined): boolean {
  const s = statusOf(x);
  return s === 400 || s === 422 || s === 200;
}

function at(target: ProbeTarget, path: string): { path: string } {
  return { path: target.base + path };
}

export function evaluate(e: ProbeEvidence): Finding[] {
  const { target, observations: o, fingerprint: fp } = e;
  const findings: Finding[] = [];
  const add = (f: Finding): void => {
    findings.push(f);
  };
  const product = fp.product;

  if (product !== 'unknown')
    add({
      ruleId: SERVER_IDENTIFIED.id,
      severity: 'info',
      message: `${product}${fp.version ? ` ${fp.version}` : ''} answers here`,
      location: at(target, '/'),
      evidence: { product, ...(fp.version ? { version: fp.version } : {}), signals: fp.evidence },
    });

  const vulns = fp.version ? vulnerabilitiesFor(product, fp.version) : [];
  for (const v of vulns)
    add({
      ruleId: VULNERABLE_VERSION.id,
      severity: v.severity,
      message: `${product} ${fp.version} is affected by ${v.id}: ${v.title}${v.fixed ? ` (fixed in ${v.fixed})` : ''}`,
      location: at(target, '/'),
      evidence: {
        product,
        version: fp.version,
        id: v.id,
        ...(v.fixed ? { fixed: v.fixed } : {}),
        source: v.source,
      },
    });

  // Model listings: Ollama's own, then the OpenAI-style list (any product). The Parapet gateway and any
  // server asking for a key answer 401, which is the point.
  const tags = ollamaModels(o['/api/tags']);
  if (tags)
    add({
      ruleId: UNAUTHENTICATED_MODEL_LISTING.id,
      severity: 'high',
      message: `GET /api/tags lists ${tags.length} model(s) without a key`,
      location: at(target, '/api/tags'),
      evidence: { status: 200, models: tags.slice(0, 20) },
    });
  const list = modelList(o['/v1/models']);
  if (list)
    add({
      ruleId: UNAUTHENTICATED_MODEL_LISTING.id,
      severity: 'high',
      message: `GET /v1/models lists ${list.ids.length} model(s) without a key`,
      location: at(target, '/v1/models'),
      evidence: { status: 200, models: list.ids.slice(0, 20) },
    });

  // Generation: Ollama has no authentication, so an open listing means open generation.
  if (product === 'ollama' && tags)
    add({
      ruleId: UNAUTHENTICATED_GENERATION.id,
      severity: 'high',
      message:
        'Ollama has no authentication of its own: with /api/tags open, /api/generate and /api/chat are open too (inferred, not called)',
      location: at(target, '/api/generate'),
      evidence: { inferredFrom: '/api/tags' },
    });
  for (const [path, x] of Object.entries(e.invalidPosts)) {
    if (!validatedWithoutKey(x)) continue;
    add({
      ruleId: UNAUTHENTICATED_GENERATION.id,
      severity: 'high',
      message: `POST ${path} with an invalid body was validated (${statusOf(x)}), not refused for a missing key (401)`,
      location: at(target, path),
      evidence: { request: 'POST {}', status: statusOf(x) },
    });
  }
  if (e.generated) {
    const g = ok(e.generated.exchange);
    if (g)
      add({
        ruleId: UNAUTHENTICATED_GENERATION.id,
        severity: 'high',
        message: `POST ${e.generated.path} generated text without a key (one tiny request, --allow-generate)`,
        location: at(target, e.generated.path),
        evidence: { request: 'one-token generation', status: g.status, confirmed: true },
      });
  }

  // Management: never called; inferred (Ollama) or read-only (llama.cpp /slots, Jupyter, Ray).
  const vulnerable = vulns.length > 0;
  if (product === 'ollama' && tags)
    add({
      ruleId: OPEN_MANAGEMENT_ENDPOINT.id,
      severity: vulnerable ? 'critical' : 'high',
      message: `Ollama's admin routes share the open listener: POST /api/pull, /api/push, /api/create, /api/copy, DELETE /api/delete are reachable (inferred, never called)${vulnerable ? '; the version is vulnerable through them' : ''}`,
      location: at(target, '/api/pull'),
      evidence: {
        inferredFrom: '/api/tags',
        routes: ['/api/pull', '/api/push', '/api/create', '/api/copy', '/api/delete', '/api/blobs'],
      },
    });
  const slots = ok(o['/slots']);
  if (product === 'llama.cpp' && slots && slots.body.trimStart().startsWith('['))
    add({
      ruleId: OPEN_MANAGEMENT_ENDPOINT.id,
      severity: 'high',
      message:
        'GET /slots answers without a key: per-slot state (and, depending on the build, prompt text) is readable',
      location: at(target, '/slots'),
      evidence: { status: 200, slots: countArray(slots.body) },
    });
  if (product === 'jupyter' && ok(o['/api/kernels']))
    add({
      ruleId: OPEN_MANAGEMENT_ENDPOINT.id,
      severity: 'critical',
      message: 'Jupyter answers /api/kernels without a token: anyone can start a kernel and run code',
      location: at(target, '/api/kernels'),
      evidence: { status: 200 },
    });
  if (product === 'ray')
    add({
      ruleId: OPEN_MANAGEMENT_ENDPOINT.id,
      severity: 'critical',
      message:
        'The Ray dashboard is reachable; its Jobs API has no authentication and runs submitted code (ShadowRay, CVE-2023-48022)',
      location: at(target, '/api/version'),
      evidence: { status: 200 },
    });

  const signup = product === 'open-webui' ? openSignupFinding(target, o) : undefined;
  if (signup) add(signup);

  const cors = corsFinding(target, o);
  if (cors) add(cors);

  if (target.scheme === 'http' && !isLoopbackHost(target.host) && product !== 'unknown')
    add({
      ruleId: PLAIN_HTTP.id,
      severity: 'medium',
      message: `${product} answers over plain HTTP on ${target.host}: keys and prompts cross the network in clear`,
      location: at(target, '/'),
      evidence: { scheme: 'http', host: target.host },
    });

  const metrics = ok(o['/metrics']);
  if (metrics && /^# (HELP|TYPE) /m.test(metrics.body)) {
    const prefixes = [...new Set([...metrics.body.matchAll(/^([a-zA-Z_]+)[:_]/gm)].map((m) => m[1]!))].slice(
      0,
      10,
    );
    add({
      ruleId: METRICS_EXPOSED.id,
      severity: 'low',
      message: 'GET /metrics answers without a key',
      location: at(target, '/metrics'),
      evidence: { status: 200, prefixes },
    });
  }
  return findings;
}

/**
 * Open WebUI's unauthenticated /api/config says how accounts work: `features.auth: false` is WEBUI_AUTH=False
 * (no login at all), `onboarding: true` means no admin exists yet (the first sign-up becomes admin), and
 * `features.enable_signup: true` lets anyone create an account.
 */
function openSignupFinding(target: ProbeTarget, o: Observations): Finding | undefined {
  const config = jsonObject(ok(o['/api/config'])?.body);
  const features =
    config && typeof config.features === 'object' && config.features !== null
      ? (config.features as Record<string, unknown>)
      : undefined;
  if (!config || !features) return undefined;
  const evidence = {
    auth: features.auth,
    enable_signup: features.enable_signup,
    onboarding: config.onboarding,
  };
  const loc = at(target, '/api/config');
  if (features.auth === false)
    return {
      ruleId: OPEN_SIGNUP.id,
      severity: 'critical',
      message: 'Open WebUI runs without login (WEBUI_AUTH=False): everyone who reaches it is the admin',
      location: loc,
      evidence,
    };
  if (config.onboarding === true)
    return {
      ruleId: OPEN_SIGNUP.id,
      severity: 'critical',
      message: 'Open WebUI has no admin yet: the first person to sign up becomes admin',
      location: loc,
      evidence,
    };
  if (features.enable_signup === true)
    return {
      ruleId: OPEN_SIGNUP.id,
      severity: 'high',
      message: 'Open WebUI accepts sign-ups from anyone who reaches it',
      location: loc,
      evidence,
    };
  return undefined;
}

function jsonObject(body: string | undefined): Record<string, unknown> | undefined {
  if (body === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function countArray(body: string): number | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return Array.isArray(v) ? v.length : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every request carried `Origin: https://probe.invalid`. A server that sends that origin back (or `*`)
 * lets any web page the operator visits read its answers; with credentials allowed, with their cookies.
 */
function corsFinding(target: ProbeTarget, o: Observations): Finding | undefined {
  let wildcard: string | undefined;
  let reflected: { path: string; credentials: boolean } | undefined;
  for (const [path, x] of Object.entries(o) as [string, Exchange][]) {
    if (isFailure(x)) continue;
    const allow = x.headers['access-control-allow-origin'];
    const credentials = x.headers['access-control-allow-credentials']?.toLowerCase() === 'true';
    if (allow === PROBE_ORIGIN) {
      if (!reflected || (credentials && !reflected.credentials)) reflected = { path, credentials };
    } else if (allow?.trim() === '*' && wildcard === undefined) wildcard = path;
  }
  if (reflected) {
    const severity: Severity = reflected.credentials ? 'high' : 'medium';
    return {
      ruleId: CORS_ANY_ORIGIN.id,
      severity: maxSeverity(severity, CORS_ANY_ORIGIN.severity),
      message: `Access-Control-Allow-Origin reflects an arbitrary origin (${PROBE_ORIGIN})${reflected.credentials ? ' with Access-Control-Allow-Credentials: true' : ''}`,
      location: at(target, reflected.path),
      evidence: { origin: PROBE_ORIGIN, reflected: true, credentials: reflected.credentials },
    };
  }
  if (wildcard)
    return {
      ruleId: CORS_ANY_ORIGIN.id,
      severity: 'medium',
      message: 'Access-Control-Allow-Origin: * lets any web page read the answers',
      location: at(target, wildcard),
      evidence: { origin: PROBE_ORIGIN, allowOrigin: '*', credentials: false },
    };
  return undefined;
}
