/**
 * Shell scripts (`*.sh`): commands split on newlines (with `\` continuations), `&&`, `;` and pipes. Each
 * command that starts a known server, a tunnel or an `rpc-server` becomes a Launch on the host, with the
 * environment the script exported before it; each `docker run` becomes a container Launch. Exported and
 * assigned variables also form one environment-only Launch, so literal secrets are seen once.
 */
import { isDockerRun, parseDockerRun } from './docker-run.ts';
import { addAssignment, finish, setCommand } from './launch-build.ts';
import { serverOfArgv } from './servers.ts';
import { splitCommands, stripPrefix } from './shell-words.ts';
import { type DeployConfig, type EnvValue, type Launch, newLaunch } from './types.ts';

/** `*.sh` and `*.bash` scripts. */
export function isShellName(name: string): boolean {
  return /\.(sh|bash)$/i.test(name);
}

/** Programs worth a launch even when they are not a server: tunnels and the llama.cpp RPC worker. */
const OTHER_PROGRAMS = new Set(['cloudflared', 'ngrok', 'rpc-server', 'localtunnel', 'lt']);

/** Reads the script's commands. */
export function parseShell(file: string, text: string): DeployConfig {
  const exported = newLaunch(file, 'shell', 1, false);
  exported.name = 'exported environment';
  const launches: Launch[] = [exported];
  for (const words of splitCommands(text)) {
    const { assignments, command } = stripPrefix(words);
    if (command.length === 0) {
      for (const a of assignments) addAssignment(exported, a);
      continue;
    }
    if (command[0]!.text === 'export' || command[0]!.text === 'declare') {
      for (const w of command.slice(1)) addAssignment(exported, w);
      continue;
    }
    const argv = command.map((w) => w.text);
    if (isDockerRun(argv)) {
      launches.push(parseDockerRun(file, command));
      continue;
    }
    const prog = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
    if (serverOfArgv(argv) === undefined && !OTHER_PROGRAMS.has(prog)) continue;
    const launch = newLaunch(file, 'shell', command[0]!.line, false);
    launch.env = new Map<string, EnvValue>(exported.env);
    for (const a of assignments) addAssignment(launch, a);
    setCommand(launch, command);
    launches.push(finish(launch));
  }
  return { file, source: 'shell', launches, errors: [] };
}
