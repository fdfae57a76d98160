/**
 * The gateway's audit log: one SQLite row per request, written in batches off the request's critical path.
 *
 * Writes go to an in-memory queue and reach disk in one transaction when the batch fills or the flush timer
 * fires. The file is in WAL mode with `synchronous=NORMAL`: a committed batch survives the process being
 * killed (it is in the WAL file), only an OS crash or power loss can lose the last batches, which is the
 * usual trade for an access log. Nothing here throws into a request: a failed write keeps the records
 * queued for the next flush and is reported through `stats()`.
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { describeError, ParapetError } from '../core/errors.ts';
import type { GuardAction } from '../guard/types.ts';
import type { AuditLog, AuditRecord } from './contracts.ts';

/** The schema version this code writes and reads (`PRAGMA user_version`). */
export const AUDIT_SCHEMA_VERSION = 1;

const TABLE = 'audit_records';

/**
 * Migrations by the version they start from: `MIGRATIONS[n]` takes a file from version n to n + 1, so a
 * file written by any older Parapet is brought up to date in order, each step in its own transaction.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE ${TABLE} (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL,
     time TEXT NOT NULL,
     key_id TEXT,
     method TEXT NOT NULL,
     route TEXT NOT NULL,
     status INTEGER NOT NULL,
     model TEXT,
     upstream TEXT,
     stream INTEGER NOT NULL,
     input_action TEXT NOT NULL,
     output_action TEXT NOT NULL,
     rule_ids TEXT NOT NULL,
     latency_ms REAL NOT NULL,
     upstream_ms REAL,
     prompt_tokens INTEGER,
     completion_tokens INTEGER,
     error TEXT,
     prompt TEXT,
     completion TEXT
   );
   CREATE INDEX ${TABLE}_time ON ${TABLE} (time);
   CREATE INDEX ${TABLE}_key_time ON ${TABLE} (key_id, time);`,
];

/** How long a write waits for another connection's lock before giving up until the next flush. Short,
 * because better-sqlite3 waits synchronously and the gateway's event loop would stall meanwhile. */
const BUSY_TIMEOUT_MS = 50;
/** The queue holds at most this many batches; beyond it the oldest records are dropped (and counted). */
const QUEUE_BATCHES = 10;

export interface AuditLogOptions {
  /** Records per transaction; a full batch is written at once. Default 100. */
  batchSize?: number;
  /** Longest time a record waits in memory. Default 1000 ms. */
  flushIntervalMs?: number;
}

/** Counters for health checks and tests. */
export interface AuditLogStats {
  /** Rows committed to disk by this instance (including drop notices). */
  written: number;
  /** Records waiting in memory. */
  queued: number;
  /** Records dropped because the queue was full (the disk refused writes for too long). */
  dropped: number;
  /** The last write error, cleared by the next successful flush. */
  lastError?: string;
}

export interface AuditLogWithStats extends AuditLog {
  stats(): AuditLogStats;
}

/** The `route` of the synthetic row that records how many records were dropped. */
export const DROPPED_ROUTE = 'parapet:audit-dropped';

/**
 * Opens (creating it and its folder if needed) the audit log at `path`. Throws a ParapetError when the file
 * is not a Parapet audit log or was written by a newer version: a gateway should not start without its
 * audit trail.
 *
 * Overflow policy: the queue holds `10 × batchSize` records. If writes keep failing (disk full, file
 * locked) and it fills, the OLDEST queued records are dropped so the newest stay, the drop is counted in
 * `stats().dropped`, and the next successful flush writes one extra row (route `parapet:audit-dropped`,
 * status 0) whose `error` says how many records were lost and between which times. Memory stays bounded
 * and the gap is visible in the log itself.
 */
