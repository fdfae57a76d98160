/**
 * Structural checks of OMS bundles and statements against the JSON Schemas (draft 2020-12) of the OMS spec
 * (ossf/model-signing-spec, schemas/v1.0, shipped in data/sigstore/oms-schemas). The schemas describe the
 * current format; where the reference implementation writes something else that its own verifier accepts,
 * the value is normalised on a copy before validation rather than the schema edited (see `statementErrors`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { STATEMENT_TYPE } from './statement.ts';

const SCHEMA_DIR = new URL('../../../data/sigstore/oms-schemas/v1.0/', import.meta.url);
const BUNDLE_ID = 'https://model_signing/bundle/v1.0/schema';
const STATEMENT_ID = 'https://model_signing/statement/v1.0/schema';

/** At most this many schema errors are reported: the first few say what is wrong. */
const MAX_ERRORS = 5;

let validators: { bundle: ValidateFunction; statement: ValidateFunction } | undefined;

function compiled(): { bundle: ValidateFunction; statement: ValidateFunction } {
  if (validators === undefined) {
    // strict: false because the spec's schemas put `description` beside `$ref`, which strict mode rejects.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const name of ['envelope', 'predicate', 'statement', 'bundle'])
      ajv.addSchema(
        JSON.parse(readFileSync(fileURLToPath(new URL(`${name}.schema.json`, SCHEMA_DIR)), 'utf8')),
      );
    const bundle = ajv.getSchema(BUNDLE_ID);
    const statement = ajv.getSchema(STATEMENT_ID);
    if (bundle === undefined || statement === undefined) throw new Error('OMS schemas are missing their $id');
    validators = { bundle, statement };
  }
  return validators;
}

/** Why `bundle` (parsed JSON) is not an OMS bundle, or [] when its structure is valid. */
export function bundleErrors(bundle: unknown): string[] {
  const validate = compiled().bundle;
  return validate(bundle) ? [] : describe(validate);
}

/**
 * Why `statement` (the parsed DSSE payload) is not an OMS v1.0 statement, or [] when it is. The reference
 * names shard digests `<hash>-sharded-<size>` where the schema allows only the hash name; its verifier
 * accepts both, so shard names are mapped to the hash name on a copy before validation.
 */
export function statementErrors(statement: unknown): string[] {
  const validate = compiled().statement;
  return validate(withPlainShardAlgorithms(statement)) ? [] : describe(validate);
}

/**
 * Why `statement` is not a v0.2.0 (`Digests/v0.1`) statement: one subject per file, each with a hex sha256.
 * There is no schema for it; this checks what the reference's compat reader uses.
 */
export function legacyStatementErrors(statement: unknown): string[] {
  if (!isObject(statement)) return ['the statement is not a JSON object'];
  if (statement._type !== STATEMENT_TYPE) return [`_type is not ${STATEMENT_TYPE}`];
  const subjects = statement.subject;
  if (!Array.isArray(subjects) || subjects.length === 0) return ['subject is not a non-empty array'];
  const errors: string[] = [];
  subjects.forEach((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string' || s.name === '') errors.push(`/subject/${i} has no name`);
    else if (
      !isObject(s.digest) ||
      typeof s.digest.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(s.digest.sha256)
    )
      errors.push(`/subject/${i} has no hex sha256 digest`);
  });
  return errors.slice(0, MAX_ERRORS);
}

/** `sha256-sharded-1000` → `sha256`: the reference's shard naming, read as the spec's. */
export function plainAlgorithm(algorithm: string): string {
  const m = /^(sha256|blake2b|blake3)-sharded-\d+$/.exec(algorithm);
  return m?.[1] ?? algorithm;
}

function withPlainShardAlgorithms(statement: unknown): unknown {
  if (!isObject(statement) || !isObject(statement.predicate)) return statement;
  const resources = statement.predicate.resources;
  if (!Array.isArray(resources)) return statement;
  return {
    ...statement,
    predicate: {
      ...statement.predicate,
      resources: resources.map((r) =>
        isObject(r) && typeof r.algorithm === 'string' ? { ...r, algorithm: plainAlgorithm(r.algorithm) } : r,
      ),
    },
  };
}

function describe(validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, MAX_ERRORS)
    .map((e) => `${e.instancePath === '' ? '(top level)' : e.instancePath} ${e.message ?? 'is invalid'}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
