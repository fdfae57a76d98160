/**
 * The in-toto statement that OMS signs, to and from a ModelManifest.
 *
 * Writing: the bytes the reference implementation signs are `json_format.MessageToJson(statement)`:
 * two-space indentation, `", "`-free separators (`,` then a new line, `": "`), ASCII-only escapes, no
 * trailing new line, and — because the predicate is a protobuf `Struct` — every number a double
 * (`"shard_size": 8.0`). Key order follows the reference's golden payloads: `_type, subject,
 * predicateType, predicate`; a subject's `name, digest`; `serialization, resources`; a serialization's
 * `method, hash_type, allow_symlinks, shard_size`, then `ignore_paths` (left out when empty, as in the
 * goldens); a resource's `algorithm, digest, name`. (Python's own key order inside the Struct varies from
 * run to run — protobuf's map order — so no single order is "the" reference's beyond the goldens.)
 *
 * Reading: the v1.0 predicate as written by every reference version since v0.3.1 and by spec-conformant
 * signers (integer `shard_size`, plain shard algorithm names, base-name single files), and the v0.2.0
 * predicate `https://model_signing/Digests/v0.1` (one subject per file, no serialization block).
 */
import { ParapetError } from '../../core/errors.ts';
import { type JsonValue, pythonJson } from './canonical-json.ts';
import { MAX_RESOURCES, parseShardName, rootDigestOf } from './manifest.ts';
import type { HashAlgorithm, ModelManifest, ResourceDescriptor, SerializationParams } from './types.ts';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://model_signing/signature/v1.0';
/** The v0.2.0 predicate: file digests as subjects. */
export const PREDICATE_TYPE_V01 = 'https://model_signing/Digests/v0.1';
/** The model name the reference gives a v0.2.0 statement, which records none. */
export const LEGACY_MODEL_NAME = 'compat-undefined-not-present';

/** Largest statement text `manifestFromStatement` parses itself. */
export const MAX_STATEMENT_BYTES = 512 << 20;
/** Most `ignore_paths` entries read from a statement. */
const MAX_IGNORE_PATHS = 10_000;
/** Longest resource name or ignore path read from a statement. */
const MAX_NAME_LENGTH = 4096;

/** The in-toto statement for `manifest`, as a plain object in the reference's key order. */
export function buildStatement(manifest: ModelManifest): Record<string, unknown> {
  const s = manifest.serialization;
  const serialization: Record<string, JsonValue> = {
    method: s.method,
    hash_type: s.hash_type,
    allow_symlinks: s.allow_symlinks,
  };
  if (s.method === 'shards' && s.shard_size !== undefined) serialization.shard_size = s.shard_size;
  if (s.ignore_paths.length > 0) serialization.ignore_paths = [...s.ignore_paths];
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: manifest.modelName, digest: { sha256: manifest.rootDigest.digest } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization,
      resources: manifest.resources.map((r) => ({ algorithm: r.algorithm, digest: r.digest, name: r.name })),
    },
  };
}

/** The statement as the reference serialises it: the exact bytes that go into the DSSE payload. */
export function statementBytes(manifest: ModelManifest): Uint8Array {
  return new TextEncoder().encode(pythonJson(buildStatement(manifest) as JsonValue));
}

/**
 * The manifest a statement records: the parsed JSON object, or its text or UTF-8 bytes. Resources keep
 * the statement's order (the root digest is computed over it). Throws ParapetError MALFORMED for anything
 * that is not a v1.0 or v0.1 model-signing statement, for a subject digest that does not match the
 * resources (the reference's "Manifest is inconsistent"), or duplicate resources; LIMIT when too large.
 */
export function manifestFromStatement(json: unknown): ModelManifest {
  const statement = asObject(parseIfText(json), 'the statement');
  if (statement._type !== STATEMENT_TYPE)
    throw malformed(`_type is ${describe(statement._type)}, not ${STATEMENT_TYPE}`);
  if (statement.predicateType === PREDICATE_TYPE) return fromV1(statement);
  if (statement.predicateType === PREDICATE_TYPE_V01) return fromV01(statement);
  throw malformed(`unsupported predicateType ${describe(statement.predicateType)}`);
}

function fromV1(statement: Record<string, unknown>): ModelManifest {
  const subjects = asArray(statement.subject, 'subject');
  if (subjects.length !== 1) throw malformed(`expected exactly one subject, found ${subjects.length}`);
  const subject = asObject(subjects[0], 'subject[0]');
  const modelName = asString(subject.name, 'subject[0].name');
  const subjectDigest = asHex(
    asObject(subject.digest, 'subject[0].digest').sha256,
    'subject[0].digest.sha256',
  );

  const predicate = asObject(statement.predicate, 'predicate');
  const serialization = readSerialization(asObject(predicate.serialization, 'predicate.serialization'));
  const list = asArray(predicate.resources, 'predicate.resources');
  if (list.length > MAX_RESOURCES)
    throw new ParapetError('LIMIT', `statement lists more than ${MAX_RESOURCES} resources`);
  const sharded = serialization.method === 'shards';
  const resources = list.map((item, i): ResourceDescriptor => {
    const r = asObject(item, `resources[${i}]`);
    const name = asName(r.name, `resources[${i}].name`);
    if (sharded && parseShardName(name) === undefined)
      throw malformed(`resources[${i}].name ${JSON.stringify(name)} is not a shard name (path:start:end)`);
    return {
      name,
      algorithm: asString(r.algorithm, `resources[${i}].algorithm`),
      digest: asHex(r.digest, `resources[${i}].digest`),
    };
  });
  rejectDuplicates(resources);

  const root = rootDigestOf(resources);
  if (root.digest !== subjectDigest)
    throw malformed(
      `manifest is inconsistent: the subject digest is ${subjectDigest} but the resources hash to ${root.digest}`,
    );
  return { modelName, resources, serialization, rootDigest: root };
}

