import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { describeError, ParapetError } from '../../core/errors.ts';
import { WRITERS } from '../../core/writers/index.ts';
import { compareRuns } from '../../redteam/compare.ts';
import type { JudgeOptions } from '../../redteam/judge.ts';
import { renderComparison, renderTable, runToScanResult } from '../../redteam/output.ts';
import { PROBES, selectProbes } from '../../redteam/probes/index.ts';
import { parseRecords, recordLine } from '../../redteam/records.ts';
import { renderHtmlReport } from '../../redteam/report/html.ts';
import { DEFAULTS, type RedteamOptions, runRedteam } from '../../redteam/runner.ts';
import type { AttemptRecord, RunSummary } from '../../redteam/types.ts';
import { listenForInterrupt } from '../interrupt.ts';
import { type CliIO, EXIT } from '../io.ts';
import { VERSION } from '../version.ts';

type Env = Readonly<Record<string, string | undefined>>;

const FORMATS = ['table', 'json', 'html', 'sarif'] as const;
type RedteamFormat = (typeof FORMATS)[number];

interface RedteamFlags {
  target?: string;
  kind: 'auto' | 'openai' | 'ollama';
  model?: string;
  apiKey?: string;
  systemPrompt?: string;
  probes?: string;
  attempts: string;
  concurrency: string;
  seed: string;
  timeout: string;
  maxTokens: string;
  format: RedteamFormat;
  output?: string;
  outputDir?: string;
  records?: string;
  failAbove: string;
  judge?: string;
  judgeModel?: string;
  listProbes: boolean;
}

const HELP_AFTER = `
What it does:
  Sends attacks to a chat model and judges each reply without an LLM: a marker the attack asked for,
  a canary planted in the system prompt or context, a rendered image sending data out, live HTML,
  terminal escapes, unquoted shell/SQL payloads, pip installs of unknown packages. Every attempt ends
  as breached, resisted or errored; errors (HTTP 500, timeouts) are counted apart and never as resisted.
  Success rate = breached / (breached + resisted), with a 95% Wilson interval, per probe and category.

Targets (the API is found by GET /v1/models, then /api/tags):
  http://127.0.0.1:8080          llama.cpp llama-server, vLLM, LM Studio (OpenAI-compatible)
  http://127.0.0.1:11434         Ollama (native /api/chat; --kind openai for its /v1)
  http://127.0.0.1:8787          parapet gateway (needs a key: --api-key or PARAPET_REDTEAM_API_KEY)
  A reply the gateway blocks (parapet_blocked) counts as resisted: the defence worked.

Probes (--list-probes for all; select by id or category):
  prompt-injection  indirect-injection  jailbreak  system-prompt-extraction  exfiltration
  encoding  multilingual  insecure-output  package-hallucination  data-leakage

Output:
  --format table|json|html|sarif   to stdout or --output FILE (sarif: one result per breached probe)
  --records FILE                   every attempt as JSONL, written as attempts finish
  --output-dir DIR                 DIR/attempts.jsonl, DIR/summary.json and DIR/report.html

Exit codes:
  0  overall success rate at or below --fail-above (default 0: no breach at all), nothing errored
  1  success rate above --fail-above
  2  usage error (bad flag, unknown probe, unreadable file)
  3  incomplete: some attempts errored, the target could not be reached, or the run was interrupted
     (Ctrl-C or SIGTERM: no new attempts, the records and a report marked incomplete are still written;
     a second Ctrl-C quits at once) - never "clean"

Examples:
  parapet redteam --target http://127.0.0.1:11434 --model llama3.2:1b
  parapet redteam --target http://127.0.0.1:8080 --probes exfiltration,system-prompt-extraction --attempts 5
  parapet redteam --target http://127.0.0.1:8787 --api-key "$KEY" --system-prompt prompt.txt \\
      --output-dir runs/today --format html --output report.html --fail-above 0.05
  parapet redteam --target http://127.0.0.1:8080 --judge http://127.0.0.1:11434 --judge-model llama3.1:8b
  parapet redteam compare runs/last/attempts.jsonl runs/today/attempts.jsonl
  Only attack models and services you are allowed to test.
  Probe documentation: docs/redteam/probes.md, docs/redteam.md
`;

