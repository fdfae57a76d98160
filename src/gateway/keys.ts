/**
 * The API-key store: one SQLite file holding, per key, its public id, name, scopes, model globs and
 * limits, and the SHA-256 of its secret. The secret itself is shown once at creation and never stored, so
 * a stolen key file gives an attacker names and hashes, not working keys. A lookup by hash is as fast for
 * a near-miss as for a wild guess, which is what keeps `authenticate` constant-time in the secret's
 * content (a byte-by-byte string comparison would leak how much of a guess was right).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describeError, ParapetError } from '../core/errors.ts';
import type { ApiKeyRecord, CreateKeyInput, KeyLimits, KeyScope, KeyStore } from './contracts.ts';

export const KEY_SCOPES: readonly KeyScope[] = ['inference', 'admin'];
export const DEFAULT_SCOPES: readonly KeyScope[] = ['inference'];
/** `ppk_` then 32 random bytes in base64url (43 characters, no padding). */
export const SECRET_PATTERN = /^ppk_[A-Za-z0-9_-]{43}$/;
export const MAX_KEY_NAME_LENGTH = 100;
/** A model glob longer than this is surely a mistake, and a cap keeps matching cheap. */
export const MAX_MODEL_GLOB_LENGTH = 200;
const SECRET_PREFIX = 'ppk_';
/** Characters of the secret after `ppk_` kept in clear so listings can tell keys apart (48 of 256 bits). */
const SHOWN_CHARS = 8;
const KEY_ID = /^k_[0-9a-f]{8}$/;
const LIMIT_KEYS: readonly (keyof KeyLimits)[] = ['requestsPerMinute', 'tokensPerMinute'];

