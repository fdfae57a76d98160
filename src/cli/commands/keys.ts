import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ParapetError } from '../../core/errors.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import type { ApiKeyRecord, KeyLimits, KeyScope, KeyStore } from '../../gateway/contracts.ts';
import { KEY_SCOPES, openKeyStore } from '../../gateway/keys.ts';
import { type CliIO, EXIT } from '../io.ts';

/** Where the keys live when neither --config nor --store says. */
export const DEFAULT_KEY_STORE = 'parapet-keys.db';
const FORMATS = ['table', 'json'] as const;
const KEY_ID = /^k_[0-9a-f]{8}$/;

interface StoreFlags {
  config?: string;
  store?: string;
  format: (typeof FORMATS)[number];
}

interface CreateFlags extends StoreFlags {
  name: string;
  scope: KeyScope[];
  model: string[];
  rpm?: number;
  tpm?: number;
}

interface ListFlags extends StoreFlags {
  all: boolean;
}

const HELP_AFTER = `
API keys let clients call parapet gateway: each request sends one as "Authorization: Bearer ppk_...".
Only a SHA-256 of each secret is stored, so a secret is shown once, when it is created, and never again;
a lost secret is revoked and replaced, not recovered.

Where the keys live: --config parapet.yaml uses its keys.store (the gateway's own store); --store FILE
names a store directly; with neither, ./${DEFAULT_KEY_STORE}.

Examples:
  parapet keys create --config parapet.yaml --name ci-bot
  parapet keys create --name alice --model "llama3*" --model qwen2.5:7b --rpm 30 --tpm 20000
  parapet keys create --name ops --scope inference --scope admin     # admin: Ollama pull/push/create/delete
  parapet keys list --config parapet.yaml
  parapet keys list --all --format json                               # revoked keys too
  parapet keys revoke k_3f9a1c2b

Exit codes: 0 done, 2 usage error (bad flags, unknown key id, config problem).
Docs: docs/gateway-config.md
`;

/** `parapet keys`: create, list and revoke the gateway's API keys. */
export function keysCommand(io: CliIO, setExit: (code: number) => void): Command {
  const keys = new Command('keys')
    .description('Create, list and revoke API keys for parapet gateway (stored hashed).')
    .addHelpText('after', HELP_AFTER);

  const create = withStoreOptions(new Command('create'))
    .description('create a key and print its secret (shown this once only)')
    .requiredOption('--name <name>', 'who or what the key is for (up to 100 characters)')
    .option(
      '--scope <scope>',
      `what the key may do: ${KEY_SCOPES.join(' or ')}; repeatable (default: inference)`,
      collectScope,
      [],
    )
    .option(
      '--model <glob>',
      'model the key may use, * matches any run of characters; repeatable (default: all)',
      collect,
      [],
    )
    .option(
      '--rpm <n>',
      'requests per minute for this key (0 = unlimited; default: the config limits)',
      count,
    )
    .option('--tpm <n>', 'tokens per minute for this key (0 = unlimited; default: the config limits)', count)
    .addHelpText(
      'after',
      `
Examples:
  parapet keys create --config parapet.yaml --name ci-bot
  parapet keys create --name alice --model "llama3*" --rpm 30
`,
    )
    .action((flags: CreateFlags) => {
      setExit(runCreate(flags, io));
    });

  const list = withStoreOptions(new Command('list'))
    .description('list keys (id, name, secret prefix, scopes, models, limits); never the secrets')
    .option('--all', 'include revoked keys', false)
    .addHelpText(
      'after',
      '\nExamples:\n  parapet keys list --config parapet.yaml\n  parapet keys list --all --format json\n',
    )
    .action((flags: ListFlags) => {
      setExit(runList(flags, io));
    });

  const revoke = withStoreOptions(new Command('revoke'))
    .description('revoke a key by id: requests with it are refused from then on')
    .argument('<id>', 'the key id, as `parapet keys list` shows it (k_ and 8 hex digits)')
    .addHelpText('after', '\nExample:\n  parapet keys revoke --config parapet.yaml k_3f9a1c2b\n')
    .action((id: string, flags: StoreFlags) => {
      setExit(runRevoke(id, flags, io));
    });

  for (const sub of [create, list, revoke]) {
    sub
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError('(run with --help for usage)');
    keys.addCommand(sub);
  }
  return keys;
}