const COMPARE_HELP = `
A probe regressed when it breaches now and never did before, or when its new 95% interval lies wholly
above the old one; it improved in the mirror cases. Anything else is within chance and "unchanged".

Output:
  --format table|json   a table (default) or the comparison as JSON; --json is the same as --format json

Exit codes:
  0  no regression
  1  at least one probe regressed
  2  usage error (a file missing or holding no records)
  3  some lines of a file were not valid records (listed on stderr) and nothing regressed

Examples:
  parapet redteam compare runs/v1/attempts.jsonl runs/v2/attempts.jsonl
  parapet redteam compare runs/v1/attempts.jsonl runs/v2/attempts.jsonl --format json > diff.json
`;

const COMPARE_FORMATS = ['table', 'json'] as const;
type CompareFormat = (typeof COMPARE_FORMATS)[number];
interface CompareFlags {
  format?: CompareFormat;
  json: boolean;
}

/**
 * compare's format. A root command without positional options hands every option after `redteam` to
 * redteam's own parser first, so `compare A B --format json` usually lands on redteam's --format (which
 * accepts html and sarif too): it is taken from there when the user typed it, and checked here.
 * `--json` is an alias of `--format json`; asking for json and a table at once is refused, not picked.
 */
function compareFormat(flags: CompareFlags, redteam: Command | null): CompareFormat {
  const typed =
    flags.format ?? (redteam?.getOptionValueSource('format') === 'cli' ? redteam.opts().format : undefined);
  if (typed !== undefined && !(COMPARE_FORMATS as readonly string[]).includes(typed))
    throw new ParapetError('USAGE', `compare --format must be table or json, got "${typed}"`);
  if (flags.json && typed !== undefined && typed !== 'json')
    throw new ParapetError('USAGE', `--json contradicts --format ${typed}; pass one of them`);
  return flags.json ? 'json' : ((typed as CompareFormat | undefined) ?? 'table');
}

function intFlag(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ParapetError('USAGE', `${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

/** `0.05`, `5%` → 0.05. */
export function parseRate(text: string): number {
  const trimmed = text.trim();
  const n = trimmed.endsWith('%') ? Number(trimmed.slice(0, -1)) / 100 : Number(trimmed);
  if (trimmed === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new ParapetError('USAGE', `--fail-above must be a rate from 0 to 1 (or 0% to 100%), got "${text}"`);
  return n;
}

function readTextFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ParapetError('USAGE', `cannot read ${flag} ${path}: ${describeError(err)}`);
  }
}

function writeTextFile(path: string, text: string, flag: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new ParapetError('USAGE', `cannot write ${flag} ${path}: ${describeError(err)}`);
  }
}

/** `[#######.............] 35/100 attempts, 3 breached, 1 errored` */
export function attemptProgress(
  done: number,
  total: number,
  breached: number,
  errored: number,
  width = 30,
): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} attempts, ${breached} breached, ${errored} errored`;
}

/** `parapet redteam`: attack a chat endpoint and measure what gets through; `redteam compare` for CI. */
export function redteamCommand(io: CliIO, setExit: (code: number) => void, env: Env = process.env): Command {
  const command = new Command('redteam')
    .description('Attack a chat model endpoint with a probe catalogue and measure what gets through.')
    .option(
      '-t, --target <url>',
      'base URL of the endpoint (OpenAI-compatible, Ollama, llama.cpp, parapet gateway)',
    )
    .addOption(
      new Option('--kind <api>', 'which API to speak').choices(['auto', 'openai', 'ollama']).default('auto'),
    )
    .option('-m, --model <name>', 'model to attack (default: the first the target lists)')
    .option('--api-key <key>', 'Bearer key for the target (default: env PARAPET_REDTEAM_API_KEY)')
    .option('--system-prompt <file>', 'system prompt of the application under test (read from a file)')
    .option('-p, --probes <list>', 'probe ids or categories, comma-separated (default: all)')
    .option('-n, --attempts <n>', 'attempts per probe', String(DEFAULTS.attemptsPerProbe))
    .option('-c, --concurrency <n>', 'attempts in flight at once', String(DEFAULTS.concurrency))
    .option(
      '--seed <n>',
      'seed of the planted canaries and variant order (same seed, same attacks)',
      String(DEFAULTS.seed),
    )
    .option('--timeout <ms>', 'longest wait for one reply, in milliseconds', String(DEFAULTS.timeoutMs))
    .option('--max-tokens <n>', 'reply length limit sent to the model', String(DEFAULTS.maxTokens))
    .addOption(new Option('-f, --format <format>', 'report format').choices([...FORMATS]).default('table'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--output-dir <dir>', 'write attempts.jsonl, summary.json and report.html there')
    .option('--records <file>', 'write every attempt as JSONL to this file')
    .option('--fail-above <rate>', 'exit 1 when the overall success rate is above this (0.05 or 5%)', '0')
    .option(
      '--judge <url>',
      'also ask an LLM judge (at this endpoint) about replies the detectors let through',
    )
    .option('--judge-model <name>', 'model of the LLM judge (default: the first it lists)')
    .option('--list-probes', 'list the probe catalogue and exit', false)
    // options after `compare` are compare's (an unknown one must not be read as the run's)
    .enablePositionalOptions()
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: RedteamFlags) => {
      setExit(await runCommand(flags, io, env));
    });
  command.addCommand(
    new Command('compare')
      .description('Compare two runs (attempts JSONL files) and exit 1 on regressions.')
      .argument('<old>', 'attempts JSONL of the baseline run')
      .argument('<new>', 'attempts JSONL of the run to check')
      .addOption(new Option('-f, --format <format>', 'comparison format').choices([...COMPARE_FORMATS]))
      .option('--json', 'same as --format json (kept for scripts written before --format)', false)
      .addHelpText('after', COMPARE_HELP)
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .action((oldPath: string, newPath: string, flags: CompareFlags, compare: Command) => {
        setExit(runCompare(oldPath, newPath, compareFormat(flags, compare.parent), io));
      }),
  );
  return command;
}

function listProbes(format: RedteamFormat, io: CliIO): number {
  if (format === 'json') {
    io.stdout(
      `${JSON.stringify(
        PROBES.map((p) => p.meta),
        null,
        2,
      )}\n`,
    );
    return EXIT.clean;
  }
  const width = Math.max(...PROBES.map((p) => p.meta.id.length));
  const lines = PROBES.map(
    (p) => `${p.meta.id.padEnd(width)}  ${p.meta.guardCovers ? 'guard ' : '      '}  ${p.meta.title}`,
  );
  io.stdout(
    `${'probe'.padEnd(width)}  covers  title\n${lines.join('\n')}\n\n"guard": parapet gateway's guard (balanced) stops every attempt of it. Pages: docs/redteam/probes.md\n`,
  );
  return EXIT.clean;
}

