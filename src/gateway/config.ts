/**
 * The gateway's config: `parapet.yaml` read, checked and completed into a GatewayConfig. A config mistake
 * must stop the gateway at start with a message that says where, so every error names the dotted key and
 * the line of the offending YAML node (its parent's when the key is missing), unknown keys are errors with
 * a "did you mean" suggestion, duplicate keys are refused and alias expansion is bounded. Secrets come
 * from the environment through `${env:NAME}` so the file can be committed.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import { parseStrictYaml } from '../core/config-values.ts';
import { ParapetError, type ParapetErrorCode } from '../core/errors.ts';
import type { GuardPolicy, PresetName } from '../guard/policy-types.ts';
import type { GatewayConfig, UpstreamConfig } from './config-types.ts';
import {
  ConfigProblem,
  type Env,
  interpolateEnv,
  type PathSegment,
  renderPath,
  validateConfig,
} from './config-validate.ts';

export { DEFAULTS as GATEWAY_DEFAULTS } from './config-validate.ts';

/** A config file larger than this is refused before parsing. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Alias expansions allowed while reading the YAML; a "billion laughs" file hits it at once. */
export const MAX_YAML_ALIASES = 100;

/**
 * A config error. `key` is the dotted key path (`upstreams[0].timeouts.idleMs`; empty for a file or
 * syntax problem) and `line` the 1-based line in the file when known. The message reads
 * `parapet.yaml:14: upstreams[0].timeouts.idleMs: must be a positive integer, got -1`.
 */
export class GatewayConfigError extends ParapetError {
  readonly key: string;
  readonly line?: number;
  constructor(
    code: ParapetErrorCode,
    key: string,
    detail: string,
    where: { source?: string | undefined; line?: number | undefined; cause?: unknown } = {},
  ) {
    const place = [where.source, where.line].filter((p) => p !== undefined).join(':');
    const prefix = place === '' ? '' : where.source === undefined ? `line ${place}: ` : `${place}: `;
    super(code, `${prefix}${key === '' ? '' : `${key}: `}${detail}`, { cause: where.cause });
    this.name = 'GatewayConfigError';
    this.key = key;
    if (where.line !== undefined) this.line = where.line;
  }
}

type DeepPartial<T> = T extends readonly (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

/** One guard side as code may give it: the policy inline, or a path to a policy file. */
export interface GuardSideInput {
  enabled?: boolean | undefined;
  preset?: PresetName | undefined;
  policy?: GuardPolicy | string | undefined;
}

/** A gateway config as code gives it to `resolveGatewayConfig`: any part may be left out for its default. */
export type GatewayConfigInput = Omit<DeepPartial<GatewayConfig>, 'guard' | 'upstreams'> & {
  upstreams?: DeepPartial<UpstreamConfig>[] | undefined;
  guard?:
    | (Omit<DeepPartial<GatewayConfig['guard']>, 'input' | 'output'> & {
        input?: GuardSideInput | undefined;
        output?: GuardSideInput | undefined;
      })
    | undefined;
};

export interface ConfigOptions {
  /** Where `${env:NAME}` values come from; process.env by default. */
  env?: Env;
}

export interface ParseOptions extends ConfigOptions {
  /** Folder relative paths resolve against; the current directory by default. */
  baseDir?: string;
}

/**
 * Parses and validates config YAML. `source` names the text in messages (and becomes `config.source`).
 * Throws GatewayConfigError: USAGE for syntax and validation problems, LIMIT for oversized text or
 * alias bombs.
 */
export function parseGatewayConfig(text: string, source?: string, options: ParseOptions = {}): GatewayConfig {
  const config = parseYaml(text, source, options.baseDir ?? process.cwd(), options.env ?? process.env);
  if (source !== undefined) config.source = source;
  return config;
}

/**
 * Reads, parses and validates a config file; relative paths inside resolve against the file's folder and
 * `config.source` is the file's absolute path (for reload). Throws GatewayConfigError: NOT_FOUND when the
 * file is missing, UNREADABLE when it cannot be read, and what `parseGatewayConfig` throws.
 */
export function loadGatewayConfig(path: string, options: ConfigOptions = {}): GatewayConfig {
  let text: string;
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES)
      throw new GatewayConfigError('LIMIT', '', `config file is over the ${MAX_CONFIG_BYTES}-byte limit`, {
        source: path,
      });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof GatewayConfigError) throw err;
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new GatewayConfigError(
      missing ? 'NOT_FOUND' : 'UNREADABLE',
      '',
      missing ? 'no such config file' : `cannot read the config file: ${(err as Error).message}`,
      { source: path, cause: err },
    );
  }
  const absolute = resolve(path);
  const config = parseYaml(text, path, dirname(absolute), options.env ?? process.env);
  config.source = absolute;
  return config;
}

