/**
 * Guard policy: the YAML/JSON a user writes, validated strictly, and the per-detector settings the guard
 * runs with. A policy mistake must never quietly weaken the guard, so every problem is reported at once,
 * each with the key path it is about (and the line, for a file), and nothing unknown is ignored: a
 * misspelt key or detector id is an error with a "did you mean" suggestion, not a setting that does nothing.
 *
 * Presets scale the detectors' own defaults rather than replacing them, so a new detector is covered by
 * every preset the day it is added:
 * - `balanced` (default): each detector's defaultThreshold and defaultAction.
 * - `strict`: thresholds × 0.8 (not below 0.1), and `flag` becomes `block` for high and critical detectors.
 * - `permissive`: thresholds moved 40% of the way to 1, and `block` becomes `flag` except for critical ones.
 */
import { readFileSync, statSync } from 'node:fs';
import { domainToASCII } from 'node:url';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import { describeValue as describe, isPlainObject, parseStrictYaml } from '../core/config-values.ts';
import { ParapetError, type ParapetErrorCode } from '../core/errors.ts';
import { atLeast } from '../core/severity.ts';
import type {
  DetectorPolicy,
  GuardPolicy,
  PresetName,
  ResolvedDetectorPolicy,
  ResolvedPolicy,
} from './policy-types.ts';
import type { Detector, DetectorMeta, GuardAction } from './types.ts';

export const PRESETS: readonly PresetName[] = ['strict', 'balanced', 'permissive'];
export const GUARD_ACTIONS: readonly GuardAction[] = ['allow', 'flag', 'redact', 'block'];

/** `strict` multiplies thresholds by this, but never takes one below STRICT_FLOOR. */
export const STRICT_FACTOR = 0.8;
export const STRICT_FLOOR = 0.1;
/** `permissive` keeps this share of the distance between a threshold and 1. */
export const PERMISSIVE_FACTOR = 0.6;

/** A policy file larger than this is refused before parsing. */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** Alias expansions allowed while building the policy from YAML; a "billion laughs" file hits it at once. */
export const MAX_YAML_ALIASES = 100;
/** An allowed phrase shorter than this would match almost any text and switch detectors off. */
export const MIN_PHRASE_LENGTH = 3;

const TOP_KEYS = ['preset', 'detectors', 'allow'] as const;
const DETECTOR_KEYS = ['enabled', 'threshold', 'action'] as const;
const ALLOW_KEYS = ['domains', 'phrases'] as const;
/** Lower-case segments joined by `/`, like `guard/secret`; also keeps `__proto__` and the like out. */
const DETECTOR_ID = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/;
const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A policy error: a ParapetError whose message lists every problem, one per line, also kept as a list. */
export class PolicyError extends ParapetError {
  readonly problems: readonly string[];
  constructor(code: ParapetErrorCode, problems: readonly string[], options?: { cause?: unknown }) {
    super(code, problems.join('\n'), options);
    this.problems = problems;
  }
}

