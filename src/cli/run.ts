import { Command, CommanderError } from 'commander';
import { describeError, ParapetError } from '../core/errors.ts';
import { auditCommand } from './commands/audit.ts';
import { dbCommand } from './commands/db.ts';
import { gatewayCommand } from './commands/gateway.ts';
import { guardCommand } from './commands/guard.ts';
import { keysCommand } from './commands/keys.ts';
import { probeCommand } from './commands/probe.ts';
import { redteamCommand } from './commands/redteam.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { sbomCommand } from './commands/sbom.ts';
import { scanCommand } from './commands/scan.ts';
import { signCommand } from './commands/sign.ts';
import { verifyCommand } from './commands/verify.ts';
import { type CliIO, EXIT } from './io.ts';
import { VERSION } from './version.ts';

/**
 * The whole CLI as a function: argv in, exit code out, all output through `io`. main.ts is the only place
 * that touches process; tests call this directly. `env` is what commands read their variables from
 * (keys, paths); tests pass their own so the host's environment cannot change the outcome.
 */
export async function run(
  argv: readonly string[],
  io: CliIO,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let code: number = EXIT.clean;
  // Every command reports its exit code through this one setter.
  const setExit = (c: number): void => {
    code = c;
  };
  const program = new Command('parapet')
    .description('Parapet secures the open-source LLM stack. It never executes what it scans.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(scanCommand(io, setExit))
    .addCommand(guardCommand(io, setExit))
    .addCommand(gatewayCommand(io, setExit))
    .addCommand(keysCommand(io, setExit))
    .addCommand(auditCommand(io, setExit))
    .addCommand(dbCommand(io, setExit, env))
    .addCommand(signCommand(io, setExit, env))
    .addCommand(verifyCommand(io, setExit))
    .addCommand(sbomCommand(io, setExit))
    .addCommand(probeCommand(io, setExit))
    .addCommand(redteamCommand(io, setExit, env))
    .addCommand(sandboxCommand(io, setExit));
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    if (argv.length === 0) {
      io.stderr(program.helpInformation());
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0; everything else is a usage error.
      return err.exitCode === 0 ? EXIT.clean : EXIT.usage;
    }
    if (err instanceof ParapetError && (err.code === 'USAGE' || err.code === 'NOT_FOUND')) {
      io.stderr(`parapet: ${err.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`parapet: ${describeError(err)}\n`);
    return EXIT.incomplete;
  }
}
