import { ParapetError } from '../core/errors.ts';
import { marshalStrings } from './marshal-strings.ts';

/**
 * A bounded walk over a Keras model config: the JSON of a `.keras` v3 archive's `config.json`, or the
 * `model_config` / `training_config` root attributes of a legacy HDF5 model. It only collects facts (layers,
 * Lambda payloads, module references, known gadget markers); deciding what is dangerous is the rules' job.
 * Nothing is deserialised: marshalled Lambda code is read for its embedded strings, never unmarshalled.
 */

/** Config text larger than this is not parsed (real model configs are a few hundred KiB at most). */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;
/** Nesting deeper than this is not walked; the config is marked truncated. */
const MAX_DEPTH = 96;
/** JSON values visited before the walk stops and marks the config truncated. */
const MAX_NODES = 500_000;
/** Records kept per kind; the rest are counted as truncated. */
const MAX_RECORDS = 2_000;
/** Base64 Lambda payloads decoded up to this many characters. */
const MAX_CODE_CHARS = 4 * 1024 * 1024;
/** Names kept from one Lambda payload. */
const MAX_NAMES = 256;

/** A layer or serialised object: anything with a `class_name`. */
export interface KerasLayer {
  /** JSON path of the object (`$.config.layers[0]`). */
  path: string;
  className: string;
  module?: string;
  registeredName?: string;
}

/** How a Lambda's function was stored. */
export type LambdaForm = 'marshal' | 'source' | 'function-name' | 'unknown';

/** A Lambda layer (Keras 2) or a `__lambda__` object (Keras 3): Python code that runs when the model loads. */
export interface KerasLambda {
  path: string;
  /** `Lambda` for a Keras 2 layer, `__lambda__` for a Keras 3 serialised lambda. */
  className: string;
  form: LambdaForm;
  /** Strings found in the code: marshalled names and constants, identifiers of source text, or the name. */
  names: string[];
  /** The module a named function is looked up in (`function_type: "function"`). */
  module?: string;
}

/** A `module` / `fn_module` / `output_shape_module` value: Keras imports it while deserialising. */
export interface KerasModuleRef {
  path: string;
  key: string;
  module: string;
  /** What is looked up in it: the object's `class_name`, or for `class_name: "function"` its `config`. */
  name?: string;
}

/** A known gadget or bypass pattern. */
export interface KerasMarker {
  path: string;
  kind: 'get-file' | 'torch-module-wrapper' | 'tf-op-lambda' | 'unsafe-deserialization' | 'safe-mode-false';
  detail: string;
}

/** Everything collected from one config. */
export interface KerasConfig {
  layers: KerasLayer[];
  lambdas: KerasLambda[];
  modules: KerasModuleRef[];
  markers: KerasMarker[];
  /** A cap was hit: the walk did not see everything. */
  truncated: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Parses config text as Python's `json` module would: it accepts the bare `NaN`, `Infinity` and `-Infinity`
 * that Keras writes for some float hyper-parameters, which JSON.parse rejects. Throws ParapetError MALFORMED.
 */
export function parseConfigJson(text: string): Json {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ParapetError(
      'LIMIT',
      `Keras config of ${text.length} characters is over the ${MAX_CONFIG_BYTES} cap`,
    );
  }
  // Strings are matched first so a "NaN" inside a string is left alone.
  const normalised = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) =>
    m.startsWith('"') ? m : 'null',
  );
  try {
    return JSON.parse(normalised) as Json;
  } catch (err) {
    throw new ParapetError('MALFORMED', `Keras config is not valid JSON: ${(err as Error).message}`);
  }
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when `value` is a Keras model config rather than another `config.json` (a Hugging Face transformers
 * config has `architectures` / `model_type` and is someone else's business).
 */
export function looksLikeKerasConfig(value: Json): boolean {
  if (!isObject(value)) return false;
  if ('architectures' in value || 'model_type' in value) return false;
  if (typeof value.class_name === 'string' && isObject(value.config)) return true;
  return typeof value.module === 'string' || typeof value.registered_name === 'string';
}

/** Walks a parsed Keras config, collecting layers, Lambda payloads, module references and gadget markers. */
export function walkKerasConfig(root: Json): KerasConfig {
  const out: KerasConfig = { layers: [], lambdas: [], modules: [], markers: [], truncated: false };
  let nodes = 0;
  // A TorchModuleWrapper's `config.module` is the base64 torch.save payload, not a module to import.
  const payloadConfigs = new WeakSet<object>();
  const push = <T>(list: T[], item: T): void => {
    if (list.length < MAX_RECORDS) list.push(item);
    else out.truncated = true;
  };

  const visitObject = (obj: JsonObject, path: string): void => {
    const className = typeof obj.class_name === 'string' ? obj.class_name : undefined;
    const cfg = obj.config;
    if (className !== undefined) {
      const layer: KerasLayer = { path, className };
      if (typeof obj.module === 'string') layer.module = obj.module;
      if (typeof obj.registered_name === 'string') layer.registeredName = obj.registered_name;
      push(out.layers, layer);
      if (className === 'Lambda' && isObject(cfg)) {
        const lambda = keras2Lambda(cfg, `${path}.config`);
        if (lambda !== undefined) push(out.lambdas, lambda);
      } else if (className === '__lambda__') {
        push(out.lambdas, keras3Lambda(cfg, path));
      } else if (className === 'TorchModuleWrapper') {
        push(out.markers, { path, kind: 'torch-module-wrapper', detail: className });
        if (isObject(cfg)) payloadConfigs.add(cfg);
      } else if (className === 'TFOpLambda') {
        const fn = isObject(cfg) && typeof cfg.function === 'string' ? cfg.function : '(unnamed)';
        push(out.markers, { path, kind: 'tf-op-lambda', detail: fn });
      }
    }
    for (const key of ['module', 'fn_module', 'output_shape_module']) {
      const module = obj[key];
      if (typeof module !== 'string' || !moduleIsUsed(obj, key)) continue;
      if (key === 'module' && payloadConfigs.has(obj)) continue;
      const ref: KerasModuleRef = { path, key, module };
      const name = lookedUpName(obj, key, className);
      if (name !== undefined) ref.name = name;
      push(out.modules, ref);
    }
    if ('safe_mode' in obj && (obj.safe_mode === false || obj.safe_mode === 0 || obj.safe_mode === 'False')) {
      push(out.markers, {
        path: `${path}.safe_mode`,
        kind: 'safe-mode-false',
        detail: JSON.stringify(obj.safe_mode),
      });
    }
  };

  const visitString = (value: string, path: string): void => {
    if (/(?:^|\.)get_file$/.test(value)) push(out.markers, { path, kind: 'get-file', detail: value });
    if (value.includes('enable_unsafe_deserialization')) {
      push(out.markers, { path, kind: 'unsafe-deserialization', detail: value.slice(0, 200) });
    }
  };

  // An explicit stack, not recursion: a hostile config can nest far deeper than the call stack.
  const stack: { value: Json; path: string; depth: number }[] = [{ value: root, path: '$', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) {
      out.truncated = true;
      if (nodes > MAX_NODES) break;
      continue;
    }
    if (typeof value === 'string') visitString(value, path);
    else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i]!, path: `${path}[${i}]`, depth: depth + 1 });
    } else if (isObject(value)) {
      visitObject(value, path);
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (key.includes('enable_unsafe_deserialization')) visitString(key, `${path}.${key}`);
        stack.push({ value: value[key]!, path: `${path}.${key}`, depth: depth + 1 });
      }
    }
  }
  return out;
}