/** The schema this code writes, kept in SQLite's `user_version`; a newer file is refused, not altered. */
const SCHEMA_VERSION = 1;
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE api_keys (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     secret_sha256 TEXT NOT NULL,
     prefix TEXT NOT NULL,
     scopes TEXT NOT NULL,
     models TEXT NOT NULL,
     limits TEXT NOT NULL,
     created_at TEXT NOT NULL,
     revoked_at TEXT
   ) STRICT;
   CREATE UNIQUE INDEX api_keys_secret_sha256 ON api_keys (secret_sha256);`,
];

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  models: string;
  limits: string;
  created_at: string;
  revoked_at: string | null;
}

const COLUMNS = 'id, name, prefix, scopes, models, limits, created_at, revoked_at';

/**
 * Opens (creating when missing, with mode 0600) the key store at `path`; `:memory:` gives a throwaway
 * store. Throws ParapetError: UNREADABLE when the file cannot be opened or is not a key store, USAGE
 * when it was written by a newer Parapet.
 */
export function openKeyStore(path: string): KeyStore {
  const db = openDatabase(path);
  const insert = db.prepare(
    `INSERT INTO api_keys (id, name, secret_sha256, prefix, scopes, models, limits, created_at)
     VALUES (@id, @name, @hash, @prefix, @scopes, @models, @limits, @createdAt)`,
  );
  const byHash = db.prepare<[string], KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE secret_sha256 = ? AND revoked_at IS NULL`,
  );
  const byId = db.prepare<[string], KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
  const live = db.prepare<[], KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, id`,
  );
  const all = db.prepare<[], KeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  const markRevoked = db.prepare<[string, string]>(
    'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  );

  return {
    create(input) {
      const valid = checkCreateInput(input);
      const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
      const createdAt = new Date().toISOString();
      // 32 bits of id: a clash is rare but possible in a large store, so draw again rather than fail.
      for (let attempt = 0; ; attempt++) {
        const id = `k_${randomBytes(4).toString('hex')}`;
        try {
          insert.run({
            id,
            name: valid.name,
            hash: sha256(secret),
            prefix: secret.slice(SECRET_PREFIX.length, SECRET_PREFIX.length + SHOWN_CHARS),
            scopes: JSON.stringify(valid.scopes),
            models: JSON.stringify(valid.models),
            limits: JSON.stringify(valid.limits),
            createdAt,
          });
          const row = byId.get(id);
          if (!row) throw new ParapetError('UNREADABLE', `key ${id} vanished right after it was stored`);
          return { record: toRecord(row), secret };
        } catch (err) {
          const clash = (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
          if (!clash || attempt >= 5) throw err;
        }
      }
    },
    list(options = {}) {
      return (options.includeRevoked ? all.all() : live.all()).map(toRecord);
    },
    revoke(id) {
      if (typeof id !== 'string' || !KEY_ID.test(id)) return undefined;
      // Only a live key is touched, so revoking twice keeps the first revocation time.
      markRevoked.run(new Date().toISOString(), id);
      const row = byId.get(id);
      return row ? toRecord(row) : undefined;
    },
    authenticate(secret) {
      // Anything not shaped like a secret is refused before the database is touched.
      if (typeof secret !== 'string' || !SECRET_PATTERN.test(secret)) return undefined;
      const row = byHash.get(sha256(secret));
      return row ? toRecord(row) : undefined;
    },
    close() {
      if (db.open) db.close();
    },
  };
}

/**
 * True when the key may use `model`: its model list is empty (every model) or one of its globs matches.
 */
export function modelAllowed(record: Pick<ApiKeyRecord, 'models'>, model: string): boolean {
  return record.models.length === 0 || record.models.some((glob) => globMatch(glob, model));
}

/**
 * Case-sensitive glob match where `*` is any run of characters (also none) and every other character is
 * literal. Linear-time two-pointer matching (no regular expression), so a glob with many stars cannot make
 * a long model name expensive.
 */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === text[t]) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++resume;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

// ---------------------------------------------------------------------------------------------------------
// Opening and schema

function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') {
    try {
      // Created here, before SQLite sees it, so the file never exists with wider permissions; SQLite gives
      // its -wal and -shm files the same mode as the database.
      writeFileSync(path, '', { flag: 'wx', mode: 0o600 });
      chmodSync(path, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ParapetError('UNREADABLE', `cannot create key store ${path}: ${describeError(err)}`, {
          cause: err,
        });
      }
    }
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: path !== ':memory:' });
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    migrate(db, path);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof ParapetError) throw err;
    throw new ParapetError('UNREADABLE', `cannot open key store ${path}: ${describeError(err)}`, {
      cause: err,
    });
  }
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new ParapetError(
      'USAGE',
      `key store ${path} has schema version ${version}; this Parapet reads up to ${SCHEMA_VERSION} (upgrade Parapet)`,
    );
  }
  if (version === 0) {
    // A version-0 file that already has tables is someone else's database: refuse rather than add ours.
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    };
    if (tables.n > 0) throw new ParapetError('UNREADABLE', `${path} is a SQLite file but not a key store`);
  }
  db.transaction(() => {
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] ?? '');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

// ---------------------------------------------------------------------------------------------------------
// Validation and rows

interface ValidKeyInput {
  name: string;
  scopes: KeyScope[];
  models: string[];
  limits: KeyLimits;
}

function invalid(message: string): ParapetError {
  return new ParapetError('USAGE', message);
}

function checkCreateInput(input: CreateKeyInput): ValidKeyInput {
  if (typeof input !== 'object' || input === null) throw invalid('key input must be an object');
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '') throw invalid('key name must be a non-empty string');
  if (name.length > MAX_KEY_NAME_LENGTH)
    throw invalid(`key name must be at most ${MAX_KEY_NAME_LENGTH} characters (got ${name.length})`);

  const scopes = input.scopes ?? [...DEFAULT_SCOPES];
  if (!Array.isArray(scopes) || scopes.length === 0)
    throw invalid(`key scopes must be a non-empty list of ${KEY_SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!KEY_SCOPES.includes(scope))
      throw invalid(`unknown key scope ${JSON.stringify(scope)} (expected ${KEY_SCOPES.join(' or ')})`);
  }

  const models = input.models ?? [];
  if (!Array.isArray(models)) throw invalid('key models must be a list of model-name globs');
  for (const glob of models) {
    if (typeof glob !== 'string' || glob.trim() === '')
      throw invalid('each key model glob must be a non-empty string (use "*" for every model)');
    if (glob.length > MAX_MODEL_GLOB_LENGTH)
      throw invalid(`key model glob is over ${MAX_MODEL_GLOB_LENGTH} characters`);
  }

  const limits: KeyLimits = {};
  const given = input.limits ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw invalid('key limits must be an object with requestsPerMinute, tokensPerMinute');
  for (const [field, value] of Object.entries(given)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(field))
      throw invalid(`unknown key limit ${JSON.stringify(field)} (expected ${LIMIT_KEYS.join(', ')})`);
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      throw invalid(`key limit ${field} must be a non-negative integer (0 = unlimited), got ${value}`);
    limits[field as keyof KeyLimits] = value as number;
  }
  return { name, scopes: [...new Set(scopes)], models: [...new Set(models)], limits };
}

function toRecord(row: KeyRow): ApiKeyRecord {
  const record: ApiKeyRecord = {
    id: row.id,
    name: row.name,
    scopes: parseJson(row.scopes, [], row.id),
    models: parseJson(row.models, [], row.id),
    limits: parseJson(row.limits, {}, row.id),
    // The stored prefix is the shown characters after `ppk_`; records give it as the secret starts.
    prefix: SECRET_PREFIX + row.prefix,
    createdAt: row.created_at,
  };
  if (row.revoked_at !== null) record.revokedAt = row.revoked_at;
  return record;
}

function parseJson<T>(text: string, shape: T, id: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  // A hand-edited row must not widen a key: a damaged field is an error, not an empty (= everything) list.
  if (Array.isArray(shape) !== Array.isArray(value) || typeof value !== 'object' || value === null)
    throw new ParapetError('MALFORMED', `key ${id} has a damaged field in the key store`);
  return value as T;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
