import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { describeError, ParapetError } from '../../core/errors.ts';
import { verdictOf } from '../../core/result.ts';
import { isSeverity, SEVERITIES, type Severity } from '../../core/severity.ts';
import { isOutputFormat, WRITERS } from '../../core/writers/index.ts';
import type { ScanOptions } from '../../scan/context.ts';
import { scanPaths } from '../../scan/engine.ts';
import { SCAN_RULE_METAS } from '../../scan/rules/index.ts';
import { byteProgress } from '../byte-progress.ts';
import { type CliIO, EXIT } from '../io.ts';
import { VERSION } from '../version.ts';

interface ScanFlags {
  format: string;
  output?: string;
  failOn: string;
  strict: boolean;
  advisoryDb?: string;
  online: boolean;
  osvEndpoint?: string;
}

const HELP_AFTER = `
What it checks:
  Models:
  Pickle-family model files (PyTorch .pt/.pth/.bin/.ckpt, joblib, pickle, NumPy .npy/.npz), safetensors
  headers, GGUF metadata and chat templates, Keras .keras/.h5 configs, TensorFlow and ONNX graphs,
  trust_remote_code Python and configs, and the containers they travel in (zip, tar, 7z, gzip/bzip2/xz,
  nested). Binary formats are found by their bytes, never by file name. Every callable a pickle would
  import or call is resolved statically and judged against an allow list of what real checkpoints use
  and the deny lists of picklescan, modelscan, fickling and ModelAudit.
  Nothing is ever loaded, unpickled, rendered or executed.
  Dependencies (requirements*.txt with -r/-c includes, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock,
  pdm.lock, environment.yml, package-lock.json): known vulnerabilities and malicious releases from an OSV
  advisory index (offline: the shipped snapshot, or yours from \`parapet db update\`), typosquats, extra
  indexes open to dependency confusion, unpinned, unhashed, URL and VCS dependencies.
  Project Python: torch.load without weights_only, pickle/joblib loads, trust_remote_code=True, yaml.load
  without a safe loader, eval/exec or a shell fed with model output.

Severities:
  critical  a dangerous callable is called on load         (model/pickle-dangerous-call)
  high      a dangerous callable is imported, or the file is built to fool scanners
  medium    an import on no allow list (high with --strict), malformed or suspicious data
  low/info  worth knowing, not a threat by itself

Exit codes:
  0  analysed completely, nothing at or above --fail-on
  1  findings at or above --fail-on (default: high)
  2  usage error (bad flag, path does not exist)
  3  incomplete: something could not be analysed (unreadable, encrypted, over a limit) - never "clean"

Examples:
  parapet scan model.pt
  parapet scan ./checkpoints --format sarif --output parapet.sarif
  parapet scan pytorch_model.bin --strict --fail-on medium
  parapet scan hf://OWNER/NAME@REVISION     (a Hugging Face repo: only headers, configs, code and pickles fetched)
  parapet scan . --fail-on medium           (a project: its lock files, requirements and Python together)
  parapet scan uv.lock --online             (also ask the OSV API; the only scan that leaves the machine)

Environment (hf:// only):
  HF_TOKEN           token for gated or private repositories (a refused or missing one exits 3)
  HF_ENDPOINT        Hub URL (default https://huggingface.co)
  PARAPET_CACHE_DIR  download cache (default <tmp>/parapet-hf-cache)
  Rule documentation: docs/rules/<rule-id>.md
`;

/** `parapet scan`: static analysis of model files. */
export function scanCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('scan')
    .description('Scan model files and directories for code that runs when they are loaded.')
    .argument(
      '<paths...>',
      'files or directories to scan (directories are walked recursively), or hf://OWNER/NAME[@REVISION]',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(Object.keys(WRITERS)).default('table'),
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1')
        .choices([...SEVERITIES])
        .default('high'),
    )
    .option('--strict', 'default-deny: imports on no allow list count as high instead of medium', false)
    .option(
      '--advisory-db <file>',
      'advisory index for dependencies (default: yours from `parapet db update`, else the shipped snapshot)',
    )
    .option(
      '--online',
      'also query the OSV API for every pinned dependency (sends names and versions)',
      false,
    )
    .option('--osv-endpoint <url>', 'OSV API base URL for --online', 'https://api.osv.dev')
    .addHelpText('after', HELP_AFTER)
    .action(async (paths: string[], flags: ScanFlags) => {
      setExit(await runScan(paths, flags, io));
    });
}

async function runScan(paths: string[], flags: ScanFlags, io: CliIO): Promise<number> {
  if (!isOutputFormat(flags.format) || !isSeverity(flags.failOn))
    throw new ParapetError('USAGE', 'bad --format or --fail-on');
  const failOn: Severity = flags.failOn;
  if (flags.output !== undefined) {
    // Fail before scanning, not after: a report that cannot be written must not cost the findings.
    try {
      writeFileSync(flags.output, '');
    } catch (err) {
      throw new ParapetError('USAGE', `cannot write --output ${flags.output}: ${describeError(err)}`);
    }
  }
  // Progress goes to stderr and only to a terminal, so it never mixes into piped or machine output.
  const options: ScanOptions = { strict: flags.strict };
  if (flags.advisoryDb !== undefined) options.advisoryDb = flags.advisoryDb;
  if (flags.online) options.online = flags.osvEndpoint === undefined ? {} : { endpoint: flags.osvEndpoint };
  if (io.stderrIsTTY) {
    // One line per file; a file read for long (a data set) grows a bar with its share read.
    let label = '';
    let bar: ReturnType<typeof byteProgress>;
    options.onFile = (path, i) => {
      label = `scanning ${i + 1}: ${path.slice(-60)}`;
      bar = undefined;
      io.stderr(`\r\x1b[K${label}`);
    };
    options.onProgress = (_location, done, total) => {
      bar ??= byteProgress(io, label);
      bar?.update(done, total);
    };
  }
  const result = await scanPaths(paths, options);
  if (io.stderrIsTTY) io.stderr('\r\x1b[K');
  const text = WRITERS[flags.format](result, SCAN_RULE_METAS, {
    toolVersion: VERSION,
    color: io.color && flags.output === undefined && flags.format === 'table',
    failOn,
    cwd: io.cwd,
    columns: io.columns,
  });
  if (flags.output !== undefined) {
    writeFileSync(flags.output, text);
    io.stderr(`report written to ${flags.output}\n`);
  } else io.stdout(text);
  const verdict = verdictOf(result, failOn);
  return verdict === 'findings' ? EXIT.findings : verdict === 'incomplete' ? EXIT.incomplete : EXIT.clean;
}