export function openAuditLog(path: string, options: AuditLogOptions = {}): AuditLogWithStats {
  const batchSize = positiveInteger(options.batchSize ?? 100, 'batchSize');
  const flushIntervalMs = positiveInteger(options.flushIntervalMs ?? 1000, 'flushIntervalMs');
  const maxQueued = batchSize * QUEUE_BATCHES;
  let connection: Connection | undefined = connect(path);
  let queue: SqlRow[] = [];
  let written = 0;
  let dropped = 0;
  /** Drops not yet recorded on disk, with the times of the first and last record lost. */
  let pendingDrop: { count: number; from: string; to: string } | undefined;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function armTimer(): void {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      flush();
    }, flushIntervalMs);
    // An audit timer must never be the reason a process stays alive; close() flushes what is left.
    timer.unref();
  }

  function flush(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (closed || (queue.length === 0 && pendingDrop === undefined)) return;
    const rows = pendingDrop === undefined ? queue : [...queue, dropNotice(pendingDrop)];
    try {
      if (connection !== undefined && !stillOpenAt(path, connection)) {
        connection.db.close();
        connection = undefined;
      }
      connection ??= connect(path);
      connection.insertAll(rows);
    } catch (err) {
      // Keep everything queued and try again at the next interval; the request path never sees this.
      lastError = describeError(err);
      armTimer();
      return;
    }
    written += rows.length;
    queue = [];
    pendingDrop = undefined;
    lastError = undefined;
  }

  function write(record: AuditRecord): void {
    if (closed) return;
    let row: SqlRow;
    try {
      row = toRow(record);
    } catch (err) {
      // A record that cannot even be serialised (it should not happen with typed callers) is counted as
      // dropped rather than thrown at the request.
      lastError = `unserialisable audit record: ${describeError(err)}`;
      noteDrop(new Date().toISOString());
      armTimer();
      return;
    }
    queue.push(row);
    if (queue.length > maxQueued) noteDrop(queue.shift()?.time ?? row.time);
    // While writes are failing, retry only on the timer: retrying on every request would make each one
    // pay for a stuck disk.
    if (queue.length >= batchSize && lastError === undefined) flush();
    else armTimer();
  }

  function noteDrop(time: string): void {
    dropped++;
    if (pendingDrop === undefined) pendingDrop = { count: 1, from: time, to: time };
    else {
      pendingDrop.count++;
      if (time < pendingDrop.from) pendingDrop.from = time;
      if (time > pendingDrop.to) pendingDrop.to = time;
    }
  }

  return {
    write,
    flush,
    close(): void {
      if (closed) return;
      flush();
      // Whatever the last flush could not write is lost with the connection: say so in the counters.
      dropped += queue.length;
      queue = [];
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      connection?.db.close();
      connection = undefined;
    },
    stats(): AuditLogStats {
      const s: AuditLogStats = { written, queued: queue.length, dropped };
      if (lastError !== undefined) s.lastError = lastError;
      return s;
    },
  };
}

/** Filters for {@link readAuditRecords}. */
export interface ReadAuditOptions {
  /** Most records returned. Default 100. */
  limit?: number;
  /** Only records at or after this ISO time. */
  since?: string;
  keyId?: string;
  /** By time; `desc` (newest first) by default. */
  order?: 'asc' | 'desc';
}

/**
 * Reads records from an audit log, opening it read-only (a running gateway may be writing to it: WAL mode
 * lets both proceed). Throws a ParapetError for a missing file, a file that is not an audit log, or bad
 * options.
 */