async function runCommand(flags: RedteamFlags, io: CliIO, env: Env): Promise<number> {
  if (flags.listProbes) return listProbes(flags.format, io);
  if (flags.target === undefined) throw new ParapetError('USAGE', '--target is required (or --list-probes)');
  const probeList = flags.probes
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  selectProbes(PROBES, probeList); // an unknown probe is a usage error before any request
  const failAbove = parseRate(flags.failAbove);
  const apiKey = flags.apiKey ?? env.PARAPET_REDTEAM_API_KEY;
  const options: RedteamOptions = {
    target: flags.target,
    kind: flags.kind,
    attemptsPerProbe: intFlag(flags.attempts, '--attempts', 1, 10_000),
    concurrency: intFlag(flags.concurrency, '--concurrency', 1, 256),
    seed: intFlag(flags.seed, '--seed', 0, 2 ** 32 - 1),
    timeoutMs: intFlag(flags.timeout, '--timeout', 1, 3_600_000),
    maxTokens: intFlag(flags.maxTokens, '--max-tokens', 1, 1_000_000),
  };
  if (flags.model !== undefined) options.model = flags.model;
  if (apiKey !== undefined && apiKey !== '') options.apiKey = apiKey;
  if (probeList !== undefined) options.probes = probeList;
  if (flags.systemPrompt !== undefined)
    options.systemPrompt = readTextFile(resolve(io.cwd, flags.systemPrompt), '--system-prompt');
  if (flags.judge !== undefined) {
    const judge: JudgeOptions = { url: flags.judge };
    if (flags.judgeModel !== undefined) judge.model = flags.judgeModel;
    const judgeKey = env.PARAPET_REDTEAM_JUDGE_API_KEY;
    if (judgeKey !== undefined && judgeKey !== '') judge.apiKey = judgeKey;
    options.judge = judge;
  } else if (flags.judgeModel !== undefined)
    throw new ParapetError('USAGE', '--judge-model needs --judge URL');

  // every output path is checked before the first attack, so a typo does not cost a whole run
  const outputDir = flags.outputDir !== undefined ? resolve(io.cwd, flags.outputDir) : undefined;
  if (outputDir !== undefined) {
    try {
      mkdirSync(outputDir, { recursive: true });
    } catch (err) {
      throw new ParapetError('USAGE', `cannot create --output-dir ${outputDir}: ${describeError(err)}`);
    }
  }
  const recordFiles = [
    ...(flags.records !== undefined ? [resolve(io.cwd, flags.records)] : []),
    ...(outputDir !== undefined ? [join(outputDir, 'attempts.jsonl')] : []),
  ];
  for (const file of recordFiles) writeTextFile(file, '', '--records');
  const output = flags.output !== undefined ? resolve(io.cwd, flags.output) : undefined;
  if (output !== undefined) writeTextFile(output, '', '--output');

  let breached = 0;
  let errored = 0;
  options.onAttempt = (record, done, total) => {
    if (record.outcome === 'breached') breached++;
    if (record.outcome === 'errored') errored++;
    for (const file of recordFiles) appendFileSync(file, recordLine(record));
    if (io.stderrIsTTY) io.stderr(`\r\x1b[K${attemptProgress(done, total, breached, errored)}`);
  };
  // Ctrl-C or SIGTERM: no new attempts, in-flight ones aborted, and what finished is still written
  const interrupt = listenForInterrupt();
  options.signal = interrupt.signal;
  try {
    let run: Awaited<ReturnType<typeof runRedteam>>;
    try {
      run = await runRedteam(options);
    } catch (err) {
      const received = interrupt.received();
      if (received === undefined) throw err;
      io.stderr(`parapet: interrupted (${received}) before the target answered: nothing was attempted\n`);
      return EXIT.incomplete;
    } finally {
      if (io.stderrIsTTY) io.stderr('\r\x1b[K');
    }
    const code = report(run.summary, run.records, flags, { io, outputDir, output, failAbove });
    const cut = run.summary.incomplete;
    if (cut === undefined) return code;
    io.stderr(
      `parapet: interrupted (${interrupt.received() ?? 'aborted'}): ${cut.finished} of ${cut.planned} attempts finished; the records and the report (marked incomplete) hold them\n`,
    );
    return EXIT.incomplete;
  } finally {
    interrupt.dispose();
  }
}

