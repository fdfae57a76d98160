import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ParapetError } from '../../core/errors.ts';
import { type BuildProgress, buildAdvisoryIndex } from '../../deps/advisories/build.ts';
import { chooseIndex, userIndexPath } from '../../deps/advisories/bundled.ts';
import { loadAdvisoryIndex } from '../../deps/advisories/index-file.ts';
import { type CliIO, EXIT } from '../io.ts';

interface UpdateFlags {
  from: string[];
  output?: string;
  format: 'text' | 'json';
}

interface InfoFlags {
  db?: string;
  format: 'text' | 'json';
}

/** Environment the command reads: PARAPET_DATA_DIR, XDG_CACHE_HOME. */
type Env = Readonly<Record<string, string | undefined>>;

const HELP_AFTER = `
The advisory database is what deps/known-vulnerability and deps/malicious-package match dependencies
against. Parapet ships a snapshot (the pypa advisory database plus Parapet's curated ML-stack and
compromised-release records), so scans work offline. \`db update\` builds a fresher index from OSV data you
have downloaded; scans then use it instead of the snapshot.

Inputs (--from, repeatable):
  an OSV export zip            e.g. PyPI/all.zip from the OSV bucket (PYSEC + GHSA + MAL records)
  a tarball of a repository    e.g. a .tar.gz of github.com/pypa/advisory-database
  a directory of OSV JSON/YAML e.g. advisory-database/vulns, malicious-packages/osv/malicious/pypi

Where the index goes (--output, default): $PARAPET_DATA_DIR/advisories.ndjson when set, else
$XDG_CACHE_HOME/parapet/advisories.ndjson, else ~/.cache/parapet/advisories.ndjson.

Examples:
  parapet db update --from ~/Downloads/PyPI-all.zip
  parapet db update --from advisory-database/vulns --from malicious-packages/osv/malicious/pypi
  parapet db info
  parapet db info --db ./advisories.ndjson --format json

Exit codes: 0 done, 2 usage error (bad flags, missing input, no usable records), 3 the build failed.
`;

/** `parapet db`: build and inspect the local advisory index. */
export function dbCommand(io: CliIO, setExit: (code: number) => void, env: Env = process.env): Command {
  const db = new Command('db')
    .description('Build and inspect the advisory database used by the dependency checks.')
    .addHelpText('after', HELP_AFTER);

  const update = new Command('update')
    .description('build an advisory index from OSV records (zip export, tarball or directory)')
    .option('--from <path>', 'OSV export zip, tarball or directory; repeatable (required)', collect, [])
    .option('-o, --output <file>', `index file to write (default: ${userIndexPath(env)})`)
    .addOption(
      new Option('-f, --format <format>', 'summary format').choices(['text', 'json']).default('text'),
    )
    .action((flags: UpdateFlags) => {
      setExit(runUpdate(flags, io, env));
    });

  const info = new Command('info')
    .description('show which advisory index a scan uses, its source, size and age')
    .option('--db <file>', 'an index file to describe instead of the one a scan would use')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((flags: InfoFlags) => {
      setExit(runInfo(flags, io, env));
    });

  for (const sub of [update, info]) {
    sub
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError('(run with --help for usage)');
    db.addCommand(sub);
  }
  return db;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function runUpdate(flags: UpdateFlags, io: CliIO, env: Env): number {
  if (flags.from.length === 0)
    throw new ParapetError(
      'USAGE',
      'give at least one --from PATH (an OSV export zip, a tarball or a directory)',
    );
  const inputs = flags.from.map((p) => resolve(io.cwd, p));
  const out = flags.output !== undefined ? resolve(io.cwd, flags.output) : userIndexPath(env);
  const progress = io.stderrIsTTY
    ? (p: BuildProgress) => io.stderr(`\r\x1b[Kreading ${p.source}: ${p.files} files, ${p.records} records`)
    : undefined;
  const report = buildAdvisoryIndex(inputs, out, progress);
  if (io.stderrIsTTY) io.stderr('\r\x1b[K');
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify({ ...report, header: undefined, source: report.header.source }, null, 2)}\n`);
    return EXIT.clean;
  }
  const lines = [
    `Wrote ${report.out}: ${report.records} records, ${report.packages} packages, ${report.rejected} rejected, ` +
      `${report.withdrawn} withdrawn, in ${report.ms} ms`,
  ];
  const notes: string[] = [];
  if (report.unusable > 0) notes.push(`${report.unusable} without PyPI/npm ranges`);
  if (report.duplicates > 0) notes.push(`${report.duplicates} duplicate ids (newest kept)`);
  if (report.skipped > 0) notes.push(`${report.skipped} files skipped by name`);
  if (report.rangesDropped > 0)
    notes.push(`${report.rangesDropped} ranges with unorderable versions dropped`);
  if (notes.length > 0) lines.push(`  also: ${notes.join(', ')}`);
  for (const p of report.problems.slice(0, 20))
    lines.push(`  rejected ${printable(p.path)}: ${printable(p.reason)}`);
  if (report.rejected > 20)
    lines.push(`  ... and ${report.rejected - 20} more rejected (--format json lists 100)`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.clean;
}

function runInfo(flags: InfoFlags, io: CliIO, env: Env): number {
  const choice = chooseIndex(flags.db === undefined ? undefined : resolve(io.cwd, flags.db), env);
  let index: ReturnType<typeof loadAdvisoryIndex>;
  try {
    index = loadAdvisoryIndex(choice.path);
  } catch (err) {
    // A damaged or foreign file given by the user is a usage problem (exit 2); a broken bundled one is not.
    if (err instanceof ParapetError && choice.origin !== 'bundled' && err.code !== 'UNREADABLE')
      throw new ParapetError('USAGE', err.message, { cause: err });
    throw err;
  }
  const { header } = index;
  const why = {
    option: 'given with --db',
    user: 'built by parapet db update',
    bundled: 'the snapshot shipped with Parapet; parapet db update builds a fresher one',
  }[choice.origin];
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify({ path: choice.path, origin: choice.origin, ...header }, null, 2)}\n`);
    return EXIT.clean;
  }
  io.stdout(
    [
      `index     ${choice.path}`,
      `          (${why})`,
      `source    ${printable(header.source)}`,
      `records   ${header.records} (${header.withdrawn} withdrawn and ${header.rejected} rejected at build time)`,
      `packages  ${header.packages}`,
      `built at  ${header.builtAt}`,
      `newest    ${header.newestModified || 'unknown'} (latest "modified" of any record)`,
      '',
    ].join('\n'),
  );
  return EXIT.clean;
}

/** Paths and reasons come from the input files: control characters are shown escaped. */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
