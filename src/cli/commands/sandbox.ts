import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { describeError, ParapetError } from '../../core/errors.ts';
import { verdictOf } from '../../core/result.ts';
import { isSeverity, SEVERITIES, type Severity } from '../../core/severity.ts';
import { isOutputFormat, WRITERS } from '../../core/writers/index.ts';
import { SANDBOX_RULE_METAS } from '../../sandbox/findings.ts';
import { LOADERS, type LoaderName } from '../../sandbox/loaders.ts';
import { SandboxUnavailableError } from '../../sandbox/preflight.ts';
import { runSandboxed, type SandboxOptions, sandboxScanResult } from '../../sandbox/run.ts';
import { listenForInterrupt } from '../interrupt.ts';
import { type CliIO, EXIT } from '../io.ts';
import { VERSION } from '../version.ts';

interface SandboxFlags {
  profile: 'load' | 'serve';
  model: string[];
  read: string[];
  write: string[];
  allowNet?: 'none' | 'loopback';
  timeout?: string;
  memory?: string;
  keepEnv: string[];
  loader?: LoaderName;
  python?: string;
  format: string;
  output?: string;
  failOn: string;
  quiet: boolean;
}

const HELP_AFTER = `
The one Parapet command that executes untrusted code - only inside the sandbox, only when asked.

What the sandbox is (bubblewrap):
  a read-only view of the system; /home, /root, $HOME, /tmp, /var/tmp, /run, /mnt, /media replaced by
  empty private directories; /etc/shadow and /etc/sudoers read as empty; --model and --read paths
  bound read-only, --write directories read-write (the only changes that reach the host); its own
  network namespace with only loopback (nothing leaves the machine, whatever the profile); new PID, IPC,
  UTS and user namespaces; no capabilities and no new privileges; an environment scrubbed to PATH, HOME,
  USER, LANG, LC_*, TERM, TZ (plus each --keep-env); --memory as an address-space limit; --timeout kills
  the whole process tree. If the kernel or container refuses namespaces or ptrace, nothing runs (exit 3)
  and the message says what to enable.

What it observes (strace, outside the sandbox, out of the command's reach):
  sandbox/exec             a program started                                  critical (load) / high
  sandbox/network          connect, send or listen; loopback is allowed with --allow-net loopback
  sandbox/secret-read      ~/.ssh, cloud and registry credentials, /etc/shadow, browser profiles, .env
  sandbox/write            a file written or created (low in the private /tmp, info in --write dirs)
  sandbox/delete           a file deleted or moved
  sandbox/privileged-call  mount, ptrace, setns, unshare, module loading
  sandbox/timeout          killed at --timeout
  sandbox/resource-limit   killed by a limit, or a crash (SIGSEGV, SIGBUS, SIGABRT)
  Failed attempts are reported too; each finding's evidence says whether it was blocked.

Profiles:
  load   (default) --allow-net none, --timeout 60, --memory 8192
  serve  --allow-net loopback, no timeout, no memory limit. The server is reachable only from inside the
         sandbox (its own loopback): run the client in the same command. See docs/sandbox.md.

Exit codes:
  0  the command ran and nothing at or above --fail-on was observed
  1  findings at or above --fail-on (default: high)
  2  usage error
  3  incomplete: the sandbox could not be built, a load timed out, a loader's library is missing, or the
     loader failed on the file (the rest of it was never loaded, so never observed), or the run was
     interrupted (Ctrl-C or SIGTERM kill the whole sandboxed tree; the report covers what ran until then)

Examples:
  parapet sandbox --model suspicious.pkl --loader pickle
  parapet sandbox --model pytorch_model.bin --loader torch --format json
  parapet sandbox --model ./model --read ./venv -- ./venv/bin/python load.py ./model
  parapet sandbox --profile serve --model ./model --timeout 120 -- sh -c 'server --port 8000 & sleep 20; curl -s localhost:8000/health'
  parapet sandbox --write ./out --keep-env HF_HUB_OFFLINE -- python3 convert.py
  The command's own output goes to stderr; the report goes to stdout (or --output).
  Finding documentation: docs/rules/sandbox/<name>.md, docs/sandbox.md
`;

function wholeNumber(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new ParapetError('USAGE', `${flag} must be a whole number from 0 to ${max}, got "${text}"`);
  return n;
}

const collect = (v: string, acc: string[]) => [...acc, v];