export function readAuditRecords(path: string, options: ReadAuditOptions = {}): AuditRecord[] {
  const limit = positiveInteger(options.limit ?? 100, 'limit');
  const order = options.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new ParapetError('USAGE', `bad order ${String(order)}`);
  const where: string[] = [];
  const params: Record<string, string | number> = { limit };
  if (options.since !== undefined) {
    where.push('time >= @since');
    params.since = normaliseTime(options.since);
  }
  if (options.keyId !== undefined) {
    where.push('key_id = @keyId');
    params.keyId = options.keyId;
  }
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new ParapetError('NOT_FOUND', `cannot open audit log ${path}: ${describeError(err)}`);
  }
  try {
    const version = readVersion(db, path);
    if (version === 0) throw new ParapetError('MALFORMED', `${path} is not a Parapet audit log`);
    if (version > AUDIT_SCHEMA_VERSION) throw newerVersion(path, version);
    const direction = order === 'asc' ? 'ASC' : 'DESC';
    const sql =
      `SELECT * FROM ${TABLE}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY time ${direction}, seq ${direction} LIMIT @limit`;
    return (db.prepare(sql).all(params) as SqlRow[]).map(fromRow);
  } catch (err) {
    if (err instanceof ParapetError) throw err;
    throw new ParapetError('MALFORMED', `cannot read audit log ${path}: ${describeError(err)}`);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Opening and migrating

/** An open audit file, its insert statement, and which file it is (to notice it being moved or deleted). */
interface Connection {
  db: Database.Database;
  insertAll: (rows: readonly SqlRow[]) => void;
  identity: string | undefined;
}

const INSERT_SQL = `INSERT INTO ${TABLE} (id, time, key_id, method, route, status, model, upstream, stream,
    input_action, output_action, rule_ids, latency_ms, upstream_ms, prompt_tokens, completion_tokens, error,
    prompt, completion)
  VALUES (@id, @time, @key_id, @method, @route, @status, @model, @upstream, @stream, @input_action,
    @output_action, @rule_ids, @latency_ms, @upstream_ms, @prompt_tokens, @completion_tokens, @error,
    @prompt, @completion)`;

function connect(path: string): Connection {
  const db = openWritable(path);
  const insert = db.prepare(INSERT_SQL);
  const insertAll = db.transaction((rows: readonly SqlRow[]) => {
    for (const row of rows) insert.run(row);
  });
  return { db, insertAll, identity: fileIdentity(path) };
}

/**
 * False when the file was deleted or moved away since this connection opened it. SQLite would go on writing
 * into the unlinked file and every later record would vanish without an error; the caller closes the old
 * connection (which checkpoints its WAL into the old file) and opens a fresh log at `path`, so deleting or
 * moving the file (log rotation) just works. One stat per flush, not per record.
 */
function stillOpenAt(path: string, connection: Connection): boolean {
  return path === ':memory:' || fileIdentity(path) === connection.identity;
}

function fileIdentity(path: string): string | undefined {
  if (path === ':memory:') return undefined;
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st === undefined ? undefined : `${st.dev}:${st.ino}`;
  } catch {
    // ENOTDIR and the like: the file is not there any more, as far as writing goes.
    return undefined;
  }
}