/**
 * Completes a config built in code: the same checks and defaults as a file, relative paths against
 * `baseDir` (the current directory by default), `${env:NAME}` interpolated. Throws GatewayConfigError.
 */
export function resolveGatewayConfig(
  partial: GatewayConfigInput,
  baseDir: string = process.cwd(),
  options: ConfigOptions = {},
): GatewayConfig {
  const { source, ...rest } = (partial ?? {}) as GatewayConfigInput & { source?: unknown };
  try {
    const config = validateConfig(interpolateEnv(rest, options.env ?? process.env), { baseDir });
    if (typeof source === 'string') config.source = source;
    return config;
  } catch (err) {
    if (!(err instanceof ConfigProblem)) throw err;
    throw new GatewayConfigError('USAGE', renderPath(err.path), err.message, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------------------
// YAML

function parseYaml(text: string, source: string | undefined, baseDir: string, env: Env): GatewayConfig {
  if (text.length > MAX_CONFIG_BYTES)
    throw new GatewayConfigError('LIMIT', '', `config is over the ${MAX_CONFIG_BYTES}-character limit`, {
      source,
    });
  const { doc, lines } = parseStrictYaml(text);
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;

  const first = [...doc.errors, ...doc.warnings].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (first) {
    if (first.code === 'DUPLICATE_KEY') {
      const path = pathAt(doc.contents, first.pos[0]);
      throw new GatewayConfigError('USAGE', renderPath(path), 'duplicate key (each key may appear once)', {
        source,
        line: lineOf(first.pos[0]),
      });
    }
    const kind = first.name === 'YAMLWarning' ? 'YAML problem' : 'YAML syntax error';
    throw new GatewayConfigError('USAGE', '', `${kind}: ${first.message}`, {
      source,
      line: lineOf(first.pos[0]),
    });
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    if (err instanceof ReferenceError)
      throw new GatewayConfigError(
        'LIMIT',
        '',
        `YAML aliases expand past the limit of ${MAX_YAML_ALIASES} (an "alias bomb"?)`,
        { source, cause: err },
      );
    throw new GatewayConfigError('USAGE', '', `cannot read the YAML: ${String(err)}`, { source, cause: err });
  }

  try {
    return validateConfig(interpolateEnv(value ?? {}, env), { baseDir });
  } catch (err) {
    if (!(err instanceof ConfigProblem)) throw err;
    throw new GatewayConfigError('USAGE', renderPath(err.path), err.message, {
      source,
      line: lineOf(locate(doc.contents, err.path, err.atKey)),
      cause: err,
    });
  }
}

/**
 * Offset of the node a path leads to (its key when `atKey`). When the path ends early (a missing key), the
 * place is the deepest ancestor that exists: the key it is written under (`tls:` for a missing
 * `listen.tls.key`), or the list item itself (`- name: a` for a missing `upstreams[0].url`).
 */
function locate(root: unknown, path: readonly PathSegment[], atKey: boolean): number | undefined {
  let node: unknown = root;
  let offset = rangeStart(node);
  let parentKey: number | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return parentKey ?? offset;
      if (atKey && i === path.length - 1) return rangeStart(pair.key) ?? offset;
      parentKey = rangeStart(pair.key);
      // `key:` with no value has no value node: the key's own line is the place.
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      parentKey = undefined;
      node = node.items[segment];
    } else return parentKey ?? offset;
    offset = rangeStart(node) ?? offset;
    // Past an alias the path runs through the anchored node elsewhere: the alias is the place to point at.
    if (isAlias(node)) break;
  }
  return offset;
}

/** The key path of the innermost map key or sequence item whose range holds `offset`. */
function pathAt(root: unknown, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = root;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const start = rangeStart(p.key);
        const end = rangeEnd(p.value) ?? rangeEnd(p.key);
        return start !== undefined && end !== undefined && offset >= start && offset <= end;
      });
      if (!pair) return path;
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
      const keyEnd = rangeEnd(pair.key);
      if (keyEnd !== undefined && offset <= keyEnd) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const start = rangeStart(item);
        const end = rangeEnd(item);
        return start !== undefined && end !== undefined && offset >= start && offset <= end;
      });
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else return path;
  }
}

function rangeStart(node: unknown): number | undefined {
  return rangeOf(node)?.[0];
}

function rangeEnd(node: unknown): number | undefined {
  return rangeOf(node)?.[1];
}

function rangeOf(node: unknown): readonly number[] | undefined {
  if (node && typeof node === 'object' && 'range' in node)
    return (node as { range?: readonly number[] | null }).range ?? undefined;
  return undefined;
}