/** `parapet sandbox`: run a command or a ready-made model loader in an observed sandbox. */
export function sandboxCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('sandbox')
    .description('Run a command or load a model inside a Linux sandbox and report what it tried to do.')
    .argument('[command...]', 'the command to run, after --')
    .addOption(
      new Option('--profile <profile>', 'defaults for a load or a server')
        .choices(['load', 'serve'])
        .default('load'),
    )
    .option('-m, --model <path>', 'model file or directory, bound read-only (repeatable)', collect, [])
    .option(
      '--read <path>',
      'another path bound read-only, e.g. a virtualenv or project under $HOME (repeatable)',
      collect,
      [],
    )
    .option(
      '-w, --write <dir>',
      'directory bound read-write: changes there are real (repeatable)',
      collect,
      [],
    )
    .addOption(
      new Option('--allow-net <mode>', 'network inside the sandbox (default: by profile)').choices([
        'none',
        'loopback',
      ]),
    )
    .option(
      '--timeout <seconds>',
      'kill the whole tree after this long, 0 = never (default: 60 for load, 0 for serve)',
    )
    .option('--memory <mb>', 'address-space limit in MiB, 0 = none (default: 8192 for load, 0 for serve)')
    .option('--keep-env <name>', 'pass this environment variable through (repeatable)', collect, [])
    .addOption(
      new Option('--loader <name>', 'load the one --model with Python instead of a command').choices([
        ...LOADERS,
      ]),
    )
    .option('--python <path>', 'Python for --loader and python commands (default: python3 on PATH)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(Object.keys(WRITERS)).default('table'),
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1')
        .choices([...SEVERITIES])
        .default('high'),
    )
    .option('-q, --quiet', "do not copy the command's output to stderr", false)
    .addHelpText('after', HELP_AFTER)
    .action(async (command: string[], flags: SandboxFlags) => {
      setExit(await runSandbox(command, flags, io));
    });
}

async function runSandbox(command: string[], flags: SandboxFlags, io: CliIO): Promise<number> {
  if (!isOutputFormat(flags.format) || !isSeverity(flags.failOn))
    throw new ParapetError('USAGE', 'bad --format or --fail-on');
  const failOn: Severity = flags.failOn;
  const options: SandboxOptions = {
    profile: flags.profile,
    models: flags.model,
    read: flags.read,
    write: flags.write,
    keepEnv: flags.keepEnv,
    cwd: io.cwd,
  };
  if (command.length > 0) options.command = command;
  if (flags.loader !== undefined) options.loader = flags.loader;
  if (flags.allowNet !== undefined) options.allowNet = flags.allowNet;
  if (flags.python !== undefined) options.python = flags.python;
  if (flags.timeout !== undefined)
    options.timeoutSeconds = wholeNumber(flags.timeout, '--timeout', 86_400 * 7);
  if (flags.memory !== undefined) options.memoryMb = wholeNumber(flags.memory, '--memory', 1 << 24);
  if (!flags.quiet) options.onOutput = (_stream, text) => io.stderr(text);
  if (flags.output !== undefined) {
    try {
      writeFileSync(flags.output, '');
    } catch (err) {
      throw new ParapetError('USAGE', `cannot write --output ${flags.output}: ${describeError(err)}`);
    }
  }
  let result: Awaited<ReturnType<typeof runSandboxed>>;
  // Ctrl-C or SIGTERM kill the whole sandboxed tree; what was observed until then is still reported
  const interrupt = listenForInterrupt();
  options.signal = interrupt.signal;
  try {
    result = await runSandboxed(options);
  } catch (err) {
    if (err instanceof SandboxUnavailableError) {
      io.stderr(`parapet: sandbox unavailable: ${err.message}\n`);
      return EXIT.incomplete;
    }
    throw err;
  } finally {
    interrupt.dispose();
  }
  const status = result.timedOut
    ? `killed after --timeout`
    : result.interrupted
      ? `interrupted (${interrupt.received() ?? 'aborted'}): the whole sandboxed tree was killed`
      : result.signal !== null
        ? `killed by ${result.signal}`
        : `exit ${result.exitCode}`;
  io.stderr(
    `sandbox: ${status}; ${result.observed} observed call(s); ${result.envRemoved.length} environment variable(s) withheld\n`,
  );
  for (const e of result.errors) io.stderr(`sandbox: incomplete: ${e}\n`);
  const scan = sandboxScanResult(result);
  const text = WRITERS[flags.format](scan, SANDBOX_RULE_METAS, {
    toolVersion: VERSION,
    color: io.color && flags.output === undefined && flags.format === 'table',
    failOn,
    cwd: io.cwd,
    columns: io.columns,
    noun: 'sandboxed run',
  });
  if (flags.output !== undefined) {
    writeFileSync(flags.output, text);
    io.stderr(`report written to ${flags.output}\n`);
  } else io.stdout(text);
  if (result.interrupted) return EXIT.incomplete;
  const verdict = verdictOf(scan, failOn);
  return verdict === 'findings' ? EXIT.findings : verdict === 'incomplete' ? EXIT.incomplete : EXIT.clean;
}