function openWritable(path: string): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
      createPrivate(path);
    }
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new ParapetError('UNREADABLE', `cannot open audit log ${path}: ${describeError(err)}`);
  }
  try {
    const version = readVersion(db, path);
    if (version > AUDIT_SCHEMA_VERSION) throw newerVersion(path, version);
    if (version === 0) {
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all();
      if (tables.length > 0)
        throw new ParapetError('MALFORMED', `${path} is a SQLite file but not a Parapet audit log`);
    }
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs at checkpoints only: a committed batch survives a killed process, and
    // only an OS crash can lose the latest ones. FULL would fsync every batch.
    db.pragma('synchronous = NORMAL');
    for (let v = version; v < AUDIT_SCHEMA_VERSION; v++) {
      const step = MIGRATIONS[v] ?? '';
      db.transaction(() => {
        db.exec(step);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof ParapetError) throw err;
    throw new ParapetError('MALFORMED', `cannot use audit log ${path}: ${describeError(err)}`);
  }
}

/**
 * Creates the file owner-only before SQLite sees it: records name keys and, with `audit.logText`, hold
 * prompts. SQLite gives its -wal and -shm files the same mode. An existing file keeps its mode (its owner
 * may have chosen a group-readable one for a log shipper).
 */
function createPrivate(path: string): void {
  try {
    writeFileSync(path, '', { flag: 'wx', mode: 0o600 });
    chmodSync(path, 0o600); // a umask can narrow `mode` past what SQLite needs to write: set it exactly
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function readVersion(db: Database.Database, path: string): number {
  try {
    return Number(db.pragma('user_version', { simple: true }));
  } catch (err) {
    // "file is not a database" shows up here, on the first statement, not at open.
    throw new ParapetError('MALFORMED', `${path} is not a SQLite audit log: ${describeError(err)}`);
  }
}

function newerVersion(path: string, version: number): ParapetError {
  return new ParapetError(
    'MALFORMED',
    `${path} has audit schema version ${version}, newer than this Parapet understands ` +
      `(${AUDIT_SCHEMA_VERSION}); upgrade Parapet or point audit.path at a new file`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Rows

interface SqlRow {
  id: string;
  time: string;
  key_id: string | null;
  method: string;
  route: string;
  status: number;
  model: string | null;
  upstream: string | null;
  stream: number;
  input_action: string;
  output_action: string;
  rule_ids: string;
  latency_ms: number;
  upstream_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
  prompt: string | null;
  completion: string | null;
}

/**
 * Every value is coerced to what its column accepts, so no record can make a whole batch fail (a batch
 * that can never be written would block every record behind it).
 */
function toRow(r: AuditRecord): SqlRow {
  return {
    id: String(r.id ?? ''),
    time: canonicalTime(r.time),
    key_id: optionalText(r.keyId),
    method: String(r.method ?? ''),
    route: String(r.route ?? ''),
    status: finite(r.status) ?? 0,
    model: optionalText(r.model),
    upstream: optionalText(r.upstream),
    stream: r.stream ? 1 : 0,
    input_action: String(r.inputAction ?? 'skipped'),
    output_action: String(r.outputAction ?? 'skipped'),
    rule_ids: JSON.stringify(Array.isArray(r.ruleIds) ? r.ruleIds.map(String) : []),
    latency_ms: finite(r.latencyMs) ?? 0,
    upstream_ms: finite(r.upstreamMs),
    prompt_tokens: finite(r.promptTokens),
    completion_tokens: finite(r.completionTokens),
    error: optionalText(r.error),
    prompt: optionalText(r.prompt),
    completion: optionalText(r.completion),
  };
}

function fromRow(row: SqlRow): AuditRecord {
  const record: AuditRecord = {
    id: row.id,
    time: row.time,
    method: row.method,
    route: row.route,
    status: row.status,
    stream: row.stream === 1,
    inputAction: row.input_action as GuardAction | 'skipped',
    outputAction: row.output_action as GuardAction | 'skipped',
    ruleIds: parseRuleIds(row.rule_ids),
    latencyMs: row.latency_ms,
  };
  if (row.key_id !== null) record.keyId = row.key_id;
  if (row.model !== null) record.model = row.model;
  if (row.upstream !== null) record.upstream = row.upstream;
  if (row.upstream_ms !== null) record.upstreamMs = row.upstream_ms;
  if (row.prompt_tokens !== null) record.promptTokens = row.prompt_tokens;
  if (row.completion_tokens !== null) record.completionTokens = row.completion_tokens;
  if (row.error !== null) record.error = row.error;
  if (row.prompt !== null) record.prompt = row.prompt;
  if (row.completion !== null) record.completion = row.completion;
  return record;
}

function dropNotice(drop: { count: number; from: string; to: string }): SqlRow {
  const now = new Date().toISOString();
  return toRow({
    id: `audit-dropped-${now}`,
    time: now,
    method: '-',
    route: DROPPED_ROUTE,
    status: 0,
    stream: false,
    inputAction: 'skipped',
    outputAction: 'skipped',
    ruleIds: [],
    latencyMs: 0,
    error: `${drop.count} audit record(s) dropped while the log could not be written (queue full), from ${drop.from} to ${drop.to}`,
  });
}

function parseRuleIds(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.map(String) : [];
  } catch {
    return [];
  }
}

function optionalText(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ParapetError('USAGE', `${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Times are stored in one canonical ISO form (UTC, milliseconds) so that they sort and compare as text. */
function canonicalTime(value: unknown): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return new Date(Number.isNaN(ms) ? Date.now() : ms).toISOString();
}

/** ISO times compare as text only in one canonical form, so `since` is parsed and re-printed. */
function normaliseTime(text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new ParapetError('USAGE', `bad time ${JSON.stringify(text)}: expected ISO 8601`);
  return new Date(ms).toISOString();
}