/** Extra knowledge for validation. */
export interface PolicyCheckOptions {
  /** Ids of the detectors that exist; when given, an unknown id in `detectors` is an error at parse time. */
  detectorIds?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------
// Presets and resolution

export interface ResolveOptions {
  /**
   * Detectors that are not in the list but may be added beside the guard (such as the ONNX transformer
   * classifier): their ids are valid in the policy and they get a resolved setting too.
   */
  extra?: readonly DetectorMeta[];
}

/** What one detector runs with under a preset, before the policy's own overrides. */
export function presetSetting(preset: PresetName, meta: DetectorMeta): ResolvedDetectorPolicy {
  const t = meta.defaultThreshold;
  const action = meta.defaultAction;
  switch (preset) {
    case 'strict':
      return {
        enabled: true,
        threshold: round3(Math.min(t, Math.max(STRICT_FLOOR, t * STRICT_FACTOR))),
        action: action === 'flag' && atLeast(meta.severity, 'high') ? 'block' : action,
      };
    case 'permissive':
      return {
        enabled: true,
        threshold: round3(Math.max(t, 1 - (1 - t) * PERMISSIVE_FACTOR)),
        action: action === 'block' && meta.severity !== 'critical' ? 'flag' : action,
      };
    default:
      return { enabled: true, threshold: t, action };
  }
}

/**
 * Fills in every detector's setting: the preset applied to its defaults, then `policy.detectors[id]`.
 * The policy is validated as `parsePolicy` does (a programmatic policy gets the same checks as a file),
 * and an id in `policy.detectors` that names no detector is an error with the closest id suggested.
 * Throws PolicyError (code USAGE) listing every problem. The map holds every detector, in list order.
 */
export function resolvePolicy(
  policy: GuardPolicy | undefined,
  detectors: readonly Detector[],
  options: ResolveOptions = {},
): ResolvedPolicy {
  const metas = [...detectors.map((d) => d.meta), ...(options.extra ?? [])];
  const ids = metas.map((m) => m.id);
  const checked = checkPolicy(policy ?? {}, ids);
  if (checked.issues.length > 0) {
    throw new PolicyError(
      'USAGE',
      checked.issues.map((i) => `${renderPath('policy', i.path)}: ${i.message}`),
    );
  }
  const valid = checked.policy;
  const preset = valid.preset ?? 'balanced';
  const resolved = new Map<string, ResolvedDetectorPolicy>();
  for (const meta of metas) {
    if (resolved.has(meta.id)) continue;
    const base = presetSetting(preset, meta);
    const own = valid.detectors?.[meta.id];
    resolved.set(meta.id, {
      enabled: own?.enabled ?? base.enabled,
      threshold: own?.threshold ?? base.threshold,
      action: own?.action ?? base.action,
    });
  }
  return {
    preset,
    detectors: resolved,
    allowDomains: valid.allow?.domains ?? [],
    allowPhrases: valid.allow?.phrases ?? [],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

/**
 * Validates a policy given as plain data (parsed YAML or JSON) and returns it typed, with host names
 * normalised (lower-case, IDN to punycode, duplicates dropped) and phrases trimmed. `source` names the
 * root in messages (`policy.detectors["guard/secret"].threshold: ...`). Throws PolicyError (code USAGE)
 * listing every problem, one per line.
 */
export function parsePolicy(
  value: unknown,
  source = 'policy',
  options: PolicyCheckOptions = {},
): GuardPolicy {
  const checked = checkPolicy(value, options.detectorIds);
  if (checked.issues.length > 0) {
    throw new PolicyError(
      'USAGE',
      checked.issues.map((i) => `${renderPath(source, i.path)}: ${i.message}`),
    );
  }
  return checked.policy;
}

/**
 * Parses a policy from YAML (or JSON, which is YAML). The document is either the policy itself or a
 * mapping with a `guard:` key holding it (so the policy can live inside a larger config such as the
 * gateway's; the other top-level keys are then not read). An empty document is the empty policy.
 * Errors carry `source` and the line and column, in document order:
 * `guard.yaml:4:16: policy.preset: expected ...`.
 * Throws PolicyError: USAGE for syntax and validation errors, LIMIT for oversized input or alias bombs.
 */
export function loadPolicyYaml(text: string, source: string, options: PolicyCheckOptions = {}): GuardPolicy {
  if (text.length > MAX_POLICY_BYTES) {
    throw new PolicyError('LIMIT', [`${source}: policy is over the ${MAX_POLICY_BYTES}-character limit`]);
  }
  const { doc, lines } = parseStrictYaml(text);
  const at = (offset: number): string => {
    const pos = lines.linePos(offset);
    return `${source}:${pos.line}:${pos.col}`;
  };
  const syntax = [...doc.errors, ...doc.warnings].map(
    (e) => `${at(e.pos[0])}: YAML ${e.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${e.message}`,
  );
  if (syntax.length > 0) throw new PolicyError('USAGE', syntax);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError) {
      throw new PolicyError(
        'LIMIT',
        [`${source}: YAML aliases expand past the limit of ${MAX_YAML_ALIASES} (an "alias bomb"?)`],
        { cause: err },
      );
    }
    throw new PolicyError('USAGE', [`${source}: cannot read the YAML: ${String(err)}`], { cause: err });
  }
  if (value === null || value === undefined) return {};

  const wrapped = isPlainObject(value) && Object.hasOwn(value, 'guard');
  const root = wrapped ? 'guard' : 'policy';
  const base: PathSegment[] = wrapped ? ['guard'] : [];
  const checked = checkPolicy(
    wrapped ? (value as Record<string, unknown>).guard : value,
    options.detectorIds,
  );
  if (checked.issues.length > 0) {
    throw new PolicyError(
      'USAGE',
      checked.issues
        .map((i) => ({ i, offset: locate(doc.contents, [...base, ...i.path], i.atKey === true) }))
        .sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0))
        .map(
          ({ i, offset }) =>
            `${offset === undefined ? source : at(offset)}: ${renderPath(root, i.path)}: ${i.message}`,
        ),
    );
  }
  return checked.policy;
}