function fromV01(statement: Record<string, unknown>): ModelManifest {
  const subjects = asArray(statement.subject, 'subject');
  if (subjects.length > MAX_RESOURCES)
    throw new ParapetError('LIMIT', `statement lists more than ${MAX_RESOURCES} subjects`);
  // v0.2.0 hard-coded SHA-256 and file serialization; the subjects are the files.
  const resources = subjects.map((item, i): ResourceDescriptor => {
    const s = asObject(item, `subject[${i}]`);
    return {
      name: asName(s.name, `subject[${i}].name`),
      algorithm: 'sha256',
      digest: asHex(asObject(s.digest, `subject[${i}].digest`).sha256, `subject[${i}].digest.sha256`),
    };
  });
  rejectDuplicates(resources);
  return {
    modelName: LEGACY_MODEL_NAME,
    resources,
    serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: [] },
    rootDigest: rootDigestOf(resources),
  };
}

const HASH_TYPES: Readonly<Record<string, HashAlgorithm>> = {
  sha256: 'sha256',
  blake2b: 'blake2b',
  // The reference's API calls it "blake2"; its manifests say "blake2b". Accept both spellings.
  blake2: 'blake2b',
  blake3: 'blake3',
};

function readSerialization(s: Record<string, unknown>): SerializationParams {
  const method = s.method;
  if (method !== 'files' && method !== 'shards')
    throw malformed(`unknown serialization method ${describe(method)}`);
  const hashType = typeof s.hash_type === 'string' ? HASH_TYPES[s.hash_type] : undefined;
  if (hashType === undefined) throw malformed(`unsupported hash_type ${describe(s.hash_type)}`);
  if (typeof s.allow_symlinks !== 'boolean')
    throw malformed(`serialization.allow_symlinks is ${describe(s.allow_symlinks)}, not a boolean`);
  const params: SerializationParams = {
    method,
    hash_type: hashType,
    allow_symlinks: s.allow_symlinks,
    ignore_paths: [],
  };
  if (s.ignore_paths !== undefined) {
    const list = asArray(s.ignore_paths, 'serialization.ignore_paths');
    if (list.length > MAX_IGNORE_PATHS)
      throw new ParapetError('LIMIT', `statement lists more than ${MAX_IGNORE_PATHS} ignore paths`);
    params.ignore_paths = list.map((p, i) => asName(p, `serialization.ignore_paths[${i}]`));
  }
  if (method === 'shards') {
    // Written as a double by the reference (8.0 parses to 8); a fraction or a non-positive size is nonsense.
    const size = s.shard_size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0)
      throw malformed(`serialization.shard_size is ${describe(size)}, not a positive whole number`);
    params.shard_size = size;
  }
  return params;
}

function rejectDuplicates(resources: readonly ResourceDescriptor[]): void {
  const seen = new Set<string>();
  for (const r of resources) {
    if (seen.has(r.name)) throw malformed(`resource ${JSON.stringify(r.name)} is listed twice`);
    seen.add(r.name);
  }
}

function parseIfText(json: unknown): unknown {
  if (typeof json !== 'string' && !(json instanceof Uint8Array)) return json;
  if (json.length > MAX_STATEMENT_BYTES)
    throw new ParapetError('LIMIT', `statement is larger than ${MAX_STATEMENT_BYTES} bytes`);
  let text: string;
  try {
    text = typeof json === 'string' ? json : new TextDecoder('utf-8', { fatal: true }).decode(json);
    return JSON.parse(text);
  } catch (err) {
    throw new ParapetError('MALFORMED', `the statement is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed(`${what} is ${describe(value)}, not an object`);
  return value as Record<string, unknown>;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(`${what} is ${describe(value)}, not an array`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw malformed(`${what} is ${describe(value)}, not a string`);
  return value;
}

function asName(value: unknown, what: string): string {
  const name = asString(value, what);
  if (name === '' || name.length > MAX_NAME_LENGTH)
    throw malformed(`${what} is empty or longer than ${MAX_NAME_LENGTH} characters`);
  return name;
}

const HEX_DIGEST = /^[0-9a-fA-F]{2,256}$/;

/** A hex digest, lower-cased (Python's `bytes.fromhex` takes either case). */
function asHex(value: unknown, what: string): string {
  const text = asString(value, what);
  if (!HEX_DIGEST.test(text) || text.length % 2 !== 0) throw malformed(`${what} is not a hex digest`);
  return text.toLowerCase();
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function malformed(message: string): ParapetError {
  return new ParapetError('MALFORMED', message);
}