interface ReportTargets {
  io: CliIO;
  outputDir: string | undefined;
  output: string | undefined;
  failAbove: number;
}

/** Writes the summary, the HTML report and the chosen format; returns the exit code the rates call for. */
function report(
  summary: RunSummary,
  records: AttemptRecord[],
  flags: RedteamFlags,
  { io, outputDir, output, failAbove }: ReportTargets,
): number {
  if (outputDir !== undefined) {
    writeTextFile(join(outputDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`, '--output-dir');
    writeTextFile(join(outputDir, 'report.html'), renderHtmlReport(summary, records), '--output-dir');
  }
  const text = render(flags.format, summary, records, io);
  if (output !== undefined) {
    writeTextFile(output, text, '--output');
    io.stderr(`report written to ${output} (${records.length} attempts)\n`);
  } else io.stdout(text);

  const o = summary.overall;
  if (o.breached > 0 && o.successRate > failAbove) return EXIT.findings;
  return o.errored > 0 ? EXIT.incomplete : EXIT.clean;
}

function render(format: RedteamFormat, summary: RunSummary, records: AttemptRecord[], io: CliIO): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ summary, records }, null, 2)}\n`;
    case 'html':
      return renderHtmlReport(summary, records);
    case 'sarif': {
      const { result, rules } = runToScanResult(summary, records, PROBES);
      return WRITERS.sarif(result, rules, { toolVersion: VERSION, cwd: io.cwd });
    }
    default:
      return renderTable(summary, records);
  }
}

function readRecords(path: string, io: CliIO): { records: AttemptRecord[]; problems: string[] } {
  const parsed = parseRecords(readTextFile(resolve(io.cwd, path), 'records file'));
  if (parsed.records.length === 0)
    throw new ParapetError(
      'USAGE',
      `${path} holds no attempt records${parsed.problems.length ? ` (${parsed.problems[0]})` : ''}`,
    );
  return parsed;
}

function runCompare(oldPath: string, newPath: string, format: CompareFormat, io: CliIO): number {
  const before = readRecords(oldPath, io);
  const after = readRecords(newPath, io);
  const problems = [
    ...before.problems.map((p) => `${oldPath} ${p}`),
    ...after.problems.map((p) => `${newPath} ${p}`),
  ];
  for (const p of problems.slice(0, 20)) io.stderr(`parapet: ${p}\n`);
  if (problems.length > 20) io.stderr(`parapet: … and ${problems.length - 20} more bad lines\n`);
  const comparison = compareRuns(before.records, after.records);
  io.stdout(format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : renderComparison(comparison));
  if (comparison.regressions > 0) return EXIT.findings;
  return problems.length > 0 ? EXIT.incomplete : EXIT.clean;
}