/**
 * Reads and parses a policy file (`.yaml`, `.yml` or `.json`) synchronously. Throws PolicyError:
 * NOT_FOUND when the file does not exist, UNREADABLE when it cannot be read, LIMIT when it is over
 * MAX_POLICY_BYTES, and what `loadPolicyYaml` throws.
 */
export function loadPolicyFile(path: string, options: PolicyCheckOptions = {}): GuardPolicy {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_POLICY_BYTES) {
      throw new PolicyError('LIMIT', [`${path}: policy file is over the ${MAX_POLICY_BYTES}-byte limit`]);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ParapetError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new PolicyError('NOT_FOUND', [`no such policy file: ${path}`], { cause: err });
    const reason = err instanceof Error ? err.message : String(err);
    throw new PolicyError('UNREADABLE', [`cannot read policy file ${path}: ${reason}`], { cause: err });
  }
  return loadPolicyYaml(text, path, options);
}

// ---------------------------------------------------------------------------------------------------------
// Validation

type PathSegment = string | number;

interface Issue {
  path: PathSegment[];
  message: string;
  /** The problem is the key itself (unknown key, unknown detector id), not its value. */
  atKey?: boolean;
}

interface Checked {
  policy: GuardPolicy;
  issues: Issue[];
}

function checkPolicy(value: unknown, detectorIds: readonly string[] | undefined): Checked {
  const issues: Issue[] = [];
  const policy: GuardPolicy = {};
  if (!isPlainObject(value)) {
    issues.push({
      path: [],
      message: `expected a mapping with ${TOP_KEYS.join(', ')}, got ${describe(value)}`,
    });
    return { policy, issues };
  }
  if (Object.hasOwn(value, 'preset')) {
    const preset = value.preset;
    if (typeof preset === 'string' && (PRESETS as readonly string[]).includes(preset)) {
      policy.preset = preset as PresetName;
    } else issues.push({ path: ['preset'], message: oneOf(PRESETS, preset) });
  }

  if (Object.hasOwn(value, 'detectors')) {
    const detectors = checkDetectors(value.detectors, detectorIds, issues);
    if (detectors) policy.detectors = detectors;
  }

  if (Object.hasOwn(value, 'allow')) {
    const allow = value.allow;
    if (!isPlainObject(allow)) {
      issues.push({
        path: ['allow'],
        message: `expected a mapping with domains, phrases, got ${describe(allow)}`,
      });
    } else {
      unknownKeys(allow, ALLOW_KEYS, ['allow'], issues);
      const out: NonNullable<GuardPolicy['allow']> = {};
      if (Object.hasOwn(allow, 'domains')) {
        const domains = checkDomains(allow.domains, issues);
        if (domains) out.domains = domains;
      }
      if (Object.hasOwn(allow, 'phrases')) {
        const phrases = checkPhrases(allow.phrases, issues);
        if (phrases) out.phrases = phrases;
      }
      policy.allow = out;
    }
  }
  unknownKeys(value, TOP_KEYS, [], issues);
  return { policy, issues };
}