function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'gateway config whose keys.store to use (parapet.yaml)')
    .option('--store <file>', `key store file (default: ./${DEFAULT_KEY_STORE})`)
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMATS]).default('table'));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectScope(value: string, previous: KeyScope[]): KeyScope[] {
  if (!(KEY_SCOPES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected ${KEY_SCOPES.join(' or ')}`);
  return [...previous, value as KeyScope];
}

function count(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidArgumentError('expected a whole number, 0 or more');
  return Number(value);
}

// ---------------------------------------------------------------------------------------------------------
// Subcommands

function runCreate(flags: CreateFlags, io: CliIO): number {
  const path = storePath(flags, io);
  const limits: KeyLimits = {};
  if (flags.rpm !== undefined) limits.requestsPerMinute = flags.rpm;
  if (flags.tpm !== undefined) limits.tokensPerMinute = flags.tpm;
  const { record, secret } = withStore(path, (store) =>
    store.create({
      name: flags.name,
      ...(flags.scope.length > 0 ? { scopes: flags.scope } : {}),
      models: flags.model,
      limits,
    }),
  );
  if (flags.format === 'json') {
    io.stdout(
      `${JSON.stringify({ key: record, secret, store: path, note: 'the secret cannot be shown again' }, null, 2)}\n`,
    );
    return EXIT.clean;
  }
  io.stdout(
    [
      `Created key ${record.id} (${printable(record.name)}) in ${path}`,
      `  scopes  ${record.scopes.join(', ')}`,
      `  models  ${describeModels(record)}`,
      `  limits  ${describeLimits(record.limits)}`,
      '',
      `  secret  ${secret}`,
      '',
      'This secret cannot be shown again: store it now. Only its SHA-256 is kept; a lost secret is revoked',
      'and replaced. Clients send it as the header "Authorization: Bearer <secret>".',
      '',
    ].join('\n'),
  );
  return EXIT.clean;
}

function runList(flags: ListFlags, io: CliIO): number {
  const path = storePath(flags, io);
  // Listing must not create a store as a side effect: a missing file simply holds no keys.
  const records = existsSync(path) ? withStore(path, (store) => store.list({ includeRevoked: true })) : [];
  const shown = flags.all ? records : records.filter((r) => r.revokedAt === undefined);
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
    return EXIT.clean;
  }
  if (shown.length === 0) {
    const hidden = records.length - shown.length;
    io.stdout(
      hidden > 0
        ? `No live keys in ${path} (${hidden} revoked; --all shows them).\n`
        : `No keys in ${path}. Create one with: parapet keys create --name NAME\n`,
    );
    return EXIT.clean;
  }
  const header = ['ID', 'NAME', 'PREFIX', 'SCOPES', 'MODELS', 'RPM', 'TPM', 'CREATED'];
  if (flags.all) header.push('REVOKED');
  const rows = shown.map((r) => {
    const row = [
      r.id,
      printable(r.name),
      `${r.prefix}…`,
      r.scopes.join(','),
      describeModels(r),
      limitText(r.limits.requestsPerMinute),
      limitText(r.limits.tokensPerMinute),
      shortTime(r.createdAt),
    ];
    if (flags.all) row.push(r.revokedAt === undefined ? '-' : shortTime(r.revokedAt));
    return row;
  });
  io.stdout(`${table([header, ...rows])}\n${shown.length} key${shown.length === 1 ? '' : 's'} in ${path}\n`);
  return EXIT.clean;
}

function runRevoke(id: string, flags: StoreFlags, io: CliIO): number {
  if (!KEY_ID.test(id))
    throw new ParapetError(
      'USAGE',
      `not a key id: ${JSON.stringify(id)} (ids look like k_3f9a1c2b; see parapet keys list)`,
    );
  const path = storePath(flags, io);
  if (!existsSync(path)) throw new ParapetError('NOT_FOUND', `no key store at ${path}`);
  const { before, after } = withStore(path, (store) => {
    const found = store.list({ includeRevoked: true }).find((r) => r.id === id);
    return { before: found, after: found ? store.revoke(id) : undefined };
  });
  if (!before || !after)
    throw new ParapetError('NOT_FOUND', `no key ${id} in ${path} (see parapet keys list --all)`);
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(after, null, 2)}\n`);
    return EXIT.clean;
  }
  io.stdout(
    before.revokedAt !== undefined
      ? `Key ${id} (${printable(after.name)}) was already revoked at ${before.revokedAt}.\n`
      : `Revoked key ${id} (${printable(after.name)}): requests with it are refused from now on (a running gateway included).\n`,
  );
  return EXIT.clean;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** The store file: --store, or the config's keys.store, or ./parapet-keys.db; relative to the CLI's cwd. */
function storePath(flags: StoreFlags, io: CliIO): string {
  if (flags.config !== undefined && flags.store !== undefined)
    throw new ParapetError('USAGE', 'give --config or --store, not both');
  if (flags.store !== undefined) return resolve(io.cwd, flags.store);
  if (flags.config !== undefined) {
    const store = loadGatewayConfig(resolve(io.cwd, flags.config), { env: placeholderEnv() }).keys.store;
    if (store.includes(UNSET_MARK))
      throw new ParapetError('USAGE', `keys.store names an environment variable that is not set: ${store}`);
    return store;
  }
  return resolve(io.cwd, DEFAULT_KEY_STORE);
}

const UNSET_MARK = ' unset}';

/**
 * The process environment, with an unset variable read as a visible placeholder: only keys.store is used
 * here, and an upstream's `${env:API_KEY}` that is set only in the gateway's own environment must not stop
 * an operator from managing keys. A placeholder that lands in keys.store itself is refused above.
 */
function placeholderEnv(): Readonly<Record<string, string | undefined>> {
  return new Proxy(
    {},
    {
      get: (_target, name) =>
        typeof name === 'string' ? (process.env[name] ?? `\${env:${name}${UNSET_MARK}`) : undefined,
    },
  );
}

function withStore<T>(path: string, use: (store: KeyStore) => T): T {
  const store = openKeyStore(path);
  try {
    return use(store);
  } finally {
    store.close();
  }
}

function describeModels(record: ApiKeyRecord): string {
  return record.models.length === 0 ? 'all' : record.models.join(', ');
}

function describeLimits(limits: KeyLimits): string {
  return `${limitText(limits.requestsPerMinute)} requests/min, ${limitText(limits.tokensPerMinute)} tokens/min`;
}

function limitText(value: number | undefined): string {
  if (value === undefined) return 'default';
  return value === 0 ? 'unlimited' : String(value);
}

/** `2026-11-28T01:20:45Z`: the ISO time without milliseconds. */
function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** Key names come from whoever created them: control characters are shown escaped, never sent to the terminal. */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
