import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ParapetError } from '../../core/errors.ts';
import { readAuditRecords } from '../../gateway/audit.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import type { AuditRecord } from '../../gateway/contracts.ts';
import { type CliIO, EXIT } from '../io.ts';

interface AuditFlags {
  config?: string;
  db?: string;
  limit: string;
  since?: string;
  key?: string;
  format: 'table' | 'json';
}

const DEFAULT_CONFIG = 'parapet.yaml';

const HELP_AFTER = `
Reads the gateway's audit log (one record per request) without disturbing a running gateway.
The log is found through --db, or through audit.path in --config (default ./${DEFAULT_CONFIG}).

Exit codes:
  0  records listed (possibly none)
  2  usage error, or the log is missing or unreadable

Examples:
  parapet audit
  parapet audit --db /var/lib/parapet/audit.db --limit 200
  parapet audit --key k_3f9a1c2b --since 2026-01-02T00:00:00Z --format json
`;

/** `parapet audit`: list the gateway's audit records, newest first. */
export function auditCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('audit')
    .description("List the gateway's audit records, newest first.")
    .option('-c, --config <file>', `gateway config whose audit.path to read (default ./${DEFAULT_CONFIG})`)
    .option('--db <file>', 'the audit log file itself')
    .option('-n, --limit <n>', 'most records to list', '50')
    .option('--since <time>', 'only records at or after this ISO 8601 time')
    .option('--key <id>', 'only records of this key id')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .addHelpText('after', HELP_AFTER)
    .action((flags: AuditFlags) => {
      setExit(runAudit(flags, io));
    });
}

function runAudit(flags: AuditFlags, io: CliIO): number {
  const limit = Number(flags.limit);
  if (!/^\d+$/.test(flags.limit) || !Number.isSafeInteger(limit) || limit < 1)
    throw new ParapetError('USAGE', `--limit must be a positive integer, got ${JSON.stringify(flags.limit)}`);
  const path = auditPath(flags, io);
  if (!existsSync(path))
    throw new ParapetError(
      'NOT_FOUND',
      `no audit log at ${path} (the gateway creates it on its first request; check --db or audit.path)`,
    );
  let records: AuditRecord[];
  try {
    records = readAuditRecords(path, {
      limit,
      ...(flags.since !== undefined && { since: flags.since }),
      ...(flags.key !== undefined && { keyId: flags.key }),
      order: 'desc',
    });
  } catch (err) {
    // A damaged or foreign file is the user's input being wrong, like a bad flag: exit 2, not 3.
    if (err instanceof ParapetError) throw new ParapetError('USAGE', err.message, { cause: err });
    throw err;
  }
  if (flags.format === 'json') io.stdout(`${JSON.stringify(records, null, 2)}\n`);
  else io.stdout(renderTable(records, limit, path));
  return EXIT.clean;
}

/** The log's path from --db, or from audit.path of the config (given or ./parapet.yaml). */
function auditPath(flags: AuditFlags, io: CliIO): string {
  if (flags.db !== undefined && flags.config !== undefined)
    throw new ParapetError('USAGE', 'give either --db or --config, not both');
  if (flags.db !== undefined) return resolve(io.cwd, flags.db);
  const configPath = resolve(io.cwd, flags.config ?? DEFAULT_CONFIG);
  if (flags.config === undefined && !existsSync(configPath))
    throw new ParapetError('USAGE', `no ${DEFAULT_CONFIG} here: give --db FILE or --config FILE`);
  try {
    return loadGatewayConfig(configPath, { env: placeholderEnv() }).audit.path;
  } catch (err) {
    if (err instanceof ParapetError)
      throw new ParapetError('USAGE', `${err.message} (or give the log file with --db)`, { cause: err });
    throw err;
  }
}

/**
 * The process environment, with any unset variable standing in as a visible placeholder: only audit.path
 * is needed here, and an upstream's `${env:API_KEY}` that is set only in the gateway's own environment
 * must not stop someone from reading the log.
 */
function placeholderEnv(): Readonly<Record<string, string | undefined>> {
  return new Proxy(
    {},
    {
      get: (_target, name) =>
        typeof name === 'string' ? (process.env[name] ?? `\${env:${name} unset}`) : undefined,
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Table

const COLUMNS = ['time (UTC)', 'key', 'route', 'model', 'status', 'verdicts in/out', 'rules', 'latency'];
/** Right-aligned columns: the numbers. */
const NUMERIC = new Set([4, 7]);
/** Longest cell text; rule ids are what a reader scans the table for, so they get more room. */
const MAX_CELL = 40;
const MAX_RULES_CELL = 100;
const RULES_COLUMN = 6;

function renderTable(records: AuditRecord[], limit: number, path: string): string {
  if (records.length === 0) return `No audit records in ${path} matching the filters.\n`;
  const rows = records.map((r) => [
    r.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
    r.keyId ?? '-',
    r.route,
    r.model ?? '-',
    String(r.status),
    `${r.inputAction}/${r.outputAction}`,
    r.ruleIds.length === 0 ? '-' : r.ruleIds.join(','),
    formatLatency(r.latencyMs),
  ]);
  const cells = [COLUMNS, ...rows].map((row) =>
    row.map((text, i) => cell(text, i === RULES_COLUMN ? MAX_RULES_CELL : MAX_CELL)),
  );
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const lines = cells.map((row) =>
    row
      .map((text, i) => (NUMERIC.has(i) ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const more =
    records.length === limit ? ` (limit ${limit} reached: raise --limit or narrow with --since)` : '';
  return `${lines.join('\n')}\n\n${records.length} record${records.length === 1 ? '' : 's'}, newest first${more}\n`;
}

/**
 * Model names, routes and errors come from clients: control and bidi characters are replaced so a crafted
 * model name cannot move the cursor or recolour the terminal of whoever reads the log; long values are cut.
 */
function cell(text: string, max: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function formatLatency(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