function checkDetectors(
  value: unknown,
  detectorIds: readonly string[] | undefined,
  issues: Issue[],
): Record<string, DetectorPolicy> | undefined {
  if (!isPlainObject(value)) {
    issues.push({
      path: ['detectors'],
      message: `expected a mapping from detector ids (like guard/secret) to settings, got ${describe(value)}`,
    });
    return undefined;
  }
  const out: Record<string, DetectorPolicy> = {};
  for (const [id, setting] of Object.entries(value)) {
    const path: PathSegment[] = ['detectors', id];
    // An id that fails the pattern is never stored, so `__proto__` cannot reach the output object.
    const wellFormed = DETECTOR_ID.test(id);
    if (detectorIds !== undefined && !detectorIds.includes(id)) {
      issues.push({ path, message: unknownDetector(id, detectorIds), atKey: true });
    } else if (!wellFormed) {
      issues.push({
        path,
        message: 'not a detector id (ids are lower-case, like guard/secret)',
        atKey: true,
      });
    }
    if (!isPlainObject(setting)) {
      issues.push({
        path,
        message: `expected a mapping with ${DETECTOR_KEYS.join(', ')}, got ${describe(setting)}`,
      });
      continue;
    }
    unknownKeys(setting, DETECTOR_KEYS, path, issues);
    const own: DetectorPolicy = {};
    if (Object.hasOwn(setting, 'enabled')) {
      const enabled = setting.enabled;
      if (typeof enabled === 'boolean') own.enabled = enabled;
      else {
        const hint = typeof enabled === 'string' && /^(?:yes|no|on|off|true|false)$/i.test(enabled);
        issues.push({
          path: [...path, 'enabled'],
          message: `expected true or false, got ${describe(enabled)}${hint ? ' (write true or false, unquoted)' : ''}`,
        });
      }
    }
    if (Object.hasOwn(setting, 'threshold')) {
      const threshold = setting.threshold;
      if (typeof threshold === 'number' && threshold >= 0 && threshold <= 1) own.threshold = threshold;
      else {
        const percent = typeof threshold === 'number' && threshold >= 10 && threshold <= 100;
        issues.push({
          path: [...path, 'threshold'],
          message:
            `expected a number from 0 to 1, got ${describe(threshold)}` +
            (percent ? ` (scores are fractions: write ${threshold / 100} for ${threshold}%)` : ''),
        });
      }
    }
    if (Object.hasOwn(setting, 'action')) {
      const action = setting.action;
      if (typeof action === 'string' && (GUARD_ACTIONS as readonly string[]).includes(action)) {
        own.action = action as GuardAction;
      } else issues.push({ path: [...path, 'action'], message: oneOf(GUARD_ACTIONS, action) });
    }
    if (wellFormed) out[id] = own;
  }
  return out;
}

function checkDomains(value: unknown, issues: Issue[]): string[] | undefined {
  if (!Array.isArray(value)) {
    issues.push({
      path: ['allow', 'domains'],
      message: `expected a list of host names (like example.com), got ${describe(value)}`,
    });
    return undefined;
  }
  const out: string[] = [];
  value.forEach((entry, index) => {
    const result = normalizeHost(entry);
    if (typeof result === 'string') {
      if (!out.includes(result)) out.push(result);
    } else issues.push({ path: ['allow', 'domains', index], message: result.error });
  });
  return out;
}

function checkPhrases(value: unknown, issues: Issue[]): string[] | undefined {
  if (!Array.isArray(value)) {
    issues.push({
      path: ['allow', 'phrases'],
      message: `expected a list of phrases, got ${describe(value)}`,
    });
    return undefined;
  }
  const out: string[] = [];
  value.forEach((entry, index) => {
    const path = ['allow', 'phrases', index];
    if (typeof entry !== 'string') {
      issues.push({ path, message: `expected a phrase (a string), got ${describe(entry)}` });
      return;
    }
    const phrase = entry.trim().replace(/\s+/g, ' ');
    if (phrase.length < MIN_PHRASE_LENGTH) {
      issues.push({
        path,
        message: `expected a phrase of at least ${MIN_PHRASE_LENGTH} characters (a shorter one would match almost any text), got ${describe(entry)}`,
      });
    } else if (!out.includes(phrase)) out.push(phrase);
  });
  return out;
}

