/**
 * `docker run` / `podman run` command lines (in shell scripts and READMEs turned scripts): the options that
 * matter to exposure (-p/--publish, -P, --network host, --privileged, -v docker.sock, -e/--env, --env-file,
 * --user, --entrypoint), then the image and the arguments passed to its entrypoint.
 */
import { resolveDefaults } from './argv.ts';
import { shortPort } from './compose.ts';
import { addAssignment, finish, isDockerSocket, isRootUser, setCommand } from './launch-build.ts';
import type { Word } from './shell-words.ts';
import { type Launch, newLaunch } from './types.ts';

/** Options of `docker run` that never take a value (everything else starting with `--` and no `=` does). */
const SWITCHES = new Set([
  '-d',
  '--detach',
  '--rm',
  '-i',
  '--interactive',
  '-t',
  '--tty',
  '-it',
  '-ti',
  '-dit',
  '-itd',
  '-td',
  '-dt',
  '-id',
  '-di',
  '--privileged',
  '--init',
  '--read-only',
  '-P',
  '--publish-all',
  '--sig-proxy',
  '--no-healthcheck',
  '--oom-kill-disable',
  '-q',
  '--quiet',
]);

/** True when `words` start a `docker run` (`docker container run`, `podman run`, `sudo docker run`). */
export function isDockerRun(words: readonly string[]): boolean {
  const prog = words[0]?.slice(words[0].lastIndexOf('/') + 1);
  if (prog !== 'docker' && prog !== 'podman' && prog !== 'nerdctl') return false;
  return words[1] === 'run' || (words[1] === 'container' && words[2] === 'run');
}

/** The launch a `docker run` starts, with `env` (exported earlier in the script) as its starting environment. */
export function parseDockerRun(file: string, words: readonly Word[]): Launch {
  const launch = newLaunch(file, 'shell', words[0]!.line, true);
  let i = words[1]!.text === 'container' ? 3 : 2;
  let entrypoint: Word | undefined;
  for (; i < words.length; i++) {
    const w = words[i]!;
    const t = w.text;
    if (t === '--') {
      i++;
      break;
    }
    if (!t.startsWith('-') || t === '-') break;
    const eq = t.indexOf('=');
    const name = eq > 0 ? t.slice(0, eq) : t;
    const takes = eq < 0 && !SWITCHES.has(t);
    let value: Word | undefined;
    if (eq > 0) value = { text: t.slice(eq + 1), line: w.line };
    else if (takes && i + 1 < words.length) value = words[++i];
    switch (name) {
      case '-p':
      case '--publish': {
        const port = shortPort(value?.text, w.line);
        if (port !== undefined) launch.ports.push(port);
        break;
      }
      case '-P':
      case '--publish-all':
        launch.ports.push({ via: 'publish-all', line: w.line, text: t });
        break;
      case '-e':
      case '--env':
        if (value !== undefined) addAssignment(launch, value);
        break;
      case '--env-file':
        if (value !== undefined) launch.envFiles.push(value.text);
        break;
      case '--network':
      case '--net':
        if (value?.text === 'host') launch.hostNetwork = { line: w.line, text: `${name} host` };
        break;
      case '--privileged':
        if (eq < 0 || value?.text !== 'false') launch.privileged = { line: w.line, text: '--privileged' };
        break;
      case '-v':
      case '--volume':
      case '--mount': {
        const v = value?.text ?? '';
        const source =
          name === '--mount' ? (/(?:^|,)(?:source|src)=([^,]+)/.exec(v)?.[1] ?? '') : v.split(':')[0]!;
        if (isDockerSocket(resolveDefaults(source)))
          launch.dockerSock = { line: w.line, text: `${name} ${v}` };
        break;
      }
      case '-u':
      case '--user':
        if (value !== undefined) {
          const flagged = { line: w.line, text: `${name} ${value.text}` };
          if (isRootUser(value.text)) launch.runsAsRoot = flagged;
          else if (!value.text.includes('$')) launch.runsAsNonRoot = flagged;
        }
        break;
      case '--name':
        if (value !== undefined) launch.name = value.text;
        break;
      case '--entrypoint':
        entrypoint = value;
        break;
    }
  }
  const image = words[i];
  if (image !== undefined) {
    launch.image = { ref: image.text, line: image.line };
    const args = words.slice(i + 1);
    setCommand(launch, entrypoint === undefined ? args : [entrypoint, ...args]);
  }
  return finish(launch);
}