/**
 * Keras 2 reads a Lambda's `module` only for a named function (`function_type: "function"`); for a
 * marshalled lambda it is just where the lambda was written (`__main__`), so reporting it would be noise.
 */
function moduleIsUsed(obj: JsonObject, key: string): boolean {
  if (key === 'module' && obj.function_type === 'lambda') return false;
  if (key === 'output_shape_module' && obj.output_shape_type !== 'function') return false;
  return true;
}

/** What the loader looks up in `obj[key]`: a Keras 3 function's name, a Keras 2 Lambda's function, or the class. */
function lookedUpName(obj: JsonObject, key: string, className: string | undefined): string | undefined {
  if (className === 'function' && typeof obj.config === 'string') return obj.config;
  if (key === 'output_shape_module')
    return typeof obj.output_shape === 'string' ? obj.output_shape : undefined;
  if (key === 'module' && typeof obj.function === 'string') return obj.function;
  return className;
}

/** A Keras 2 Lambda's `config.function`: [base64 marshal, defaults, closure], source text, or a name. */
function keras2Lambda(cfg: JsonObject, path: string): KerasLambda | undefined {
  const fn = cfg.function;
  const base = { path, className: 'Lambda' };
  if (Array.isArray(fn) && typeof fn[0] === 'string') {
    return { ...base, form: 'marshal', names: namesFromBase64(fn[0]) };
  }
  if (typeof fn === 'string') {
    if (cfg.function_type === 'function') {
      const lambda: KerasLambda = { ...base, form: 'function-name', names: [fn] };
      if (typeof cfg.module === 'string') lambda.module = cfg.module;
      return lambda;
    }
    return { ...base, form: 'source', names: identifiers(fn) };
  }
  // Keras 3 stores the function as a nested object, visited on its own (`__lambda__` or `function`).
  if (isObject(fn)) return undefined;
  return { ...base, form: 'unknown', names: [] };
}

/** A Keras 3 `{"class_name": "__lambda__", "config": {"code": base64 marshal, ...}}`. */
function keras3Lambda(cfg: Json | undefined, path: string): KerasLambda {
  const code = isObject(cfg) ? cfg.code : undefined;
  if (typeof code === 'string')
    return { path, className: '__lambda__', form: 'marshal', names: namesFromBase64(code) };
  return { path, className: '__lambda__', form: 'unknown', names: [] };
}

/** Base64 (standard or URL-safe, as Keras writes it) to bytes, then the marshalled strings. */
function namesFromBase64(text: string): string[] {
  const clean = text.slice(0, MAX_CODE_CHARS).replace(/\s+/g, '');
  const bytes = new Uint8Array(Buffer.from(clean.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  return marshalStrings(bytes, MAX_NAMES);
}

/** Identifiers in Python source text (`lambda x: eval('1')` → lambda, x, eval). */
function identifiers(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.slice(0, MAX_CODE_CHARS).matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    names.add(m[0]);
    if (names.size >= MAX_NAMES) break;
  }
  return [...names];
}