/**
 * A host name as URLs carry it: lower-case, punycode for IDNs, no trailing dot. A URL, a port, a path or
 * a `*.` wildcard is an error that suggests the bare host, since subdomains are always included.
 */
export function normalizeHost(value: unknown): string | { error: string } {
  if (typeof value !== 'string')
    return { error: `expected a host name (like example.com), got ${describe(value)}` };
  const raw = value.trim();
  const got = describe(value);
  let host = raw;
  let problem: string | undefined;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw) ?? (raw.startsWith('//') ? ['//'] : null);
  if (scheme) {
    problem = 'without a scheme';
    host = raw.slice(scheme[0].length);
  }
  const cut = host.search(/[/?#]/);
  if (cut >= 0) {
    problem ??= 'without a path';
    host = host.slice(0, cut);
  }
  const at = host.lastIndexOf('@');
  if (at >= 0) {
    problem ??= 'without a user name';
    host = host.slice(at + 1);
  }
  const port = /:\d*$/.exec(host);
  if (port && !host.startsWith('[')) {
    problem ??= 'without a port';
    host = host.slice(0, port.index);
  }
  if (host.startsWith('*.')) {
    problem ??= 'without a wildcard (subdomains are always included)';
    host = host.slice(2);
  }
  host = host.replace(/\.$/, '');
  const ascii = host === '' ? '' : domainToASCII(host.toLowerCase());
  const valid =
    ascii !== '' && ascii.length <= 253 && ascii.split('.').every((label) => HOST_LABEL.test(label));
  if (problem) {
    return {
      error: `expected a host name ${problem}, got ${got}${valid ? ` (did you mean "${ascii}"?)` : ''}`,
    };
  }
  if (!valid) return { error: `expected a host name (like example.com), got ${got}` };
  return ascii;
}

function unknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: PathSegment[],
  issues: Issue[],
): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    issues.push({
      path: [...path, key],
      message: guess
        ? `unknown key (did you mean "${guess}"?)`
        : `unknown key (expected ${allowed.join(', ')})`,
      atKey: true,
    });
  }
}

function unknownDetector(id: string, known: readonly string[]): string {
  // `secret` for `guard/secret`: the domain prefix was left out.
  const byName = known.find((k) => k.endsWith(`/${id.toLowerCase()}`));
  const guess = byName ?? closest(id, known);
  if (guess) return `unknown detector (did you mean "${guess}"?)`;
  return known.length > 0
    ? `unknown detector (known: ${known.join(', ')})`
    : 'unknown detector (none are loaded)';
}

function oneOf(allowed: readonly string[], got: unknown): string {
  const guess = typeof got === 'string' ? closest(got, allowed) : undefined;
  return `expected one of ${allowed.join(', ')}, got ${describe(got)}${guess ? ` (did you mean "${guess}"?)` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** `policy.detectors["guard/secret"].threshold`, `policy.allow.domains[0]`. */
function renderPath(root: string, path: readonly PathSegment[]): string {
  let out = root;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Offset in the source of the node a path leads to (its key when `atKey`), as deep as the path resolves. */
function locate(root: unknown, path: readonly PathSegment[], atKey: boolean): number | undefined {
  let node: unknown = root;
  let offset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      if (atKey && i === path.length - 1) return rangeStart(pair.key) ?? offset;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else break;
    offset = rangeStart(node) ?? offset;
    if (isAlias(node)) break;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: readonly number[] | null }).range;
    return range?.[0];
  }
  return undefined;
}

/**
 * The candidate nearest to `input` by edit distance (adjacent swaps count as one edit), if it is near
 * enough to be a likely typo: at most a third of the input's length, between 1 and 3 edits.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  const a = input.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(a, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
