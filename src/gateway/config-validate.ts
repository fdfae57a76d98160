/**
 * Validation of the gateway config as plain data (parsed YAML, or an object built in code) into a
 * GatewayConfig with every default filled in and every path resolved. It knows nothing of YAML: a problem
 * is thrown as a ConfigProblem carrying the key path, and `config.ts` turns that path into a line number.
 * The first problem stops validation, so the message can name one key and one line exactly.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { describeValue as describe, isPlainObject } from '../core/config-values.ts';
import { GUARD_DETECTORS } from '../guard/detectors/index.ts';
import { closest, loadPolicyFile, PolicyError, PRESETS, parsePolicy } from '../guard/policy.ts';
import type { GuardPolicy, PresetName } from '../guard/policy-types.ts';
import { SPOTLIGHT_MODES } from '../guard/spotlight.ts';
import type {
  GatewayConfig,
  GuardSideConfig,
  LimitsConfig,
  SpotlightConfig,
  ToolPolicyConfig,
  UpstreamConfig,
  UpstreamKind,
} from './config-types.ts';

export type PathSegment = string | number;

/** One config problem: where (a key path) and what, and whether it is the key itself that is wrong. */
export class ConfigProblem extends Error {
  readonly path: readonly PathSegment[];
  readonly atKey: boolean;
  constructor(
    path: readonly PathSegment[],
    message: string,
    options: { atKey?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.path = path;
    this.atKey = options.atKey ?? false;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface ValidateOptions {
  /** Folder that relative paths (key store, audit file, TLS files, policy files) are resolved against. */
  baseDir: string;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  keyStore: 'parapet-keys.db',
  auditPath: 'parapet-audit.db',
  limits: {
    requestsPerMinute: 60,
    tokensPerMinute: 100_000,
    maxBodyBytes: 1024 * 1024,
    maxMessages: 256,
    maxTokens: 8192,
  } satisfies LimitsConfig,
  timeouts: { connectMs: 5000, headersMs: 60_000, idleMs: 60_000, totalMs: 600_000 },
  retries: 1,
  maxResponseBytes: 16 * 1024 * 1024,
  preset: 'balanced' as PresetName,
  spotlightMode: 'datamark' as SpotlightConfig['mode'],
  auditBatchSize: 100,
  auditFlushIntervalMs: 200,
} as const;

/** SQLite's name for a database that lives in memory only; kept as is rather than resolved as a path. */
const IN_MEMORY = ':memory:';
const UPSTREAM_KINDS: readonly UpstreamKind[] = ['openai', 'ollama'];
/** Chat roles across OpenAI and Ollama; a misspelt role would silently spotlight nothing, so others are errors. */
const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
/** Upstream names appear in metrics labels and audit records: keep them short and plain. */
const UPSTREAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_REF = /\$\{env:([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A retry count above this turns one failing request into a flood against a struggling upstream. */
const MAX_RETRIES = 10;

const KEYS = {
  root: ['listen', 'cors', 'keys', 'upstreams', 'limits', 'redis', 'guard', 'audit', 'metrics'],
  listen: ['host', 'port', 'tls'],
  tls: ['cert', 'key'],
  cors: ['origins'],
  keys: ['store'],
  upstream: ['name', 'url', 'kind', 'models', 'apiKey', 'timeouts', 'retries', 'maxResponseBytes'],
  timeouts: ['connectMs', 'headersMs', 'idleMs', 'totalMs'],
  limits: ['requestsPerMinute', 'tokensPerMinute', 'maxBodyBytes', 'maxMessages', 'maxTokens'],
  guard: ['input', 'output', 'tools', 'spotlight', 'systemPrompt'],
  guardSide: ['enabled', 'preset', 'policy'],
  tools: ['allow', 'denyArguments'],
  spotlight: ['roles', 'mode'],
  audit: ['enabled', 'path', 'logText', 'batchSize', 'flushIntervalMs'],
  metrics: ['enabled'],
} as const;

// ---------------------------------------------------------------------------------------------------------
// Environment interpolation

/**
 * Returns a copy of `value` with every `${env:NAME}` inside a string replaced by that environment
 * variable, so secrets (upstream API keys, Redis passwords) stay out of the file. Only values are
 * interpolated, never keys, and a replaced value is not scanned again.
 */
export function interpolateEnv(value: unknown, env: Env, path: PathSegment[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_match, name: string) => {
      if (!ENV_NAME.test(name))
        throw new ConfigProblem(path, `bad environment reference \${env:${name}} (expected \${env:NAME})`);
      const found = env[name];
      if (found === undefined) throw new ConfigProblem(path, `environment variable ${name} is not set`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, [...path, i]));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, [...path, k]);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// The config

/** Validates plain data as a gateway config and fills in defaults. Throws ConfigProblem. */
export function validateConfig(value: unknown, options: ValidateOptions): GatewayConfig {
  const root = mapping(value ?? {}, [], KEYS.root);
  const file = (v: unknown, path: PathSegment[]) => resolvePath(text(v, path), options.baseDir);

  const listenIn = mapping(root.listen ?? {}, ['listen'], KEYS.listen);
  const listen: GatewayConfig['listen'] = {
    host: optional(listenIn, 'host', ['listen'], host, DEFAULTS.host),
    port: optional(listenIn, 'port', ['listen'], port, DEFAULTS.port),
  };
  if (present(listenIn.tls)) {
    const tlsIn = mapping(listenIn.tls, ['listen', 'tls'], KEYS.tls);
    const tlsFile = (name: 'cert' | 'key') => {
      const path = ['listen', 'tls', name];
      if (tlsIn[name] === undefined)
        throw new ConfigProblem(path, 'is required (TLS needs both cert and key files)');
      return existingFile(file(tlsIn[name], path), path);
    };
    listen.tls = { cert: tlsFile('cert'), key: tlsFile('key') };
  }

  const corsIn = mapping(root.cors ?? {}, ['cors'], KEYS.cors);
  const cors = { origins: optional(corsIn, 'origins', ['cors'], list(origin), []) };

  const keysIn = mapping(root.keys ?? {}, ['keys'], KEYS.keys);
  const keys = { store: file(keysIn.store ?? DEFAULTS.keyStore, ['keys', 'store']) };

  const upstreams = upstreamList(root.upstreams);
  const limits = limitsOf(root.limits);

  const config: GatewayConfig = {
    listen,
    cors,
    keys,
    upstreams,
    limits,
    guard: guardOf(root.guard, options.baseDir),
    audit: auditOf(root.audit, file),
    metrics: {
      enabled: optional(
        mapping(root.metrics ?? {}, ['metrics'], KEYS.metrics),
        'enabled',
        ['metrics'],
        bool,
        true,
      ),
    },
  };
  if (present(root.redis)) config.redis = redisUrl(root.redis, ['redis']);
  return config;
}

function upstreamList(value: unknown): UpstreamConfig[] {
  const path = ['upstreams'];
  if (value === undefined || value === null)
    throw new ConfigProblem(path, 'at least one upstream is required (a model server to forward to)');
  if (!Array.isArray(value))
    throw new ConfigProblem(path, `must be a list of upstreams, got ${describe(value)}`);
  if (value.length === 0)
    throw new ConfigProblem(path, 'at least one upstream is required (a model server to forward to)');
  const seen = new Set<string>();
  return value.map((item, i) => {
    const upstream = upstreamOf(item, [...path, i]);
    if (seen.has(upstream.name))
      throw new ConfigProblem(
        [...path, i, 'name'],
        `duplicate upstream name ${JSON.stringify(upstream.name)}`,
      );
    seen.add(upstream.name);
    return upstream;
  });
}

function upstreamOf(value: unknown, path: PathSegment[]): UpstreamConfig {
  const m = mapping(value, path, KEYS.upstream);
  const name = required(m, 'name', path, (v, p) => {
    const s = text(v, p);
    if (!UPSTREAM_NAME.test(s))
      throw new ConfigProblem(
        p,
        'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      );
    return s;
  });
  const timeoutsIn = mapping(m.timeouts ?? {}, [...path, 'timeouts'], KEYS.timeouts);
  const tp = [...path, 'timeouts'];
  const upstream: UpstreamConfig = {
    name,
    url: required(m, 'url', path, upstreamUrl),
    kind: optional(m, 'kind', path, oneOf(UPSTREAM_KINDS), 'openai'),
    models: optional(m, 'models', path, nonEmptyList(text), ['*']),
    timeouts: {
      connectMs: optional(timeoutsIn, 'connectMs', tp, positiveInt, DEFAULTS.timeouts.connectMs),
      headersMs: optional(timeoutsIn, 'headersMs', tp, positiveInt, DEFAULTS.timeouts.headersMs),
      idleMs: optional(timeoutsIn, 'idleMs', tp, positiveInt, DEFAULTS.timeouts.idleMs),
      totalMs: optional(timeoutsIn, 'totalMs', tp, positiveInt, DEFAULTS.timeouts.totalMs),
    },
    retries: optional(m, 'retries', path, intRange(0, MAX_RETRIES), DEFAULTS.retries),
    maxResponseBytes: optional(m, 'maxResponseBytes', path, positiveInt, DEFAULTS.maxResponseBytes),
  };
  if (present(m.apiKey)) upstream.apiKey = text(m.apiKey, [...path, 'apiKey']);
  return upstream;
}

function limitsOf(value: unknown): LimitsConfig {
  const path = ['limits'];
  const m = mapping(value ?? {}, path, KEYS.limits);
  const d = DEFAULTS.limits;
  return {
    requestsPerMinute: optional(m, 'requestsPerMinute', path, nonNegativeInt, d.requestsPerMinute),
    tokensPerMinute: optional(m, 'tokensPerMinute', path, nonNegativeInt, d.tokensPerMinute),
    maxBodyBytes: optional(m, 'maxBodyBytes', path, positiveInt, d.maxBodyBytes),
    maxMessages: optional(m, 'maxMessages', path, positiveInt, d.maxMessages),
    maxTokens: optional(m, 'maxTokens', path, positiveInt, d.maxTokens),
  };
}

function guardOf(value: unknown, baseDir: string): GatewayConfig['guard'] {
  const path = ['guard'];
  const m = mapping(value ?? {}, path, KEYS.guard);
  const toolsIn = mapping(m.tools ?? {}, ['guard', 'tools'], KEYS.tools);
  const tools: ToolPolicyConfig = {
    allow: optional(toolsIn, 'allow', ['guard', 'tools'], list(text), []),
    denyArguments: optional(toolsIn, 'denyArguments', ['guard', 'tools'], list(regexSource), []),
  };
  const spotIn = mapping(m.spotlight ?? {}, ['guard', 'spotlight'], KEYS.spotlight);
  const spotlight: SpotlightConfig = {
    roles: optional(spotIn, 'roles', ['guard', 'spotlight'], list(oneOf(CHAT_ROLES)), []),
    mode: optional(spotIn, 'mode', ['guard', 'spotlight'], oneOf(SPOTLIGHT_MODES), DEFAULTS.spotlightMode),
  };
  const guard: GatewayConfig['guard'] = {
    input: guardSide(m.input, ['guard', 'input'], baseDir),
    output: guardSide(m.output, ['guard', 'output'], baseDir),
    tools,
    spotlight,
  };
  if (present(m.systemPrompt)) guard.systemPrompt = text(m.systemPrompt, ['guard', 'systemPrompt']);
  return guard;
}

/**
 * One side of the guard. A policy may carry its own preset; the side's `preset` and the policy's must
 * then agree, since quietly preferring one would leave the other looking in force when it is not.
 */
function guardSide(value: unknown, path: PathSegment[], baseDir: string): GuardSideConfig {
  const m = mapping(value ?? {}, path, KEYS.guardSide);
  const enabled = optional(m, 'enabled', path, bool, true);
  const sidePreset = !present(m.preset) ? undefined : oneOf(PRESETS)(m.preset, [...path, 'preset']);
  let policy: GuardPolicy | undefined;
  if (present(m.policy)) policy = guardPolicy(m.policy, [...path, 'policy'], baseDir);
  if (sidePreset !== undefined && policy?.preset !== undefined && policy.preset !== sidePreset) {
    throw new ConfigProblem(
      [...path, 'preset'],
      `is ${sidePreset} but the policy says preset ${policy.preset}; keep one of them`,
    );
  }
  const preset = sidePreset ?? policy?.preset ?? DEFAULTS.preset;
  const side: GuardSideConfig = { enabled, preset };
  if (policy !== undefined) side.policy = { ...policy, preset };
  return side;
}

const DETECTOR_IDS = GUARD_DETECTORS.map((d) => d.meta.id);

function guardPolicy(value: unknown, path: PathSegment[], baseDir: string): GuardPolicy {
  if (typeof value === 'string') {
    const file = resolvePath(text(value, path), baseDir);
    try {
      return loadPolicyFile(file, { detectorIds: DETECTOR_IDS });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      throw new ConfigProblem(path, `policy file ${file}: ${err.problems.join('; ')}`, { cause: err });
    }
  }
  try {
    return parsePolicy(value, 'policy', { detectorIds: DETECTOR_IDS });
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    // The policy parser reports `policy.detectors["guard/x"].threshold: ...`; its path is re-rooted here
    // so the problem points at the right line of the gateway config.
    const first = err.problems[0] ?? 'invalid policy';
    const parsed = splitPolicyProblem(first);
    if (!parsed) throw new ConfigProblem(path, first, { cause: err });
    const atKey = /^(?:unknown key|unknown detector|not a detector id)/.test(parsed.message);
    throw new ConfigProblem([...path, ...parsed.path], parsed.message, { atKey, cause: err });
  }
}

function splitPolicyProblem(problem: string): { path: PathSegment[]; message: string } | undefined {
  const match = /^policy((?:\.[A-Za-z_$][\w$]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*): ([\s\S]*)$/.exec(problem);
  if (!match) return undefined;
  const path: PathSegment[] = [];
  for (const [, dotted, index, quoted] of (match[1] ?? '').matchAll(
    /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g,
  )) {
    if (dotted !== undefined) path.push(dotted);
    else if (index !== undefined) path.push(Number(index));
    else if (quoted !== undefined) path.push(JSON.parse(quoted) as string);
  }
  return { path, message: match[2] ?? '' };
}

function auditOf(value: unknown, file: (v: unknown, path: PathSegment[]) => string): GatewayConfig['audit'] {
  const path = ['audit'];
  const m = mapping(value ?? {}, path, KEYS.audit);
  return {
    enabled: optional(m, 'enabled', path, bool, true),
    path: file(m.path ?? DEFAULTS.auditPath, ['audit', 'path']),
    logText: optional(m, 'logText', path, bool, false),
    batchSize: optional(m, 'batchSize', path, positiveInt, DEFAULTS.auditBatchSize),
    flushIntervalMs: optional(m, 'flushIntervalMs', path, positiveInt, DEFAULTS.auditFlushIntervalMs),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Checks for single values

type Check<T> = (value: unknown, path: PathSegment[]) => T;

function mapping(value: unknown, path: PathSegment[], allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(value))
    throw new ConfigProblem(path, `must be a mapping with ${allowed.join(', ')}, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    throw new ConfigProblem(
      [...path, key],
      guess
        ? `unknown key (did you mean "${guess}"?)`
        : `unknown key (expected one of ${allowed.join(', ')})`,
      { atKey: true },
    );
  }
  return value;
}

/** `m[key]` checked, or the default when absent. YAML `key:` with nothing after it (null) counts as absent. */
function optional<T>(
  m: Record<string, unknown>,
  key: string,
  path: PathSegment[],
  check: Check<T>,
  fallback: T,
): T {
  const value = m[key];
  return value === undefined || value === null ? fallback : check(value, [...path, key]);
}

function required<T>(m: Record<string, unknown>, key: string, path: PathSegment[], check: Check<T>): T {
  const value = m[key];
  if (value === undefined || value === null) throw new ConfigProblem([...path, key], 'is required');
  return check(value, [...path, key]);
}

function text(value: unknown, path: PathSegment[]): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ConfigProblem(path, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

function bool(value: unknown, path: PathSegment[]): boolean {
  if (typeof value === 'boolean') return value;
  const hint = typeof value === 'string' && /^(?:yes|no|on|off|true|false)$/i.test(value);
  throw new ConfigProblem(
    path,
    `must be true or false, got ${describe(value)}${hint ? ' (write true or false, unquoted)' : ''}`,
  );
}

function positiveInt(value: unknown, path: PathSegment[]): number {
  if (Number.isSafeInteger(value) && (value as number) > 0) return value as number;
  throw new ConfigProblem(path, `must be a positive integer, got ${describe(value)}`);
}

function nonNegativeInt(value: unknown, path: PathSegment[]): number {
  if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
  throw new ConfigProblem(path, `must be a non-negative integer (0 = unlimited), got ${describe(value)}`);
}

function intRange(min: number, max: number): Check<number> {
  return (value, path) => {
    if (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)
      return value as number;
    throw new ConfigProblem(path, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  };
}

function oneOf<T extends string>(allowed: readonly T[]): Check<T> {
  return (value, path) => {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
    throw new ConfigProblem(
      path,
      `must be one of ${allowed.join(', ')}, got ${describe(value)}${guess ? ` (did you mean "${guess}"?)` : ''}`,
    );
  };
}

function list<T>(item: Check<T>): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new ConfigProblem(path, `must be a list, got ${describe(value)}`);
    return value.map((v, i) => item(v, [...path, i]));
  };
}

function nonEmptyList<T>(item: Check<T>): Check<T[]> {
  return (value, path) => {
    const out = list(item)(value, path);
    if (out.length === 0)
      throw new ConfigProblem(path, 'must list at least one entry (use "*" for every model)');
    return out;
  };
}

function host(value: unknown, path: PathSegment[]): string {
  const s = text(value, path);
  if (/[\s/]/.test(s) || /^[a-z]+:\/\//i.test(s))
    throw new ConfigProblem(path, `must be a host name or IP address (like 127.0.0.1), got ${describe(s)}`);
  return s;
}

function port(value: unknown, path: PathSegment[]): number {
  if (Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 65535)
    return value as number;
  throw new ConfigProblem(
    path,
    `must be a port number from 0 to 65535 (0 = any free port), got ${describe(value)}`,
  );
}

function upstreamUrl(value: unknown, path: PathSegment[]): string {
  const s = text(value, path);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ConfigProblem(path, 'must be an http:// or https:// URL (like http://127.0.0.1:11434)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigProblem(path, `must be an http:// or https:// URL, got a ${url.protocol} URL`);
  // Credentials in a URL end up in logs and error messages; the upstream's key belongs in apiKey.
  if (url.username !== '' || url.password !== '')
    throw new ConfigProblem(
      path,
      'must not contain credentials (put the upstream key in apiKey, read from the environment)',
    );
  if (url.search !== '' || url.hash !== '')
    throw new ConfigProblem(
      path,
      'must not have a query or fragment (it is the base the request path is added to)',
    );
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function origin(value: unknown, path: PathSegment[]): string {
  const s = text(value, path);
  if (s === '*') return s;
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  const bare = s.replace(/\/$/, '');
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== bare)
    throw new ConfigProblem(
      path,
      `must be an origin like https://app.example.com (scheme, host, optional port; no path), or *, got ${describe(s)}`,
    );
  return url.origin;
}

function redisUrl(value: unknown, path: PathSegment[]): string {
  const s = text(value, path);
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '')
    // The value is not echoed: it may hold a password from the environment.
    throw new ConfigProblem(path, 'must be a redis:// or rediss:// URL (like redis://127.0.0.1:6379/0)');
  return s;
}

function regexSource(value: unknown, path: PathSegment[]): string {
  const s = text(value, path);
  try {
    new RegExp(s);
  } catch (err) {
    throw new ConfigProblem(path, `is not a valid regular expression: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return s;
}

function resolvePath(path: string, baseDir: string): string {
  return path === IN_MEMORY || isAbsolute(path) ? path : resolve(baseDir, path);
}

function existingFile(file: string, path: PathSegment[]): string {
  if (!existsSync(file)) throw new ConfigProblem(path, `file not found: ${file}`);
  if (!statSync(file).isFile()) throw new ConfigProblem(path, `not a file: ${file}`);
  return file;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** YAML `key:` with nothing after it is null: treated as if the key were absent. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** `upstreams[0].timeouts.idleMs`, `guard.input.policy.detectors["guard/secret"]`. */
export function renderPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
